/* Logins in the log, as sshd writes them: each success with user and
 * address, and failures too, but rate-limited so a flood cannot fill the
 * journal. The first failure of a (user, address) pair in a minute is
 * logged at once; the rest are counted and summed up when the minute ends
 * ("42 failed logins for tom from 127.0.0.9 in the last 60 s"). At most
 * AUTH_LOG_PAIRS pairs get lines of their own a minute; failures of any
 * further pairs are summed up in one line. Loop thread only. */
#ifndef LEADD_AUTH_LOG_H
#define LEADD_AUTH_LOG_H

#include <stdint.h>

#define AUTH_LOG_PAIRS 32
#define AUTH_LOG_WINDOW_MS 60000u

/* A password login. */
void auth_log_success(const char *user, const char *addr);
/* user NULL: a token login (the user is not known). refused: why the
 * attempt was refused without a password check ("too many failures",
 * "too many checks waiting"), or NULL when it was checked. */
void auth_log_failure(const char *user, const char *addr, const char *refused, uint64_t now_ms);
/* Once a second: write the summaries of a minute that has ended. */
void auth_log_tick(uint64_t now_ms);
/* At stop: write what is pending, however short the window. */
void auth_log_flush(uint64_t now_ms);

#endif

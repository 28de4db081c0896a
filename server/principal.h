/* Who a request runs as: fixed when the connection logs in. */
#ifndef LEADD_PRINCIPAL_H
#define LEADD_PRINCIPAL_H

#include <stdint.h>

typedef enum {
	ROLE_NONE = 0, /* not logged in: only Hello (and Login) */
	ROLE_REP = 1,
	ROLE_MANAGER = 2,
	ROLE_ADMIN = 3,
} role_t;

#define PRINCIPAL_MAX_TEAMS 16

typedef struct {
	uint64_t user_id;
	role_t role;
	uint32_t n_teams;
	uint64_t teams[PRINCIPAL_MAX_TEAMS];
} principal_t;

/* Until logins exist every connection runs as this built-in admin. */
#define PRINCIPAL_BUILTIN_ADMIN_ID 1

const char *role_name(role_t role);

#endif

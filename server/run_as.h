/* leadd started by root: `leadd init` becomes the service's user before it
 * creates a file, the server refuses unless told otherwise. */
#ifndef LEADD_RUN_AS_H
#define LEADD_RUN_AS_H

#include "config.h"

/* Root may run leadd as any user would (no refusal, no change of user, no
 * system config): --allow-root, or LEADD_ALLOW_ROOT=1 in the environment
 * (containers whose only user is root, test suites run as root). */
void run_as_allow_root(int allow);

/* The config file `leadd init` (verify, fingerprint) reads when root runs
 * it without --config:
 * the installed one (/etc/leadd/leadd.conf for prefix /usr), or NULL when
 * the caller is not root (or root is allowed) or the file does not exist. */
const char *run_as_init_config(void);

/* The unit's StateDirectory=leadd: where root's init, verify and
 * fingerprint look when neither the command line, the config nor the
 * environment names a data directory. */
#define LEADD_SERVICE_DATA_DIR "/var/lib/leadd"

/* For `leadd init` run as root: create cfg->data_dir when missing (mode
 * 0700, owned by the service user) and become that user, so every file
 * init creates is the service's. Not root: nothing to do. 0, or -1 with a
 * sentence printed. */
int run_as_init_user(const config_t *cfg);

/* For `leadd verify` run as root: become the owner of the data directory,
 * so the files LMDB may create (lock.mdb) stay the service's. 0, or -1
 * with a sentence printed. */
int run_as_data_dir_owner(const config_t *cfg);

/* The server run as root, not allowed: -1 with a sentence printed; else 0. */
int run_as_refuse_root(void);

#endif

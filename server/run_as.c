/* leadd started by root. The service runs as its own user (User=leadd in
 * the unit); files root creates in its data directory would lock that user
 * out (LMDB's files are 0600), so init drops to the service user before it
 * creates anything, and the server refuses to run as root. */
#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "run_as.h"

#ifndef LEADD_SYSTEM_CONFIG
#define LEADD_SYSTEM_CONFIG "/etc/leadd/leadd.conf"
#endif
#ifndef LEADD_SERVICE_USER
#define LEADD_SERVICE_USER "leadd"
#endif

static int root_allowed;

void run_as_allow_root(int allow)
{
	const char *env = getenv("LEADD_ALLOW_ROOT");
	root_allowed = allow || (env && strcmp(env, "1") == 0);
}

/* Root, and not told to behave as an ordinary user. */
static int as_root(void)
{
	return geteuid() == 0 && !root_allowed;
}

const char *run_as_init_config(void)
{
	if (!as_root() || access(LEADD_SYSTEM_CONFIG, F_OK) != 0)
		return NULL;
	return LEADD_SYSTEM_CONFIG;
}

/* Become uid/gid for good: supplementary groups first (as systemd sets
 * them for User=), then the group, then the user, and check that root
 * cannot be regained. */
static int become(const char *who, const char *name, uid_t uid, gid_t gid)
{
	if (initgroups(name, gid) < 0 || setgid(gid) < 0 || setuid(uid) < 0) {
		fprintf(stderr, "%s: cannot become the user %s: %s\n", who, name, strerror(errno));
		return -1;
	}
	if (setuid(0) == 0) {
		fprintf(stderr, "%s: still root after becoming %s; stopping\n", who, name);
		return -1;
	}
	/* The unit's UMask=0077: what init writes only the service reads. */
	umask(0077);
	return 0;
}

/* A missing data directory is created as the service's; an existing one
 * must already be the service user's, or init would fail after dropping. */
static int prepare_data_dir(const char *dir, const struct passwd *pw)
{
	struct stat st;
	if (stat(dir, &st) == 0) {
		if (!S_ISDIR(st.st_mode)) {
			fprintf(stderr,
				"leadd init: %s is not a directory; pass another --data-dir\n",
				dir);
			return -1;
		}
		if (st.st_uid != pw->pw_uid) {
			struct passwd *owner = getpwuid(st.st_uid);
			fprintf(stderr,
				"leadd init: the data directory %s belongs to %s, not %s, the "
				"user the service runs as: run 'chown -R %s:%s %s' or pass "
				"another --data-dir\n",
				dir, owner ? owner->pw_name : "another user", pw->pw_name,
				pw->pw_name, pw->pw_name, dir);
			return -1;
		}
		return 0;
	}
	if (errno != ENOENT) {
		fprintf(stderr, "leadd init: cannot use the data directory %s: %s\n", dir,
			strerror(errno));
		return -1;
	}
	if (mkdir(dir, 0700) < 0) {
		fprintf(stderr,
			"leadd init: cannot create the data directory %s: %s (its parent "
			"directory must exist)\n",
			dir, strerror(errno));
		return -1;
	}
	/* mkdir applied root's umask; the mode is set whatever it was. */
	if (chown(dir, pw->pw_uid, pw->pw_gid) < 0 || chmod(dir, 0700) < 0) {
		fprintf(stderr, "leadd init: cannot give the data directory %s to %s: %s\n", dir,
			pw->pw_name, strerror(errno));
		rmdir(dir);
		return -1;
	}
	printf("leadd init: created the data directory %s (owner %s, mode 0700)\n", dir,
	       pw->pw_name);
	return 0;
}

int run_as_init_user(const config_t *cfg)
{
	if (!as_root())
		return 0;
	errno = 0;
	struct passwd *pw = getpwnam(LEADD_SERVICE_USER);
	if (!pw) {
		fprintf(stderr,
			"leadd init: run as root, init works as the user " LEADD_SERVICE_USER
			", the service's, but that user does not exist: install the leadd "
			"package, or run 'systemd-sysusers' with leadd's sysusers file "
			"installed (or run init as the user that will run leadd)\n");
		return -1;
	}
	/* getpwnam's buffer is reused by getpwuid below: keep a copy. */
	struct passwd svc = *pw;
	char name[256];
	snprintf(name, sizeof(name), "%s", pw->pw_name);
	svc.pw_name = name;
	if (prepare_data_dir(cfg->data_dir, &svc) < 0)
		return -1;
	return become("leadd init", svc.pw_name, svc.pw_uid, svc.pw_gid);
}

int run_as_data_dir_owner(const config_t *cfg)
{
	struct stat st;
	if (!as_root() || stat(cfg->data_dir, &st) < 0 || st.st_uid == 0)
		return 0;
	struct passwd *pw = getpwuid(st.st_uid);
	if (!pw) {
		fprintf(stderr,
			"leadd verify: the data directory %s belongs to uid %u, which has no "
			"user name; run verify as that user\n",
			cfg->data_dir, (unsigned)st.st_uid);
		return -1;
	}
	return become("leadd verify", pw->pw_name, pw->pw_uid, pw->pw_gid);
}

int run_as_refuse_root(void)
{
	if (!as_root())
		return 0;
	fprintf(stderr, "leadd: refusing to run as root: start the service with 'systemctl start "
			"leadd' (it runs as the user " LEADD_SERVICE_USER
			"), or run leadd as that user ('runuser -u " LEADD_SERVICE_USER
			" -- leadd ...'); --allow-root (or LEADD_ALLOW_ROOT=1) runs it as root "
			"anyway\n");
	return -1;
}

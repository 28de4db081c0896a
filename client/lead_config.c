/* Where lead keeps its files ($LEAD_CONFIG_DIR, else $XDG_CONFIG_HOME/lead,
 * else ~/.config/lead), which leadd to talk to (--server, then
 * $LEAD_SERVER, then `server = HOST:PORT` in the config file, then the
 * session's server, then the default) and whether over TLS ($LEAD_TLS, then `tls = auto|yes|no`,
 * then auto). The file is an ini file (libinih); keys may sit at the top, before any section. */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <ini.h>

#include "lead.h"

struct config {
	int read;
	char server[256];
	char tls[16];
};

static int nonempty(const char *s)
{
	return s && *s;
}

const char *lead_config_dir(void)
{
	static char dir[PATH_MAX];
	const char *env = getenv("LEAD_CONFIG_DIR");
	const char *xdg = getenv("XDG_CONFIG_HOME");
	const char *home = getenv("HOME");
	int n;
	if (nonempty(env))
		n = snprintf(dir, sizeof(dir), "%s", env);
	else if (nonempty(xdg))
		n = snprintf(dir, sizeof(dir), "%s/lead", xdg);
	else if (nonempty(home))
		n = snprintf(dir, sizeof(dir), "%s/.config/lead", home);
	else
		return NULL;
	return n > 0 && (size_t)n < sizeof(dir) ? dir : NULL;
}

const char *lead_config_path(void)
{
	static char path[PATH_MAX];
	const char *dir = lead_config_dir();
	if (!dir)
		return NULL;
	int n = snprintf(path, sizeof(path), "%s/config", dir);
	return n > 0 && (size_t)n < sizeof(path) ? path : NULL;
}

/* Unknown keys are ignored so that an older lead reads a newer config. */
static int on_key(void *user, const char *section, const char *name, const char *value)
{
	struct config *cfg = user;
	if (section[0] == '\0' && strcmp(name, "server") == 0)
		snprintf(cfg->server, sizeof(cfg->server), "%s", value);
	if (section[0] == '\0' && strcmp(name, "tls") == 0)
		snprintf(cfg->tls, sizeof(cfg->tls), "%s", value);
	return 1;
}

/* The config file, read once per run. */
static const struct config *config(void)
{
	static struct config cfg;
	if (cfg.read)
		return &cfg;
	cfg.read = 1;
	const char *path = lead_config_path();
	if (!path)
		return &cfg;
	/* -1: no file, which is the usual case; > 0: the first bad line. */
	int rc = ini_parse(path, on_key, &cfg);
	if (rc == -2)
		lead_warn("%s: out of memory while reading", path);
	else if (rc > 0)
		lead_warn("%s:%d: not a `key = value` line; ignored", path, rc);
	return &cfg;
}

const char *lead_config_server(const char *from_option, const struct lead_session *s)
{
	static char from_session[sizeof(s->server)];
	if (nonempty(from_option))
		return from_option;
	const char *env = getenv("LEAD_SERVER");
	if (nonempty(env))
		return env;
	const struct config *cfg = config();
	if (cfg->server[0])
		return cfg->server;
	if (s && s->has_server && s->server[0]) {
		memcpy(from_session, s->server, sizeof(from_session));
		return from_session;
	}
	return LD_DEFAULT_SERVER;
}

int lead_config_tls(int *mode, char *err, size_t errlen)
{
	static const char *const names[] = {"auto", "yes", "no"};
	static const int modes[] = {LD_CONN_TLS_AUTO, LD_CONN_TLS_YES, LD_CONN_TLS_NO};
	const char *env = getenv("LEAD_TLS");
	const char *value = nonempty(env) ? env : config()->tls;
	*mode = LD_CONN_TLS_AUTO;
	if (!*value)
		return 0;
	for (int i = 0; i < 3; i++)
		if (strcasecmp(value, names[i]) == 0) {
			*mode = modes[i];
			return 0;
		}
	if (nonempty(env))
		snprintf(err, errlen, "$LEAD_TLS is '%s': use auto, yes or no", value);
	else
		snprintf(err, errlen, "%s: tls = %s: use auto, yes or no", lead_config_path(),
			 value);
	return -1;
}

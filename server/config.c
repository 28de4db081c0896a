#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <ini.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "log.h"

void config_defaults(config_t *c)
{
	memset(c, 0, sizeof(*c));
	snprintf(c->listen, sizeof(c->listen), "127.0.0.1:7470");
	c->log_level = LOG_LEVEL_INFO;
	/* A sparse reservation: costs address space, not disk, until used. */
	c->map_size = 256ull << 20;
	c->map_size_max = 64ull << 30;
	c->max_connections = 1024;
	c->max_in_flight = 64;
	c->output_soft_limit = 8ull << 20;
	c->output_hard_limit = 64ull << 20;
	/* max_connections x output_hard_limit would be 64 GiB: the answers
	 * held for all clients together have a cap of their own. */
	c->output_total_limit = 256ull << 20;
	c->idle_timeout_ms = 0;
	c->shutdown_timeout_ms = 10000;
	c->session_idle_timeout = 7 * 24 * 3600;
	c->session_max_age = 30 * 24 * 3600;
	c->login_timeout_ms = 10000;
	c->hash_concurrency = 1;
	/* A quarter of max_connections: a flood of connections that never log
	 * in leaves three quarters to the users who do. */
	c->max_prelogin_connections = 256;
	c->max_prelogin_per_address = 16;
	/* Also a quarter: one account (or one stolen token) cannot take every
	 * slot from the users who log in after it. */
	c->max_connections_per_user = 256;
	c->max_hash_queue_per_address = 8;
	/* Enough to amortise one fsync over a burst of clients, small enough
	 * that one transaction stays short. */
	c->batch_max_writes = 512;
	c->batch_max_bytes = 16ull << 20;
	/* A dashboard's burst of events fits the soft limit many times over;
	 * a client that stops reading costs at most the hard limit. */
	c->watch_soft_limit = 256ull << 10;
	c->watch_hard_limit = 4ull << 20;
	c->changelog_keep = 30ull * 24 * 3600;
	c->changelog_max = 1000000;
}

int config_parse_duration(const char *s, uint64_t *out)
{
	char *end;
	errno = 0;
	unsigned long long v = strtoull(s, &end, 10);
	if (errno || end == s || *s == '-')
		return -1;
	uint64_t mul = 1;
	if (*end == 's')
		end++;
	else if (*end == 'm')
		mul = 60, end++;
	else if (*end == 'h')
		mul = 3600, end++;
	else if (*end == 'd')
		mul = 86400, end++;
	if (*end || v > UINT64_MAX / mul)
		return -1;
	*out = v * mul;
	return 0;
}

int config_parse_size(const char *s, uint64_t *out)
{
	char *end;
	errno = 0;
	unsigned long long v = strtoull(s, &end, 10);
	if (errno || end == s || *s == '-')
		return -1;
	while (isspace((unsigned char)*end))
		end++;
	static const struct {
		const char *suffix;
		unsigned shift;
	} units[] = {{"", 0},     {"B", 0},  {"K", 10},   {"KiB", 10}, {"M", 20},
		     {"MiB", 20}, {"G", 30}, {"GiB", 30}, {"T", 40},   {"TiB", 40}};
	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		if (strcasecmp(end, units[i].suffix) == 0) {
			if (units[i].shift && v > (~0ull >> units[i].shift))
				return -1;
			*out = v << units[i].shift;
			return 0;
		}
	}
	return -1;
}

static int parse_u32(const char *s, uint32_t *out)
{
	char *end;
	errno = 0;
	unsigned long v = strtoul(s, &end, 10);
	if (errno || end == s || *end || *s == '-' || v > UINT32_MAX)
		return -1;
	*out = (uint32_t)v;
	return 0;
}

static int parse_u32_nonzero(const char *s, uint32_t *out)
{
	return parse_u32(s, out) < 0 || *out == 0 ? -1 : 0;
}

/* yes/no, as the example config writes them (true/false, on/off, 1/0 too). */
static int parse_bool(const char *s, int *out)
{
	static const char *const yes[] = {"yes", "true", "on", "1"}, *const no[] = {"no", "false",
										    "off", "0"};
	for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
		if (strcasecmp(s, yes[i]) == 0)
			return *out = 1, 0;
		if (strcasecmp(s, no[i]) == 0)
			return *out = 0, 0;
	}
	return -1;
}

static int copy_str(char *dst, size_t n, const char *v)
{
	if (strlen(v) >= n)
		return -1;
	memcpy(dst, v, strlen(v) + 1);
	return 0;
}

int config_set(config_t *c, const char *key, const char *value, char *err, size_t errlen)
{
	int rc = 0;
	if (strcmp(key, "listen") == 0)
		rc = copy_str(c->listen, sizeof(c->listen), value);
	else if (strcmp(key, "data_dir") == 0)
		rc = copy_str(c->data_dir, sizeof(c->data_dir), value);
	else if (strcmp(key, "pid_file") == 0)
		rc = copy_str(c->pid_file, sizeof(c->pid_file), value);
	else if (strcmp(key, "log_file") == 0)
		rc = copy_str(c->log_file, sizeof(c->log_file), value);
	else if (strcmp(key, "tls_cert") == 0)
		rc = copy_str(c->tls_cert, sizeof(c->tls_cert), value);
	else if (strcmp(key, "tls_key") == 0)
		rc = copy_str(c->tls_key, sizeof(c->tls_key), value);
	else if (strcmp(key, "allow_plaintext") == 0)
		rc = parse_bool(value, &c->allow_plaintext);
	else if (strcmp(key, "require_tls_on_loopback") == 0)
		rc = parse_bool(value, &c->require_tls_on_loopback);
	else if (strcmp(key, "log_level") == 0)
		rc = (c->log_level = log_level_parse(value)) < 0 ? -1 : 0;
	else if (strcmp(key, "map_size") == 0)
		rc = config_parse_size(value, &c->map_size);
	else if (strcmp(key, "map_size_max") == 0)
		rc = config_parse_size(value, &c->map_size_max);
	else if (strcmp(key, "max_connections") == 0)
		rc = parse_u32(value, &c->max_connections);
	else if (strcmp(key, "max_in_flight") == 0)
		rc = parse_u32(value, &c->max_in_flight);
	else if (strcmp(key, "output_soft_limit") == 0)
		rc = config_parse_size(value, &c->output_soft_limit);
	else if (strcmp(key, "output_hard_limit") == 0)
		rc = config_parse_size(value, &c->output_hard_limit);
	else if (strcmp(key, "output_total_limit") == 0)
		rc = config_parse_size(value, &c->output_total_limit);
	else if (strcmp(key, "idle_timeout_ms") == 0)
		rc = parse_u32(value, &c->idle_timeout_ms);
	else if (strcmp(key, "shutdown_timeout_ms") == 0)
		rc = parse_u32(value, &c->shutdown_timeout_ms);
	else if (strcmp(key, "session_idle_timeout") == 0)
		rc = parse_u32(value, &c->session_idle_timeout);
	else if (strcmp(key, "session_max_age") == 0)
		rc = parse_u32(value, &c->session_max_age);
	else if (strcmp(key, "login_timeout_ms") == 0)
		rc = parse_u32(value, &c->login_timeout_ms);
	else if (strcmp(key, "hash_concurrency") == 0)
		rc = parse_u32(value, &c->hash_concurrency) < 0 || c->hash_concurrency == 0 ? -1
											    : 0;
	else if (strcmp(key, "max_prelogin_connections") == 0)
		rc = parse_u32_nonzero(value, &c->max_prelogin_connections);
	else if (strcmp(key, "max_prelogin_per_address") == 0)
		rc = parse_u32_nonzero(value, &c->max_prelogin_per_address);
	else if (strcmp(key, "max_connections_per_user") == 0)
		rc = parse_u32_nonzero(value, &c->max_connections_per_user);
	else if (strcmp(key, "max_hash_queue_per_address") == 0)
		rc = parse_u32_nonzero(value, &c->max_hash_queue_per_address);
	else if (strcmp(key, "batch_max_writes") == 0)
		rc = parse_u32(value, &c->batch_max_writes) < 0 || c->batch_max_writes == 0 ? -1
											    : 0;
	else if (strcmp(key, "batch_max_bytes") == 0)
		rc = config_parse_size(value, &c->batch_max_bytes);
	else if (strcmp(key, "watch_soft_limit") == 0)
		rc = config_parse_size(value, &c->watch_soft_limit);
	else if (strcmp(key, "watch_hard_limit") == 0)
		rc = config_parse_size(value, &c->watch_hard_limit);
	else if (strcmp(key, "changelog_keep") == 0)
		rc = config_parse_duration(value, &c->changelog_keep);
	else if (strcmp(key, "changelog_max") == 0) {
		char *end;
		errno = 0;
		c->changelog_max = strtoull(value, &end, 10);
		rc = errno || end == value || *end || value[0] == '-' ? -1 : 0;
	} else {
		snprintf(err, errlen, "unknown setting '%s'", key);
		return -1;
	}
	if (rc < 0) {
		snprintf(err, errlen, "invalid value '%s' for '%s'", value, key);
		return -1;
	}
	if (c->map_size > c->map_size_max)
		c->map_size = c->map_size_max;
	return 0;
}

typedef struct {
	config_t *c;
	char *err;
	size_t errlen;
	int failed;
} ini_ctx;

static int on_ini(void *user, const char *section, const char *name, const char *value)
{
	ini_ctx *ctx = user;
	if (section[0] && strcmp(section, "server") != 0) {
		snprintf(ctx->err, ctx->errlen, "unknown section [%s]", section);
		ctx->failed = 1;
		return 0;
	}
	if (config_set(ctx->c, name, value, ctx->err, ctx->errlen) < 0) {
		ctx->failed = 1;
		return 0;
	}
	return 1;
}

int config_load(config_t *c, const char *path, char *err, size_t errlen)
{
	char inner[512] = "";
	ini_ctx ctx = {c, inner, sizeof(inner), 0};
	int rc = ini_parse(path, on_ini, &ctx);
	if (rc == -1) {
		snprintf(err, errlen, "cannot open config file %s: %s", path, strerror(errno));
		return -1;
	}
	if (rc != 0 || ctx.failed) {
		snprintf(err, errlen, "%s, line %d: %s", path, rc,
			 inner[0] ? inner : "syntax error");
		return -1;
	}
	return 0;
}

int config_default_data_dir(char *out, size_t outlen)
{
	const char *v;
	int n;
	if ((v = getenv("LEADD_DATA_DIR")) && *v)
		n = snprintf(out, outlen, "%s", v);
	else if ((v = getenv("STATE_DIRECTORY")) && *v) {
		/* systemd may pass several, colon-separated: the first is ours. */
		const char *colon = strchr(v, ':');
		n = snprintf(out, outlen, "%.*s", colon ? (int)(colon - v) : (int)strlen(v), v);
	} else if ((v = getenv("XDG_STATE_HOME")) && *v)
		n = snprintf(out, outlen, "%s/leadd", v);
	else if ((v = getenv("HOME")) && *v)
		n = snprintf(out, outlen, "%s/.local/state/leadd", v);
	else
		return -1;
	return n > 0 && (size_t)n < outlen ? 0 : -1;
}

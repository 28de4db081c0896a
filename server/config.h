/* leadd's settings: defaults, then the config file, then the command line. */
#ifndef LEADD_CONFIG_H
#define LEADD_CONFIG_H

#include <stddef.h>
#include <stdint.h>

typedef struct {
	char listen[256]; /* ADDR:PORT; port 0 picks a free one */
	char data_dir[4096];
	char port_file[4096]; /* written once listening, for tests and scripts */
	char pid_file[4096];
	char log_file[4096];
	/* TLS (tls_server.c): the certificate and key, PEM; empty means
	 * DATA_DIR/tls.crt and DATA_DIR/tls.key, made when missing. */
	char tls_cert[4096];
	char tls_key[4096];
	int allow_plaintext;         /* plain TCP on a non-loopback listener too */
	int require_tls_on_loopback; /* a loopback listener follows the same rule */
	int log_level;
	uint64_t map_size;     /* initial LMDB map reservation, bytes */
	uint64_t map_size_max; /* growth stops here: writes get RESOURCE_EXHAUSTED */
	uint32_t max_connections;
	uint32_t max_in_flight;     /* requests per connection before reading pauses */
	uint64_t output_soft_limit; /* bytes queued to a client before reading pauses */
	uint64_t output_hard_limit; /* bytes queued before the client is dropped */
	uint32_t idle_timeout_ms;   /* 0: never */
	uint32_t shutdown_timeout_ms;
	uint32_t session_idle_timeout;       /* seconds a session lives unused */
	uint32_t session_max_age;            /* seconds a session lives at most */
	uint32_t login_timeout_ms;           /* a connection must log in within this */
	uint32_t hash_concurrency;           /* argon2 hashes at once (64 MiB each) */
	uint32_t max_prelogin_connections;   /* connections not yet logged in, in all */
	uint32_t max_prelogin_per_address;   /* ... from one address (IPv6: one /64) */
	uint32_t max_connections_per_user;   /* connections logged in as one user */
	uint32_t max_hash_queue_per_address; /* password checks waiting from one address */
	uint32_t batch_max_writes;           /* group commit: most requests in one transaction */
	uint64_t batch_max_bytes;
	/* Answer bytes held for all clients together (net.c); 0: no limit. */
	uint64_t output_total_limit;
	/* Watchers (watch_out.c): past the soft limit a watcher's waiting
	 * events become one snapshot; past the hard limit it is closed. */
	uint64_t watch_soft_limit;
	uint64_t watch_hard_limit;
	/* Change-log trimming (changelog_trim.c): entries older than this many
	 * seconds go (0: none by age), and beyond this many entries the oldest
	 * go (0: no cap). */
	uint64_t changelog_keep;
	uint64_t changelog_max;
} config_t;

void config_defaults(config_t *c);
/* Load an INI file ([server] section). 0, or -1 with a sentence in err. */
int config_load(config_t *c, const char *path, char *err, size_t errlen);
/* Apply one key=value; 0, or -1 with a sentence in err. */
int config_set(config_t *c, const char *key, const char *value, char *err, size_t errlen);
/* Parse "64MiB", "8GiB", "1048576". -1 on error. */
int config_parse_size(const char *s, uint64_t *out);
/* Parse a duration in seconds: "3600", "90s", "15m", "12h", "30d". -1 on error. */
int config_parse_duration(const char *s, uint64_t *out);
/* The data directory when none was given: $LEADD_DATA_DIR, $STATE_DIRECTORY,
 * $XDG_STATE_HOME/leadd, ~/.local/state/leadd. */
int config_default_data_dir(char *out, size_t outlen);

#endif

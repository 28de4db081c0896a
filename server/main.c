/* leadd: the lead server. `leadd [options]` runs it; `leadd verify` checks
 * a data directory offline. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <systemd/sd-daemon.h>
#include <time.h>
#include <unistd.h>
#include <uv.h>

#include "auth.h"
#include "client_handlers.h"
#include "config.h"
#include "init_cmd.h"
#include "lead_handlers.h"
#include "log.h"
#include "net.h"
#include "permissions.h"
#include "run_as.h"
#include "server.h"
#include "tls_server.h"
#include "verify.h"

static void usage(FILE *out)
{
	fprintf(out,
		"usage: leadd [options]            run the server\n"
		"       leadd verify [--config FILE] [--data-dir DIR]\n"
		"                                 check a data directory and the TLS pair offline\n"
		"       leadd permissions         print the request table as Markdown\n"
		"       leadd init --admin NAME [--password-stdin] [--data-dir DIR]\n"
		"                                 create the first admin of a new data directory\n"
		"                                 and leadd's TLS certificate (as root: reads the\n"
		"                                 installed leadd.conf, works as the user leadd)\n"
		"       leadd fingerprint [--config FILE] [--data-dir DIR]\n"
		"                                 print the TLS certificate's fingerprint\n"
		"\n"
		"options:\n"
		"  -l, --listen ADDR:PORT   address to listen on (default 127.0.0.1:7470;\n"
		"                           [::1]:7470 for IPv6; port 0 picks a free port)\n"
		"  -d, --data-dir DIR       data directory (default $LEADD_DATA_DIR, else\n"
		"                           $STATE_DIRECTORY, else $XDG_STATE_HOME/leadd or\n"
		"                           ~/.local/state/leadd)\n"
		"  -c, --config FILE        INI config file ([server] section; see leadd.conf)\n"
		"      --port-file FILE     write the listening port here once ready\n"
		"      --pid-file FILE      write the process id here\n"
		"      --log-file FILE      append logs here instead of stderr\n"
		"      --log-level LEVEL    debug, info, warn or error (default info)\n"
		"      --map-size-max SIZE  cap on the database size, e.g. 8GiB\n"
		"      --set KEY=VALUE      any config setting\n"
		"      --allow-root         as root: run the server (refused otherwise), and\n"
		"                           init and verify without becoming the service's\n"
		"                           user (also LEADD_ALLOW_ROOT=1)\n"
		"  -h, --help               this help\n"
		"  -V, --version            print the version\n"
		"\n"
		"exit status: 0 clean stop, 1 error (data directory in use, ...), 2 usage\n");
}

enum {
	OPT_PORT_FILE = 256,
	OPT_PID_FILE,
	OPT_LOG_FILE,
	OPT_LOG_LEVEL,
	OPT_MAP_MAX,
	OPT_SET,
	OPT_ADMIN,
	OPT_PASSWORD_STDIN,
	OPT_ALLOW_ROOT
};

/* leadd init's own options. */
static const char *init_admin;
static int init_password_stdin;

static const struct option long_opts[] = {
	{"listen", required_argument, NULL, 'l'},
	{"data-dir", required_argument, NULL, 'd'},
	{"config", required_argument, NULL, 'c'},
	{"port-file", required_argument, NULL, OPT_PORT_FILE},
	{"pid-file", required_argument, NULL, OPT_PID_FILE},
	{"log-file", required_argument, NULL, OPT_LOG_FILE},
	{"log-level", required_argument, NULL, OPT_LOG_LEVEL},
	{"map-size-max", required_argument, NULL, OPT_MAP_MAX},
	{"set", required_argument, NULL, OPT_SET},
	{"admin", required_argument, NULL, OPT_ADMIN},
	{"password-stdin", no_argument, NULL, OPT_PASSWORD_STDIN},
	{"allow-root", no_argument, NULL, OPT_ALLOW_ROOT},
	{"help", no_argument, NULL, 'h'},
	{"version", no_argument, NULL, 'V'},
	{NULL, 0, NULL, 0},
};

/* --allow-root decides which config file is read, so it is looked for
 * before the options are parsed. */
static int has_allow_root(int argc, char **argv)
{
	for (int i = 1; i < argc && strcmp(argv[i], "--") != 0; i++)
		if (strcmp(argv[i], "--allow-root") == 0)
			return 1;
	return 0;
}

/* Two passes: the config file first, so command-line options win.
 * default_config is read when no --config is given (may be NULL). */
static int parse_args(int argc, char **argv, config_t *cfg, const char *default_config)
{
	char err[512];
	const char *config_path = default_config;
	int opt;
	opterr = 0;
	while ((opt = getopt_long(argc, argv, "+l:d:c:hV", long_opts, NULL)) != -1)
		if (opt == 'c')
			config_path = optarg;
	if (config_path && config_load(cfg, config_path, err, sizeof(err)) < 0) {
		fprintf(stderr, "leadd: %s\n", err);
		return 1;
	}
	optind = 1;
	opterr = 1;
	while ((opt = getopt_long(argc, argv, "+l:d:c:hV", long_opts, NULL)) != -1) {
		const char *key = NULL;
		char kv[4200];
		switch (opt) {
		case 'l':
			key = "listen";
			break;
		case 'd':
			key = "data_dir";
			break;
		case 'c':
			continue;
		case OPT_PORT_FILE:
			snprintf(cfg->port_file, sizeof(cfg->port_file), "%s", optarg);
			continue;
		case OPT_PID_FILE:
			key = "pid_file";
			break;
		case OPT_LOG_FILE:
			key = "log_file";
			break;
		case OPT_LOG_LEVEL:
			key = "log_level";
			break;
		case OPT_MAP_MAX:
			key = "map_size_max";
			break;
		case OPT_SET: {
			snprintf(kv, sizeof(kv), "%s", optarg);
			char *eq = strchr(kv, '=');
			if (!eq) {
				fprintf(stderr, "leadd: --set takes KEY=VALUE, got '%s'\n", optarg);
				return 2;
			}
			*eq = 0;
			if (config_set(cfg, kv, eq + 1, err, sizeof(err)) < 0) {
				fprintf(stderr, "leadd: --set %s: %s\n", optarg, err);
				return 2;
			}
			continue;
		}
		case OPT_ADMIN:
			init_admin = optarg;
			continue;
		case OPT_PASSWORD_STDIN:
			init_password_stdin = 1;
			continue;
		case OPT_ALLOW_ROOT: /* read before parsing (has_allow_root) */
			continue;
		case 'h':
			usage(stdout);
			exit(0);
		case 'V':
			printf("leadd %s\n", LEADD_VERSION);
			exit(0);
		default:
			usage(stderr);
			return 2;
		}
		if (config_set(cfg, key, optarg, err, sizeof(err)) < 0) {
			fprintf(stderr, "leadd: %s\n", err);
			return 2;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "leadd: unexpected argument '%s'\n", argv[optind]);
		usage(stderr);
		return 2;
	}
	/* Root's init, verify and fingerprint (default_config: the installed
	 * config) act on the service's data: with no directory named anywhere,
	 * the unit's StateDirectory, never root's ~/.local/state/leadd. */
	if (!cfg->data_dir[0] && default_config && !getenv("LEADD_DATA_DIR") &&
	    !getenv("STATE_DIRECTORY"))
		snprintf(cfg->data_dir, sizeof(cfg->data_dir), "%s", LEADD_SERVICE_DATA_DIR);
	if (!cfg->data_dir[0] &&
	    config_default_data_dir(cfg->data_dir, sizeof(cfg->data_dir)) < 0) {
		fprintf(stderr,
			"leadd: no data directory: pass --data-dir or set LEADD_DATA_DIR\n");
		return 2;
	}
	return 0;
}

/* Written to a temporary name and renamed, so a reader never sees half. */
static int write_small_file(const char *path, const char *text)
{
	char tmp[4200];
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	FILE *f = fopen(tmp, "we");
	if (!f)
		return -1;
	int ok = fputs(text, f) >= 0;
	ok = (fclose(f) == 0) && ok;
	if (!ok || rename(tmp, path) < 0) {
		unlink(tmp);
		return -1;
	}
	return 0;
}

static server the_server;
static uv_signal_t sig_term, sig_int, sig_hup;
static uv_timer_t watchdog;

static void on_stopped(server *srv)
{
	(void)srv;
	uv_signal_stop(&sig_term);
	uv_signal_stop(&sig_int);
	uv_signal_stop(&sig_hup);
	uv_close((uv_handle_t *)&sig_term, NULL);
	uv_close((uv_handle_t *)&sig_int, NULL);
	uv_close((uv_handle_t *)&sig_hup, NULL);
	uv_close((uv_handle_t *)&watchdog, NULL);
}

static void on_signal(uv_signal_t *h, int signum)
{
	server *srv = h->data;
	log_info("%s: stopping (answering what is queued, at most %u ms)",
		 signum == SIGTERM ? "SIGTERM" : "SIGINT", srv->cfg.shutdown_timeout_ms);
	sd_notify(0, "STOPPING=1");
	net_shutdown(srv->nt, srv->cfg.shutdown_timeout_ms, on_stopped);
}

/* SIGHUP: the TLS certificate and key again (a renewed pair). */
static void on_hup(uv_signal_t *h, int signum)
{
	(void)h;
	(void)signum;
	(void)tls_server_reload();
}

static void on_watchdog(uv_timer_t *t)
{
	(void)t;
	sd_notify(0, "WATCHDOG=1");
}

static int run_server(config_t *cfg)
{
	server *srv = &the_server;
	char err[1024];
	srv->cfg = *cfg;
	srv->started_at = server_now_ms();
	if (cfg->log_file[0] && log_set_file(cfg->log_file) < 0) {
		fprintf(stderr, "leadd: cannot open log file %s: %s\n", cfg->log_file,
			strerror(errno));
		return 1;
	}
	/* maxreaders: the loop thread, the writer, and headroom for later
	 * reader threads (exports, verify-online). */
	if (store_open(&srv->st, cfg->data_dir, cfg->map_size, cfg->map_size_max, 64, err,
		       sizeof(err)) < 0) {
		log_error("%s", err);
		return 1;
	}
	/* A failure is logged; leadd serves anyway and tries again next start. */
	lead_finish_team_moves(&srv->st);
	client_finish_renames(&srv->st);
	signal(SIGPIPE, SIG_IGN);
	if (auth_init() < 0) {
		store_close(&srv->st);
		return 1;
	}
	auth_set_concurrency(cfg->hash_concurrency);
	if (tls_server_start(cfg, err, sizeof(err)) < 0) {
		log_error("%s", err);
		store_close(&srv->st);
		return 1;
	}
	uv_loop_t *loop = uv_default_loop();
	srv->nt = net_start(srv, loop, err, sizeof(err));
	if (!srv->nt) {
		log_error("%s", err);
		store_close(&srv->st);
		return 1;
	}
	char text[64];
	if (cfg->pid_file[0]) {
		snprintf(text, sizeof(text), "%ld\n", (long)getpid());
		if (write_small_file(cfg->pid_file, text) < 0)
			log_warn("cannot write pid file %s: %s", cfg->pid_file, strerror(errno));
	}
	if (cfg->port_file[0]) {
		snprintf(text, sizeof(text), "%d\n", net_port(srv->nt));
		if (write_small_file(cfg->port_file, text) < 0) {
			log_error("cannot write port file %s: %s", cfg->port_file, strerror(errno));
			return 1;
		}
	}
	uv_signal_init(loop, &sig_term);
	uv_signal_init(loop, &sig_int);
	sig_term.data = sig_int.data = srv;
	uv_signal_start(&sig_term, on_signal, SIGTERM);
	uv_signal_start(&sig_int, on_signal, SIGINT);
	uv_signal_init(loop, &sig_hup);
	uv_signal_start(&sig_hup, on_hup, SIGHUP);
	uv_timer_init(loop, &watchdog);
	uint64_t wd_usec = 0;
	if (sd_watchdog_enabled(0, &wd_usec) > 0 && wd_usec >= 2000)
		uv_timer_start(&watchdog, on_watchdog, 0, wd_usec / 2000);
	log_info("leadd %s listening on %s (port %d), data in %s", LEADD_VERSION, cfg->listen,
		 net_port(srv->nt), cfg->data_dir);
	sd_notify(0, "READY=1");

	uv_run(loop, UV_RUN_DEFAULT);
	uv_loop_close(loop);
	store_close(&srv->st);
	tls_server_stop();
	free(srv->nt);
	if (cfg->pid_file[0])
		unlink(cfg->pid_file);
	log_info("stopped cleanly");
	return 0;
}

int main(int argc, char **argv)
{
	config_t cfg;
	config_defaults(&cfg);
	if (argc == 2 && strcmp(argv[1], "permissions") == 0) {
		permissions_write_markdown(stdout);
		return 0;
	}
	int verify = argc > 1 && strcmp(argv[1], "verify") == 0;
	int init = argc > 1 && strcmp(argv[1], "init") == 0;
	int fingerprint = argc > 1 && strcmp(argv[1], "fingerprint") == 0;
	if (verify || init || fingerprint) {
		argv[1] = argv[0];
		argc--;
		argv++;
	}
	/* Root's init, verify and fingerprint read the installed config
	 * (leadd(8)); whether root is allowed is known before the options. */
	run_as_allow_root(has_allow_root(argc, argv));
	int rc = parse_args(argc, argv, &cfg,
			    init || verify || fingerprint ? run_as_init_config() : NULL);
	if (rc)
		return rc;
	log_set_level(cfg.log_level);
	if ((init_admin || init_password_stdin) && !init) {
		fprintf(stderr, "leadd: --admin and --password-stdin belong to 'leadd init'\n");
		return 2;
	}
	if (init) {
		if (!init_admin) {
			fprintf(stderr, "leadd init: --admin NAME is required\n");
			return 2;
		}
		if (run_as_init_user(&cfg) < 0)
			return 1;
		return init_data_dir(&cfg, init_admin, init_password_stdin);
	}
	if (fingerprint)
		return tls_server_print_fingerprint(&cfg);
	if (verify)
		return run_as_data_dir_owner(&cfg) < 0 ? 1 : verify_data_dir(&cfg);
	return run_as_refuse_root() < 0 ? 1 : run_server(&cfg);
}

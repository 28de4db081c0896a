/* leadtop: options, the loop (keys, the connection, a redraw every quarter
 * second so highlights fade and the clock moves), and --once. */
#include <curses.h>
#include <errno.h>
#include <getopt.h>
#include <locale.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "leadtop.h"

static const char usage_text[] =
	"usage: leadtop [--server HOST:PORT] [--once [--json]]\n"
	"\n"
	"The live dashboard of leadd: lead counts per rep and team (with the change\n"
	"since it opened), each pinned saved search as a live list, and the latest\n"
	"changes. It uses the session of 'lead login' (LEAD_CONFIG_DIR, LEAD_SERVER\n"
	"and --server as lead reads them), speaks TLS as lead does (LEAD_TLS, tls =)\n"
	"and trusts only the servers lead trusts: 'lead login' first for a new one.\n"
	"\n"
	"  --once        print what the screen would show, once, and exit\n"
	"  --json        with --once: as JSON (\"kpi\" is what 'lead --json kpi' prints)\n"
	"  --server S    the server, HOST:PORT (default: LEAD_SERVER, then lead's config)\n"
	"  --help        this text\n"
	"  --version     leadtop's version (the package's)\n"
	"\n"
	"Keys: arrows or j/k move, Tab next panel, Enter details, e edit the main\n"
	"contact's phone and email, s change status, a add a lead, / filter, ? help,\n"
	"q quit. See leadtop(1).\n";

static int fail(int code, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int fail(int code, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fputs("leadtop: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	return ld_code_exit_status(code);
}

int lt_wait(struct lt_app *a, int timeout_ms)
{
	/* A panel waiting for its next read (leadtop_conn.c spaces them)
	 * should not wait for the redraw tick. */
	for (int i = 0; i < a->npanels; i++)
		if (a->panel[i]->wants_reload && timeout_ms > 50)
			timeout_ms = 50;
	struct pollfd pfd[2] = {{.fd = STDIN_FILENO, .events = POLLIN}, {.fd = -1}};
	if (a->conn) {
		pfd[1].fd = ld_conn_fd(a->conn);
		pfd[1].events = POLLIN | (ld_conn_want_write(a->conn) ? POLLOUT : 0);
	}
	int n = poll(pfd, 2, timeout_ms);
	if (n < 0)
		return errno == EINTR ? 0 : -1; /* SIGWINCH: get_wch gives KEY_RESIZE */
	if (a->conn && pfd[1].revents)
		lt_poll_conn(a, pfd[1].revents);
	return 0;
}

static int run(struct lt_app *a)
{
	char why[300];
	if (lt_screen_start(why, sizeof(why)) < 0)
		return fail(LD_INVALID_ARGUMENT, "%s", why);
	lt_connect(a);
	while (!a->quit) {
		lt_tick(a);
		lt_draw(a);
		lt_wait(a, 250);
		wint_t ch;
		int r;
		while (!a->quit && (r = get_wch(&ch)) != ERR)
			lt_key(a, ch, r == KEY_CODE_YES);
	}
	lt_screen_stop();
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{"once", no_argument, NULL, 'o'},         {"json", no_argument, NULL, 'j'},
		{"server", required_argument, NULL, 'S'}, {"help", no_argument, NULL, 'h'},
		{"version", no_argument, NULL, 'V'},      {NULL, 0, NULL, 0},
	};
	static struct lt_app app;
	struct lt_app *a = &app;
	const char *server = NULL;
	int c;
	lead_program = "leadtop";
	setlocale(LC_ALL, "");
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
		switch (c) {
		case 'o':
			a->once = 1;
			break;
		case 'j':
			a->json = 1;
			break;
		case 'S':
			server = optarg;
			break;
		case 'h':
			fputs(usage_text, stdout);
			return 0;
		case 'V':
			printf("leadtop %s\n", LEADD_VERSION);
			return 0;
		case ':':
			fail(LD_INVALID_ARGUMENT, "%s needs a value", argv[optind - 1]);
			fputs(usage_text, stderr);
			return LD_EXIT_USAGE;
		default:
			fail(LD_INVALID_ARGUMENT, "unknown option '%s'", argv[optind - 1]);
			fputs(usage_text, stderr);
			return LD_EXIT_USAGE;
		}
	}
	if (optind < argc) {
		fail(LD_INVALID_ARGUMENT, "leadtop takes no arguments, not '%s'", argv[optind]);
		fputs(usage_text, stderr);
		return LD_EXIT_USAGE;
	}
	if (a->json && !a->once) {
		fail(LD_INVALID_ARGUMENT, "--json goes with --once (the screen is not JSON)");
		return LD_EXIT_USAGE;
	}
	signal(SIGPIPE, SIG_IGN);
	a->ctx.json = a->json;
	a->ctx.timeout_ms = LT_CALL_TIMEOUT_MS;
	int rc = 0, have = lead_session_load(&a->ctx, &a->sess, &rc);
	if (have < 0)
		return rc;
	if (!have || !a->sess.has_token)
		return fail(LD_UNAUTHENTICATED, "not logged in: run 'lead login'");
	a->ctx.server = lead_config_server(server, &a->sess);
	if ((rc = lead_session_check_server(&a->ctx, &a->sess, a->ctx.server)))
		return rc;
	if (!isatty(STDIN_FILENO) && !a->once)
		return fail(
			LD_INVALID_ARGUMENT,
			"the dashboard needs a terminal; for a script use leadtop --once [--json]");
	/* The fixed panels: KPI, the agenda, the feed; the pinned searches
	 * come between the agenda and the feed (lt_sync_searches). */
	a->panel[a->npanels++] = lt_kpi_panel();
	a->panel[a->npanels++] = lt_agenda_panel();
	a->panel[a->npanels++] = lt_feed_panel();
	if (!a->panel[0] || !a->panel[1] || !a->panel[2])
		return fail(LD_RESOURCE_EXHAUSTED, "out of memory");
	if (a->once) {
		if (lt_connect(a) < 0 || !a->conn)
			return fail(a->fail_code ? a->fail_code : LD_UNAVAILABLE, "%s",
				    a->state_msg);
		rc = lt_print_once(a);
		if (fflush(stdout) != 0 && rc == 0)
			rc = fail(LD_UNKNOWN, "cannot write the output: %s", strerror(errno));
	} else {
		/* On the screen, a warning on stderr would tear it. */
		lead_trust_warn = 0;
		rc = run(a);
	}
	lt_disconnect(a);
	for (int i = 0; i < a->npanels; i++)
		a->panel[i]->ops->destroy(a->panel[i]);
	return rc;
}

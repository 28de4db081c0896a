/* lead: the thin command-line client of leadd.
 *
 * One table of subcommands (struct cmd_entry, modelled on tmux's), one file
 * per command family (cmd_*.c), one place that prints (lead_output.c) and one
 * that finds the server (lead_config.c). The CLI checks usage only; every
 * business rule is the server's. */
#ifndef LEAD_H
#define LEAD_H

#include <getopt.h>
#include <limits.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <cjson/cJSON.h>

#include "ld_client.h"
#include "ld_error.h"
#include "ld_tls.h"
#include "lead_words.h"

#define LEAD_DEFAULT_TIMEOUT_MS 10000

/* What every command runs with: the global options and the connection,
 * opened on the first request. */
struct lead_ctx {
	const char *server_opt; /* --server, or NULL */
	const char *server;     /* resolved on the first request */
	int json;
	int timeout_ms;
	ld_conn *conn;
	/* Set by `lead login` and `lead logout`: lead_connect then does not
	 * log in with the stored session. */
	int no_session;
	/* Trusting a server (lead_trust.c): set by `lead login`, which may
	 * trust one it does not know yet (--fingerprint, or by asking on the
	 * terminal); trusted_now says it did. */
	const char *fingerprint_opt;
	int trust_ask;
	int trusted_now;
	/* The StatusListRequest's answer, fetched at most once per run. */
	Leadd__Response *statuses;
	/* Who is who, fetched at most once per run (lead_names). */
	Leadd__Response *users, *whoami, *teams;
	int names_done, teams_done;
};

/* The names lead prints for user and team ids, as far as the caller may
 * know them: the users of UserListRequest (NULL when the server refused it:
 * a rep), the caller (from WhoamiRequest), and the teams of TeamListRequest
 * (NULL unless asked for). */
struct lead_names {
	const Leadd__UserListReply *users;
	const Leadd__User *self;
	const Leadd__TeamListReply *teams;
};

/* The session kept by `lead login` in $LEAD_CONFIG_DIR/session. */
struct lead_session {
	char server[256];
	char user[128];
	char token_hex[2 * LD_TOKEN_BYTES + 1];
	uint8_t token[LD_TOKEN_BYTES];
	int has_server, has_user, has_token;
};

enum { LEAD_FILTERS = 1, LEAD_FILTERS_OWN_TEAM = 2 };

struct cmd_entry {
	const char *name;
	const char *alias; /* may be NULL */
	const char *usage; /* what follows "lead NAME" */
	const char *help;  /* one line, for the command list */
	const char *notes; /* more, for `lead help NAME`; may be NULL */
	int min_args;      /* positional arguments left after the options */
	int max_args;      /* -1: no limit */
	int (*exec)(const struct cmd_entry *self, struct lead_ctx *ctx, int argc, char **argv);
	/* A family (`lead user add`): its subcommands, NULL-terminated; their
	 * names are "FAMILY SUB". exec is then lead_family_exec. */
	const struct cmd_entry *const *sub;
	/* Takes the lead filter options (lead_filter.h), which help lists:
	 * LEAD_FILTERS, or LEAD_FILTERS_OWN_TEAM when --team is the command's
	 * own option (search save, edit) and --in-team the filter. */
	int filters;
};

extern const struct cmd_entry cmd_ping_entry;
extern const struct cmd_entry cmd_add_entry;
extern const struct cmd_entry cmd_show_entry;
extern const struct cmd_entry cmd_ls_entry;
extern const struct cmd_entry cmd_edit_entry;
extern const struct cmd_entry cmd_status_entry;  /* cmd_move.c */
extern const struct cmd_entry cmd_qualify_entry; /* cmd_move.c */
extern const struct cmd_entry cmd_dead_entry;    /* cmd_move.c */
extern const struct cmd_entry cmd_reopen_entry;  /* cmd_move.c */
extern const struct cmd_entry cmd_statuses_entry;
extern const struct cmd_entry cmd_stats_entry;
extern const struct cmd_entry cmd_login_entry;
extern const struct cmd_entry cmd_logout_entry;
extern const struct cmd_entry cmd_whoami_entry;
extern const struct cmd_entry cmd_user_entry;
extern const struct cmd_entry cmd_team_entry;
extern const struct cmd_entry cmd_claim_entry;
extern const struct cmd_entry cmd_assign_entry;
extern const struct cmd_entry cmd_kpi_entry;
extern const struct cmd_entry cmd_search_entry;
extern const struct cmd_entry cmd_client_entry;  /* cmd_client.c */
extern const struct cmd_entry cmd_contact_entry; /* cmd_contact.c */
extern const struct cmd_entry cmd_tag_entry;     /* cmd_tag.c */
extern const struct cmd_entry cmd_tags_entry;    /* cmd_tag.c */
extern const struct cmd_entry cmd_history_entry; /* cmd_show.c */
extern const struct cmd_entry cmd_watch_entry;   /* cmd_watch.c */
/* Issue 12, statuses: lead admin (cmd_admin.c) and its status family. */
extern const struct cmd_entry cmd_admin_entry;        /* cmd_admin.c */
extern const struct cmd_entry cmd_admin_status_entry; /* cmd_status_admin.c */
extern const struct cmd_entry cmd_archive_entry;      /* cmd_archive.c */
extern const struct cmd_entry cmd_restore_entry;      /* cmd_archive.c */
extern const struct cmd_entry cmd_renew_entry;        /* cmd_archive.c */
/* Issue 12, moving: the reasons family of lead admin. */
extern const struct cmd_entry cmd_admin_reason_entry; /* cmd_reason.c */
/* Issue 12, standby: lead standby. */
extern const struct cmd_entry cmd_standby_entry; /* cmd_standby.c */
/* Issue 13, cli: activities and the agenda. */
extern const struct cmd_entry cmd_note_entry;     /* cmd_activity.c */
extern const struct cmd_entry cmd_call_entry;     /* cmd_activity.c */
extern const struct cmd_entry cmd_task_entry;     /* cmd_activity.c */
extern const struct cmd_entry cmd_meeting_entry;  /* cmd_activity.c */
extern const struct cmd_entry cmd_done_entry;     /* cmd_activity_manage.c */
extern const struct cmd_entry cmd_activity_entry; /* cmd_activity_manage.c */
extern const struct cmd_entry cmd_agenda_entry;   /* cmd_agenda.c */
extern const struct cmd_entry cmd_today_entry;    /* cmd_agenda.c */
/* Issue 14, compl: the bash completion. */
extern const struct cmd_entry cmd_completion_entry; /* cmd_completion.c */
/* Issue 15, cli: opportunities, conversion and the forecast. */
extern const struct cmd_entry cmd_opp_entry;      /* cmd_opp.c */
extern const struct cmd_entry cmd_convert_entry;  /* cmd_convert.c */
extern const struct cmd_entry cmd_forecast_entry; /* cmd_forecast.c */

/* ---- lead.c: the table, requests, argument parsing ---- */

/* Parses the global options and runs the command; the exit status. */
int lead_run(int argc, char **argv, struct lead_ctx *ctx);

const struct cmd_entry *lead_cmd_find(const char *name);
/* The command table (NULL-terminated) and the global options' getopt
 * table, for the bash completion (lead_completion.c). */
const struct cmd_entry *const *lead_cmd_table(void);
struct option;
const struct option *lead_global_options(void);
/* A subcommand of a family by its last word (or alias); NULL if none. */
const struct cmd_entry *lead_sub_find(const struct cmd_entry *family, const char *word);
/* The exec of a family entry: finds the subcommand and runs it. */
int lead_family_exec(const struct cmd_entry *self, struct lead_ctx *ctx, int argc, char **argv);
/* Every command's getopt_long loop starts with this (the global options
 * were parsed with the same getopt state). */
void lead_getopt_reset(void);
/* getopt_long for a command's options, except that an option needing a
 * value that is followed by another of the command's options returns
 * LEAD_OPT_NO_VALUE (lead_cmd_option says which) instead of taking that
 * option as its value. */
#define LEAD_OPT_NO_VALUE (-2)
int lead_getopt(int argc, char **argv, const char *optstring, const struct option *opts,
		int *longindex);
/* The positional count after the options; 0, or prints and returns 2. */
/* The options loop of commands whose only options are the common ones:
 * 0 to go on, an exit status (> 0) to stop, or -1 after --help (exit 0). */
int lead_plain_options(const struct cmd_entry *self, struct lead_ctx *ctx, int argc, char **argv);
int lead_cmd_check_args(const struct cmd_entry *e, struct lead_ctx *ctx, int nargs);
/* Options every command takes: --help and --json (also accepted after the
 * command name). Put LEAD_CMD_OPTIONS at the end of a command's option array
 * and LEAD_CMD_OPTSTRING at the start of its optstring. */
#define LEAD_CMD_OPTIONS                                                                           \
	{"help", no_argument, NULL, 'h'}, {"json", no_argument, NULL, 'j'},                        \
	{                                                                                          \
		NULL, 0, NULL, 0                                                                   \
	}
#define LEAD_CMD_OPTSTRING ":h"
/* The default branch of a command's getopt_long switch: -1 to go on (--json),
 * else the exit status to return (0 after --help, 2 for a bad option). */
int lead_cmd_option(const struct cmd_entry *e, struct lead_ctx *ctx, char **argv, int c);

/* Connect and say Hello, once; then, unless ctx->no_session, log in with the
 * stored session's token. 0 or the exit status (after printing why). */
int lead_connect(struct lead_ctx *ctx);
/* Connect and say Hello only; 0 or the exit status. */
int lead_open(struct lead_ctx *ctx);
/* One round trip whatever the server answers: 0 with *resp (its code may be
 * an error), or the exit status of a transport error (printed). */
int lead_call(struct lead_ctx *ctx, Leadd__Request *req, Leadd__Response **resp);
/* One round trip; connects on first use. Returns 0 with *resp (free it with
 * leadd__response__free_unpacked), or prints the transport or server error
 * and returns the exit status. `want` is the reply body the answer must carry. */
int lead_request(struct lead_ctx *ctx, Leadd__Request *req, Leadd__Response__BodyCase want,
		 Leadd__Response **resp);
/* The status list, fetched once per run and owned by ctx; 0 or an exit status. */
int lead_statuses(struct lead_ctx *ctx, const Leadd__StatusListReply **out);
const Leadd__Status *lead_status_by_id(const Leadd__StatusListReply *sl, uint64_t id);
/* LeadGetRequest; 0 with *resp (whose body is a LeadReply), or an exit status. */
int lead_get(struct lead_ctx *ctx, uint64_t id, Leadd__Response **resp);
/* The names of users (and, with teams, of teams), fetched once per run and
 * owned by ctx; 0 or an exit status. */
int lead_names(struct lead_ctx *ctx, int teams, const struct lead_names **out);
/* The caller (WhoamiRequest), fetched once per run; 0 or an exit status. */
int lead_whoami(struct lead_ctx *ctx, const Leadd__WhoamiReply **out);

/* 0 or -1; only usage is checked (the number parses, is in range). */
int lead_parse_id(const char *s, uint64_t *out);
int lead_parse_uint(const char *s, unsigned long long max, unsigned long long *out);
/* 0, or a usage error when the value of the amount option opt is another
 * option ("--value-min needs an amount, e.g. --value-min 5000"). */
int lead_amount_arg(const struct cmd_entry *e, struct lead_ctx *ctx, const char *opt,
		    const char *arg);
/* The amount text s of option opt in the currency code (minor decimals),
 * in minor units; 0, or a usage error saying what is wrong: no amount
 * ("--value wants an amount of 0 or more like 1234.50 ...", example_minor
 * written in the currency) or past the most it holds (naming it). */
int lead_money_arg(const struct cmd_entry *e, struct lead_ctx *ctx, const char *opt, const char *s,
		   const char *code, unsigned minor, long long example_minor, int64_t *out);
/* The same for a text option ("--item needs a value before the next option,
 * as in --item 'Roof tiles' (not '--price')"); example is a value. */
int lead_text_arg(const struct cmd_entry *e, struct lead_ctx *ctx, const char *opt, const char *arg,
		  const char *example);
/* Upper-cases a currency code into out; -1 unless it is three letters A-Z. */
int lead_parse_currency(const char *s, char out[4]);
/* "rep", "manager", "admin" (any case); -1 otherwise. */
int lead_parse_role(const char *s);
/* "on"/"off" (also yes/no, true/false, 1/0); -1 otherwise. */
int lead_parse_onoff(const char *s);

/* ---- cmd_lead.c ---- */

/* A lead id argument; 0, or a usage error's exit status. */
int lead_parse_lead_id(const struct cmd_entry *self, struct lead_ctx *ctx, const char *s,
		       uint64_t *id);

/* Prints one lead as `lead show` does (owner and team by name), or as JSON;
 * 0 or an exit status. */
int lead_show_lead(struct lead_ctx *ctx, const Leadd__Lead *l);

/* ---- cmd_move.c ---- */

/* "lead 42: lead-New -> lead-Qualified" (with the reason of a move into
 * dead or lost), or that nothing changed; with --json the lead. 0 or an
 * exit status. */
int lead_print_move(struct lead_ctx *ctx, const Leadd__Lead *was, const Leadd__Lead *now);
/* A move into dead or lost refused (FAILED_PRECONDITION) for its reason:
 * the server's sentence and how to give one in lead's terms (--reason,
 * --other); reason and other as given. The exit status. */
int lead_fail_reason(struct lead_ctx *ctx, const Leadd__Response *resp, const char *reason,
		     int other);

/* ---- cmd_ls.c: pages of leads ---- */

/* The first words of a "more:" hint: lead, and --server when given. */
void lead_hint_start(struct lead_ctx *ctx, struct lead_words *w);
/* --limit N, --cursor C and --all, the paging options `lead ls` and `lead
 * search run` share: LEAD_PAGING_OPTIONS goes into their option table,
 * lead_paging_option reads one, lead_paging_print checks them together,
 * adds --limit to the "more:" hint and prints the page(s). */
enum { LEAD_O_LIMIT = 900, LEAD_O_CURSOR, LEAD_O_ALL, LEAD_O_NO_HEADERS, LEAD_O_OUTPUT = 'o' };
/* -o wide and --no-headers too (the table's form); the optstring of a
 * command taking them is LEAD_PAGING_OPTSTRING. */
// clang-format off
#define LEAD_PAGING_OPTIONS                                                                        \
	{"limit", required_argument, NULL, LEAD_O_LIMIT},                                          \
	{"cursor", required_argument, NULL, LEAD_O_CURSOR},                                        \
	{"all", no_argument, NULL, LEAD_O_ALL},                                                    \
	{"no-headers", no_argument, NULL, LEAD_O_NO_HEADERS},                                      \
	{"output", required_argument, NULL, LEAD_O_OUTPUT}
// clang-format on
#define LEAD_PAGING_OPTSTRING LEAD_CMD_OPTSTRING "o:"
struct lead_paging {
	Leadd__LeadListRequest lr; /* limit and cursor set here; the caller adds the rest */
	int all;
	int flags; /* LEAD_LIST_WIDE, LEAD_LIST_NO_HEADERS */
};
void lead_paging_init(struct lead_paging *p);
/* 1 when c is a paging option, with *rc 0 or a usage error's exit status;
 * else 0. */
int lead_paging_option(const struct cmd_entry *e, struct lead_ctx *ctx, struct lead_paging *p,
		       int c, const char *arg, int *rc);
/* Refuses --all with --cursor, adds --limit to hint (which holds every
 * other word of the command), then lead_list_print. 0 or an exit status. */
int lead_paging_print(const struct cmd_entry *e, struct lead_ctx *ctx, struct lead_paging *p,
		      struct lead_words *hint);
/* Sends lr and prints the page as `lead ls` does (with all, every page as
 * one list); when more remain, "more: " then hint's words and --cursor.
 * 0 or an exit status. */
int lead_list_print(struct lead_ctx *ctx, Leadd__LeadListRequest *lr, int all, int flags,
		    const struct lead_words *hint);

/* ---- cmd_kpi.c ---- */

/* A KpiReply as the table (rows: each team's reps, its pool and its total,
 * then the total; by_team: one row per team) and, with a flow, its block. */
void lead_kpi_print(const Leadd__KpiReply *k, int by_team);
/* A KpiReply as the JSON of `lead --json kpi`. */
cJSON *lead_kpi_json(const Leadd__KpiReply *k);

/* ---- lead_kpi_activity.c: activities done and speed to lead in a flow ---- */
void lead_kpi_activity_print(const Leadd__KpiFlow *f);
/* Adds the flow's activity keys to flow (the object flow_json builds). */
void lead_kpi_activity_json(cJSON *flow, const Leadd__KpiFlow *f);

/* ---- lead_kpi_apply.c ---- */

/* What lead_kpi_apply and lead_forecast_add could not follow exactly, as
 * bits of their *under: a count that would have gone below zero, or a
 * change that does not fit (the deltas and the counts disagree); or a sum
 * past what int64 holds that a change touched (see lead_format_sum: it
 * stays at "at least", the exact sum is no longer known). */
enum { LEAD_KPI_DISAGREE = 1, LEAD_KPI_PAST_INT64 = 2 };

/* Applies one KpiDelta of a watch to k in place: the owner's row (added
 * when new), its team's row and the total: counts, values, and open
 * opportunities (the class's and, with in_forecast, the forecast's). 1
 * when a count, value or amount moved, 0 when nothing did, -1 out of
 * memory. *under gets LEAD_KPI_DISAGREE when a count would have gone below
 * zero (it stays 0) or an opportunity change does not fit, and
 * LEAD_KPI_PAST_INT64 when a sum left int64. */
int lead_kpi_apply(Leadd__KpiReply *k, const Leadd__KpiDelta *d, int *under);
/* sum + delta for a money sum: a sum at INT64_MAX (leadd's "at least",
 * or one a change pushed there) stays there, with LEAD_KPI_PAST_INT64 in
 * *under; below INT64_MIN is LEAD_KPI_DISAGREE (no sum is negative). */
int64_t lead_sum_add(int64_t sum, int64_t delta, int *under);

/* ---- lead_forecast_amount.c: a KPI delta's forecast amounts ---- */

/* The weighted amount in minor units: weighted_x100 rounded half away
 * from zero (weighted_minor when there is no x100, or when the x100 is
 * past int64 and leadd's weighted_minor is still exact). */
int64_t lead_forecast_weighted(const Leadd__ForecastAmount *a);
/* Adds a change (KpiDelta.opps) to the list's entry of its currency,
 * making one when there is none; an entry left with no opportunity goes.
 * weighted_minor follows weighted_x100. 1 when something moved, 0 when d
 * moves nothing, -1 out of memory. *under is set when the change does not
 * fit (fewer than no opportunity, an amount left with none, an overflow). */
int lead_forecast_add(Leadd__ForecastAmount ***list, size_t *n, const Leadd__ForecastAmount *d,
		      int *under);
/* "2 open  15000.00 EUR  weighted 1500.00 EUR" (leadtop's forecast line). */
void lead_forecast_format(const Leadd__ForecastAmount *a, char *buf, size_t len);

/* ---- lead_watch.c: the watch loop of lead watch and lead kpi --watch ---- */

struct lead_watch {
	Leadd__WatchRequest req; /* topics, since, search, kpi_team: the caller's */
	/* After the WatchReply, before any event; 0 or an exit status. */
	int (*on_started)(struct lead_watch *w, struct lead_ctx *ctx);
	/* Each event, in order; 0 to go on, or an exit status to stop. The
	 * event is freed after: a handler keeping a part detaches it. */
	int (*on_event)(struct lead_watch *w, struct lead_ctx *ctx, Leadd__Event *ev);
	/* The connection was lost (why: a sentence); prints, returns the status. */
	int (*on_lost)(struct lead_watch *w, struct lead_ctx *ctx, const char *why);
	void *arg;
	/* From the WatchReply. */
	uint64_t revision, replay_to;
	int replaying;
	/* The revision of the last event handled (0: none yet). */
	uint64_t last_revision;
};
/* Connects, sends the watch, hands each event to on_event until SIGINT or
 * SIGTERM (then 0, everything printed flushed), a handler's exit status, or
 * the connection is lost (on_lost's). stdout is made line-buffered. */
int lead_watch_run(struct lead_ctx *ctx, struct lead_watch *w);
/* The revision a watch that stopped goes on from (--since): that of the
 * last event handled, else where it was asked to start. */
uint64_t lead_watch_resume_from(const struct lead_watch *w);
/* "14:02" in the reader's time zone, "2026-12-04 14:02" when not today. */
void lead_watch_time(int64_t unix_ms, char *buf, size_t len);
/* The reader's zone abbreviation now ("CET"). */
void lead_watch_zone(char *buf, size_t len);
/* A change as one line: "14:02 sofia: lead 81 'Spring TV campaign'
 * lead-New -> lead-Qualified (rev 1234)"; search, when watching one, names
 * it in enter and leave lines. */
void lead_watch_describe(const Leadd__Event *ev, const char *search, char *buf, size_t len);
/* An activity in a line: "task 81.3 'send the quote'". */
void lead_watch_activity_name(const Leadd__Activity *a, char *buf, size_t len);
/* An agenda event (EVENT_ACTIVITY) as one line: "14:02 mA: on your agenda:
 * task 81.3 'send the quote' on lead 81 'Acme roof', due 2026-12-06 10:00
 * (rev 1240)", "... given to you: ...", "16:00 leadd: due now: ...". */
void lead_watch_describe_agenda(const Leadd__Event *ev, char *buf, size_t len);
/* The JSON names of an EventKind ("enter") and a LeadChangeKind ("status",
 * NULL for none). */
const char *lead_watch_kind_name(int kind);
const char *lead_watch_change_name(int change);

/* ---- lead_config.c ---- */

/* --server, else $LEAD_SERVER, else `server =` in the config file, else
 * the server of the session s (NULL: none), else LD_DEFAULT_SERVER: after
 * `lead login --server X`, the next commands go to X unless something
 * names another (which lead_session_check_server then refuses). */
const char *lead_config_server(const char *from_option, const struct lead_session *s);
/* $LEAD_TLS, else `tls =` in the config file, else auto, as an
 * LD_CONN_TLS_* mode; 0, or -1 with a sentence in err for another value. */
int lead_config_tls(int *mode, char *err, size_t errlen);
/* $LEAD_CONFIG_DIR/config, else $XDG_CONFIG_HOME/lead/config, else
 * ~/.config/lead/config; NULL when none can be named. */
const char *lead_config_path(void);
/* The directory holding config and session; NULL when none can be named. */
const char *lead_config_dir(void);

/* ---- lead_trust.c: TLS, and which servers are trusted ---- */

/* Opens a connection (Hello said) the way lead and leadtop do: TLS as
 * $LEAD_TLS or `tls =` say, the certificate checked by lead_trust_check
 * with ctx. 0; -1 with a sentence in err when the server cannot be
 * reached; or an error code with a sentence naming the server. */
/* tls = no to a server on another machine: say on stderr that the session
 * token crosses the network unencrypted (lead_trust.c). */
void lead_warn_plaintext(const struct lead_ctx *ctx);
int lead_conn_open(struct lead_ctx *ctx, const char *client_name, int timeout_ms, ld_conn **out,
		   char *err, size_t errlen);
/* The trust rules (docs/cli.md, "Servers and TLS"), arg a struct lead_ctx. */
int lead_trust_check(void *arg, const ld_peer_cert *peer, char *err, size_t errlen);
/* Whether a line of known_servers that vouches for nothing is warned
 * about on stderr (1, the default); leadtop's screen sets 0: stderr would
 * land in the middle of it. */
extern int lead_trust_warn;
/* $LEAD_CONFIG_DIR/known_servers; NULL when none can be named. */
const char *lead_known_servers_path(void);
/* The server as known_servers names it: "host:port" with the port always,
 * a name in lower case, an IPv6 address in brackets. 0, or -1 when server
 * is not HOST:PORT. */
int lead_trust_key(const char *server, char *out, size_t len);
enum { LEAD_TRUST_UNKNOWN = 0, LEAD_TRUST_MATCH = 1, LEAD_TRUST_CHANGED = 2 };
/* Looks key up in the file at path (no file: UNKNOWN): MATCH when a line
 * of key holds fp, CHANGED when its lines hold only others (*line and old
 * get the first one's number and fingerprint), else UNKNOWN; -1 with a
 * sentence in err when the file cannot be read. */
int lead_trust_lookup(const char *path, const char *key, const char *fp, int *line,
		      char old[LD_TLS_FINGERPRINT_LEN], char *err, size_t errlen);
/* Adds the line "key fp" (the file and its directory made when missing,
 * mode 0600; written to a temporary file and renamed over it). 0, or -1
 * with a sentence in err. */
int lead_trust_add(const char *path, const char *key, const char *fp, char *err, size_t errlen);
/* 1 when c is plaintext to an address that is not a loopback one (tls =
 * no): what is sent crosses the network in the clear. */
int lead_conn_exposed(const ld_conn *c);
/* 1 when s reads as a fingerprint: "SHA256:" and 43 base64 characters. */
int lead_trust_fingerprint_valid(const char *s);
/* How the connection is protected, in words ("TLS, certificate SHA256:...
 * (a known server)"), and as the JSON of --json outputs: null for plain
 * TCP, else {"fingerprint": "SHA256:...", "trusted_by": "authority" or
 * "known_servers"}. */
void lead_tls_describe(const ld_conn *c, char *buf, size_t len);
cJSON *lead_json_tls(const ld_conn *c);

/* ---- lead_session.c ---- */

/* $LEAD_CONFIG_DIR/session (or beside the config file); NULL if unnamed. */
const char *lead_session_path(void);
/* 1 with *s filled, 0 when there is no session file, or -1 after printing
 * why it cannot be used (exit status in *rc). */
/* A session's token goes only to the server that issued it: 0 when
 * server is the session's (same HOST:PORT, case aside) or the file names
 * none; else the exit code, the sentence said (lead_fail). */
int lead_session_check_server(struct lead_ctx *ctx, const struct lead_session *s,
			      const char *server);
int lead_session_load(struct lead_ctx *ctx, struct lead_session *s, int *rc);
/* mkdir -p, each directory made 0700; 0 or -1 with errno. */
int lead_make_dirs(const char *dir);
/* Replace a private file whole (lead_file.c): lead_file_begin opens a new
 * 0600 file beside it (tmp receives its name; NULL with a sentence), and
 * lead_file_commit flushes it to disk and renames it over path (0, or -1
 * with a sentence; the temporary file is gone either way). */
FILE *lead_file_begin(const char *dir, const char *name, char tmp[PATH_MAX], char *err,
		      size_t errlen);
int lead_file_commit(FILE *f, const char *tmp, const char *path, char *err, size_t errlen);
/* Write it (0600, via a temp file and rename); 0 or the exit status. */
int lead_session_save(struct lead_ctx *ctx, const struct lead_session *s);
/* 1 removed, 0 there was none, -1 error (printed as a warning). */
int lead_session_remove(void);
/* A password: one line of stdin, or asked on /dev/tty without echo (twice,
 * when confirm, and they must match). Returns a malloc'd string (free it
 * with lead_password_free) or NULL after printing why (*rc the exit status). */
char *lead_password_read(struct lead_ctx *ctx, int from_stdin, const char *prompt, int confirm,
			 int *rc);
void lead_password_free(char *pw);

/* ---- lead_output.c: everything printed goes through here ---- */

/* Errors, each returning the exit status. */
int lead_usage_error(const struct cmd_entry *e, struct lead_ctx *ctx, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
int lead_fail(struct lead_ctx *ctx, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
int lead_fail_response(struct lead_ctx *ctx, const Leadd__Response *resp);
int lead_fail_unreachable(struct lead_ctx *ctx, const char *reason);
void lead_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* The program name messages start with ("lead"; leadtop sets its own). */
extern const char *lead_program;

/* Plain output on stdout. */
void lead_out(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Prints a JSON value on stdout, frees it, returns 0 (1 if it was NULL). */
int lead_json_out(cJSON *v);

/* Help from the table. */
void lead_print_cmd_usage(FILE *f, const struct cmd_entry *e);
void lead_print_cmd_help(FILE *f, const struct cmd_entry *e);

/* Formatting. */
/* "2026-12-01 10:30 CET" (lead_date_format_local), or "-" for 0. */
void lead_format_time(int64_t unix_ms, char *buf, size_t len);
/* "1234.50 EUR": the one money format (lead_output.c). */
void lead_format_money(int64_t minor, const char *code, char *buf, size_t len);
/* The same for a sum of many (kpi, forecast, folder totals): leadd sends a
 * sum past int64 as INT64_MAX, printed "at least 92233720368547758.07 EUR"
 * (docs/protocol.md); one lead's value of INT64_MAX is exact and goes
 * through lead_format_money. */
void lead_format_sum(int64_t minor, const char *code, char *buf, size_t len);
void lead_format_value(const Leadd__Money *m, char *buf, size_t len);
const char *lead_stage_name(int stage);
const char *lead_kpi_name(int kpi);

const char *lead_role_name(int role);

/* A user's name for an owner id: NULL when not known. */
const char *lead_user_name(const struct lead_names *n, uint64_t id);
/* A team's name as far as the caller may know it (the teams fetched, or
 * their own): NULL when not known. */
const char *lead_team_name(const struct lead_names *n, uint64_t id);
/* An owner as text: "pool" for 0, the name, "you", or the number (with
 * prefix before it, e.g. "user "). */
void lead_format_owner(const struct lead_names *n, uint64_t id, const char *prefix, char *buf,
		       size_t len);

/* The JSON conventions of every --json output (docs/cli.md): absent
 * values are null, never 0 or ""; times are RFC 3339 UTC strings
 * ("2026-12-01T09:30:15Z"); money is {"amount": "48000.00", "minor":
 * 4800000, "currency": "EUR"}. Each returns a new cJSON value. */
cJSON *lead_json_string(const char *s);        /* NULL: null */
cJSON *lead_json_time(int64_t unix_ms);        /* 0 (none): null */
cJSON *lead_json_money(const Leadd__Money *m); /* NULL or no amount: null */
/* minor units of code as the JSON money object (null without a code). */
cJSON *lead_json_minor(int64_t minor, const char *code);
/* A sum of many as JSON money (null without a code): one past int64, sent
 * as INT64_MAX, also has "at_least": true (lead_format_sum's "at least"). */
cJSON *lead_json_sum(int64_t minor, const char *code);
/* Integers: a number while a double holds it exactly (|v| < 2^53), else a
 * string of its digits; lead_json_id: 0 (none) is null. */
cJSON *lead_json_int(int64_t v);
cJSON *lead_json_uint(uint64_t v);
cJSON *lead_json_id(uint64_t id);

/* A lead, a list of leads, the statuses. */
cJSON *lead_json_lead(const Leadd__Lead *l, const Leadd__StatusListReply *sl,
		      const struct lead_names *names);
cJSON *lead_json_status(const Leadd__Status *s);
void lead_print_lead(const Leadd__Lead *l, const Leadd__StatusListReply *sl,
		     const struct lead_names *names);
/* A table of leads as `lead ls` prints it; flags: `-o wide` (UPDATED and
 * VERSION too) and --no-headers. */
enum { LEAD_LIST_WIDE = 1, LEAD_LIST_NO_HEADERS = 2 };
void lead_print_leads(Leadd__Lead *const *leads, size_t n, const Leadd__StatusListReply *sl,
		      const struct lead_names *names, int flags);
void lead_print_status_table(const Leadd__StatusListReply *sl);

/* Users and teams. */
cJSON *lead_json_user(const Leadd__User *u);
cJSON *lead_json_team(const Leadd__Team *t);
void lead_print_user_table(const Leadd__UserListReply *ul);
void lead_print_team(const Leadd__Team *t);
void lead_print_team_table(const Leadd__TeamListReply *tl);

/* An aligned "key: value" block. */
struct lead_kv;
struct lead_kv *lead_kv_new(void);
void lead_kv_add(struct lead_kv *kv, const char *key, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void lead_kv_print(struct lead_kv *kv); /* prints and frees */

/* An aligned table with a header row. */
struct lead_table;
struct lead_table *lead_table_new(int ncols, const char *const *head);
/* right: 1 to right-align the column (numbers). */
void lead_table_align_right(struct lead_table *t, int col);
/* The column may be cut (with an ellipsis, never below min_width columns) so
 * the table fits the terminal: its width when stdout is one, else 80. */
void lead_table_shrink(struct lead_table *t, int col, int min_width);
/* The same for the last column, which wraps at spaces instead of being cut. */
void lead_table_wrap_last(struct lead_table *t, int min_width);
void lead_table_add(struct lead_table *t, const char *const *cells);
void lead_table_print(struct lead_table *t); /* prints and frees */

#endif

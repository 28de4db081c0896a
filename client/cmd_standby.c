/* lead standby: put a lead on stand-by until a date, or take it off. The
 * server holds every rule (a date in the future, at most ten years, the
 * reason's length, who may); this file reads the options and says what
 * happened. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "lead.h"
#include "lead_date.h"

enum { O_UNTIL = 400, O_REASON, O_OFF };

/* --until: "7d" counts forward from now, as --waking does; else a DATE. */
static int until_arg(const struct cmd_entry *self, struct lead_ctx *ctx, const char *arg,
		     int64_t *out)
{
	int64_t now = lead_now_ms(), d;
	char msg[512];
	if (lead_duration_parse(arg, &d) == 0) {
		*out = now + d;
		return 0;
	}
	if (lead_date_option("--until", arg, now, 0, out, msg, sizeof(msg)) < 0) {
		/* The date parser's sentence offers what --until cannot use
		 * (today, -7d: times past) and not the durations it takes. A
		 * date or time that does not exist keeps its own words. */
		if (strstr(msg, "no such ") || strstr(msg, "daylight saving"))
			return lead_usage_error(self, ctx, "%s", msg);
		return lead_usage_error(self, ctx,
					"--until: '%s' is neither a duration from now (3d, 2w; "
					"units m, h, d, w) nor a date (2026-12-01, or "
					"2026-12-01T10:30 or 2026-12-01 10:30 in local time; :SS "
					"and a final Z for UTC also work; tomorrow 10:00, mon "
					"9:00)",
					arg);
	}
	return 0;
}

static int cmd_standby_exec(const struct cmd_entry *self, struct lead_ctx *ctx, int argc,
			    char **argv)
{
	static const struct option opts[] = {{"until", required_argument, NULL, O_UNTIL},
					     {"reason", required_argument, NULL, O_REASON},
					     {"off", no_argument, NULL, O_OFF},
					     LEAD_CMD_OPTIONS};
	Leadd__LeadStandbyRequest sb = LEADD__LEAD_STANDBY_REQUEST__INIT;
	const char *until = NULL;
	int off = 0, c, rc;
	lead_getopt_reset();
	while ((c = lead_getopt(argc, argv, LEAD_CMD_OPTSTRING, opts, NULL)) != -1) {
		switch (c) {
		case O_UNTIL:
			until = optarg;
			break;
		case O_REASON:
			sb.reason = optarg;
			break;
		case O_OFF:
			off = 1;
			break;
		default:
			if ((rc = lead_cmd_option(self, ctx, argv, c)) >= 0)
				return rc;
		}
	}
	if ((rc = lead_cmd_check_args(self, ctx, argc - optind)))
		return rc;
	if ((rc = lead_parse_lead_id(self, ctx, argv[optind], &sb.id)))
		return rc;
	sb.has_id = 1;
	if (off == !!until)
		return lead_usage_error(self, ctx,
					"say --until DATE to put the lead on stand-by, or --off to "
					"take it off");
	if (off && sb.reason)
		return lead_usage_error(self, ctx,
					"--reason goes with --until (why the lead waits), not "
					"with --off");
	sb.has_until = 1;
	if (until && (rc = until_arg(self, ctx, until, &sb.until)))
		return rc;
	Leadd__Request req = LEADD__REQUEST__INIT;
	req.body_case = LEADD__REQUEST__BODY_LEAD_STANDBY;
	req.lead_standby = &sb;
	Leadd__Response *resp;
	if ((rc = lead_request(ctx, &req, LEADD__RESPONSE__BODY_LEAD, &resp)))
		return rc;
	const Leadd__Lead *l = resp->lead->lead;
	if (ctx->json && l) {
		rc = lead_show_lead(ctx, l);
	} else if (off) {
		lead_out("lead %llu: off stand-by, back in the working lists\n",
			 (unsigned long long)sb.id);
	} else {
		char when[64];
		lead_date_format_local(l ? l->standby_until : sb.until, when, sizeof(when));
		lead_out("lead %llu: on stand-by until %s\n", (unsigned long long)sb.id, when);
	}
	leadd__response__free_unpacked(resp, NULL);
	return rc;
}

const struct cmd_entry cmd_standby_entry = {
	.name = "standby",
	.usage = "ID (--until WHEN [--reason TEXT] | --off)",
	.help = "put a lead on stand-by until a date, or take it off",
	.notes = "A lead on stand-by leaves the working lists (`lead ls` shows it with\n"
		 "--standby; --waking 7d lists those coming back within a week) until WHEN:\n"
		 "a duration from now (3d, 2w, 1d12h; units m, h, d, w) or a date, 2026-12-01\n"
		 "or 2026-12-01T10:30 in local time (TZ; seconds may follow, and a final Z\n"
		 "means UTC), tomorrow 10:00, mon 9:00 or +2d (see `lead help ls` for every\n"
		 "form). Then leadd brings it back by itself, even if it was stopped\n"
		 "meanwhile, and `lead watch` says \"lead 42 is back from stand-by\". WHEN must\n"
		 "be in the future and at most 3650 days away. --reason (one line, at most\n"
		 "500 bytes) says why it waits; `lead show` shows both. Putting it on\n"
		 "stand-by again moves the date; --off brings it back now. An archived lead\n"
		 "can be neither put on stand-by nor taken off it, and a lead not on\n"
		 "stand-by cannot be taken off (exit 5).",
	.min_args = 1,
	.max_args = 1,
	.exec = cmd_standby_exec,
};

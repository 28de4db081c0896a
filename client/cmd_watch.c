/* lead watch: the changes to the leads you may see (or to one saved
 * search's matches), one line each as they happen, resumable with --since
 * from the last revision printed. */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "lead.h"
#include "lead_activity.h"
#include "lead_opp.h"

enum { O_SINCE = 256, O_SEARCH };

struct watch_state {
	const char *search;
	const Leadd__StatusListReply *statuses;
	const struct lead_names *names;
	int printed; /* lines printed so far: a snapshot after them says they may be stale */
};

/* The lead's status by id must be known to name it in JSON: a status made
 * after the watch began sends the list for again (at most once per id). */
static const Leadd__StatusListReply *statuses_for(struct lead_ctx *ctx, struct watch_state *st,
						  uint64_t status_id)
{
	static uint64_t refetched;
	if (lead_status_by_id(st->statuses, status_id) || !status_id || refetched == status_id)
		return st->statuses;
	refetched = status_id;
	Leadd__Response *old = ctx->statuses;
	ctx->statuses = NULL;
	const Leadd__StatusListReply *sl;
	if (lead_statuses(ctx, &sl) == 0) {
		if (old)
			leadd__response__free_unpacked(old, NULL);
		st->statuses = sl;
	} else {
		/* Printed why; go on with the list we had. */
		ctx->statuses = old;
	}
	return st->statuses;
}

/* The same for the owner's name: a user made after the watch began sends
 * the user list for again (a rep, refused the list, knows only themself). */
static const struct lead_names *names_for(struct lead_ctx *ctx, struct watch_state *st,
					  uint64_t owner_id)
{
	static uint64_t refetched;
	if (!owner_id || !st->names->users || lead_user_name(st->names, owner_id) ||
	    refetched == owner_id)
		return st->names;
	refetched = owner_id;
	Leadd__Response *old = ctx->users;
	ctx->users = NULL;
	ctx->names_done = 0;
	if (lead_names(ctx, 1, &st->names) == 0) {
		if (old)
			leadd__response__free_unpacked(old, NULL);
	} else {
		/* Printed why; go on with the names we had. */
		if (ctx->users)
			leadd__response__free_unpacked(ctx->users, NULL);
		ctx->users = old;
		ctx->names_done = 1;
	}
	return st->names;
}

static cJSON *str_or_null(const char *s)
{
	return s && *s ? cJSON_CreateString(s) : cJSON_CreateNull();
}

static void json_line(cJSON *o)
{
	char *s = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	if (!s) {
		fputs("lead: out of memory\n", stderr);
		exit(LD_EXIT_ERROR);
	}
	printf("%s\n", s);
	free(s);
}

/* One event as the JSON line docs/cli.md describes. */
static void print_json(struct lead_ctx *ctx, struct watch_state *st, const Leadd__Event *ev)
{
	cJSON *o = cJSON_CreateObject();
	cJSON_AddItemToObject(o, "revision", lead_json_uint(ev->revision));
	cJSON_AddStringToObject(o, "event", lead_watch_kind_name(ev->kind));
	cJSON_AddItemToObject(o, "lead_id", lead_json_id(ev->has_lead_id ? ev->lead_id : 0));
	cJSON_AddItemToObject(o, "change", lead_json_string(lead_watch_change_name(ev->change)));
	cJSON_AddItemToObject(o, "at", lead_json_time(ev->has_at ? ev->at : 0));
	cJSON_AddItemToObject(o, "author", str_or_null(ev->author));
	cJSON_AddItemToObject(o, "old_status", str_or_null(ev->old_status));
	cJSON_AddItemToObject(o, "new_status", str_or_null(ev->new_status));
	cJSON_AddItemToObject(o, "old_owner", str_or_null(ev->old_owner));
	cJSON_AddItemToObject(o, "new_owner", str_or_null(ev->new_owner));
	if (ev->lead)
		cJSON_AddItemToObject(o, "lead",
				      lead_json_lead(ev->lead,
						     statuses_for(ctx, st, ev->lead->status_id),
						     names_for(ctx, st, ev->lead->owner_id)));
	else
		cJSON_AddNullToObject(o, "lead");
	cJSON_AddItemToObject(o, "reason", str_or_null(ev->reason));
	cJSON_AddItemToObject(o, "activity",
			      ev->activity ? lead_activity_json(ev->activity) : cJSON_CreateNull());
	cJSON_AddItemToObject(o, "activity_op", str_or_null(ev->activity_op));
	cJSON_AddItemToObject(o, "opportunity",
			      ev->opportunity ? lead_opp_json(ev->opportunity)
					      : cJSON_CreateNull());
	cJSON_AddItemToObject(o, "opp_op", str_or_null(ev->opp_op));
	json_line(o);
}

static void print_snapshot(struct lead_watch *w, struct watch_state *st, const Leadd__Event *ev)
{
	const char *reason = ev->reason && *ev->reason ? ev->reason : "the server started over";
	if (!st->printed && !w->req.has_since_revision) {
		/* The start of every watch without --since: nothing is stale yet. */
		char zone[64];
		lead_watch_zone(zone, sizeof(zone));
		if (st->search)
			lead_out("-- watching the leads matching '%s' and your agenda from "
				 "revision %llu (times in %s)\n",
				 st->search, (unsigned long long)ev->revision, zone);
		else
			lead_out("-- watching the leads you may see and your agenda from revision "
				 "%llu (times in %s)\n",
				 (unsigned long long)ev->revision, zone);
		return;
	}
	char again[256];
	if (st->search)
		snprintf(again, sizeof(again), "'lead search run %s'", st->search);
	else
		snprintf(again, sizeof(again), "'lead ls'");
	lead_out("-- snapshot at revision %llu: %s%s Lines before this one may be stale: %s "
		 "shows the leads as they are now.\n",
		 (unsigned long long)ev->revision, reason,
		 reason[strlen(reason) - 1] == '.' ? "" : ".", again);
}

static int on_event(struct lead_watch *w, struct lead_ctx *ctx, Leadd__Event *ev)
{
	struct watch_state *st = w->arg;
	if (ctx->json)
		print_json(ctx, st, ev);
	switch (ev->kind) {
	case LEADD__EVENT_KIND__EVENT_SNAPSHOT:
		if (!ctx->json)
			print_snapshot(w, st, ev);
		break;
	case LEADD__EVENT_KIND__EVENT_CAUGHT_UP:
		if (!ctx->json)
			lead_out("-- caught up at revision %llu; live from here\n",
				 (unsigned long long)ev->revision);
		break;
	case LEADD__EVENT_KIND__EVENT_ENDED:
		return lead_fail(ctx, LD_UNKNOWN, "the watch ended after revision %llu: %s",
				 (unsigned long long)w->last_revision,
				 ev->reason && *ev->reason ? ev->reason
							   : "the server gave no reason");
	case LEADD__EVENT_KIND__EVENT_ACTIVITY:
		if (!ctx->json) {
			char line[2048];
			lead_watch_describe_agenda(ev, line, sizeof(line));
			lead_out("%s\n", line);
		}
		break;
	case LEADD__EVENT_KIND__EVENT_LEAD:
	case LEADD__EVENT_KIND__EVENT_ENTER:
	case LEADD__EVENT_KIND__EVENT_LEAVE:
		if (!ctx->json) {
			char line[2048];
			lead_watch_describe(ev, st->search, line, sizeof(line));
			lead_out("%s\n", line);
		}
		break;
	default:
		/* A kind this lead does not know (a newer server): its JSON line
		 * went out above; the text form has nothing to say about it. */
		break;
	}
	st->printed++;
	return 0;
}

static int on_started(struct lead_watch *w, struct lead_ctx *ctx)
{
	if (w->replaying && !ctx->json) {
		char zone[64];
		lead_watch_zone(zone, sizeof(zone));
		lead_out("-- replaying the changes after revision %llu up to %llu (times in %s)\n",
			 (unsigned long long)w->req.since_revision,
			 (unsigned long long)w->replay_to, zone);
	}
	return 0;
}

static int on_lost(struct lead_watch *w, struct lead_ctx *ctx, const char *why)
{
	unsigned long long rev = lead_watch_resume_from(w);
	return lead_fail(ctx, LD_UNAVAILABLE,
			 "lost the connection to leadd at %s: %s; every change up to revision %llu "
			 "was printed: run 'lead watch --since %llu' to go on from there",
			 ctx->server, why, rev, rev);
}

static int cmd_watch_exec(const struct cmd_entry *self, struct lead_ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
		{"since", required_argument, NULL, O_SINCE},
		{"search", required_argument, NULL, O_SEARCH},
		LEAD_CMD_OPTIONS,
	};
	struct lead_watch w = {.req = LEADD__WATCH_REQUEST__INIT};
	struct watch_state st = {0};
	unsigned long long since;
	int c, rc;
	lead_getopt_reset();
	while ((c = lead_getopt(argc, argv, LEAD_CMD_OPTSTRING, opts, NULL)) != -1) {
		switch (c) {
		case O_SINCE:
			if (lead_parse_uint(optarg, UINT64_MAX, &since) < 0)
				return lead_usage_error(
					self, ctx,
					"--since wants a revision number (the last one lead watch "
					"printed), not '%s'",
					optarg);
			w.req.has_since_revision = 1;
			w.req.since_revision = since;
			break;
		case O_SEARCH:
			if (!*optarg)
				return lead_usage_error(self, ctx,
							"--search wants the name of a saved search "
							"(see 'lead search ls')");
			st.search = optarg;
			break;
		default:
			if ((rc = lead_cmd_option(self, ctx, argv, c)) >= 0)
				return rc;
		}
	}
	if ((rc = lead_cmd_check_args(self, ctx, argc - optind)))
		return rc;
	/* What the lines name, fetched before the watch starts: afterwards
	 * the connection also carries events. */
	if (ctx->json) {
		if ((rc = lead_statuses(ctx, &st.statuses)) || (rc = lead_names(ctx, 1, &st.names)))
			return rc;
	}
	/* Your agenda too: activities put on it and falling due. */
	Leadd__WatchTopic topics[] = {LEADD__WATCH_TOPIC__TOPIC_LEADS,
				      LEADD__WATCH_TOPIC__TOPIC_AGENDA};
	w.req.n_topics = 2;
	w.req.topics = topics;
	w.req.search = (char *)st.search;
	w.arg = &st;
	w.on_started = on_started;
	w.on_event = on_event;
	w.on_lost = on_lost;
	return lead_watch_run(ctx, &w);
}

const struct cmd_entry cmd_watch_entry = {
	.name = "watch",
	.usage = "[--since REV] [--search NAME]",
	.help = "print each change to your leads as it happens",
	.notes = "One line per change to a lead you may see, as it is made, until Ctrl-C (or\n"
		 "SIGTERM; exit 0):\n"
		 "  14:02 sofia: lead 81 'Spring TV' lead-New -> lead-Qualified (rev 1234)\n"
		 "The time is in your time zone (TZ), with the date when not today; who made\n"
		 "the change (leadd for its own); the lead; what changed: created, a status\n"
		 "(old -> new), an owner (owner tom -> ana; pool for a team's pool) or edited.\n"
		 "A lead that came into view (given to you, moved into your team) ends\n"
		 "\"now in view\"; one that left it \"out of view\", without its title;\n"
		 "one gone where you may not see it: \"moved out of your view\".\n"
		 "A change to an activity names it: \"task 81.3 'send the quote' done\".\n"
		 "So does one to an opportunity, with the lead's move when it moved with it:\n"
		 "\"opportunity 7 'Roof', 12000.00 EUR added; lead-Qualified ->\n"
		 "prospect-Qualified\" (added or edited; a won or lost one's sentence says it:\n"
		 "\"..., lost 2026-12-05: Too expensive; prospect-Qualified -> prospect-Lost\").\n"
		 "Your agenda too: an activity put on it (added for you, or given to you)\n"
		 "and one of yours falling due get a line of their own:\n"
		 "  14:02 tom: on your agenda: task 81.3 'send the quote' on lead 81\n"
		 "  'Acme roof', due 2026-12-07 10:00 (rev 1240)\n"
		 "  10:00 leadd: due now: task 81.3 'send the quote' on lead 81 'Acme roof'\n"
		 "  (due 10:00) (rev 1251)\n"
		 "--search NAME: only the leads matching that saved search (yours or your\n"
		 "team's); leads that start or stop matching say so.\n"
		 "--since REV: first the changes after revision REV, then live: give it the\n"
		 "last rev printed to get exactly the changes missed. When leadd no longer\n"
		 "keeps them (its change log is trimmed), a snapshot line says so.\n"
		 "Lines starting with \"--\" are not changes: where the watch starts, a\n"
		 "replay caught up, and snapshots (leadd started over: when your rights\n"
		 "change, the search is edited, or lead fell behind), which say why; lines\n"
		 "before a snapshot may be stale. When the connection is lost, lead exits 6\n"
		 "naming the last revision printed; it does not reconnect.\n"
		 "With --json: one JSON object per line, each with its \"revision\" (see\n"
		 "docs/cli.md).",
	.min_args = 0,
	.max_args = 0,
	.exec = cmd_watch_exec,
};

/* lead stats: the server's counters (group commit, map, requests). */
#include <getopt.h>

#include "lead.h"

static double writes_per_commit(const Leadd__StatsReply *s)
{
	return s->commits ? (double)s->writes_committed / (double)s->commits : 0.0;
}

static int print_json(const Leadd__StatsReply *s)
{
	cJSON *o = cJSON_CreateObject();
	cJSON_AddItemToObject(o, "revision", lead_json_uint(s->revision));
	cJSON_AddItemToObject(o, "commits", lead_json_uint(s->commits));
	cJSON_AddItemToObject(o, "writes_committed", lead_json_uint(s->writes_committed));
	cJSON_AddNumberToObject(o, "writes_per_commit", writes_per_commit(s));
	cJSON_AddNumberToObject(o, "max_batch", s->max_batch);
	cJSON_AddItemToObject(o, "map_size", lead_json_uint(s->map_size));
	cJSON_AddItemToObject(o, "map_used", lead_json_uint(s->map_used));
	cJSON_AddItemToObject(o, "leads", lead_json_uint(s->leads));
	cJSON_AddNumberToObject(o, "connections", s->connections);
	cJSON_AddItemToObject(o, "started_at", lead_json_time(s->started_at));
	cJSON *req = cJSON_AddObjectToObject(o, "requests");
	for (size_t i = 0; i < s->n_requests; i++)
		if (s->requests[i]->name)
			cJSON_AddItemToObject(req, s->requests[i]->name,
					      lead_json_uint(s->requests[i]->count));
	return lead_json_out(o);
}

static void print_text(const Leadd__StatsReply *s)
{
	struct lead_kv *kv = lead_kv_new();
	char started[64];
	lead_format_time(s->started_at, started, sizeof(started));
	lead_kv_add(kv, "revision", "%llu", (unsigned long long)s->revision);
	lead_kv_add(kv, "commits", "%llu", (unsigned long long)s->commits);
	lead_kv_add(kv, "writes_committed", "%llu", (unsigned long long)s->writes_committed);
	lead_kv_add(kv, "writes per commit", "%.2f", writes_per_commit(s));
	lead_kv_add(kv, "max_batch", "%u", s->max_batch);
	lead_kv_add(kv, "map size", "%llu bytes", (unsigned long long)s->map_size);
	lead_kv_add(kv, "map used", "%llu bytes", (unsigned long long)s->map_used);
	lead_kv_add(kv, "leads", "%llu", (unsigned long long)s->leads);
	lead_kv_add(kv, "connections", "%u", s->connections);
	lead_kv_add(kv, "started", "%s", started);
	lead_kv_print(kv);

	lead_out("requests by type:\n");
	static const char *const head[] = {"REQUEST", "COUNT"};
	struct lead_table *t = lead_table_new(2, head);
	lead_table_align_right(t, 1);
	for (size_t i = 0; i < s->n_requests; i++) {
		char count[24];
		snprintf(count, sizeof(count), "%llu", (unsigned long long)s->requests[i]->count);
		const char *row[] = {s->requests[i]->name ? s->requests[i]->name : "?", count};
		lead_table_add(t, row);
	}
	lead_table_print(t);
}

static int cmd_stats_exec(const struct cmd_entry *self, struct lead_ctx *ctx, int argc, char **argv)
{
	int rc = lead_plain_options(self, ctx, argc, argv);
	if (rc)
		return rc < 0 ? 0 : rc;

	Leadd__Request req = LEADD__REQUEST__INIT;
	Leadd__StatsRequest st = LEADD__STATS_REQUEST__INIT;
	req.body_case = LEADD__REQUEST__BODY_STATS;
	req.stats = &st;
	Leadd__Response *resp;
	if ((rc = lead_request(ctx, &req, LEADD__RESPONSE__BODY_STATS, &resp)))
		return rc;
	if (ctx->json)
		rc = print_json(resp->stats);
	else
		print_text(resp->stats);
	leadd__response__free_unpacked(resp, NULL);
	return rc;
}

const struct cmd_entry cmd_stats_entry = {
	.name = "stats",
	.alias = NULL,
	.usage = "",
	.help = "show the server's counters",
	.notes = "Revision, commits, writes per commit (group commit at work), map size and\n"
		 "use, leads, connections, and requests by type since the server started.",
	.min_args = 0,
	.max_args = 0,
	.exec = cmd_stats_exec,
};

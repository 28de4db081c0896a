/* lead kpi --since: the activities done in the period and speed to lead
 * (issue 13), per rep and in total: a table after the flow, and the
 * flow's activity keys in --json. */
#include <stdio.h>

#include "lead.h"
#include "lead_date.h"

static void add_rep_row(struct lead_table *t, const char *name, const char *team, uint64_t calls,
			uint64_t meetings, uint64_t tasks, int has_median, int64_t median,
			uint64_t samples)
{
	char c[24], m[24], k[24], s[24], med[32];
	snprintf(c, sizeof(c), "%llu", (unsigned long long)calls);
	snprintf(m, sizeof(m), "%llu", (unsigned long long)meetings);
	snprintf(k, sizeof(k), "%llu", (unsigned long long)tasks);
	snprintf(s, sizeof(s), "%llu", (unsigned long long)samples);
	if (has_median && samples)
		lead_duration_format(median, med, sizeof(med));
	else
		snprintf(med, sizeof(med), "-");
	const char *row[] = {name, team, c, m, k, med, s};
	lead_table_add(t, row);
}

void lead_kpi_activity_print(const Leadd__KpiFlow *f)
{
	/* A leadd from before activities sends none of it. */
	if (!f->has_calls_done)
		return;
	lead_out("\n");
	static const char *const head[] = {"REP",   "TEAM",          "CALLS", "MEETINGS",
					   "TASKS", "SPEED TO LEAD", "LEADS"};
	struct lead_table *t = lead_table_new(7, head);
	lead_table_shrink(t, 0, 12); /* long user or team names */
	lead_table_shrink(t, 1, 8);
	for (int c = 2; c < 7; c++)
		lead_table_align_right(t, c);
	for (size_t i = 0; i < f->n_reps; i++) {
		const Leadd__RepActivity *r = f->reps[i];
		char name[64];
		const char *n = r->name && *r->name ? r->name : NULL;
		if (!n) {
			snprintf(name, sizeof(name), "user %llu", (unsigned long long)r->user_id);
			n = name;
		}
		add_rep_row(t, n, r->team_name && *r->team_name ? r->team_name : "-", r->calls_done,
			    r->meetings_done, r->tasks_done, r->has_speed_median_ms,
			    r->speed_median_ms, r->speed_samples);
	}
	add_rep_row(t, "total", "", f->calls_done, f->meetings_done, f->tasks_done,
		    f->has_speed_median_ms, f->speed_median_ms, f->speed_samples);
	lead_table_print(t);
}

/* {"median_ms": N or null, "samples": N}, as time_in_status has them. */
static cJSON *speed_json(int has_median, int64_t median, uint64_t samples)
{
	cJSON *o = cJSON_CreateObject();
	if (has_median && samples)
		cJSON_AddItemToObject(o, "median_ms", lead_json_int(median));
	else
		cJSON_AddNullToObject(o, "median_ms");
	cJSON_AddItemToObject(o, "samples", lead_json_uint(samples));
	return o;
}

void lead_kpi_activity_json(cJSON *flow, const Leadd__KpiFlow *f)
{
	if (!f->has_calls_done)
		return;
	cJSON_AddItemToObject(flow, "calls_done", lead_json_uint(f->calls_done));
	cJSON_AddItemToObject(flow, "meetings_done", lead_json_uint(f->meetings_done));
	cJSON_AddItemToObject(flow, "tasks_done", lead_json_uint(f->tasks_done));
	cJSON_AddItemToObject(
		flow, "speed_to_lead",
		speed_json(f->has_speed_median_ms, f->speed_median_ms, f->speed_samples));
	cJSON *reps = cJSON_AddArrayToObject(flow, "reps");
	for (size_t i = 0; i < f->n_reps; i++) {
		const Leadd__RepActivity *r = f->reps[i];
		cJSON *o = cJSON_CreateObject();
		cJSON_AddItemToObject(o, "user", lead_json_string(r->name));
		cJSON_AddItemToObject(o, "user_id", lead_json_id(r->user_id));
		/* No team is null, not the table's "(no team)". */
		cJSON_AddItemToObject(o, "team",
				      lead_json_string(r->team_id ? r->team_name : NULL));
		cJSON_AddItemToObject(o, "team_id", lead_json_id(r->team_id));
		cJSON_AddItemToObject(o, "calls_done", lead_json_uint(r->calls_done));
		cJSON_AddItemToObject(o, "meetings_done", lead_json_uint(r->meetings_done));
		cJSON_AddItemToObject(o, "tasks_done", lead_json_uint(r->tasks_done));
		cJSON_AddItemToObject(
			o, "speed_to_lead",
			speed_json(r->has_speed_median_ms, r->speed_median_ms, r->speed_samples));
		cJSON_AddItemToArray(reps, o);
	}
}

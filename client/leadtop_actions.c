/* What the keys change, each through the request `lead` sends for it:
 * e is `lead edit ID --phone P --email E` (LeadUpdateRequest), s is `lead
 * status ID WORD [--reason R [--other]]` (LeadSetStatusRequest; a reason is
 * asked for when leadd says the status needs one), a is `lead add` (LeadCreateRequest),
 * Enter is `lead show` (LeadGetRequest). Edits carry the version the screen
 * shows: if the lead changed since, leadd refuses (ABORTED) and the screen
 * says so, keeping what you typed for the next try instead of writing over
 * the other change. */
#include <curses.h>
#include <stdlib.h>
#include <string.h>

#include "lead_date.h"
#include "leadtop.h"

/* What a refused edit held, offered again by the next `e` on that lead. */
/* A refusal under the status line: the server's sentence, after the lead
 * it is about unless the sentence names it already ("lead 7 not found"). */
static void refused(struct lt_app *a, unsigned long long id, const char *why)
{
	char own[32];
	snprintf(own, sizeof(own), "lead %llu ", id);
	if (strncmp(why, own, strlen(own)) == 0)
		lt_message(a, LT_A_ERROR, "%s", why);
	else
		lt_message(a, LT_A_ERROR, "lead %llu: %s", id, why);
}

static struct {
	uint64_t lead;
	char phone[256], email[256];
} kept;

/* Every panel reads its leads again (after a stale edit, so the next key
 * acts on what the lead is now; or after a write not heard of live). */
static void reload_panels(struct lt_app *a)
{
	for (int i = 0; i < a->npanels; i++)
		a->panel[i]->wants_reload = 1;
}

static void after_write(struct lt_app *a)
{
	/* A live dashboard hears of its own change from the watch; without
	 * one, read the panels again. */
	if (a->state != LT_LIVE && a->state != LT_REPLAYING)
		reload_panels(a);
}

static Leadd__Response *send_req(struct lt_app *a, Leadd__Request *req, const char *what)
{
	if (!a->conn) {
		lt_message(a, LT_A_ERROR, "%s: not connected to leadd (%s); try again once it is",
			   what, a->state_msg);
		return NULL;
	}
	Leadd__Response *r = lt_call(a, req);
	if (!r) {
		lt_message(a, LT_A_ERROR,
			   "%s: the connection was lost before leadd answered; "
			   "check with lead show before trying again",
			   what);
		return NULL;
	}
	return r;
}

void lt_edit_contact(struct lt_app *a, const Leadd__Lead *l)
{
	uint64_t id = l->id, version = l->version;
	const Leadd__Contact *c = l->n_contacts ? l->contacts[0] : NULL;
	char old_phone[256], old_email[256], phone[256], email[256], label[128];
	snprintf(old_phone, sizeof(old_phone), "%s", c && c->phone ? c->phone : "");
	snprintf(old_email, sizeof(old_email), "%s", c && c->email ? c->email : "");
	int again = kept.lead == id;
	snprintf(label, sizeof(label), "lead %llu phone: ", (unsigned long long)id);
	if (!lt_prompt(a, label, again ? kept.phone : old_phone, phone, sizeof(phone)))
		return;
	snprintf(label, sizeof(label), "lead %llu email: ", (unsigned long long)id);
	if (!lt_prompt(a, label, again ? kept.email : old_email, email, sizeof(email)))
		return;
	kept.lead = 0;
	Leadd__LeadUpdateRequest up = LEADD__LEAD_UPDATE_REQUEST__INIT;
	up.has_id = 1;
	up.id = id;
	up.has_expected_version = 1;
	up.expected_version = version;
	if (strcmp(phone, old_phone) != 0)
		up.main_phone = phone;
	if (strcmp(email, old_email) != 0)
		up.main_email = email;
	if (!up.main_phone && !up.main_email) {
		lt_message(a, LT_A_NORMAL, "lead %llu: nothing to change", (unsigned long long)id);
		return;
	}
	Leadd__Request req = LEADD__REQUEST__INIT;
	req.body_case = LEADD__REQUEST__BODY_LEAD_UPDATE;
	req.lead_update = &up;
	Leadd__Response *r = send_req(a, &req, "edit");
	if (!r)
		return;
	char why[400];
	int code = ld_response_code(r);
	if (code == LD_ABORTED) {
		kept.lead = id;
		snprintf(kept.phone, sizeof(kept.phone), "%s", phone);
		snprintf(kept.email, sizeof(kept.email), "%s", email);
		lt_message(a, LT_A_ERROR,
			   "lead %llu changed since you read it (version %llu): not saved; "
			   "press e again to see the new one (your phone %s, email %s is kept)",
			   (unsigned long long)id, (unsigned long long)version,
			   *phone ? phone : "-", *email ? email : "-");
		reload_panels(a);
	} else if (lt_check(a, r, LEADD__RESPONSE__BODY_LEAD, why, sizeof(why))) {
		refused(a, id, why);
	} else {
		const Leadd__Lead *nl = r->lead->lead;
		lt_message(a, LT_A_OK, "lead %llu: main contact saved (version %llu)",
			   (unsigned long long)id, (unsigned long long)(nl ? nl->version : 0));
		after_write(a);
	}
	leadd__response__free_unpacked(r, NULL);
}

/* One LeadSetStatusRequest as `lead status ID WORD [--reason R [--other]]`
 * sends it: the word and the reason are read by the server. */
static Leadd__Response *send_move(struct lt_app *a, uint64_t id, uint64_t version, char *word,
				  char *reason, int other)
{
	Leadd__LeadSetStatusRequest ss = LEADD__LEAD_SET_STATUS_REQUEST__INIT;
	ss.has_id = 1;
	ss.id = id;
	ss.status = word;
	ss.reason = reason;
	ss.has_other = ss.other = other;
	ss.has_expected_version = 1;
	ss.expected_version = version;
	Leadd__Request req = LEADD__REQUEST__INIT;
	req.body_case = LEADD__REQUEST__BODY_LEAD_SET_STATUS;
	req.lead_set_status = &ss;
	return send_req(a, &req, "status");
}

/* "'Too expensive', 'No budget'": the reasons leadd takes for a lead of
 * team_id (that team's and every team's, ReasonListRequest), as many as
 * fit in `room` columns then ", ..."; "" when there are none or they
 * cannot be read. The prompt's label: the bottom line holds one line. */
static void reason_hint(struct lt_app *a, uint64_t team_id, int room, char *out, size_t len)
{
	out[0] = '\0';
	Leadd__ReasonListRequest lr = LEADD__REASON_LIST_REQUEST__INIT;
	lr.team = team_id ? (char *)lead_team_name(&a->names, team_id) : NULL;
	if (team_id && !lr.team)
		return;
	Leadd__Request req = LEADD__REQUEST__INIT;
	req.body_case = LEADD__REQUEST__BODY_REASON_LIST;
	req.reason_list = &lr;
	Leadd__Response *r = a->conn ? lt_call(a, &req) : NULL;
	char why[200];
	if (!r || lt_check(a, r, LEADD__RESPONSE__BODY_REASON_LIST, why, sizeof(why))) {
		if (r)
			leadd__response__free_unpacked(r, NULL);
		return;
	}
	size_t cap = (size_t)(room > 0 ? room : 0) < len ? (size_t)(room > 0 ? room : 0) : len - 1;
	for (size_t i = 0; i < r->reason_list->n_reasons; i++) {
		const char *t = r->reason_list->reasons[i]->text;
		size_t used = strlen(out), need = strlen(t ? t : "") + 4 + (used ? 2 : 0);
		if (used + need + 5 > cap) {
			if (used) {
				strcat(out, ", ...");
			} else {
				/* Not even the first fits: say how many there
				 * are rather than nothing (an empty hint reads
				 * as "any words will do"). */
				snprintf(out, len, "%zu listed", r->reason_list->n_reasons);
				if (strlen(out) > cap)
					out[0] = '\0';
			}
			break;
		}
		snprintf(out + used, len - used, "%s'%s'", used ? ", " : "", t ? t : "");
	}
	leadd__response__free_unpacked(r, NULL);
}

/* The question after a reason the lists lack, fitted to the bottom line
 * so that "(y/n)" is always seen (the prompt cuts a long label at its
 * end): the reason is cut first, then the sentence made shorter. */
static void own_words_label(const char *reason, char *label, size_t len)
{
	static const char tail[] = "' is not one of them; keep it as your own words? (y/n): ";
	int room = COLS - 1 - lt_prompt_room() - (int)(sizeof(tail) - 1) - 1;
	if (room >= 12) { /* less would not show what was typed */
		struct lt_line cut;
		lt_line_clear(&cut, LT_A_NORMAL);
		lt_line_add(&cut, reason, (int)lt_width(reason) > room ? room : -1, 0, LT_A_NORMAL);
		if (snprintf(label, len, "'%s%s", cut.text, tail) >= (int)len)
			snprintf(label, len, "not listed; keep it as your own words? (y/n): ");
	} else if (COLS >= 50) {
		snprintf(label, len, "not listed; keep it as your own words? (y/n): ");
	} else {
		snprintf(label, len, "own words? (y/n): ");
	}
}

/* A move into dead or lost: leadd refused it for want of a reason
 * (FAILED_PRECONDITION; its sentence, naming the reasons, goes to the
 * bottom line, which the prompt then takes: the prompt names them again).
 * Ask for one and send the move again; a reason the lead's team lacks is
 * refused (FAILED_PRECONDITION again), and then leadtop asks whether to
 * keep it as the user's own words (`other`, as lead's --other). Returns the
 * last answer, or NULL when the user gave up (r is freed either way). */
static Leadd__Response *ask_reason(struct lt_app *a, uint64_t id, uint64_t version,
				   uint64_t team_id, char *word, Leadd__Response *r, char *reason,
				   size_t len)
{
	char why[400], label[300], hint[240], yes[8];
	lt_check(a, r, LEADD__RESPONSE__BODY_LEAD, why, sizeof(why));
	leadd__response__free_unpacked(r, NULL);
	refused(a, id, why);
	/* The refusal names the reasons, but the prompt takes its line: the
	 * label names them again, as far as they fit beside room to type. */
	reason_hint(a, team_id, COLS - 60, hint, sizeof(hint));
	snprintf(label, sizeof(label), "lead %llu needs a reason%s%s%s: ", (unsigned long long)id,
		 hint[0] ? " (" : "", hint, hint[0] ? ")" : "");
	if (!lt_prompt(a, label, NULL, reason, len) || !reason[0]) {
		lt_message(a, LT_A_ERROR, "lead %llu: status not changed (no reason given)",
			   (unsigned long long)id);
		return NULL;
	}
	if (!(r = send_move(a, id, version, word, reason, 0)))
		return NULL;
	if (ld_response_code(r) != LD_FAILED_PRECONDITION)
		return r;
	lt_check(a, r, LEADD__RESPONSE__BODY_LEAD, why, sizeof(why));
	refused(a, id, why);
	own_words_label(reason, label, sizeof(label));
	if (!lt_prompt(a, label, NULL, yes, sizeof(yes)) || (yes[0] != 'y' && yes[0] != 'Y'))
		return r; /* the refusal stands */
	leadd__response__free_unpacked(r, NULL);
	return send_move(a, id, version, word, reason, 1);
}

void lt_change_status(struct lt_app *a, const Leadd__Lead *l)
{
	/* Copied: the panels may read their leads again while a prompt is open. */
	uint64_t id = l->id, version = l->version, old_status = l->status_id, team_id = l->team_id;
	char word[128], label[160], st[128], reason[256] = "";
	snprintf(label, sizeof(label),
		 "lead %llu is %s; new status (a name, prefix or KPI class): ",
		 (unsigned long long)id, lt_status_name(a, old_status, st, sizeof(st)));
	if (!lt_prompt(a, label, NULL, word, sizeof(word)) || !word[0])
		return;
	Leadd__Response *r = send_move(a, id, version, word, NULL, 0);
	if (r && ld_response_code(r) == LD_FAILED_PRECONDITION)
		r = ask_reason(a, id, version, team_id, word, r, reason, sizeof(reason));
	if (!r)
		return;
	char why[400], st2[128];
	if (ld_response_code(r) == LD_ABORTED) {
		lt_message(a, LT_A_ERROR,
			   "lead %llu changed since you read it (version %llu): status not "
			   "changed; look again and press s",
			   (unsigned long long)id, (unsigned long long)version);
		reload_panels(a);
	} else if (lt_check(a, r, LEADD__RESPONSE__BODY_LEAD, why, sizeof(why))) {
		refused(a, id, why);
	} else {
		const Leadd__Lead *nl = r->lead->lead;
		const char *given = nl && nl->status_reason ? nl->status_reason : "";
		lt_message(a, LT_A_OK, "lead %llu: %s -> %s%s%s%s", (unsigned long long)id,
			   lt_status_name(a, old_status, st, sizeof(st)),
			   nl ? lt_status_name(a, nl->status_id, st2, sizeof(st2)) : "?",
			   given[0] ? " (" : "", given, given[0] ? ")" : "");
		after_write(a);
	}
	leadd__response__free_unpacked(r, NULL);
}

void lt_quick_add(struct lt_app *a)
{
	char title[256], client[256], name[256], phone[256], email[256];
	if (!lt_prompt(a, "new lead, title: ", NULL, title, sizeof(title)) || !title[0])
		return;
	if (!lt_prompt(a, "client (empty: none): ", NULL, client, sizeof(client)) ||
	    !lt_prompt(a, "contact name (empty: none): ", NULL, name, sizeof(name)))
		return;
	phone[0] = email[0] = '\0';
	if (name[0] && (!lt_prompt(a, "contact phone: ", NULL, phone, sizeof(phone)) ||
			!lt_prompt(a, "contact email: ", NULL, email, sizeof(email))))
		return;
	Leadd__LeadCreateRequest cr = LEADD__LEAD_CREATE_REQUEST__INIT;
	Leadd__Contact contact = LEADD__CONTACT__INIT;
	Leadd__Contact *contacts[1] = {&contact};
	cr.title = title;
	if (client[0])
		cr.client_name = client;
	if (name[0]) {
		contact.name = name;
		contact.phone = phone[0] ? phone : NULL;
		contact.email = email[0] ? email : NULL;
		cr.contacts = contacts;
		cr.n_contacts = 1;
	}
	Leadd__Request req = LEADD__REQUEST__INIT;
	req.body_case = LEADD__REQUEST__BODY_LEAD_CREATE;
	req.lead_create = &cr;
	Leadd__Response *r = send_req(a, &req, "add");
	if (!r)
		return;
	char why[400];
	if (lt_check(a, r, LEADD__RESPONSE__BODY_LEAD, why, sizeof(why)))
		lt_message(a, LT_A_ERROR, "lead not added: %s", why);
	else if (r->lead->lead)
		lt_message(a, LT_A_OK, "added lead %llu", (unsigned long long)r->lead->lead->id);
	after_write(a);
	leadd__response__free_unpacked(r, NULL);
}

void lt_add_task(struct lt_app *a, uint64_t id)
{
	char title[256], due[128], label[320];
	snprintf(label, sizeof(label), "task on lead %llu, title: ", (unsigned long long)id);
	if (!lt_prompt(a, label, NULL, title, sizeof(title)) || !title[0])
		return;
	int64_t at = 0;
	const char *why = NULL;
	snprintf(label, sizeof(label), "due (2026-12-01 10:30, tomorrow 10:00, +2d): ");
	for (;;) {
		if (!lt_prompt(a, label, NULL, due, sizeof(due)) || !due[0])
			return;
		if (lead_date_parse(due, lead_now_ms(), &at, &why) == 0)
			break;
		/* Asked again, the prompt saying what was wrong; Esc gives up. */
		snprintf(label, sizeof(label), "'%.60s': %s; due: ", due, why ? why : "not a time");
	}
	Leadd__ActivityAddRequest ar = LEADD__ACTIVITY_ADD_REQUEST__INIT;
	ar.has_lead_id = ar.has_kind = ar.has_at = 1;
	ar.lead_id = id;
	ar.kind = LEADD__ACTIVITY_KIND__ACTIVITY_TASK;
	ar.title = title;
	ar.at = at;
	Leadd__Request req = LEADD__REQUEST__INIT;
	req.body_case = LEADD__REQUEST__BODY_ACTIVITY_ADD;
	req.activity_add = &ar;
	Leadd__Response *r = send_req(a, &req, "task");
	if (!r)
		return;
	char msg[400];
	if (lt_check(a, r, LEADD__RESPONSE__BODY_ACTIVITY, msg, sizeof(msg))) {
		refused(a, id, msg);
	} else if (r->activity->activity) {
		char when[96];
		lead_date_format_local(at, when, sizeof(when));
		lt_message(a, LT_A_OK, "task %llu.%u added, due %s", (unsigned long long)id,
			   r->activity->activity->number, when);
	}
	/* The agenda hears of it from the watch when live; else read again. */
	after_write(a);
	leadd__response__free_unpacked(r, NULL);
}

void lt_show_details(struct lt_app *a, const Leadd__Lead *l)
{
	Leadd__LeadGetRequest g = LEADD__LEAD_GET_REQUEST__INIT;
	g.has_id = 1;
	g.id = l->id;
	uint64_t id = l->id;
	Leadd__Request req = LEADD__REQUEST__INIT;
	req.body_case = LEADD__REQUEST__BODY_LEAD_GET;
	req.lead_get = &g;
	Leadd__Response *r = send_req(a, &req, "details");
	if (!r)
		return;
	char why[400] = "the server sent no lead";
	if (lt_check(a, r, LEADD__RESPONSE__BODY_LEAD, why, sizeof(why)) || !r->lead->lead) {
		refused(a, id, why);
		leadd__response__free_unpacked(r, NULL);
		return;
	}
	if (a->detail)
		leadd__response__free_unpacked(a->detail, NULL);
	a->detail = r;
}

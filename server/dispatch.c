#include "dispatch.h"

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "activity_handlers.h"
#include "ld_error.h"
#include "ld_frame.h"
#include "lifecycle_handlers.h"
#include "log.h"
#include "opp_handlers.h"
#include "record_handlers.h"
#include "request_limits.h"
#include "users.h"
#include "watch.h"

#define BODY(x) LEADD__REQUEST__BODY_##x

/* The request table: the whole permission matrix in one place.
 * docs/permissions.md is checked against it by the ctest permissions_doc_matches_table. */
// clang-format off
#define PW session_login_prework
#define UPW user_password_prework
const dispatch_entry dispatch_table[] = {
	/* body                  name                handler           lowest role   visibility    writes prework barrier what */
	{BODY(HELLO),            "hello",            session_hello,    ROLE_NONE,    VIS_NONE,     0,     NULL,   0, "saying hello"},
	{BODY(LOGIN),            "login",            session_login,    ROLE_NONE,    VIS_NONE,     1,     PW,     1, "logging in"},
	{BODY(LOGOUT),           "logout",           session_logout,   ROLE_REP,     VIS_NONE,     1,     NULL,   1, "logging out"},
	{BODY(WHOAMI),           "whoami",           session_whoami,   ROLE_REP,     VIS_NONE,     0,     NULL,   0, "asking who you are"},
	{BODY(PING),             "ping",             session_ping,     ROLE_NONE,    VIS_NONE,     0,     NULL,   0, "pinging the server"},
	{BODY(LEAD_CREATE),      "lead_create",      lead_create,      ROLE_REP,     VIS_OWN_LEAD, 1,     NULL,   0, "adding leads"},
	{BODY(LEAD_GET),         "lead_get",         lead_get,         ROLE_REP,     VIS_OWN_LEAD, 0,     NULL,   0, "reading a lead"},
	{BODY(LEAD_UPDATE),      "lead_update",      lead_update,      ROLE_REP,     VIS_OWN_LEAD, 1,     NULL,   0, "editing leads"},
	{BODY(LEAD_LIST),        "lead_list",        lead_list,        ROLE_REP,     VIS_TEAM,     0,     NULL,   0, "listing leads"},
	{BODY(LEAD_SET_STATUS),  "lead_set_status",  lead_set_status,  ROLE_REP,     VIS_OWN_LEAD, 1,     NULL,   0, "changing a lead's status"},
	{BODY(STATUS_LIST),      "status_list",      status_list,      ROLE_REP,     VIS_NONE,     0,     NULL,   0, "listing statuses"},
	{BODY(LEAD_CLAIM),       "lead_claim",       lead_claim,       ROLE_REP,     VIS_TEAM,     1,     NULL,   0, "claiming leads"},
	{BODY(LEAD_ASSIGN),      "lead_assign",      lead_assign,      ROLE_MANAGER, VIS_TEAM,     1,     NULL,   0, "assigning leads"},
	{BODY(LEAD_BULK_ASSIGN), "lead_bulk_assign", lead_bulk_assign, ROLE_MANAGER, VIS_TEAM,     1,     NULL,   1, "moving all of a user's leads"},
	{BODY(CLIENT_ADD),       "client_add",       client_add,       ROLE_REP,     VIS_NONE,     1,     NULL,   0, "adding client folders"},
	{BODY(CLIENT_LIST),      "client_list",      client_list,      ROLE_REP,     VIS_NONE,     0,     NULL,   0, "listing client folders"},
	{BODY(CLIENT_GET),       "client_get",       client_get,       ROLE_REP,     VIS_TEAM,     0,     NULL,   0, "reading a client folder"},
	{BODY(CLIENT_EDIT),      "client_edit",      client_edit,      ROLE_REP,     VIS_NONE,     1,     NULL,   1, "editing client folders"},
	{BODY(CLIENT_MERGE),     "client_merge",     client_merge,     ROLE_MANAGER, VIS_NONE,     1,     NULL,   1, "merging client folders"},
	{BODY(CONTACT_ADD),      "contact_add",      contact_add,      ROLE_REP,     VIS_OWN_LEAD, 1,     NULL,   0, "adding contacts"},
	{BODY(CONTACT_EDIT),     "contact_edit",     contact_edit,     ROLE_REP,     VIS_OWN_LEAD, 1,     NULL,   0, "editing contacts"},
	{BODY(CONTACT_RM),       "contact_rm",       contact_rm,       ROLE_REP,     VIS_OWN_LEAD, 1,     NULL,   0, "removing contacts"},
	{BODY(CONTACT_MAIN),     "contact_main",     contact_main,     ROLE_REP,     VIS_OWN_LEAD, 1,     NULL,   0, "choosing the main contact"},
	{BODY(LEAD_TAG),         "lead_tag",         lead_tag,         ROLE_REP,     VIS_OWN_LEAD, 1,     NULL,   0, "tagging leads"},
	{BODY(TAG_LIST),         "tag_list",         tag_list,         ROLE_REP,     VIS_TEAM,     0,     NULL,   0, "listing tags"},
	{BODY(LEAD_HISTORY),     "lead_history",     lead_history,     ROLE_REP,     VIS_OWN_LEAD, 0,     NULL,   0, "reading a lead's history"},
	{BODY(LEAD_STANDBY),     "lead_standby",     lead_standby,     ROLE_REP,     VIS_OWN_LEAD, 1,     NULL,   0, "putting leads on stand-by"},
	{BODY(LEAD_ARCHIVE),     "lead_archive",     lead_archive,     ROLE_MANAGER, VIS_OWN_LEAD, 1,     NULL,   0, "archiving leads"},
	{BODY(LEAD_RESTORE),     "lead_restore",     lead_restore,     ROLE_MANAGER, VIS_OWN_LEAD, 1,     NULL,   0, "restoring archived leads"},
	{BODY(LEAD_RENEW),       "lead_renew",       lead_renew,       ROLE_REP,     VIS_OWN_LEAD, 1,     NULL,   0, "renewing leads"},
	{BODY(ACTIVITY_ADD),     "activity_add",     activity_add,     ROLE_REP,     VIS_OWN_LEAD, 1,     NULL,   0, "adding activities to leads"},
	{BODY(ACTIVITY_DONE),    "activity_done",    activity_done,    ROLE_REP,     VIS_OWN_LEAD, 1,     NULL,   0, "marking activities done"},
	{BODY(ACTIVITY_EDIT),    "activity_edit",    activity_edit,    ROLE_REP,     VIS_OWN_LEAD, 1,     NULL,   0, "editing activities"},
	{BODY(ACTIVITY_RM),      "activity_rm",      activity_rm,      ROLE_REP,     VIS_OWN_LEAD, 1,     NULL,   0, "removing activities"},
	{BODY(ACTIVITY_LIST),    "activity_list",    activity_list,    ROLE_REP,     VIS_OWN_LEAD, 0,     NULL,   0, "listing a lead's activities"},
	{BODY(AGENDA),           "agenda",           agenda_get,       ROLE_REP,     VIS_TEAM,     0,     NULL,   0, "reading agendas"},
	{BODY(OPP_CREATE),       "opp_create",       opp_create,       ROLE_REP,     VIS_OWN_LEAD, 1,     NULL,   0, "adding opportunities"},
	{BODY(OPP_GET),          "opp_get",          opp_get,          ROLE_REP,     VIS_OWN_LEAD, 0,     NULL,   0, "reading opportunities"},
	{BODY(OPP_LIST),         "opp_list",         opp_list,         ROLE_REP,     VIS_TEAM,     0,     NULL,   0, "listing opportunities"},
	{BODY(OPP_EDIT),         "opp_edit",         opp_edit,         ROLE_REP,     VIS_OWN_LEAD, 1,     NULL,   0, "editing opportunities"},
	{BODY(OPP_WON),          "opp_won",          opp_won,          ROLE_REP,     VIS_OWN_LEAD, 1,     NULL,   0, "marking opportunities won"},
	{BODY(OPP_LOST),         "opp_lost",         opp_lost,         ROLE_REP,     VIS_OWN_LEAD, 1,     NULL,   0, "marking opportunities lost"},
	{BODY(LEAD_CONVERT),     "lead_convert",     lead_convert,     ROLE_REP,     VIS_OWN_LEAD, 1,     NULL,   0, "converting leads"},
	{BODY(FORECAST),         "forecast",         forecast_get,     ROLE_REP,     VIS_TEAM,     0,     NULL,   0, "reading the forecast"},
	{BODY(KPI),              "kpi",              kpi_get,          ROLE_REP,     VIS_TEAM,     0,     NULL,   0, "reading KPI counts"},
	{BODY(SEARCH_SAVE),      "search_save",      search_save,      ROLE_REP,     VIS_NONE,     1,     NULL,   0, "saving searches"},
	{BODY(SEARCH_LIST),      "search_list",      search_list,      ROLE_REP,     VIS_NONE,     0,     NULL,   0, "listing saved searches"},
	{BODY(SEARCH_EDIT),      "search_edit",      search_edit,      ROLE_REP,     VIS_NONE,     1,     NULL,   0, "editing saved searches"},
	{BODY(SEARCH_RM),        "search_rm",        search_rm,        ROLE_REP,     VIS_NONE,     1,     NULL,   0, "removing saved searches"},
	{BODY(SEARCH_PIN),       "search_pin",       search_pin,       ROLE_REP,     VIS_NONE,     1,     NULL,   0, "pinning saved searches"},
	{BODY(USER_ADD),         "user_add",         user_add,         ROLE_ADMIN,   VIS_ALL,      1,     UPW,    0, "adding users"},
	{BODY(USER_LIST),        "user_list",        user_list,        ROLE_MANAGER, VIS_TEAM,     0,     NULL,   0, "listing users"},
	{BODY(USER_EDIT),        "user_edit",        user_edit,        ROLE_ADMIN,   VIS_ALL,      1,     NULL,   1, "editing users"},
	{BODY(USER_PASSWD),      "user_passwd",      user_passwd,      ROLE_REP,     VIS_NONE,     1,     UPW,    0, "changing passwords"},
	{BODY(USER_DISABLE),     "user_disable",     user_disable,     ROLE_ADMIN,   VIS_ALL,      1,     NULL,   0, "disabling users"},
	{BODY(TEAM_ADD),         "team_add",         team_add,         ROLE_ADMIN,   VIS_ALL,      1,     NULL,   0, "adding teams"},
	{BODY(TEAM_LIST),        "team_list",        team_list,        ROLE_REP,     VIS_TEAM,     0,     NULL,   0, "listing teams"},
	{BODY(TEAM_EDIT),        "team_edit",        team_edit,        ROLE_ADMIN,   VIS_ALL,      1,     NULL,   0, "editing teams"},
	{BODY(WATCH),            "watch",            watch_start,      ROLE_REP,     VIS_TEAM,     0,     NULL,   0, "watching changes"},
	{BODY(UNWATCH),          "unwatch",          watch_stop,       ROLE_REP,     VIS_NONE,     0,     NULL,   0, "stopping a watch"},
	{BODY(STATS),            "stats",            admin_stats,      ROLE_ADMIN,   VIS_ALL,      0,     NULL,   0, "reading server statistics"},
	{BODY(STATUS_ADD),       "status_add",       status_add,       ROLE_ADMIN,   VIS_ALL,      1,     NULL,   0, "adding statuses"},
	{BODY(STATUS_EDIT),      "status_edit",      status_edit,      ROLE_ADMIN,   VIS_ALL,      1,     NULL,   0, "editing statuses"},
	{BODY(STATUS_RM),        "status_rm",        status_rm,        ROLE_ADMIN,   VIS_ALL,      1,     NULL,   1, "removing statuses"},
	{BODY(REASON_ADD),       "reason_add",       reason_add,       ROLE_MANAGER, VIS_TEAM,     1,     NULL,   0, "adding dead and lost reasons"},
	{BODY(REASON_LIST),      "reason_list",      reason_list,      ROLE_REP,     VIS_TEAM,     0,     NULL,   0, "listing dead and lost reasons"},
	{BODY(REASON_RM),        "reason_rm",        reason_rm,        ROLE_MANAGER, VIS_TEAM,     1,     NULL,   0, "removing dead and lost reasons"},
};
// clang-format on
const size_t dispatch_table_len = sizeof(dispatch_table) / sizeof(dispatch_table[0]);

static _Atomic uint64_t request_counts[sizeof(dispatch_table) / sizeof(dispatch_table[0])];

uint64_t dispatch_count(size_t row)
{
	return row < dispatch_table_len ? atomic_load(&request_counts[row]) : 0;
}

static const dispatch_entry *lookup(Leadd__Request__BodyCase body)
{
	for (size_t i = 0; i < dispatch_table_len; i++)
		if (dispatch_table[i].body == body)
			return &dispatch_table[i];
	return NULL;
}

request_ctx *dispatch_new(server *srv, void *conn)
{
	request_ctx *rc = calloc(1, sizeof(*rc));
	if (!rc)
		return NULL;
	rc->srv = srv;
	rc->conn = conn;
	rc->now = server_now_ms();
	/* dispatch_prepare sizes the decode budget to the frame. */
	ld_arena_init(&rc->arena, LIMIT_UNPACK_FLOOR);
	Leadd__Response init = LEADD__RESPONSE__INIT;
	rc->resp = init;
	return rc;
}

request_ctx *dispatch_new_internal(server *srv, const dispatch_entry *e, size_t work_size)
{
	request_ctx *rc = dispatch_new(srv, NULL);
	if (!rc)
		return NULL;
	if (!(rc->internal = calloc(1, work_size))) {
		dispatch_free(rc);
		return NULL;
	}
	rc->arena.budget = LIMIT_REQUEST_MEMORY;
	rc->entry = e;
	return rc;
}

void dispatch_free(request_ctx *rc)
{
	if (!rc)
		return;
	ld_arena_free(&rc->arena);
	ld_arena_free(&rc->chunk_arena);
	if (rc->read_state_free)
		rc->read_state_free(rc->read_state);
	free(rc->raw_body);
	free(rc->frame);
	free(rc->internal);
	free(rc);
}

int dispatch_fail(request_ctx *rc, int code, const char *fmt, ...)
{
	rc->code = code;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(rc->message, sizeof(rc->message), fmt, ap);
	va_end(ap);
	return code;
}

int dispatch_store_error(request_ctx *rc, int mdb_rc)
{
	ld_code code = store_code(mdb_rc);
	if (code == LD_INTERNAL || code == LD_DATA_LOSS)
		log_error("%s: storage error: %s", rc->entry ? rc->entry->name : "request",
			  mdb_strerror(mdb_rc));
	return dispatch_fail(rc, code, "%s", store_strerror(mdb_rc));
}

void dispatch_protocol_error(request_ctx *rc, int code, const char *fmt, ...)
{
	rc->code = code;
	rc->final = 1;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(rc->message, sizeof(rc->message), fmt, ap);
	va_end(ap);
	dispatch_finish(rc);
}

int dispatch_prepare(request_ctx *rc, const uint8_t *frame, uint32_t len, int hello_seen)
{
	rc->wire_size = len;
	rc->arena.budget = LIMIT_UNPACK_BUDGET(len);
	rc->req = leadd__request__unpack(&rc->arena.pb, len, frame);
	if (!rc->req) {
		dispatch_protocol_error(
			rc, LD_INVALID_ARGUMENT, "%s",
			rc->arena.exhausted
				? "the request needs more memory to decode than allowed; "
				  "closing the connection"
				: "the frame is not a valid leadd.Request; closing the connection");
		return -1;
	}
	/* The budget bounded decoding; handlers may load up to a list page. */
	rc->arena.budget = LIMIT_REQUEST_MEMORY;
	if (rc->req->has_id) {
		rc->resp.has_id = 1;
		rc->resp.id = rc->req->id;
	}
	if (!rc->req->id) {
		dispatch_fail(rc, LD_INVALID_ARGUMENT,
			      "request id 0 is reserved; number requests from 1");
		dispatch_finish(rc);
		return -1;
	}
	if (validate_request(rc, &rc->req->base, frame, len) < 0) {
		dispatch_finish(rc);
		return -1;
	}
	const dispatch_entry *e = lookup(rc->req->body_case);
	if (!e) {
		dispatch_fail(rc, LD_UNIMPLEMENTED,
			      rc->req->body_case == LEADD__REQUEST__BODY__NOT_SET
				      ? "the request has no body this leadd knows (empty, or a "
					"request type newer than this server)"
				      : "this leadd does not know request type %d",
			      (int)rc->req->body_case);
		dispatch_finish(rc);
		return -1;
	}
	atomic_fetch_add(&request_counts[e - dispatch_table], 1);
	if (!hello_seen && e->body != LEADD__REQUEST__BODY_HELLO) {
		dispatch_fail(rc, LD_FAILED_PRECONDITION,
			      "send Hello first: the first request on a connection must be Hello");
		dispatch_finish(rc);
		return -1;
	}
	if (hello_seen && e->body == LEADD__REQUEST__BODY_HELLO) {
		dispatch_fail(rc, LD_FAILED_PRECONDITION,
			      "Hello was already sent on this connection");
		dispatch_finish(rc);
		return -1;
	}
	rc->entry = e;
	if (e->body == LEADD__REQUEST__BODY_LOGIN) {
		rc->password_login = !rc->req->login->has_token;
		/* Login finds "TOM", "tom " and "ｔｏｍ" alike: the slowdown and
		 * the log count the name as login looks it up, or one user would
		 * get fresh guesses per spelling. A name that does not fold is
		 * counted as typed (no user has it). */
		const char *typed = rc->req->login->user ? rc->req->login->user : "";
		char key[USER_NAME_KEY_MAX + 1];
		snprintf(rc->login_user, sizeof(rc->login_user), "%.129s",
			 user_name_key(typed, key) == 0 ? key : typed);
	}
	return 0;
}

int dispatch_authorize(request_ctx *rc)
{
	const dispatch_entry *e = rc->entry;
	if (rc->who.role >= e->min_role)
		return 0;
	if (rc->who.role == ROLE_NONE)
		dispatch_fail(rc, LD_UNAUTHENTICATED, "log in first: run 'lead login'");
	else
		dispatch_fail(rc, LD_PERMISSION_DENIED, "%s needs the %s role%s", e->what,
			      role_name(e->min_role), e->min_role < ROLE_ADMIN ? " or higher" : "");
	dispatch_finish(rc);
	return -1;
}

void dispatch_run_read(request_ctx *rc, store_txn *t)
{
	rc->read_again = 0;
	rc->code = rc->entry->handler(rc, t);
	if (rc->code == LD_OK && rc->read_again) {
		rc->state = REQ_READING;
		return;
	}
	rc->read_again = 0;
	dispatch_finish(rc);
}

void dispatch_run_write_reset(request_ctx *rc)
{
	rc->code = LD_OK;
	rc->message[0] = 0;
	rc->resp.body_case = LEADD__RESPONSE__BODY__NOT_SET;
	rc->again = 0;
	rc->change = CONN_KEEP;
	rc->disabled_user_id = 0;
	rc->auth_changed = 0;
}

int dispatch_run_write(request_ctx *rc, store_txn *t)
{
	dispatch_run_write_reset(rc);
	rc->code = rc->entry->handler(rc, t);
	return rc->code;
}

void dispatch_finish(request_ctx *rc)
{
	dispatch_pack(rc);
	rc->state = REQ_DONE;
}

static size_t varint_len(uint64_t v)
{
	size_t n = 1;
	while (v > 0x7f) {
		v >>= 7;
		n++;
	}
	return n;
}

/* Pack sm into a new frame; with a raw body, Response gets it as field
 * rc->raw_body_field appended after its packed fields (protobuf fields
 * may come in any order). 0, or -1 out of memory. */
static int pack_frame(request_ctx *rc, Leadd__ServerMessage *sm, size_t n_resp, size_t n)
{
	free(rc->frame);
	rc->frame = malloc(LD_FRAME_HEADER + n);
	if (!rc->frame)
		return -1;
	ld_frame_put_header(rc->frame, (uint32_t)n);
	uint8_t *p = rc->frame + LD_FRAME_HEADER;
	if (!rc->raw_body) {
		leadd__server_message__pack(sm, p);
	} else {
		size_t body = rc->raw_body_len;
		size_t resp_len = n_resp + varint_len((uint64_t)rc->raw_body_field << 3 | 2) +
				  varint_len(body) + body;
		size_t o = 0;
		p[o++] = 0x0a; /* ServerMessage.response */
		o += ld_varint_put(p + o, resp_len);
		o += leadd__response__pack(&rc->resp, p + o);
		o += ld_varint_put(p + o, (uint64_t)rc->raw_body_field << 3 | 2);
		o += ld_varint_put(p + o, body);
		memcpy(p + o, rc->raw_body, body);
	}
	rc->frame_len = LD_FRAME_HEADER + n;
	return 0;
}

void dispatch_pack(request_ctx *rc)
{
	if (rc->code != LD_OK) {
		/* An error answer carries no body (but see body_on_error). */
		if (!rc->body_on_error)
			rc->resp.body_case = LEADD__RESPONSE__BODY__NOT_SET;
		rc->resp.has_code = 1;
		rc->resp.code = (Leadd__Code)rc->code;
		rc->resp.message = rc->message[0] ? rc->message
						  : (char *)ld_code_sentence(rc->code);
	}
	if (rc->code != LD_OK && rc->raw_body) {
		free(rc->raw_body);
		rc->raw_body = NULL;
	}
	Leadd__ServerMessage sm = LEADD__SERVER_MESSAGE__INIT;
	sm.kind_case = LEADD__SERVER_MESSAGE__KIND_RESPONSE;
	sm.response = &rc->resp;
	size_t n_resp = 0, n;
	if (rc->raw_body) {
		rc->resp.body_case = LEADD__RESPONSE__BODY__NOT_SET;
		n_resp = leadd__response__get_packed_size(&rc->resp);
		size_t resp_len = n_resp + varint_len((uint64_t)rc->raw_body_field << 3 | 2) +
				  varint_len(rc->raw_body_len) + rc->raw_body_len;
		n = 1 + varint_len(resp_len) + resp_len;
	} else {
		n = leadd__server_message__get_packed_size(&sm);
	}
	if (n > LD_FRAME_MAX) {
		/* Lists are capped so this cannot happen; if it does, say so. */
		log_error("answer of %zu bytes is over the frame limit", n);
		free(rc->raw_body);
		rc->raw_body = NULL;
		rc->code = LD_INTERNAL;
		snprintf(rc->message, sizeof(rc->message), "the answer was too large to send");
		rc->resp.body_case = LEADD__RESPONSE__BODY__NOT_SET;
		rc->resp.has_code = 1;
		rc->resp.code = LEADD__CODE__INTERNAL;
		rc->resp.message = rc->message;
		n = leadd__server_message__get_packed_size(&sm);
	}
	if (pack_frame(rc, &sm, n_resp, n) < 0) {
		rc->frame_len = 0;
		rc->final = 1;
	}
	free(rc->raw_body);
	rc->raw_body = NULL;
	/* The answer is in the frame: the decoded request, the records it
	 * loaded and the reply go now, so a request waiting its turn in the
	 * connection's FIFO (behind a login, or a write at the writer) holds
	 * its frame alone. Nothing reads rc->req or rc->resp after this. */
	ld_arena_free(&rc->arena);
	rc->req = NULL;
	if (rc->read_state_free)
		rc->read_state_free(rc->read_state);
	rc->read_state = NULL;
	rc->read_state_free = NULL;
	Leadd__Response empty = LEADD__RESPONSE__INIT;
	empty.has_id = rc->resp.has_id; /* an answer packed again keeps its id */
	empty.id = rc->resp.id;
	rc->resp = empty;
}

/* The same rule as the search engine's visibility term (search_query.c
 * sq_visible), so `lead show` and `lead ls` always agree: admins see
 * every lead; everyone their own; a manager every lead of their teams
 * (lead->team_id: an owned lead's is its owner's team, kept so by the
 * write core; a pool lead's is the pool's); a rep their team's pool when
 * the team lets reps see it. */
int dispatch_may_see_lead(request_ctx *rc, store_txn *t, const Leadd__Lead *lead)
{
	return principal_may_see_lead(&rc->who, t, &rc->arena, lead);
}

int principal_may_see_lead(const principal_t *who, store_txn *t, ld_arena *arena,
			   const Leadd__Lead *lead)
{
	if (who->role >= ROLE_ADMIN || (lead->owner_id && lead->owner_id == who->user_id))
		return 1;
	if (who->role >= ROLE_MANAGER)
		return principal_has_team(who, lead->team_id);
	if (lead->owner_id || !who->n_teams || lead->team_id != who->teams[0])
		return 0;
	team_record *tm;
	return team_load(t, lead->team_id, arena, &tm) == 0 && tm->pool_visible;
}

const char *role_name(role_t role)
{
	switch (role) {
	case ROLE_NONE:
		return "none";
	case ROLE_REP:
		return "rep";
	case ROLE_MANAGER:
		return "manager";
	case ROLE_ADMIN:
		return "admin";
	}
	return "unknown";
}

/* The write core under a seeded pseudo-random workload.
 *
 * 500 creates, updates, status changes and reads, through the client
 * library, against a model of what each lead must hold. Each reply is checked
 * against the model (fields, versions strictly increasing, a get returning
 * exactly what the last write returned); then leadd is stopped and `leadd
 * verify` recounts every index, counter and history entry from the records. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "harness.h"

#define SEED 0x1eadd5eedULL
#define NOPS 500
#define MAX_TAGS 5
#define MAX_CONTACTS 3

typedef struct {
	char name[32];
	char role[16];
	char email[64];
	char phone[24];
} want_contact;

/* What a lead must hold, as far as the requests say. */
typedef struct {
	char title[64];
	char client[32]; /* "" = no client */
	char description[64];
	char source[16];
	int has_value;
	long long amount;
	char currency[4];
	size_t ntags;
	const char *tags[MAX_TAGS];
	size_t ncontacts;
	want_contact contacts[MAX_CONTACTS];
	uint64_t status_id;
	int64_t next_action_at;
} want_lead;

typedef struct {
	uint64_t id;
	want_lead want;
	Leadd__Response *last; /* the reply of the last write: what a get must return */
} model_lead;

static const char *const tag_pool[] = {"hot",     "cold",    "vip", "q3",
				       "renewal", "partner", "eu",  "us"};
static const char *const client_pool[] = {"acme",  "globex",        "initech",
					  "hooli", "umbrella corp", "stark industries"};
static const char *const name_pool[] = {"alice smith", "bob jones", "carol white", "dan brown",
					"eve black"};
static const char *const role_pool[] = {"ceo", "buyer", "cto", ""};
#define NPOOL(a) (sizeof(a) / sizeof((a)[0]))

static uint64_t rng = SEED;
static model_lead leads[NOPS];
static size_t nleads;
static uint64_t client_ids[NPOOL(client_pool)];
static uint64_t last_version;
static Leadd__Response *status_resp; /* owns statuses */
static Leadd__Status **statuses;
static size_t nstatuses;
static uint64_t default_status;
static unsigned uniq;      /* keeps emails and phones distinct across the run */
static unsigned counts[4]; /* creates, updates, set-status, gets */

static uint32_t rnd(void)
{
	/* xorshift64*: deterministic across platforms, unlike rand(). */
	rng ^= rng >> 12;
	rng ^= rng << 25;
	rng ^= rng >> 27;
	return (uint32_t)((rng * 0x2545F4914F6CDD1DULL) >> 32);
}

static uint32_t below(uint32_t n)
{
	return rnd() % n;
}

static int str_eq(const char *a, const char *b)
{
	/* Absent and empty strings mean the same on the wire here. */
	return strcmp(a ? a : "", b ? b : "") == 0;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static void fill_contact(want_contact *c)
{
	memset(c, 0, sizeof(*c));
	snprintf(c->name, sizeof(c->name), "%s", name_pool[below(NPOOL(name_pool))]);
	snprintf(c->role, sizeof(c->role), "%s", role_pool[below(NPOOL(role_pool))]);
	unsigned u = ++uniq;
	if (below(4))
		snprintf(c->email, sizeof(c->email), "contact%u@example%u.com", u, u % 7);
	if (below(4))
		snprintf(c->phone, sizeof(c->phone), "+3361%07u", u);
}

static void random_tags(want_lead *w)
{
	w->ntags = below(MAX_TAGS + 1);
	size_t n = 0;
	/* Distinct tags: a set, whatever order the server keeps them in. */
	for (size_t i = 0; i < NPOOL(tag_pool) && n < w->ntags; i++)
		if (below(NPOOL(tag_pool) - i) < w->ntags - n)
			w->tags[n++] = tag_pool[i];
	w->ntags = n;
}

static void random_contacts(want_lead *w)
{
	w->ncontacts = below(MAX_CONTACTS + 1);
	for (size_t i = 0; i < w->ncontacts; i++)
		fill_contact(&w->contacts[i]);
}

/* Wire views of the model, pointing into it (no heap). */
typedef struct {
	Leadd__Contact c[MAX_CONTACTS];
	Leadd__Contact *p[MAX_CONTACTS];
	Leadd__Money money;
} wire_bufs;

static Leadd__Contact **wire_contacts(want_lead *w, wire_bufs *b)
{
	for (size_t i = 0; i < w->ncontacts; i++) {
		leadd__contact__init(&b->c[i]);
		b->c[i].name = w->contacts[i].name;
		b->c[i].role = w->contacts[i].role[0] ? w->contacts[i].role : NULL;
		b->c[i].email = w->contacts[i].email[0] ? w->contacts[i].email : NULL;
		b->c[i].phone = w->contacts[i].phone[0] ? w->contacts[i].phone : NULL;
		b->p[i] = &b->c[i];
	}
	return b->p;
}

static Leadd__Money *wire_money(want_lead *w, wire_bufs *b)
{
	leadd__money__init(&b->money);
	b->money.has_amount_minor = 1;
	b->money.amount_minor = w->amount;
	b->money.currency = w->currency;
	return &b->money;
}

static void random_value(want_lead *w)
{
	w->has_value = 1;
	w->amount = (long long)below(10000000);
	snprintf(w->currency, sizeof(w->currency), "%s", below(2) ? "EUR" : "USD");
}

static int64_t random_when(void)
{
	/* Sometime in 2025-2026, in unix ms; 0 means "no next action". */
	return below(5) ? 1735689600000LL + (int64_t)below(63072000) * 1000 : 0;
}

/* The reply's lead holds what the model says. */
static void check_content(const Leadd__Lead *l, const want_lead *w, const char *what)
{
	if (!str_eq(l->title, w->title))
		fail_msg("%s: title \"%s\", want \"%s\"", what, l->title, w->title);
	if (!str_eq(l->description, w->description))
		fail_msg("%s: description \"%s\", want \"%s\"", what, l->description,
			 w->description);
	if (!str_eq(l->source, w->source))
		fail_msg("%s: source \"%s\", want \"%s\"", what, l->source, w->source);
	if (!str_eq(l->client_name, w->client))
		fail_msg("%s: client_name \"%s\", want \"%s\"", what, l->client_name, w->client);
	if (w->client[0]) {
		if (l->client_id == 0)
			fail_msg("%s: client \"%s\" but client_id 0", what, w->client);
		for (size_t i = 0; i < NPOOL(client_pool); i++) {
			if (strcmp(client_pool[i], w->client) != 0)
				continue;
			/* One client folder per name: the same name, the same id. */
			if (client_ids[i] && client_ids[i] != l->client_id)
				fail_msg("%s: client \"%s\" has id %llu, earlier %llu", what,
					 w->client, (unsigned long long)l->client_id,
					 (unsigned long long)client_ids[i]);
			client_ids[i] = l->client_id;
		}
	} else if (l->client_id != 0) {
		fail_msg("%s: no client wanted, client_id %llu", what,
			 (unsigned long long)l->client_id);
	}
	if (w->has_value) {
		if (!l->value || l->value->amount_minor != w->amount ||
		    !str_eq(l->value->currency, w->currency))
			fail_msg("%s: value %lld %s, want %lld %s", what,
				 l->value ? (long long)l->value->amount_minor : 0LL,
				 l->value ? l->value->currency : "(none)", w->amount, w->currency);
	}
	if (l->n_tags != w->ntags)
		fail_msg("%s: %zu tags, want %zu", what, l->n_tags, w->ntags);
	const char *got[MAX_TAGS], *want[MAX_TAGS];
	/* l->tags is NULL when there are none, and memcpy wants no NULL. */
	for (size_t i = 0; i < w->ntags; i++) {
		got[i] = l->tags[i];
		want[i] = w->tags[i];
	}
	qsort(got, w->ntags, sizeof(*got), cmp_str);
	qsort(want, w->ntags, sizeof(*want), cmp_str);
	for (size_t i = 0; i < w->ntags; i++)
		if (strcmp(got[i], want[i]) != 0)
			fail_msg("%s: tag \"%s\", want \"%s\"", what, got[i], want[i]);
	if (l->n_contacts != w->ncontacts)
		fail_msg("%s: %zu contacts, want %zu", what, l->n_contacts, w->ncontacts);
	for (size_t i = 0; i < w->ncontacts; i++) {
		const Leadd__Contact *c = l->contacts[i];
		const want_contact *wc = &w->contacts[i];
		if (!str_eq(c->name, wc->name) || !str_eq(c->role, wc->role) ||
		    !str_eq(c->email, wc->email) || !str_eq(c->phone, wc->phone))
			fail_msg("%s: contact %zu is {%s, %s, %s, %s}, want {%s, %s, %s, %s}", what,
				 i, c->name, c->role, c->email, c->phone, wc->name, wc->role,
				 wc->email, wc->phone);
	}
	if (l->status_id != w->status_id)
		fail_msg("%s: status_id %llu, want %llu", what, (unsigned long long)l->status_id,
			 (unsigned long long)w->status_id);
	if (l->next_action_at != w->next_action_at)
		fail_msg("%s: next_action_at %lld, want %lld", what, (long long)l->next_action_at,
			 (long long)w->next_action_at);
}

/* The two leads pack to the same bytes. */
static int same_bytes(const Leadd__Lead *a, const Leadd__Lead *b)
{
	size_t na = leadd__lead__get_packed_size(a), nb = leadd__lead__get_packed_size(b);
	uint8_t *pa = malloc(na + 1), *pb = malloc(nb + 1);
	assert_non_null(pa);
	assert_non_null(pb);
	leadd__lead__pack(a, pa);
	leadd__lead__pack(b, pb);
	int same = na == nb && memcmp(pa, pb, na) == 0;
	free(pa);
	free(pb);
	return same;
}

/* Two replies carry the same lead, field for field. */
static void check_same(const Leadd__Lead *a, const Leadd__Lead *b, const char *what)
{
	if (a->id != b->id || a->version != b->version)
		fail_msg("%s: lead %llu v%llu, want lead %llu v%llu", what,
			 (unsigned long long)a->id, (unsigned long long)a->version,
			 (unsigned long long)b->id, (unsigned long long)b->version);
	if (a->created_at != b->created_at || a->updated_at != b->updated_at ||
	    a->created_by != b->created_by || a->updated_by != b->updated_by ||
	    a->owner_id != b->owner_id || a->client_id != b->client_id)
		fail_msg("%s: lead %llu metadata differs from the last write's reply", what,
			 (unsigned long long)a->id);
	/* Packing both is the strictest comparison of everything else. */
	if (!same_bytes(a, b))
		fail_msg("%s: lead %llu differs from the reply of its last write", what,
			 (unsigned long long)a->id);
}

/* A write reply: OK, a lead, a version above every earlier one (or, for an
 * update that changed nothing, the lead exactly as before). */
static const Leadd__Lead *accept_write(model_lead *m, Leadd__Response *r, const char *what)
{
	const Leadd__Lead *l = ld_test_lead(r);
	/* An update whose fields all equal the lead's values changes nothing:
	 * the reply is the lead as it was, version and all (check_content below
	 * still holds it to the model). */
	int unchanged = m->last && same_bytes(l, ld_test_lead(m->last));
	if (!unchanged && (!l->has_version || l->version <= last_version))
		fail_msg("%s: version %llu is not above the previous write's %llu", what,
			 (unsigned long long)l->version, (unsigned long long)last_version);
	if (!unchanged)
		last_version = l->version;
	if (m->last) {
		const Leadd__Lead *old = ld_test_lead(m->last);
		assert_int_equal(l->id, old->id);
		assert_int_equal(l->created_at, old->created_at);
		assert_int_equal(l->created_by, old->created_by);
		assert_true(l->updated_at >= old->updated_at);
		leadd__response__free_unpacked(m->last, NULL);
	}
	assert_true(l->id != 0);
	assert_true(l->updated_at >= l->created_at);
	check_content(l, &m->want, what);
	m->id = l->id;
	m->last = r;
	return l;
}

/* Dead and lost: a move there needs a reason, a new lead cannot start there. */
static int needs_reason(const Leadd__Status *s)
{
	return s->kpi_class == LEADD__KPI_CLASS__KPI_DEAD ||
	       s->kpi_class == LEADD__KPI_CLASS__KPI_LOST;
}
static void op_create(ld_conn *c, int op)
{
	model_lead *m = &leads[nleads];
	want_lead *w = &m->want;
	wire_bufs b;
	char what[64];
	snprintf(what, sizeof(what), "op %d create", op);

	memset(m, 0, sizeof(*m));
	snprintf(w->title, sizeof(w->title), "lead %d of the seeded run", op);
	if (below(4))
		snprintf(w->client, sizeof(w->client), "%s",
			 client_pool[below(NPOOL(client_pool))]);
	if (below(2))
		snprintf(w->description, sizeof(w->description), "described at op %d", op);
	if (below(2))
		snprintf(w->source, sizeof(w->source), "%s", below(2) ? "web" : "referral");
	if (below(3))
		random_value(w);
	random_tags(w);
	random_contacts(w);
	w->next_action_at = random_when();

	Leadd__Request req = LEADD__REQUEST__INIT;
	Leadd__LeadCreateRequest lc = LEADD__LEAD_CREATE_REQUEST__INIT;
	lc.title = w->title;
	lc.owner = LD_TEST_ADMIN; /* an admin names an owner or a team */
	lc.client_name = w->client[0] ? w->client : NULL;
	lc.description = w->description[0] ? w->description : NULL;
	lc.source = w->source[0] ? w->source : NULL;
	lc.value = w->has_value ? wire_money(w, &b) : NULL;
	lc.n_tags = w->ntags;
	lc.tags = (char **)w->tags;
	lc.n_contacts = w->ncontacts;
	lc.contacts = wire_contacts(w, &b);
	lc.has_next_action_at = w->next_action_at != 0;
	lc.next_action_at = w->next_action_at;
	/* Half the leads name their status; the rest get the first KPI_NEW one.
	 * None starts dead or lost: those need a reason (issue 12). */
	w->status_id = default_status;
	const Leadd__Status *pick = statuses[below((uint32_t)nstatuses)];
	if (below(2) && !needs_reason(pick)) {
		w->status_id = pick->id;
		lc.has_status_id = 1;
		lc.status_id = w->status_id;
	}
	req.body_case = LEADD__REQUEST__BODY_LEAD_CREATE;
	req.lead_create = &lc;
	accept_write(m, ld_test_call_expect(c, &req, 0), what);
	for (size_t i = 0; i < nleads; i++)
		assert_true(leads[i].id != m->id);
	nleads++;
}

static void op_update(ld_conn *c, int op)
{
	model_lead *m = &leads[below((uint32_t)nleads)];
	want_lead *w = &m->want;
	wire_bufs b;
	char what[64];
	snprintf(what, sizeof(what), "op %d update of lead %llu", op, (unsigned long long)m->id);

	Leadd__Request req = LEADD__REQUEST__INIT;
	Leadd__LeadUpdateRequest up = LEADD__LEAD_UPDATE_REQUEST__INIT;
	Leadd__StringList tags = LEADD__STRING_LIST__INIT;
	Leadd__ContactList contacts = LEADD__CONTACT_LIST__INIT;
	up.has_id = 1;
	up.id = m->id;
	up.has_expected_version = 1;
	up.expected_version = ld_test_lead(m->last)->version;

	/* Each field changes with its own odds; at least one always does. */
	int changed = 0;
	if (below(3) == 0) {
		snprintf(w->title, sizeof(w->title), "lead renamed at op %d", op);
		up.title = w->title;
		changed = 1;
	}
	if (below(4) == 0) {
		if (below(3) == 0)
			w->client[0] = 0;
		else
			snprintf(w->client, sizeof(w->client), "%s",
				 client_pool[below(NPOOL(client_pool))]);
		up.client_name = w->client;
		changed = 1;
	}
	if (below(6) == 0) {
		snprintf(w->description, sizeof(w->description), "redescribed at op %d", op);
		up.description = w->description;
		changed = 1;
	}
	if (below(6) == 0) {
		snprintf(w->source, sizeof(w->source), "%s", below(2) ? "fair" : "cold call");
		up.source = w->source;
		changed = 1;
	}
	if (below(5) == 0) {
		random_value(w);
		up.value = wire_money(w, &b);
		changed = 1;
	}
	if (below(4) == 0) {
		random_tags(w);
		tags.n_items = w->ntags;
		tags.items = (char **)w->tags;
		up.tags = &tags;
		changed = 1;
	}
	int contacts_replaced = 0;
	if (below(4) == 0) {
		random_contacts(w);
		contacts.n_items = w->ncontacts;
		contacts.items = wire_contacts(w, &b);
		up.contacts = &contacts;
		contacts_replaced = changed = 1;
	}
	if (below(4) == 0) {
		w->next_action_at = random_when();
		up.has_next_action_at = 1;
		up.next_action_at = w->next_action_at;
		changed = 1;
	}
	/* main_email/main_phone edit the first contact, creating it if there is
	 * none; never mixed with a contacts replacement, whose order against
	 * them the protocol leaves open. */
	if (!contacts_replaced && (below(4) == 0 || !changed)) {
		if (w->ncontacts == 0) {
			memset(&w->contacts[0], 0, sizeof(w->contacts[0]));
			w->ncontacts = 1;
		}
		unsigned u = ++uniq;
		int which = (int)below(3);
		if (which != 1) {
			snprintf(w->contacts[0].email, sizeof(w->contacts[0].email),
				 "main%u@example.org", u);
			up.main_email = w->contacts[0].email;
		}
		if (which != 0) {
			snprintf(w->contacts[0].phone, sizeof(w->contacts[0].phone), "+4930%07u",
				 u);
			up.main_phone = w->contacts[0].phone;
		}
	}
	req.body_case = LEADD__REQUEST__BODY_LEAD_UPDATE;
	req.lead_update = &up;
	accept_write(m, ld_test_call_expect(c, &req, 0), what);
}

static void op_set_status(ld_conn *c, int op)
{
	model_lead *m = &leads[below((uint32_t)nleads)];
	char what[80];
	uint64_t to = statuses[below((uint32_t)nstatuses)]->id;
	/* A real change each time (no "same status" no-op to argue about). */
	for (size_t i = 0; to == m->want.status_id && nstatuses > 1 && i < nstatuses; i++)
		to = statuses[i]->id;
	snprintf(what, sizeof(what), "op %d set-status of lead %llu to %llu", op,
		 (unsigned long long)m->id, (unsigned long long)to);

	Leadd__Request req = LEADD__REQUEST__INIT;
	Leadd__LeadSetStatusRequest ss = LEADD__LEAD_SET_STATUS_REQUEST__INIT;
	ss.has_id = 1;
	ss.id = m->id;
	ss.has_status_id = 1;
	ss.status_id = to;
	for (size_t i = 0; i < nstatuses; i++)
		if (statuses[i]->id == to && needs_reason(statuses[i])) {
			ss.reason = "closed by the workload"; /* in its own words */
			ss.has_other = ss.other = 1;
		}
	if (below(2)) {
		ss.has_expected_version = 1;
		ss.expected_version = ld_test_lead(m->last)->version;
	}
	req.body_case = LEADD__REQUEST__BODY_LEAD_SET_STATUS;
	req.lead_set_status = &ss;
	m->want.status_id = to;
	accept_write(m, ld_test_call_expect(c, &req, 0), what);
}

static void op_get(ld_conn *c, model_lead *m, const char *what)
{
	Leadd__Response *r = ld_test_get(c, m->id);
	if (ld_response_code(r) != 0)
		fail_msg("%s: get of lead %llu answered %s (%s)", what, (unsigned long long)m->id,
			 ld_code_name(ld_response_code(r)), ld_response_message(r));
	check_same(ld_test_lead(r), ld_test_lead(m->last), what);
	leadd__response__free_unpacked(r, NULL);
}

static void load_statuses(ld_conn *c)
{
	Leadd__Request req = LEADD__REQUEST__INIT;
	Leadd__StatusListRequest sl = LEADD__STATUS_LIST_REQUEST__INIT;
	req.body_case = LEADD__REQUEST__BODY_STATUS_LIST;
	req.status_list = &sl;
	Leadd__Response *r = ld_test_call_expect(c, &req, 0);
	assert_int_equal(r->body_case, LEADD__RESPONSE__BODY_STATUS_LIST);
	assert_non_null(r->status_list);
	status_resp = r;
	statuses = r->status_list->statuses;
	nstatuses = r->status_list->n_statuses;
	if (nstatuses < 2)
		fail_msg("a fresh leadd lists %zu statuses; the defaults should be several",
			 nstatuses);
	for (size_t i = 0; i < nstatuses; i++) {
		assert_true(statuses[i]->id != 0);
		assert_true(statuses[i]->name && statuses[i]->name[0]);
		if (!default_status && statuses[i]->kpi_class == LEADD__KPI_CLASS__KPI_NEW)
			default_status = statuses[i]->id;
	}
	if (!default_status)
		fail_msg("no default status has kpi_class KPI_NEW");
}

static void test_seeded_workload(void **state)
{
	ld_test_server *s = *state;
	const char *addr = ld_test_server_start(s);
	ld_conn *c = ld_test_connect(addr);
	char what[64];

	load_statuses(c);
	for (int op = 0; op < NOPS; op++) {
		uint32_t dice = below(100);
		if (nleads < 20 || dice < 30) {
			op_create(c, op);
			counts[0]++;
		} else if (dice < 70) {
			op_update(c, op);
			counts[1]++;
		} else if (dice < 90) {
			op_set_status(c, op);
			counts[2]++;
		} else {
			counts[3]++;
			snprintf(what, sizeof(what), "op %d get", op);
			op_get(c, &leads[below((uint32_t)nleads)], what);
		}
	}
	for (size_t i = 0; i < nleads; i++)
		op_get(c, &leads[i], "final sweep");

	/* The last change made was ours, so the server's revision is its version. */
	Leadd__Response *keep;
	Leadd__StatsReply *st = ld_test_stats(c, &keep);
	if (st->revision != last_version)
		fail_msg("StatsReply.revision %llu, but the last write returned version %llu",
			 (unsigned long long)st->revision, (unsigned long long)last_version);
	print_message("%d ops: %u creates, %u updates, %u status changes, %u gets; "
		      "revision %llu\n",
		      NOPS, counts[0], counts[1], counts[2], counts[3],
		      (unsigned long long)last_version);
	leadd__response__free_unpacked(keep, NULL);
	ld_conn_close(c);

	ld_test_server_stop(s);
	ld_test_server_verify(s);

	/* What a clean shutdown kept is what the replies said. */
	addr = ld_test_server_restart(s);
	c = ld_test_connect(addr);
	if (ld_conn_hello_revision(c) != last_version)
		fail_msg("after restart HelloReply.revision is %llu, want %llu",
			 (unsigned long long)ld_conn_hello_revision(c),
			 (unsigned long long)last_version);
	for (size_t i = 0; i < nleads; i++)
		op_get(c, &leads[i], "after restart");
	ld_conn_close(c);
	ld_test_server_stop(s);
	ld_test_server_verify(s);
}

static int setup(void **state)
{
	*state = calloc(1, sizeof(ld_test_server));
	return *state ? 0 : -1;
}

static int teardown(void **state)
{
	ld_test_server_cleanup(*state);
	free(*state);
	for (size_t i = 0; i < nleads; i++)
		if (leads[i].last)
			leadd__response__free_unpacked(leads[i].last, NULL);
	if (status_resp)
		leadd__response__free_unpacked(status_resp, NULL);
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_seeded_workload, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

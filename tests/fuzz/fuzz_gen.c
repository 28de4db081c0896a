#include "fuzz_gen.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "leadd.pb-c.h"

static uint64_t rng_state = 1;

void fuzz_rng_seed(uint64_t seed)
{
	rng_state = seed ? seed : 1;
}

uint64_t fuzz_rnd(void)
{
	/* xorshift64*: reproducible from the seed. */
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545F4914F6CDD1DULL;
}

size_t fuzz_below(size_t n)
{
	return n ? (size_t)(fuzz_rnd() % n) : 0;
}

void fuzz_corpus_init(fuzz_corpus *c, size_t max_len)
{
	memset(c, 0, sizeof(*c));
	c->max_len = max_len;
}

void fuzz_corpus_add(fuzz_corpus *c, const uint8_t *data, size_t len)
{
	if (c->n == FUZZ_MAX_SEEDS || len > c->max_len)
		return;
	fuzz_seed *s = &c->items[c->n];
	s->data = malloc(len ? len : 1);
	if (!s->data)
		abort();
	memcpy(s->data, data, len);
	s->len = len;
	c->n++;
}

void fuzz_corpus_free(fuzz_corpus *c)
{
	for (size_t i = 0; i < c->n; i++)
		free(c->items[i].data);
	c->n = 0;
}

const fuzz_seed *fuzz_corpus_pick(const fuzz_corpus *c)
{
	return &c->items[fuzz_below(c->n)];
}

static void add_request(fuzz_corpus *c, Leadd__Request *r)
{
	uint8_t buf[FUZZ_MAX_INPUT];
	size_t n = leadd__request__get_packed_size(r);
	if (n > sizeof(buf))
		return;
	leadd__request__pack(r, buf);
	fuzz_corpus_add(c, buf, n);
}

/* One valid request of each shape the server takes, with every kind of
 * field: strings, repeated strings, nested and repeated messages, a oneof,
 * money, and the wrappers that give repeated fields presence. */
void fuzz_corpus_add_requests(fuzz_corpus *c)
{
	Leadd__Request r;
	Leadd__HelloRequest hello = LEADD__HELLO_REQUEST__INIT;
	Leadd__LoginRequest login = LEADD__LOGIN_REQUEST__INIT;
	Leadd__LeadCreateRequest cr = LEADD__LEAD_CREATE_REQUEST__INIT;
	Leadd__LeadUpdateRequest up = LEADD__LEAD_UPDATE_REQUEST__INIT;
	Leadd__LeadListRequest ls = LEADD__LEAD_LIST_REQUEST__INIT;
	Leadd__LeadAssignRequest as = LEADD__LEAD_ASSIGN_REQUEST__INIT;
	Leadd__LeadBulkAssignRequest ba = LEADD__LEAD_BULK_ASSIGN_REQUEST__INIT;
	Leadd__UserAddRequest ua = LEADD__USER_ADD_REQUEST__INIT;
	Leadd__TeamAddRequest ta = LEADD__TEAM_ADD_REQUEST__INIT;
	Leadd__Money money = LEADD__MONEY__INIT;
	Leadd__Contact ct = LEADD__CONTACT__INIT, *cts[2] = {&ct, &ct};
	Leadd__StringList tags = LEADD__STRING_LIST__INIT;
	Leadd__ContactList contacts = LEADD__CONTACT_LIST__INIT;
	char *tag_items[3] = {"hot", "b2b", "Lef\xC3\xA8vre"};
	char *managers[2] = {"mgr1", "mgr2"};

#define SEED(field, value, body)                                                                   \
	do {                                                                                       \
		Leadd__Request init = LEADD__REQUEST__INIT;                                        \
		r = init;                                                                          \
		r.has_id = 1;                                                                      \
		r.id = c->n + 1;                                                                   \
		r.body_case = LEADD__REQUEST__BODY_##body;                                         \
		r.field = value;                                                                   \
		add_request(c, &r);                                                                \
	} while (0)

	hello.has_protocol_version = 1;
	hello.protocol_version = 1;
	hello.client_name = "fuzz";
	SEED(hello, &hello, HELLO);
	login.user = "admin";
	login.password = "a password";
	SEED(login, &login, LOGIN);

	money.has_amount_minor = 1;
	money.amount_minor = 123450;
	money.currency = "EUR";
	ct.name = "Jane Doe";
	ct.role = "CTO";
	ct.email = "jane@example.com";
	ct.phone = "+33 1 23 45 67 89";
	cr.title = "Website redesign";
	cr.client_name = "Maison Lef\xC3\xA8vre SA";
	cr.description = "line 1\n\tline 2";
	cr.value = &money;
	cr.source = "referral";
	cr.tags = tag_items;
	cr.n_tags = 3;
	cr.contacts = cts;
	cr.n_contacts = 2;
	cr.owner = "admin";
	SEED(lead_create, &cr, LEAD_CREATE);

	tags.items = tag_items;
	tags.n_items = 2;
	contacts.items = cts;
	contacts.n_items = 1;
	up.has_id = up.has_expected_version = 1;
	up.id = 7;
	up.expected_version = 9;
	up.title = "renamed";
	up.value = &money;
	up.tags = &tags;
	up.contacts = &contacts;
	up.main_email = "a@b.example";
	SEED(lead_update, &up, LEAD_UPDATE);
	up.value = NULL;
	up.has_clear_value = up.clear_value = 1;
	SEED(lead_update, &up, LEAD_UPDATE);

	ls.has_limit = 1;
	ls.limit = 50;
	ls.cursor = "c1.10";
	SEED(lead_list, &ls, LEAD_LIST);

	as.has_id = 1;
	as.id = 3;
	as.target_case = LEADD__LEAD_ASSIGN_REQUEST__TARGET_TO_USER;
	as.to_user = "rep1";
	SEED(lead_assign, &as, LEAD_ASSIGN);
	ba.from_user = "rep1";
	ba.to_user = "rep2";
	SEED(lead_bulk_assign, &ba, LEAD_BULK_ASSIGN);

	ua.name = "Tom";
	ua.has_role = 1;
	ua.role = LEADD__ROLE__ROLE_REP;
	ua.team = "east";
	ua.password = "tom-password";
	SEED(user_add, &ua, USER_ADD);
	ta.name = "east";
	ta.managers = managers;
	ta.n_managers = 2;
	SEED(team_add, &ta, TEAM_ADD);
#undef SEED
}

void fuzz_corpus_load_dir(fuzz_corpus *c, const char *dir, const char *prog)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	if (!d) {
		fprintf(stderr, "%s: cannot open corpus %s\n", prog, dir);
		exit(2);
	}
	while ((e = readdir(d))) {
		char path[1024];
		uint8_t buf[FUZZ_MAX_INPUT];
		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		FILE *f = fopen(path, "rb");
		if (!f)
			continue;
		size_t n = fread(buf, 1, sizeof(buf), f);
		fclose(f);
		fuzz_corpus_add(c, buf, n);
	}
	closedir(d);
}

/* Bytes that make parsers take unusual paths. */
static const uint8_t interesting[] = {0x00, 0x01, 0x07, 0x0a, 0x1b, 0x7f, 0x80,
				      0x9b, 0xc0, 0xc2, 0xe2, 0xed, 0xf4, 0xff};

size_t fuzz_mutate(const fuzz_corpus *c, uint8_t *buf, size_t len, size_t max)
{
	int rounds = 1 + (int)fuzz_below(8);
	for (int i = 0; i < rounds; i++) {
		size_t at = fuzz_below(len + 1);
		switch (fuzz_below(8)) {
		case 0: /* flip a bit */
			if (len)
				buf[fuzz_below(len)] ^= (uint8_t)(1u << fuzz_below(8));
			break;
		case 1: /* an interesting byte */
			if (len)
				buf[fuzz_below(len)] = interesting[fuzz_below(sizeof(interesting))];
			break;
		case 2: /* insert a byte */
			if (len < max) {
				memmove(buf + at + 1, buf + at, len - at);
				buf[at] = (uint8_t)fuzz_rnd();
				len++;
			}
			break;
		case 3: /* delete a run */
			if (at < len) {
				size_t n = 1 + fuzz_below(len - at);
				memmove(buf + at, buf + at + n, len - at - n);
				len -= n;
			}
			break;
		case 4: /* duplicate a run */
			if (at < len) {
				size_t n = 1 + fuzz_below(len - at);
				if (len + n <= max) {
					memmove(buf + at + n, buf + at, len - at);
					len += n;
				}
			}
			break;
		case 5: /* truncate */
			len = at;
			break;
		case 6: /* splice another seed's tail */
		{
			const fuzz_seed *s = fuzz_corpus_pick(c);
			size_t from = fuzz_below(s->len + 1), n = s->len - from;
			if (at + n > max)
				n = max - at;
			memcpy(buf + at, s->data + from, n);
			len = at + n;
			break;
		}
		default: /* a huge varint: lengths and tags out of range */
			if (at + 5 <= max && at + 5 > len)
				len = at + 5;
			if (at + 5 <= len)
				memcpy(buf + at, "\xff\xff\xff\xff\x0f", 5);
			break;
		}
	}
	return len;
}

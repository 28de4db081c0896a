/* A bounded mutation fuzzer for the way in: frames and requests.
 *
 * No libFuzzer needed: a fixed-seed PRNG mutates a seed corpus of valid
 * requests (built below, plus any files in a directory given as the second
 * argument) and pushes each result through the frame decoder, fed in random
 * chunks, and dispatch_prepare(): unpack under the byte budget, validate
 * every string, look the request up. It runs a set number of iterations
 * (and stops early at a time cap), so it is an ordinary ctest; under the
 * ASan+UBSan build it finds memory errors in protobuf-c's use and ours.
 *
 * After each frame it checks what must hold whatever the bytes were:
 * - a refused request has a packed answer that decodes, with a code that
 *   is not OK and a human message that is valid UTF-8 without controls;
 * - an accepted request has only valid UTF-8 strings, none with control
 *   characters other than newline and tab (passwords aside, which may hold
 *   anything but NUL);
 * - decoding never used more than the unpack budget.
 *
 * Usage: fuzz_request [ITERATIONS [CORPUS_DIR]]; LEADD_FUZZ_SEED picks
 * another PRNG seed (the failing seed and iteration are printed). */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "dispatch.h"
#include "ld_frame.h"
#include "ld_norm.h"
#include "request_limits.h"

#define FUZZ_MAX_INPUT 8192
#define MAX_SEEDS 256

static uint64_t rng_state;

static uint64_t rnd(void)
{
	/* xorshift64*: reproducible from the seed. */
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545F4914F6CDD1DULL;
}

static size_t below(size_t n)
{
	return n ? (size_t)(rnd() % n) : 0;
}

typedef struct {
	uint8_t *data;
	size_t len;
} seed;

static seed seeds[MAX_SEEDS];
static size_t n_seeds;

static void add_seed(const uint8_t *data, size_t len)
{
	if (n_seeds == MAX_SEEDS || len > FUZZ_MAX_INPUT)
		return;
	seeds[n_seeds].data = malloc(len ? len : 1);
	if (!seeds[n_seeds].data)
		abort();
	memcpy(seeds[n_seeds].data, data, len);
	seeds[n_seeds].len = len;
	n_seeds++;
}

static void add_request(Leadd__Request *r)
{
	uint8_t buf[FUZZ_MAX_INPUT];
	size_t n = leadd__request__get_packed_size(r);
	if (n > sizeof(buf))
		return;
	leadd__request__pack(r, buf);
	add_seed(buf, n);
}

/* One valid request of each shape the server takes, with every kind of
 * field: strings, repeated strings, nested and repeated messages, a oneof,
 * money, and the wrappers that give repeated fields presence. */
static void build_seeds(void)
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
		r.id = n_seeds + 1;                                                                \
		r.body_case = LEADD__REQUEST__BODY_##body;                                         \
		r.field = value;                                                                   \
		add_request(&r);                                                                   \
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

static void load_corpus(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	if (!d) {
		fprintf(stderr, "fuzz_request: cannot open corpus %s\n", dir);
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
		add_seed(buf, n);
	}
	closedir(d);
}

/* Bytes that make parsers take unusual paths. */
static const uint8_t interesting[] = {0x00, 0x01, 0x07, 0x0a, 0x1b, 0x7f, 0x80,
				      0x9b, 0xc0, 0xc2, 0xe2, 0xed, 0xf4, 0xff};

static size_t mutate(uint8_t *buf, size_t len)
{
	int rounds = 1 + (int)below(8);
	for (int i = 0; i < rounds; i++) {
		size_t at = below(len + 1);
		switch (below(8)) {
		case 0: /* flip a bit */
			if (len)
				buf[below(len)] ^= (uint8_t)(1u << below(8));
			break;
		case 1: /* an interesting byte */
			if (len)
				buf[below(len)] = interesting[below(sizeof(interesting))];
			break;
		case 2: /* insert a byte */
			if (len < FUZZ_MAX_INPUT) {
				memmove(buf + at + 1, buf + at, len - at);
				buf[at] = (uint8_t)rnd();
				len++;
			}
			break;
		case 3: /* delete a run */
			if (at < len) {
				size_t n = 1 + below(len - at);
				memmove(buf + at, buf + at + n, len - at - n);
				len -= n;
			}
			break;
		case 4: /* duplicate a run */
			if (at < len) {
				size_t n = 1 + below(len - at);
				if (len + n <= FUZZ_MAX_INPUT) {
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
			const seed *s = &seeds[below(n_seeds)];
			size_t from = below(s->len + 1), n = s->len - from;
			if (at + n > FUZZ_MAX_INPUT)
				n = FUZZ_MAX_INPUT - at;
			memcpy(buf + at, s->data + from, n);
			len = at + n;
			break;
		}
		default: /* a huge varint: lengths and tags out of range */
			if (at + 5 <= FUZZ_MAX_INPUT && at + 5 > len)
				len = at + 5;
			if (at + 5 <= len)
				memcpy(buf + at, "\xff\xff\xff\xff\x0f", 5);
			break;
		}
	}
	return len;
}

static int failures;
static long accepted, refused;
static uint64_t seed0;
static long iteration;

#define CHECK(cond, ...)                                                                           \
	do {                                                                                       \
		if (!(cond)) {                                                                     \
			fprintf(stderr, "fuzz_request: seed %llu iteration %ld: ",                 \
				(unsigned long long)seed0, iteration);                             \
			fprintf(stderr, __VA_ARGS__);                                              \
			fputc('\n', stderr);                                                       \
			failures++;                                                                \
			return;                                                                    \
		}                                                                                  \
	} while (0)

static int strings_clean(const ProtobufCMessage *m, int depth)
{
	const ProtobufCMessageDescriptor *d = m->descriptor;
	if (depth > 8)
		return 0;
	for (unsigned i = 0; i < d->n_fields; i++) {
		const ProtobufCFieldDescriptor *f = &d->fields[i];
		if (f->type != PROTOBUF_C_TYPE_STRING && f->type != PROTOBUF_C_TYPE_MESSAGE)
			continue;
		if (f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF) {
			uint32_t which;
			memcpy(&which, (const char *)m + f->quantifier_offset, sizeof(which));
			if (which != f->id)
				continue;
		}
		const char *base = (const char *)m + f->offset;
		int secret = strstr(f->name, "password") != NULL;
		size_t count = 1;
		const void *items = base;
		if (f->label == PROTOBUF_C_LABEL_REPEATED) {
			memcpy(&count, (const char *)m + f->quantifier_offset, sizeof(count));
			memcpy(&items, base, sizeof(items));
		}
		for (size_t k = 0; k < count; k++) {
			const void *p;
			memcpy(&p, (const char *)items + k * sizeof(void *), sizeof(p));
			if (!p)
				continue;
			if (f->type == PROTOBUF_C_TYPE_STRING) {
				const char *s = p;
				if (!ld_utf8_valid(s, strlen(s)) ||
				    (!secret && ld_text_check(s, strlen(s), 1, NULL) >= 0))
					return 0;
			} else if (f->type == PROTOBUF_C_TYPE_MESSAGE) {
				if (!strings_clean(p, depth + 1))
					return 0;
			}
		}
	}
	return 1;
}

static void check_frame(const uint8_t *frame, uint32_t len)
{
	request_ctx *rc = dispatch_new(NULL, NULL);
	CHECK(rc, "dispatch_new failed");
	int hello_seen = (int)below(2);
	int ret = dispatch_prepare(rc, frame, len, hello_seen);
	CHECK(rc->arena.used <= LIMIT_REQUEST_MEMORY, "arena used %zu", (size_t)rc->arena.used);
	if (ret < 0) {
		refused++;
		CHECK(rc->state == REQ_DONE, "refused but not answered");
		CHECK(rc->frame && rc->frame_len > LD_FRAME_HEADER, "no answer frame");
		Leadd__ServerMessage *sm = leadd__server_message__unpack(
			NULL, rc->frame_len - LD_FRAME_HEADER, rc->frame + LD_FRAME_HEADER);
		CHECK(sm && sm->response, "the answer does not decode");
		int ok = sm->response->code != LEADD__CODE__OK && sm->response->message &&
			 sm->response->message[0] &&
			 ld_utf8_valid(sm->response->message, strlen(sm->response->message));
		leadd__server_message__free_unpacked(sm, NULL);
		CHECK(ok, "the refusal has no code or no readable message");
	} else {
		accepted++;
		CHECK(rc->entry && rc->req, "accepted without a table row");
		CHECK(strings_clean(&rc->req->base, 0), "an accepted request holds unclean text");
	}
	dispatch_free(rc);
}

/* Frame it (sometimes with a lying header) and feed it in random chunks. */
static void run_one(const uint8_t *body, size_t len)
{
	uint8_t wire[FUZZ_MAX_INPUT + LD_FRAME_HEADER];
	ld_frame_put_header(wire, (uint32_t)len);
	memcpy(wire + LD_FRAME_HEADER, body, len);
	size_t total = len + LD_FRAME_HEADER;
	if (below(16) == 0)
		wire[below(LD_FRAME_HEADER)] = (uint8_t)rnd();
	ld_frame_decoder dec;
	ld_frame_decoder_init(&dec, below(2) ? LD_FRAME_MAX : LD_FRAME_MAX_PRELOGIN);
	for (size_t off = 0; off < total;) {
		size_t n = 1 + below(total - off);
		if (ld_frame_decoder_feed(&dec, wire + off, n) < 0)
			break;
		off += n;
		const uint8_t *frame;
		uint32_t flen;
		ld_frame_status st;
		while ((st = ld_frame_next(&dec, &frame, &flen)) == LD_FRAME_OK)
			check_frame(frame, flen);
		if (st < 0)
			break;
	}
	ld_frame_decoder_free(&dec);
}

int main(int argc, char **argv)
{
	long iterations = argc > 1 ? atol(argv[1]) : 20000;
	const char *env = getenv("LEADD_FUZZ_SEED");
	seed0 = env ? strtoull(env, NULL, 10) : 0x1eadd;
	rng_state = seed0 ? seed0 : 1;
	build_seeds();
	if (argc > 2)
		load_corpus(argv[2]);
	time_t start = time(NULL);
	static uint8_t buf[FUZZ_MAX_INPUT];
	for (iteration = 0; iteration < iterations && failures < 10; iteration++) {
		/* The time cap keeps a slow (sanitized) build inside its ctest
		 * timeout; the count is what a normal build runs. */
		if ((iteration & 1023) == 0 && time(NULL) - start > 60)
			break;
		const seed *s = &seeds[below(n_seeds)];
		memcpy(buf, s->data, s->len);
		size_t len = iteration < (long)n_seeds ? s->len : mutate(buf, s->len);
		run_one(buf, len);
	}
	printf("fuzz_request: %ld iterations from %zu seeds, seed %llu: %ld requests accepted, "
	       "%ld refused, %d failure(s)\n",
	       iteration, n_seeds, (unsigned long long)seed0, accepted, refused, failures);
	/* A run that decoded nothing tested nothing. */
	if (accepted == 0 || refused == 0)
		failures++;
	for (size_t i = 0; i < n_seeds; i++)
		free(seeds[i].data);
	return failures ? 1 : 0;
}

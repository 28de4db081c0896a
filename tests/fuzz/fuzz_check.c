#include "fuzz_check.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "dispatch.h"
#include "fuzz_gen.h"
#include "ld_frame.h"
#include "ld_norm.h"
#include "request_limits.h"

const char *fuzz_prog = "fuzz";
uint64_t fuzz_seed0;
long fuzz_iteration;
int fuzz_failures;
long fuzz_accepted, fuzz_refused;

void fuzz_fail(const char *fmt, ...)
{
	va_list ap;
	fprintf(stderr, "%s: seed %llu iteration %ld: ", fuzz_prog, (unsigned long long)fuzz_seed0,
		fuzz_iteration);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	fuzz_failures++;
}

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

void fuzz_check_frame(const uint8_t *frame, uint32_t len, fuzz_answer_fn answer, void *arg)
{
	request_ctx *rc = dispatch_new(NULL, NULL);
	FUZZ_CHECK(rc, "dispatch_new failed");
	int hello_seen = (int)fuzz_below(2);
	int ret = dispatch_prepare(rc, frame, len, hello_seen);
	FUZZ_CHECK(rc->arena.used <= LIMIT_REQUEST_MEMORY, "arena used %zu",
		   (size_t)rc->arena.used);
	if (ret < 0) {
		fuzz_refused++;
		FUZZ_CHECK(rc->state == REQ_DONE, "refused but not answered");
		FUZZ_CHECK(rc->frame && rc->frame_len > LD_FRAME_HEADER, "no answer frame");
		Leadd__ServerMessage *sm = leadd__server_message__unpack(
			NULL, rc->frame_len - LD_FRAME_HEADER, rc->frame + LD_FRAME_HEADER);
		FUZZ_CHECK(sm && sm->response, "the answer does not decode");
		int ok = sm->response->code != LEADD__CODE__OK && sm->response->message &&
			 sm->response->message[0] &&
			 ld_utf8_valid(sm->response->message, strlen(sm->response->message));
		leadd__server_message__free_unpacked(sm, NULL);
		if (!ok) {
			dispatch_free(rc);
			fuzz_fail("the refusal has no code or no readable message");
			return;
		}
		if (answer)
			answer(arg, rc->frame, rc->frame_len);
	} else {
		fuzz_accepted++;
		FUZZ_CHECK(rc->entry && rc->req, "accepted without a table row");
		FUZZ_CHECK(strings_clean(&rc->req->base, 0),
			   "an accepted request holds unclean text");
	}
	dispatch_free(rc);
}

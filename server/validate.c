/* The one place where strings and repeated fields are checked, before any
 * handler sees a request. protobuf-c 1.4.1 does not check UTF-8, so a
 * handler could otherwise store bytes that other-language clients reject. */
#include <stdio.h>
#include <string.h>

#include "dispatch.h"
#include "ld_error.h"
#include "ld_norm.h"
#include "request_limits.h"

typedef struct {
	const char *message; /* full protobuf name, or NULL: any message */
	const char *field;
	uint32_t max_len;   /* bytes per string, 0: LIMIT_STRING_DEFAULT */
	uint32_t max_count; /* items of a repeated field, 0: LIMIT_REPEATED_DEFAULT */
} field_cap;

/* Caps by field name, first match wins; docs/protocol.md lists them. */
static const field_cap caps[] = {
	{"leadd.StringList", "items", LIMIT_TAG, LIMIT_TAGS},
	{"leadd.ContactList", "items", 0, LIMIT_CONTACTS},
	{"leadd.HelloRequest", "client_name", LIMIT_CLIENT_NAME, 0},
	{NULL, "title", LIMIT_TITLE, 0},
	{NULL, "name", LIMIT_NAME, 0},
	{NULL, "client_name", LIMIT_NAME, 0},
	{NULL, "description", LIMIT_DESCRIPTION, 0},
	{NULL, "source", LIMIT_SOURCE, 0},
	{NULL, "role", LIMIT_ROLE, 0},
	{NULL, "email", LIMIT_EMAIL, 0},
	{NULL, "main_email", LIMIT_EMAIL, 0},
	{NULL, "phone", LIMIT_PHONE, 0},
	{NULL, "main_phone", LIMIT_PHONE, 0},
	{NULL, "currency", LIMIT_CURRENCY, 0},
	{NULL, "cursor", LIMIT_CURSOR, 0},
	{NULL, "tags", LIMIT_TAG, LIMIT_TAGS},
	{NULL, "contacts", 0, LIMIT_CONTACTS},
};

static const field_cap *cap_for(const ProtobufCMessageDescriptor *d, const char *field)
{
	for (size_t i = 0; i < sizeof(caps) / sizeof(caps[0]); i++)
		if (strcmp(caps[i].field, field) == 0 &&
		    (!caps[i].message || strcmp(caps[i].message, d->name) == 0))
			return &caps[i];
	return NULL;
}

static int is_present(const ProtobufCMessage *m, const ProtobufCFieldDescriptor *f)
{
	if (f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF) {
		uint32_t which;
		memcpy(&which, (const char *)m + f->quantifier_offset, sizeof(which));
		return which == f->id;
	}
	return 1; /* strings and messages: NULL when absent, checked by the caller */
}

static int check_string(request_ctx *rc, const char *path, const char *s, uint32_t max)
{
	if (!s)
		return 0;
	size_t n = strlen(s);
	if (!ld_utf8_valid(s, n)) {
		dispatch_fail(rc, LD_INVALID_ARGUMENT, "%s is not valid UTF-8", path);
		return -1;
	}
	if (n > max) {
		dispatch_fail(rc, LD_INVALID_ARGUMENT, "%s is %zu bytes long; the limit is %u",
			      path, n, max);
		return -1;
	}
	return 0;
}

static int walk(request_ctx *rc, const ProtobufCMessage *m, const char *prefix, int depth);

static int check_field(request_ctx *rc, const ProtobufCMessage *m,
		       const ProtobufCFieldDescriptor *f, const char *prefix, int depth)
{
	const field_cap *cap = cap_for(m->descriptor, f->name);
	uint32_t max_len = cap && cap->max_len ? cap->max_len : LIMIT_STRING_DEFAULT;
	uint32_t max_count = cap && cap->max_count ? cap->max_count : LIMIT_REPEATED_DEFAULT;
	char path[256];
	snprintf(path, sizeof(path), "%s%s%s", prefix, prefix[0] ? "." : "", f->name);
	const char *base = (const char *)m + f->offset;

	if (f->label == PROTOBUF_C_LABEL_REPEATED) {
		size_t count;
		memcpy(&count, (const char *)m + f->quantifier_offset, sizeof(count));
		if (count > max_count) {
			dispatch_fail(rc, LD_INVALID_ARGUMENT, "%s has %zu items; the limit is %u",
				      path, count, max_count);
			return -1;
		}
		void *arr;
		memcpy(&arr, base, sizeof(arr));
		for (size_t i = 0; i < count; i++) {
			char item[300];
			snprintf(item, sizeof(item), "%s[%zu]", path, i);
			if (f->type == PROTOBUF_C_TYPE_STRING &&
			    check_string(rc, item, ((char **)arr)[i], max_len) < 0)
				return -1;
			if (f->type == PROTOBUF_C_TYPE_MESSAGE &&
			    walk(rc, ((ProtobufCMessage **)arr)[i], item, depth + 1) < 0)
				return -1;
		}
		return 0;
	}
	if (!is_present(m, f))
		return 0;
	if (f->type == PROTOBUF_C_TYPE_STRING) {
		char *s;
		memcpy(&s, base, sizeof(s));
		return check_string(rc, path, s, max_len);
	}
	if (f->type == PROTOBUF_C_TYPE_MESSAGE) {
		ProtobufCMessage *sub;
		memcpy(&sub, base, sizeof(sub));
		return sub ? walk(rc, sub, path, depth + 1) : 0;
	}
	return 0;
}

static int walk(request_ctx *rc, const ProtobufCMessage *m, const char *prefix, int depth)
{
	/* The schema has no recursive messages; this guards a future mistake. */
	if (depth > 8) {
		dispatch_fail(rc, LD_INVALID_ARGUMENT, "%s is nested too deeply", prefix);
		return -1;
	}
	const ProtobufCMessageDescriptor *d = m->descriptor;
	for (unsigned i = 0; i < d->n_fields; i++)
		if (check_field(rc, m, &d->fields[i], prefix, depth) < 0)
			return -1;
	return 0;
}

int validate_request(request_ctx *rc, const ProtobufCMessage *msg)
{
	return walk(rc, msg, "", 0);
}

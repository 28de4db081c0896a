/* Documented caps on what a request may carry (docs/protocol.md lists
 * them). They bound memory per request and keep every index key under
 * LMDB's 511-byte key limit. */
#ifndef LEADD_LIMITS_H
#define LEADD_LIMITS_H

#define LIMIT_TITLE 200
#define LIMIT_NAME 200 /* client, contact and user names */
#define LIMIT_DESCRIPTION 16384
#define LIMIT_SOURCE 100
#define LIMIT_ROLE 100
#define LIMIT_TAG 64
#define LIMIT_EMAIL 254 /* RFC 5321 path limit */
#define LIMIT_PHONE 40
#define LIMIT_CURRENCY 3
#define LIMIT_CURSOR 200         /* a sorted listing's cursor carries a sort key */
#define LIMIT_CLIENT_NAME 100    /* Hello.client_name */
#define LIMIT_NOTE 2000          /* a contact's or folder's note, a next action's note */
#define LIMIT_WEB 500            /* a folder's website */
#define LIMIT_ADDRESS 1000       /* a folder's postal address */
#define LIMIT_REASON 200         /* a dead or lost reason (a list's, or another) */
#define LIMIT_STANDBY_REASON 500 /* why a lead is on stand-by */
#define LIMIT_ACTIVITY_TEXT 4000 /* a note's text, an activity's outcome */
#define LIMIT_PLACE 500          /* where a meeting is */
#define LIMIT_STRING_DEFAULT 1024

#define LIMIT_TAGS 50
#define LIMIT_CONTACTS 50
#define LIMIT_REPEATED_DEFAULT 1000

#define LIST_DEFAULT 50
#define LIST_MAX 1000

/* Bytes protobuf-c may allocate unpacking one request, sized to its frame:
 * a floor plus a small multiple of the frame's length. A real request costs
 * about its own size in memory (strings are copied once, and every repeated
 * field is capped, so the structs and pointers stay within the floor); a
 * frame of empty sub-messages costs about 70 bytes of heap per 2 bytes on
 * the wire (an empty Contact) and is refused like an undecodable frame.
 * A 64 KiB frame before login may cost at most 320 KiB, a 1 MiB frame after
 * it 4.06 MiB. docs/protocol.md (Limits) states the rule. */
#define LIMIT_UNPACK_FLOOR (64u << 10)
#define LIMIT_UNPACK_PER_BYTE 4u
#define LIMIT_UNPACK_BUDGET(len) (LIMIT_UNPACK_FLOOR + LIMIT_UNPACK_PER_BYTE * (size_t)(len))

/* Bytes one request may use for the records it loads and its answer: a
 * full list page of the largest leads. */
#define LIMIT_REQUEST_MEMORY (256u << 20)

#endif

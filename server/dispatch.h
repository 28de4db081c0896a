/* Requests: the declarative table (request, handler, lowest role,
 * visibility rule, writes or not), the per-request context, and the steps
 * every request goes through: prepare (unpack under a byte budget, validate
 * every string, check the role), run (a read on the loop, a write on the
 * writer thread), finish (pack the answer). */
#ifndef LEADD_DISPATCH_H
#define LEADD_DISPATCH_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include "ld_arena.h"
#include "leadd.pb-c.h"
#include "principal.h"
#include "server.h"
#include "store.h"

typedef struct request_ctx request_ctx;
typedef int (*dispatch_handler)(request_ctx *rc, store_txn *t);

typedef enum {
	VIS_NONE,     /* touches no lead */
	VIS_OWN_LEAD, /* one lead, which the principal must be allowed to see */
	VIS_TEAM,     /* leads of the principal's teams (a list filters) */
	VIS_ALL,      /* everything (admin settings) */
} visibility_t;

typedef struct {
	Leadd__Request__BodyCase body;
	const char *name; /* as in docs/permissions.md and Stats */
	dispatch_handler handler;
	role_t min_role;
	visibility_t visibility;
	int writes; /* runs on the writer thread in a group commit */
} dispatch_entry;

extern const dispatch_entry dispatch_table[];
extern const size_t dispatch_table_len;

typedef enum {
	REQ_NEW,    /* prepared, not yet started */
	REQ_QUEUED, /* handed to the writer */
	REQ_DONE,   /* answer packed in frame */
} request_state;

struct request_ctx {
	server *srv;
	void *conn;     /* owner connection (net.c) */
	ld_arena arena; /* request, reply and loaded records */
	Leadd__Request *req;
	const dispatch_entry *entry; /* NULL when prepare failed */
	principal_t who;
	int64_t now;        /* unix ms at arrival */
	uint64_t wire_size; /* frame bytes, for batch accounting */
	request_state state;
	int final; /* close the connection after this answer */

	Leadd__Response resp;
	int code;
	char message[512];

	uint8_t *frame; /* packed ServerMessage with its length header (malloc) */
	size_t frame_len;

	request_ctx *next;        /* connection FIFO */
	request_ctx *writer_next; /* writer queue */
};

request_ctx *dispatch_new(server *srv, void *conn, const principal_t *who);
void dispatch_free(request_ctx *rc);

/* Unpack and check one frame. Returns 0 when the request should run
 * (rc->entry set), or -1 when rc already holds the error answer. */
int dispatch_prepare(request_ctx *rc, const uint8_t *frame, uint32_t len, int hello_done);
/* Run a read handler in the given read transaction, then finish. */
void dispatch_run_read(request_ctx *rc, store_txn *t);
/* Run a write handler inside the writer's transaction. Does not finish. */
int dispatch_run_write(request_ctx *rc, store_txn *t);
/* Set the error answer (code + sentence) and return the code. */
int dispatch_fail(request_ctx *rc, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Map a transaction's sticky LMDB error onto the answer. */
int dispatch_store_error(request_ctx *rc, int mdb_rc);
/* Pack the answer into rc->frame. Does not touch rc->state, so the writer
 * thread can call it while the loop still sees the request as queued. */
void dispatch_pack(request_ctx *rc);
/* Pack the answer and mark rc REQ_DONE (loop thread only). */
void dispatch_finish(request_ctx *rc);
/* Build a final protocol-error answer (a frame that does not decode, ...). */
void dispatch_protocol_error(request_ctx *rc, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Per-type request counts since start (index = table row). */
uint64_t dispatch_count(size_t row);

/* Visibility: may the principal see this lead? */
int dispatch_may_see_lead(const request_ctx *rc, const Leadd__Lead *lead);

/* validate.c: every string valid UTF-8 and within its cap, every repeated
 * field within its cap. 0, or -1 with the answer set on rc. */
int validate_request(request_ctx *rc, const ProtobufCMessage *msg);

/* Handlers (one file per family). */
int session_hello(request_ctx *rc, store_txn *t);
int session_ping(request_ctx *rc, store_txn *t);
int admin_stats(request_ctx *rc, store_txn *t);
int lead_create(request_ctx *rc, store_txn *t);
int lead_get(request_ctx *rc, store_txn *t);
int lead_update(request_ctx *rc, store_txn *t);
int lead_list(request_ctx *rc, store_txn *t);
int lead_set_status(request_ctx *rc, store_txn *t);
int status_list(request_ctx *rc, store_txn *t);

#endif

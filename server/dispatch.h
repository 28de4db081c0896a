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

#include <sodium.h>

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

typedef void (*dispatch_prework)(request_ctx *rc);

typedef struct {
	Leadd__Request__BodyCase body;
	const char *name; /* as in docs/permissions.md and Stats */
	dispatch_handler handler;
	role_t min_role;
	visibility_t visibility;
	int writes; /* runs on the writer thread in a group commit */
	/* Slow work (password hashing) run on the thread pool before the
	 * handler, never on the loop or the writer. */
	dispatch_prework prework;
	/* Nothing after it on the connection starts until it is answered:
	 * it changes who the connection is (login, logout), or it spans several
	 * commits (bulk assign, a team change) and what follows must see it
	 * finished. */
	int barrier;
	/* What the request does, for people: "assigning leads needs the
	 * manager role or higher". */
	const char *what;
} dispatch_entry;

extern const dispatch_entry dispatch_table[];
extern const size_t dispatch_table_len;

typedef enum {
	REQ_NEW,     /* prepared, not yet started */
	REQ_PREWORK, /* on the thread pool (or waiting out a login delay) */
	REQ_QUEUED,  /* handed to the writer */
	REQ_READING, /* a read that yielded: net.c runs it again later */
	REQ_DONE,    /* answer packed in frame */
} request_state;

/* What a request changes about its connection, applied by net.c when the
 * answer is delivered. */
typedef enum {
	CONN_KEEP,
	CONN_LOGIN,  /* rc->new_who becomes the connection's principal */
	CONN_LOGOUT, /* the connection is logged out */
} conn_change;

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
	/* A Login's user name (folded, as login finds users) and kind, kept
	 * for the throttle and the log: the decoded request is freed once the
	 * answer is packed. After a good login it holds the user's stored
	 * name. A user_passwd that checks your current password holds your
	 * folded name here, and sets pw_throttled (net.c). */
	int password_login;
	char login_user[130];
	int pw_throttled; /* a wrong password here counts as a failed login */
	int pw_wrong;     /* user_passwd: the current password did not match */

	Leadd__Response resp;
	int code;
	char message[512];

	uint8_t *frame; /* packed ServerMessage with its length header (malloc) */
	size_t frame_len;
	size_t frame_counted; /* of it, counted in the output held for clients (net.c) */
	size_t decoded_held;  /* decode memory counted against the connection while
			       * the writer or the thread pool has it (net.c) */

	request_ctx *next;        /* connection FIFO */
	request_ctx *writer_next; /* writer queue */

	/* Login and user management. */
	int prework_ok;           /* prework succeeded (password verified / hashed) */
	uint64_t prework_user_id; /* user whose password was verified */
	char pw_hash[crypto_pwhash_STRBYTES];
	uint8_t token[32]; /* new session token, made before the write */
	conn_change change;
	principal_t new_who;
	uint64_t disabled_user_id; /* close this user's connections after commit */
	int auth_changed;          /* changed users, teams or sessions: bump the auth epoch */
	char pw_checked[crypto_pwhash_STRBYTES]; /* user_passwd: the hash the current
						  * password was verified against */
	void *internal; /* a request leadd makes itself (session_check.c): its work */

	/* Work split over several commits (bulk assign, moving a user's leads
	 * to their new team): the writer puts the request back in its queue
	 * while `again` is set, and `chunk_commit` runs once each chunk is
	 * committed, so a replayed chunk cannot count twice. `chunk_finish`
	 * runs once when the request leaves the writer, whatever happened;
	 * `chunk_stopped` says leadd stopped it between chunks because it is
	 * shutting down (only when `chunk_stoppable`). `chunk_arena` holds what
	 * one chunk loads and is reset before each chunk. */
	int again;
	void (*chunk_commit)(request_ctx *rc);
	void (*chunk_finish)(request_ctx *rc);
	int chunk_stoppable, chunk_stopped;
	int chunks_done; /* chunks committed */
	ld_arena chunk_arena;
	uint64_t chunk_after, chunk_after_pending; /* last lead id done */
	uint64_t chunk_moved, chunk_moved_pending;
	uint64_t *chunk_failed; /* first failed ids, in rc->arena */
	size_t n_chunk_failed, n_chunk_failed_pending;
	uint64_t chunk_failed_total, chunk_failed_total_pending;
	/* An error answer that still carries its body (a bulk assign that
	 * stopped after moving some leads says how many). */
	int body_on_error;

	/* A read that yields (lead_list): the handler sets read_again and
	 * keeps its work in read_state (freed with read_state_free); net.c
	 * runs the handler again, in a fresh read transaction, after other
	 * connections had their turn. read_next links the waiting reads. */
	int read_again;
	void *read_state;
	void (*read_state_free)(void *state);
	request_ctx *read_next;
	int read_queue; /* which of net.c's read queues holds it (0: none) */
	/* A reply body the handler packed itself (malloc), sent as field
	 * raw_body_field of Response: lead_list copies stored leads into it
	 * without decoding them. */
	uint8_t *raw_body;
	size_t raw_body_len;
	uint32_t raw_body_field;
};

/* A request of `conn`. Its principal is set when it starts (net.c), not
 * here: a Login ahead of it may change who the connection is. */
request_ctx *dispatch_new(server *srv, void *conn);
void dispatch_free(request_ctx *rc);

/* A request leadd makes itself for the writer (a timer's or a sweep's
 * work, no connection): `e` says what it is, rc->internal holds
 * work_size zeroed bytes of its work (freed by dispatch_free, so it
 * outlives the arena, which is freed once the answer is packed). Not a
 * decoded frame: it may use what any request may for the records it
 * loads. NULL when out of memory. */
request_ctx *dispatch_new_internal(server *srv, const dispatch_entry *e, size_t work_size);

/* Unpack and check one frame. Returns 0 when the request should run
 * (rc->entry set), or -1 when rc already holds the error answer. */
int dispatch_prepare(request_ctx *rc, const uint8_t *frame, uint32_t len, int hello_seen);
/* Check the role when the request starts (its principal is final then:
 * a Login ahead of it on the connection has been answered). 0, or -1 with
 * the answer finished on rc. */
int dispatch_authorize(request_ctx *rc);
/* Run a read handler in the given read transaction, then finish; a
 * handler that yields (rc->read_again) leaves rc REQ_READING instead. */
void dispatch_run_read(request_ctx *rc, store_txn *t);
/* Run a write handler inside the writer's transaction. Does not finish. */
int dispatch_run_write(request_ctx *rc, store_txn *t);
/* Clear what a previous run of rc in the writer left (a replay). */
void dispatch_run_write_reset(request_ctx *rc);
/* Set the error answer (code + sentence) and return the code. */
int dispatch_fail(request_ctx *rc, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Map a transaction's sticky LMDB error onto the answer. */
int dispatch_store_error(request_ctx *rc, int mdb_rc);
/* Pack the answer into rc->frame, then free the request's arena (the
 * decoded request, loaded records, the reply): rc->req is NULL afterwards.
 * Does not touch rc->state, so the writer thread can call it while the loop
 * still sees the request as queued. */
void dispatch_pack(request_ctx *rc);
/* Pack the answer and mark rc REQ_DONE (loop thread only). */
void dispatch_finish(request_ctx *rc);
/* Build a final protocol-error answer (a frame that does not decode, ...). */
void dispatch_protocol_error(request_ctx *rc, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Per-type request counts since start (index = table row). */
uint64_t dispatch_count(size_t row);

/* Visibility: may the principal see this lead? (Reads owner and team records.) */
int dispatch_may_see_lead(request_ctx *rc, store_txn *t, const Leadd__Lead *lead);
/* The same for any principal (an activity's assignee, activity_rules.c). */
int principal_may_see_lead(const principal_t *who, store_txn *t, ld_arena *arena,
			   const Leadd__Lead *lead);

/* validate.c: every string valid UTF-8, within its cap, free of control
 * characters (and of NUL, checked in the raw frame), every repeated field
 * within its cap, money in a known currency and not negative; fields leadd
 * does not know are dropped from every message of the request. 0, or -1
 * with the answer set on rc. */
int validate_request(request_ctx *rc, ProtobufCMessage *msg, const uint8_t *frame, size_t len);

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
int lead_claim(request_ctx *rc, store_txn *t);
int lead_assign(request_ctx *rc, store_txn *t);
int lead_bulk_assign(request_ctx *rc, store_txn *t);
int session_login(request_ctx *rc, store_txn *t);
int session_logout(request_ctx *rc, store_txn *t);
int session_whoami(request_ctx *rc, store_txn *t);
void session_login_prework(request_ctx *rc);
int user_add(request_ctx *rc, store_txn *t);
int user_list(request_ctx *rc, store_txn *t);
int user_edit(request_ctx *rc, store_txn *t);
int user_passwd(request_ctx *rc, store_txn *t);
int user_disable(request_ctx *rc, store_txn *t);
void user_password_prework(request_ctx *rc);
int team_add(request_ctx *rc, store_txn *t);
int team_list(request_ctx *rc, store_txn *t);
int team_edit(request_ctx *rc, store_txn *t);
int kpi_get(request_ctx *rc, store_txn *t);
int search_save(request_ctx *rc, store_txn *t);
int search_list(request_ctx *rc, store_txn *t);
int search_edit(request_ctx *rc, store_txn *t);
int search_rm(request_ctx *rc, store_txn *t);
int search_pin(request_ctx *rc, store_txn *t);

#endif

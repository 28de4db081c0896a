/* Session and admin requests: Hello, Ping, Stats. */
#include <stdio.h>
#include <string.h>

#include "dispatch.h"
#include "ld_client.h"
#include "ld_error.h"
#include "net.h"
#include "writer.h"

int session_hello(request_ctx *rc, store_txn *t)
{
	const Leadd__HelloRequest *q = rc->req->hello;
	/* One protocol version so far. A newer server keeps answering older
	 * clients of the same major version; see docs/protocol.md. */
	if (!q->has_protocol_version || q->protocol_version != LD_PROTOCOL_VERSION) {
		rc->final = 1;
		if (!q->has_protocol_version)
			return dispatch_fail(rc, LD_FAILED_PRECONDITION,
					     "Hello must say which protocol version the client "
					     "speaks; this leadd speaks protocol version %d",
					     LD_PROTOCOL_VERSION);
		return dispatch_fail(rc, LD_FAILED_PRECONDITION,
				     "client speaks protocol version %u, this leadd speaks "
				     "protocol version %d; upgrade the older side",
				     q->protocol_version, LD_PROTOCOL_VERSION);
	}
	Leadd__HelloReply *r = ld_arena_alloc(&rc->arena, sizeof(*r));
	if (!r)
		return dispatch_fail(rc, LD_RESOURCE_EXHAUSTED, "out of memory");
	leadd__hello_reply__init(r);
	r->has_protocol_version = r->has_revision = 1;
	r->protocol_version = LD_PROTOCOL_VERSION;
	r->server_version = LEADD_VERSION;
	r->revision = store_meta_get(t, META_LAST_REVISION);
	rc->resp.body_case = LEADD__RESPONSE__BODY_HELLO;
	rc->resp.hello = r;
	return LD_OK;
}

int session_ping(request_ctx *rc, store_txn *t)
{
	(void)t;
	Leadd__PingReply *r = ld_arena_alloc(&rc->arena, sizeof(*r));
	if (!r)
		return dispatch_fail(rc, LD_RESOURCE_EXHAUSTED, "out of memory");
	leadd__ping_reply__init(r);
	r->has_server_time = 1;
	r->server_time = server_now_ms();
	rc->resp.body_case = LEADD__RESPONSE__BODY_PING;
	rc->resp.ping = r;
	return LD_OK;
}

int admin_stats(request_ctx *rc, store_txn *t)
{
	Leadd__StatsReply *r = ld_arena_alloc(&rc->arena, sizeof(*r));
	Leadd__RequestCount *counts = ld_arena_alloc(&rc->arena,
						     dispatch_table_len * sizeof(*counts));
	Leadd__RequestCount **ptrs = ld_arena_alloc(&rc->arena, dispatch_table_len * sizeof(*ptrs));
	if (!r || !counts || !ptrs)
		return dispatch_fail(rc, LD_RESOURCE_EXHAUSTED, "out of memory");
	leadd__stats_reply__init(r);
	writer_stats ws;
	writer_get_stats(rc->srv->wr, &ws);
	r->has_revision = r->has_commits = r->has_writes_committed = r->has_max_batch = 1;
	r->revision = store_meta_get(t, META_LAST_REVISION);
	r->commits = ws.commits;
	r->writes_committed = ws.writes;
	r->max_batch = ws.max_batch;
	for (size_t i = 0; i < dispatch_table_len; i++) {
		leadd__request_count__init(&counts[i]);
		counts[i].name = (char *)dispatch_table[i].name;
		counts[i].has_count = 1;
		counts[i].count = dispatch_count(i);
		ptrs[i] = &counts[i];
	}
	r->n_requests = dispatch_table_len;
	r->requests = ptrs;
	r->has_map_size = r->has_map_used = r->has_leads = r->has_connections = 1;
	store_usage(&rc->srv->st, &r->map_size, &r->map_used);
	MDB_stat ms;
	if (mdb_stat(t->txn, t->st->dbi[DB_LEADS], &ms) == 0)
		r->leads = ms.ms_entries;
	r->connections = net_connection_count(rc->srv->nt);
	r->has_started_at = 1;
	r->started_at = rc->srv->started_at;
	rc->resp.body_case = LEADD__RESPONSE__BODY_STATS;
	rc->resp.stats = r;
	return LD_OK;
}

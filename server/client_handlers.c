/* Placeholder until the client requests are built (issue 10). */
#include "ld_error.h"
#include "record_handlers.h"

int client_add(request_ctx *rc, store_txn *t)
{
	(void)t;
	return dispatch_fail(rc, LD_UNIMPLEMENTED, "this leadd cannot do that yet");
}

int client_list(request_ctx *rc, store_txn *t)
{
	(void)t;
	return dispatch_fail(rc, LD_UNIMPLEMENTED, "this leadd cannot do that yet");
}

int client_get(request_ctx *rc, store_txn *t)
{
	(void)t;
	return dispatch_fail(rc, LD_UNIMPLEMENTED, "this leadd cannot do that yet");
}

int client_edit(request_ctx *rc, store_txn *t)
{
	(void)t;
	return dispatch_fail(rc, LD_UNIMPLEMENTED, "this leadd cannot do that yet");
}

int client_merge(request_ctx *rc, store_txn *t)
{
	(void)t;
	return dispatch_fail(rc, LD_UNIMPLEMENTED, "this leadd cannot do that yet");
}

#include "watch.h"

#include "ld_error.h"

/* Placeholder until the watch core lands (issue 11): the request is in the
 * table so permissions and docs can be written against it. */
int watch_start(request_ctx *rc, store_txn *t)
{
	(void)t;
	return dispatch_fail(rc, LD_UNIMPLEMENTED, "watching is not built yet");
}

int watch_stop(request_ctx *rc, store_txn *t)
{
	(void)t;
	return dispatch_fail(rc, LD_UNIMPLEMENTED, "watching is not built yet");
}

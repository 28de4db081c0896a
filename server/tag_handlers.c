/* Placeholder until the tag requests are built (issue 10). */
#include "ld_error.h"
#include "record_handlers.h"

int lead_tag(request_ctx *rc, store_txn *t)
{
	(void)t;
	return dispatch_fail(rc, LD_UNIMPLEMENTED, "this leadd cannot do that yet");
}

int tag_list(request_ctx *rc, store_txn *t)
{
	(void)t;
	return dispatch_fail(rc, LD_UNIMPLEMENTED, "this leadd cannot do that yet");
}

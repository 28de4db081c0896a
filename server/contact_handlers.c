/* Placeholder until the contact requests are built (issue 10). */
#include "ld_error.h"
#include "record_handlers.h"

int contact_add(request_ctx *rc, store_txn *t)
{
	(void)t;
	return dispatch_fail(rc, LD_UNIMPLEMENTED, "this leadd cannot do that yet");
}

int contact_edit(request_ctx *rc, store_txn *t)
{
	(void)t;
	return dispatch_fail(rc, LD_UNIMPLEMENTED, "this leadd cannot do that yet");
}

int contact_rm(request_ctx *rc, store_txn *t)
{
	(void)t;
	return dispatch_fail(rc, LD_UNIMPLEMENTED, "this leadd cannot do that yet");
}

int contact_main(request_ctx *rc, store_txn *t)
{
	(void)t;
	return dispatch_fail(rc, LD_UNIMPLEMENTED, "this leadd cannot do that yet");
}

/* Placeholder until the history requests are built (issue 10). */
#include "ld_error.h"
#include "record_handlers.h"

int lead_history(request_ctx *rc, store_txn *t)
{
	(void)t;
	return dispatch_fail(rc, LD_UNIMPLEMENTED, "this leadd cannot do that yet");
}

/* The agenda (issue 13). Placeholder until built: answers UNIMPLEMENTED. */
#include "activity_handlers.h"
#include "ld_error.h"

int agenda_get(request_ctx *rc, store_txn *t)
{
	(void)t;
	return dispatch_fail(rc, LD_UNIMPLEMENTED, "this leadd cannot do that yet");
}

/* Activity requests (issue 13). Placeholder until built: answer UNIMPLEMENTED. */
#include "activity_handlers.h"
#include "ld_error.h"

#define NOT_YET(fn)                                                                                \
	int fn(request_ctx *rc, store_txn *t)                                                      \
	{                                                                                          \
		(void)t;                                                                           \
		return dispatch_fail(rc, LD_UNIMPLEMENTED, "this leadd cannot do that yet");       \
	}
NOT_YET(activity_add)
NOT_YET(activity_done)
NOT_YET(activity_edit)
NOT_YET(activity_rm)
NOT_YET(activity_list)

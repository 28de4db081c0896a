/* Placeholder: the opportunity writes are being built (issue 15). */
#include "opp_handlers.h"

#include "ld_error.h"

static int not_yet(request_ctx *rc)
{
	return dispatch_fail(rc, LD_UNIMPLEMENTED, "this leadd cannot do that yet");
}

int opp_create(request_ctx *rc, store_txn *t)
{
	(void)t;
	return not_yet(rc);
}

int opp_edit(request_ctx *rc, store_txn *t)
{
	(void)t;
	return not_yet(rc);
}

int opp_won(request_ctx *rc, store_txn *t)
{
	(void)t;
	return not_yet(rc);
}

int opp_lost(request_ctx *rc, store_txn *t)
{
	(void)t;
	return not_yet(rc);
}

int lead_convert(request_ctx *rc, store_txn *t)
{
	(void)t;
	return not_yet(rc);
}

/* Saved searches. Not built yet: every request answers UNIMPLEMENTED. */
#include "saved_search.h"
#include "dispatch.h"
#include "ld_error.h"

static int not_yet(request_ctx *rc, store_txn *t)
{
	(void)t;
	return dispatch_fail(rc, LD_UNIMPLEMENTED, "saved searches are not built yet");
}

int search_save(request_ctx *rc, store_txn *t)
{
	return not_yet(rc, t);
}
int search_list(request_ctx *rc, store_txn *t)
{
	return not_yet(rc, t);
}
int search_edit(request_ctx *rc, store_txn *t)
{
	return not_yet(rc, t);
}
int search_rm(request_ctx *rc, store_txn *t)
{
	return not_yet(rc, t);
}
int search_pin(request_ctx *rc, store_txn *t)
{
	return not_yet(rc, t);
}

int saved_search_find(request_ctx *rc, store_txn *t, const char *name, Leadd__SavedSearch **out)
{
	(void)t;
	(void)name;
	*out = NULL;
	return not_yet(rc, t);
}

/* Lead search. Not built yet: every filter is accepted unchecked. */
#include "search_query.h"

#include "ld_error.h"

int search_filter_check(request_ctx *rc, store_txn *t, const Leadd__LeadFilter *f)
{
	(void)rc;
	(void)t;
	(void)f;
	return LD_OK;
}

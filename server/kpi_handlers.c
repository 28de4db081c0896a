/* KPI counts (lead kpi). Not built yet: answers UNIMPLEMENTED. */
#include "dispatch.h"
#include "ld_error.h"

int kpi_get(request_ctx *rc, store_txn *t)
{
	(void)t;
	return dispatch_fail(rc, LD_UNIMPLEMENTED, "KPI counts are not built yet");
}

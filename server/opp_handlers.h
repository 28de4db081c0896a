/* Opportunities and the forecast (issue 15): the request families that
 * change them (opp_handlers.c, lead_convert.c) and read them (opp_read.c,
 * forecast.c). Each is a row of the request table in dispatch.c; every
 * change goes through opp_apply or lead_apply (opp_core.h). */
#ifndef LEADD_OPP_HANDLERS_H
#define LEADD_OPP_HANDLERS_H

#include "dispatch.h"

int opp_create(request_ctx *rc, store_txn *t);
int opp_edit(request_ctx *rc, store_txn *t);
int opp_won(request_ctx *rc, store_txn *t);
int opp_lost(request_ctx *rc, store_txn *t);
int lead_convert(request_ctx *rc, store_txn *t);

int opp_get(request_ctx *rc, store_txn *t);
int opp_list(request_ctx *rc, store_txn *t);
int forecast_get(request_ctx *rc, store_txn *t);

#endif

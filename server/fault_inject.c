/* Fault injection for tests: linked only into leadd-fault-test, a copy of
 * leadd that is built beside it and never installed. With the environment
 * variable LEADD_FAULT_INJECTION=1, two lead titles act on the writer:
 *
 * - a lead_create titled "inject-io-error" fails inside the batch
 *   transaction as if one of its puts had hit an I/O error (EIO), the
 *   fault a failing disk raises in the middle of a request;
 * - a lead_create titled "inject-slow" holds the writer for 500 ms, as a
 *   slow disk would, so requests sent meanwhile queue up and are taken
 *   together as one batch.
 *
 * tests/protocol/writer_faults.py uses them to put a fault in the first
 * request of a batch of several.
 *
 * With LEADD_FAULT_CLOCK_FILE=PATH, leadd's clock is the real time plus the
 * number of milliseconds PATH holds (read at every look at the clock; a
 * missing or empty file adds nothing), so tests/protocol/kpi_flow.py can
 * date changes days apart.
 *
 * With LEADD_FAULT_OLD_TOPICS=5 (topic numbers, comma-separated), watch
 * answers those topics as unknown, as a leadd from before them did, so
 * leadtop's fallback for an older leadd (tests/e2e/leadtop_old_watch.sh)
 * runs against a real server. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dispatch.h"
#include "server.h"
#include "watch.h"
#include "writer.h"

#define FAULT_TITLE_EIO "inject-io-error"
#define FAULT_TITLE_SLOW "inject-slow"
#define FAULT_SLOW_US 500000

static void fault_hook(request_ctx *rc, store_txn *t)
{
	if (rc->entry->body != LEADD__REQUEST__BODY_LEAD_CREATE || !rc->req->lead_create->title)
		return;
	const char *title = rc->req->lead_create->title;
	if (strcmp(title, FAULT_TITLE_EIO) == 0)
		t->ret = EIO;
	else if (strcmp(title, FAULT_TITLE_SLOW) == 0)
		usleep(FAULT_SLOW_US);
}

static const char *clock_file;

static int64_t clock_shift(int64_t real_ms)
{
	FILE *f = fopen(clock_file, "r");
	long long shift = 0;
	if (f) {
		if (fscanf(f, "%lld", &shift) != 1)
			shift = 0;
		fclose(f);
	}
	return real_ms + shift;
}

__attribute__((constructor)) static void fault_enable(void)
{
	clock_file = getenv("LEADD_FAULT_CLOCK_FILE");
	if (clock_file && *clock_file)
		server_clock_hook = clock_shift;
	/* Topic numbers to answer as unknown ("5" or "4,5"): an older leadd. */
	const char *old = getenv("LEADD_FAULT_OLD_TOPICS");
	for (const char *p = old; p && *p;) {
		char *end;
		unsigned long tp = strtoul(p, &end, 10);
		if (end == p)
			break;
		if (tp < 32)
			watch_unknown_topics |= 1u << tp;
		p = *end == ',' ? end + 1 : end;
	}
	const char *on = getenv("LEADD_FAULT_INJECTION");
	if (on && strcmp(on, "1") == 0)
		writer_fault_hook = fault_hook;
}

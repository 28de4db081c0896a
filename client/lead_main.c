/* lead's main: run the command, flush, free what the run cached. Apart
 * from the rest (the lead_client library) so unit tests can link that. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "lead.h"

int main(int argc, char **argv)
{
	struct lead_ctx ctx = {.timeout_ms = LEAD_DEFAULT_TIMEOUT_MS};
	int rc = lead_run(argc, argv, &ctx);
	if (fflush(stdout) != 0 && rc == 0)
		rc = lead_fail(&ctx, LD_UNKNOWN, "cannot write the output: %s", strerror(errno));
	Leadd__Response *cached[] = {ctx.statuses, ctx.users, ctx.whoami, ctx.teams};
	for (size_t i = 0; i < sizeof(cached) / sizeof(cached[0]); i++)
		if (cached[i])
			leadd__response__free_unpacked(cached[i], NULL);
	if (ctx.conn)
		ld_conn_close(ctx.conn);
	return rc;
}

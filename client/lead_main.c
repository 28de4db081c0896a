/* lead's main: run the command, flush, free what the run cached. Apart
 * from the rest (the lead_client library) so unit tests can link that. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "lead.h"

/* A standard stream started closed: the connection to leadd would take
 * its descriptor, and the output meant for it would go to leadd (lead
 * watch >&- sent its header as a frame). /dev/null opened read-only holds
 * the place: writing there fails, and says so, as to a closed stream. */
static void hold_std_fds(void)
{
	for (int fd = 0; fd <= 2; fd++)
		if (fcntl(fd, F_GETFD) < 0 && errno == EBADF) {
			int n = open("/dev/null", O_RDONLY);
			if (n >= 0 && n != fd) /* a lower one was closed too */
				close(n);
		}
}

int main(int argc, char **argv)
{
	hold_std_fds();
	struct lead_ctx ctx = {.timeout_ms = LEAD_DEFAULT_TIMEOUT_MS};
	int rc = lead_run(argc, argv, &ctx);
	/* fflush sees only what is still buffered: output past the buffer
	 * (a --json document over 4 KB) failed inside printf, which leaves
	 * the error flag set and the buffer empty, and exited 0 with the
	 * document lost. */
	if (fflush(stdout) != 0 && rc == 0)
		rc = lead_fail(&ctx, LD_UNKNOWN, "cannot write the output: %s", strerror(errno));
	else if (ferror(stdout) && rc == 0)
		rc = lead_fail(&ctx, LD_UNKNOWN,
			       "cannot write the output: a write to standard output failed "
			       "(a full disk, or a closed pipe)");
	Leadd__Response *cached[] = {ctx.statuses, ctx.users, ctx.whoami, ctx.teams};
	for (size_t i = 0; i < sizeof(cached) / sizeof(cached[0]); i++)
		if (cached[i])
			leadd__response__free_unpacked(cached[i], NULL);
	if (ctx.conn)
		ld_conn_close(ctx.conn);
	return rc;
}

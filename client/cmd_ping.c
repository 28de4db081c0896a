/* lead ping: is leadd there, and how fast does it answer. */
#include <getopt.h>
#include <time.h>

#include "lead.h"

static double now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static int cmd_ping_exec(const struct cmd_entry *self, struct lead_ctx *ctx, int argc, char **argv)
{
	int rc = lead_plain_options(self, ctx, argc, argv);
	if (rc)
		return rc < 0 ? 0 : rc;

	Leadd__Request req = LEADD__REQUEST__INIT;
	Leadd__PingRequest ping = LEADD__PING_REQUEST__INIT;
	req.body_case = LEADD__REQUEST__BODY_PING;
	req.ping = &ping;
	Leadd__Response *resp;
	/* A health check for monitoring: no session needed (leadd answers a
	 * ping before login), so a stale or missing one does not fail it.
	 * The round trip of the ping alone, not of connecting and saying hello. */
	ctx->no_session = 1;
	if ((rc = lead_connect(ctx)))
		return rc;
	double start = now_ms();
	rc = lead_request(ctx, &req, LEADD__RESPONSE__BODY_PING, &resp);
	if (rc)
		return rc;
	double rtt = now_ms() - start;
	leadd__response__free_unpacked(resp, NULL);

	const char *version = ld_conn_server_version(ctx->conn);
	if (ctx->json) {
		cJSON *o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "server", ctx->server);
		cJSON_AddItemToObject(o, "server_version",
				      lead_json_string(version && *version ? version : NULL));
		cJSON_AddNumberToObject(o, "rtt_ms", rtt);
		return lead_json_out(o);
	}
	lead_out("pong from %s (server version %s, RTT %.2f ms)\n", ctx->server,
		 version && *version ? version : "unknown", rtt);
	return 0;
}

const struct cmd_entry cmd_ping_entry = {
	.name = "ping",
	.usage = "",
	.help = "check that leadd answers, and how fast",
	.notes = "Needs no login: a health check for monitoring. Exit 0 with \"pong from\n"
		 "...\" when leadd answers, 6 with a sentence when it cannot be reached\n"
		 "or does not answer within --timeout.",
	.min_args = 0,
	.max_args = 0,
	.exec = cmd_ping_exec,
};

/* lead login, logout, whoami: the session kept in $LEAD_CONFIG_DIR/session. */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "lead.h"

enum {
	O_PASSWORD_STDIN = 256,
	O_FINGERPRINT,
};

/* ---- lead login ---- */

static int cmd_login_exec(const struct cmd_entry *self, struct lead_ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
		{"password-stdin", no_argument, NULL, O_PASSWORD_STDIN},
		{"fingerprint", required_argument, NULL, O_FINGERPRINT},
		LEAD_CMD_OPTIONS,
	};
	int c, rc, from_stdin = 0;
	lead_getopt_reset();
	while ((c = lead_getopt(argc, argv, LEAD_CMD_OPTSTRING, opts, NULL)) != -1) {
		if (c == O_PASSWORD_STDIN)
			from_stdin = 1;
		else if (c == O_FINGERPRINT) {
			if (!lead_trust_fingerprint_valid(optarg))
				return lead_usage_error(
					self, ctx,
					"--fingerprint wants SHA256: and 43 characters, as 'leadd "
					"fingerprint' prints it, not '%s'",
					optarg);
			ctx->fingerprint_opt = optarg;
		} else if ((rc = lead_cmd_option(self, ctx, argv, c)) >= 0)
			return rc;
	}
	if ((rc = lead_cmd_check_args(self, ctx, argc - optind)))
		return rc;
	const char *user = optind < argc ? argv[optind] : getenv("LEAD_USER");
	if (!user || !*user)
		user = getenv("USER");
	if (!user || !*user)
		return lead_usage_error(self, ctx, "say who logs in: lead login USER");

	struct lead_session sess;
	memset(&sess, 0, sizeof(sess));
	if (snprintf(sess.user, sizeof(sess.user), "%s", user) >= (int)sizeof(sess.user))
		return lead_usage_error(self, ctx, "'%s' is too long for a user name", user);

	/* Connect before asking for the password: no point typing it for a
	 * server that is not there, or not trusted. Only login may trust a
	 * server it does not know yet (lead_trust.c). */
	ctx->no_session = 1;
	ctx->trust_ask = 1;
	if ((rc = lead_open(ctx)))
		return rc;
	/* A script naming the fingerprint wants it checked: over plaintext
	 * there is nothing to check it against. */
	if (ctx->fingerprint_opt && !ld_conn_tls(ctx->conn))
		return lead_usage_error(
			self, ctx,
			"--fingerprint: the connection to leadd at %s is not TLS, "
			"so there is no certificate to check (lead speaks plaintext "
			"with tls = no, and to a loopback address such as 127.0.0.1 "
			"unless tls = yes or LEAD_TLS=yes)",
			ctx->server);
	/* tls = no to another machine: said before the password is typed. */
	if (lead_conn_exposed(ctx->conn))
		lead_warn("the connection to leadd at %s is not encrypted (tls = no): the "
			  "password and the session go over the network in the clear",
			  ctx->server);
	char prompt[200];
	snprintf(prompt, sizeof(prompt), "Password for %s: ", user);
	char *pw = lead_password_read(ctx, from_stdin, prompt, 0, &rc);
	if (!pw)
		return rc;
	char err[256];
	rc = ld_login_password(ctx->conn, user, pw, sess.token, err, sizeof(err));
	lead_password_free(pw);
	if (rc < 0)
		return lead_fail(ctx, LD_UNAVAILABLE, "leadd at %s: %s", ctx->server, err);
	if (rc > 0)
		return lead_fail(ctx, rc, "%s", err);

	const Leadd__WhoamiReply *w;
	if ((rc = lead_whoami(ctx, &w)))
		return rc;
	const Leadd__User *u = w->user;
	if (u && u->name)
		snprintf(sess.user, sizeof(sess.user), "%s", u->name);
	snprintf(sess.server, sizeof(sess.server), "%s", ctx->server);
	ld_token_to_hex(sess.token, sess.token_hex);
	rc = lead_session_save(ctx, &sess);
	explicit_bzero(&sess, sizeof(sess));
	if (rc)
		return rc;
	const char *role = lead_role_name(u ? u->role : 0);
	if (ctx->json) {
		cJSON *o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "server", ctx->server);
		if (u)
			cJSON_AddItemToObject(o, "user", lead_json_user(u));
		else
			cJSON_AddNullToObject(o, "user");
		cJSON_AddItemToObject(o, "session_file", lead_json_string(lead_session_path()));
		cJSON_AddItemToObject(o, "tls", lead_json_tls(ctx->conn));
		cJSON_AddBoolToObject(o, "trusted_now", ctx->trusted_now);
		return lead_json_out(o);
	}
	if (ctx->trusted_now)
		lead_out("trusted leadd at %s (%s), remembered in %s\n", ctx->server,
			 ld_conn_fingerprint(ctx->conn), lead_known_servers_path());
	lead_out("logged in as %s (%s) on %s\n", u && u->name ? u->name : user, role, ctx->server);
	return 0;
}

const struct cmd_entry cmd_login_entry = {
	.name = "login",
	.usage = "[USER] [--password-stdin] [--fingerprint SHA256:...]",
	.help = "log in and keep the session for the next commands",
	.notes = "USER defaults to $LEAD_USER, then $USER. The password is asked on the\n"
		 "terminal without echo, or read from one line of standard input with\n"
		 "--password-stdin. The session (a token, never the password) is kept in\n"
		 "$LEAD_CONFIG_DIR/session (default ~/.config/lead/session), mode 0600.\n"
		 "A wrong user name or password exits 4.\n"
		 "Over TLS, a server whose certificate no authority vouches for must be\n"
		 "known: the first login shows its fingerprint and asks on the terminal\n"
		 "whether to trust it, or takes --fingerprint (from 'leadd fingerprint' on\n"
		 "the server; it must match). It is then kept in\n"
		 "$LEAD_CONFIG_DIR/known_servers. A fingerprint that changed is refused.",
	.min_args = 0,
	.max_args = 1,
	.exec = cmd_login_exec,
};

/* ---- lead logout ---- */

static int cmd_logout_exec(const struct cmd_entry *self, struct lead_ctx *ctx, int argc,
			   char **argv)
{
	int rc = lead_plain_options(self, ctx, argc, argv);
	if (rc)
		return rc < 0 ? 0 : rc;

	struct lead_session sess;
	int have = lead_session_load(ctx, &sess, &rc);
	if (have == 0) {
		if (ctx->json) {
			cJSON *o = cJSON_CreateObject();
			cJSON_AddBoolToObject(o, "was_logged_in", 0);
			return lead_json_out(o);
		}
		lead_out("not logged in\n");
		return 0;
	}
	/* A damaged session file is removed all the same. */
	ctx->no_session = 1;
	/* The token is revoked where it was issued, whatever --server or
	 * $LEAD_SERVER say now: it is sent to no other server. */
	static char issuer[sizeof(sess.server)];
	if (have > 0 && sess.has_server && sess.server[0]) {
		snprintf(issuer, sizeof(issuer), "%s", sess.server);
		ctx->server = issuer;
	}
	int server_rc = 0;
	if (have > 0 && (server_rc = lead_open(ctx)) == 0) {
		char err[256];
		int lr = ld_login_token(ctx->conn, sess.token, sizeof(sess.token), err,
					sizeof(err));
		if (lr < 0) {
			server_rc = lead_fail(ctx, LD_UNAVAILABLE, "leadd at %s: %s", ctx->server,
					      err);
		} else if (lr == 0) {
			/* Revoke it on the server. */
			Leadd__Request req = LEADD__REQUEST__INIT;
			Leadd__LogoutRequest lo = LEADD__LOGOUT_REQUEST__INIT;
			req.body_case = LEADD__REQUEST__BODY_LOGOUT;
			req.logout = &lo;
			Leadd__Response *resp;
			server_rc = lead_request(ctx, &req, LEADD__RESPONSE__BODY_EMPTY, &resp);
			if (!server_rc)
				leadd__response__free_unpacked(resp, NULL);
		}
		/* lr > 0: the server no longer knows the session; nothing to revoke. */
	}
	explicit_bzero(&sess, sizeof(sess));
	if (lead_session_remove() < 0 && !server_rc)
		return LD_EXIT_ERROR;
	if (server_rc) {
		lead_warn("the session file was removed; the server could not be told");
		return server_rc;
	}
	if (ctx->json) {
		cJSON *o = cJSON_CreateObject();
		cJSON_AddBoolToObject(o, "was_logged_in", 1);
		return lead_json_out(o);
	}
	lead_out("logged out\n");
	return 0;
}

const struct cmd_entry cmd_logout_entry = {
	.name = "logout",
	.usage = "",
	.help = "end the session and remove the session file",
	.notes = "The session file is removed even when the server cannot be reached (exit 6\n"
		 "then); the session itself expires on the server after 7 days unused.",
	.min_args = 0,
	.max_args = 0,
	.exec = cmd_logout_exec,
};

/* ---- lead whoami ---- */

static int cmd_whoami_exec(const struct cmd_entry *self, struct lead_ctx *ctx, int argc,
			   char **argv)
{
	int rc = lead_plain_options(self, ctx, argc, argv);
	if (rc)
		return rc < 0 ? 0 : rc;
	const Leadd__WhoamiReply *w;
	if ((rc = lead_whoami(ctx, &w)))
		return rc;
	if (!w->user)
		return lead_fail(ctx, LD_UNKNOWN, "leadd at %s sent a reply without the user",
				 ctx->server);
	const Leadd__User *u = w->user;
	if (ctx->json) {
		cJSON *o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "server", ctx->server);
		cJSON_AddItemToObject(o, "user", lead_json_user(u));
		cJSON *teams = cJSON_AddArrayToObject(o, "teams");
		for (size_t i = 0; i < w->n_teams; i++)
			cJSON_AddItemToArray(teams, lead_json_team(w->teams[i]));
		cJSON_AddItemToObject(o, "tls", lead_json_tls(ctx->conn));
		return lead_json_out(o);
	}
	struct lead_kv *kv = lead_kv_new();
	lead_kv_add(kv, "user", "%s (id %llu)", u->name ? u->name : "?", (unsigned long long)u->id);
	lead_kv_add(kv, "role", "%s", lead_role_name(u->role));
	lead_kv_add(kv, "team", "%s", u->team_id && u->team_name ? u->team_name : "-");
	char *teams = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&teams, &len);
	if (!f)
		return lead_fail(ctx, LD_RESOURCE_EXHAUSTED, "out of memory");
	for (size_t i = 0; i < w->n_teams; i++) {
		const Leadd__Team *t = w->teams[i];
		fprintf(f, "%s%s", i ? "\n" : "", t->name ? t->name : "?");
		int managed = 0;
		for (size_t k = 0; k < t->n_manager_ids; k++)
			managed |= t->manager_ids[k] == u->id;
		if (managed)
			fputs(" (manager)", f);
	}
	fclose(f);
	lead_kv_add(kv, "teams", "%s", teams && *teams ? teams : "-");
	lead_kv_add(kv, "server", "%s", ctx->server);
	char how[200];
	lead_tls_describe(ctx->conn, how, sizeof(how));
	lead_kv_add(kv, "connection", "%s", how);
	lead_kv_print(kv);
	free(teams);
	return 0;
}

const struct cmd_entry cmd_whoami_entry = {
	.name = "whoami",
	.usage = "",
	.help = "show who you are logged in as: user, role, team, the teams you see",
	.min_args = 0,
	.max_args = 0,
	.exec = cmd_whoami_exec,
};

/* lead completion: the bash completion script, and the server's words it
 * completes with (status and user names). */
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "lead.h"
#include "lead_completion.h"

/* How long a Tab may wait for the server's words, whatever --timeout
 * says: the person is waiting at the prompt. Each round trip (connect and
 * Hello, the session's login, the request) gets at most WORDS_CALL_MS, and
 * the whole at most WORDS_TOTAL_S, after which lead leaves quietly. */
#define WORDS_CALL_MS 1000
#define WORDS_TOTAL_S 2

static int cmd_completion_bash_exec(const struct cmd_entry *self, struct lead_ctx *ctx, int argc,
				    char **argv)
{
	int rc = lead_plain_options(self, ctx, argc, argv);
	if (rc)
		return rc < 0 ? 0 : rc;
	if (lead_completion_bash(stdout) < 0)
		return lead_fail(ctx, LD_RESOURCE_EXHAUSTED,
				 "out of memory writing the completion script");
	return 0;
}

/* A name as the script reads it: one line, no control characters. */
static void print_word(const char *s)
{
	if (!s || !*s)
		return;
	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		if (*p < 0x20 || *p == 0x7f)
			return;
	printf("%s\n", s);
}

/* Every status, or only those a conversion may go to (lead convert
 * --to): of the prospect stage, not of class dead or lost. */
static void print_statuses(struct lead_ctx *ctx, int prospects)
{
	const Leadd__StatusListReply *sl;
	if (lead_statuses(ctx, &sl))
		return;
	for (size_t i = 0; i < sl->n_statuses; i++) {
		const Leadd__Status *s = sl->statuses[i];
		if (prospects && (s->stage != LEADD__STAGE__STAGE_PROSPECT ||
				  s->kpi_class == LEADD__KPI_CLASS__KPI_DEAD ||
				  s->kpi_class == LEADD__KPI_CLASS__KPI_LOST))
			continue;
		print_word(s->name);
	}
}

/* The users the caller may list (a rep: only themself). */
static void print_users(struct lead_ctx *ctx)
{
	const struct lead_names *n;
	if (lead_names(ctx, 0, &n))
		return;
	const char *self = n->self ? n->self->name : NULL;
	for (size_t i = 0; n->users && i < n->users->n_users; i++)
		if (!self || strcmp(n->users->users[i]->name, self) != 0)
			print_word(n->users->users[i]->name);
	print_word(self);
}

/* The words' deadline passed: nothing printed yet, so leave as a Tab that
 * found nothing. */
static void words_deadline(int sig)
{
	(void)sig;
	_exit(0);
}

static int cmd_completion_words_exec(const struct cmd_entry *self, struct lead_ctx *ctx, int argc,
				     char **argv)
{
	int rc = lead_plain_options(self, ctx, argc, argv);
	if (rc)
		return rc < 0 ? 0 : rc;
	const char *kind = argv[optind];
	if (strcmp(kind, "statuses") != 0 && strcmp(kind, "prospects") != 0 &&
	    strcmp(kind, "users") != 0)
		return lead_usage_error(self, ctx,
					"'%s' is not a kind of words: statuses, prospects or users",
					kind);
	/* From here on nothing is said and the exit status is 0: a Tab
	 * that finds no session or no server offers nothing, and an error
	 * printed would land in the middle of the person's command line. */
	int null = open("/dev/null", O_WRONLY);
	if (null >= 0) {
		dup2(null, STDERR_FILENO);
		close(null);
	}
	ctx->json = 0;
	if (ctx->timeout_ms > WORDS_CALL_MS)
		ctx->timeout_ms = WORDS_CALL_MS;
	signal(SIGALRM, words_deadline);
	alarm(WORDS_TOTAL_S);
	/* No session: not even a connection. */
	struct lead_session sess;
	if (lead_session_load(ctx, &sess, &rc) != 1)
		return 0;
	if (strcmp(kind, "users") != 0)
		print_statuses(ctx, strcmp(kind, "prospects") == 0);
	else
		print_users(ctx);
	alarm(0);
	return 0;
}

static const struct cmd_entry cmd_completion_bash_entry = {
	.name = "completion bash",
	.usage = "",
	.help = "print the bash completion script",
	.notes = "Load it in the running shell with: source <(lead completion bash); it\n"
		 "is installed as share/bash-completion/completions/lead under the install\n"
		 "prefix (/usr/share/... with the Debian package). It\n"
		 "completes commands, subcommands and options from lead's command table,\n"
		 "and status and user names from the server when you are logged in.",
	.min_args = 0,
	.max_args = 0,
	.exec = cmd_completion_bash_exec,
};

static const struct cmd_entry cmd_completion_words_entry = {
	.name = "completion words",
	.usage = "statuses|prospects|users",
	.help = "the status or user names the completion offers",
	.notes = "One a line, as the server gives them to you (a rep: only their own\n"
		 "name). Made for the completion script: it never asks for a password,\n"
		 "waits at most 2 s, and prints nothing and exits 0 when you are not\n"
		 "logged in or the server cannot be reached.",
	.min_args = 1,
	.max_args = 1,
	.exec = cmd_completion_words_exec,
};

static const struct cmd_entry *const completion_subs[] = {
	&cmd_completion_bash_entry,
	&cmd_completion_words_entry,
	NULL,
};

const struct cmd_entry cmd_completion_entry = {
	.name = "completion",
	.usage = "bash|words [ARGS...]",
	.help = "shell completion: bash, words",
	.min_args = 0,
	.max_args = -1,
	.exec = lead_family_exec,
	.sub = completion_subs,
};

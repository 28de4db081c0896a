/* Who a request runs as: fixed when the connection logs in. */
#ifndef LEADD_PRINCIPAL_H
#define LEADD_PRINCIPAL_H

#include <stdint.h>

typedef enum {
	ROLE_NONE = 0, /* not logged in: only Hello (and Login) */
	ROLE_REP = 1,
	ROLE_MANAGER = 2,
	ROLE_ADMIN = 3,
} role_t;

#define PRINCIPAL_MAX_TEAMS 16

typedef struct {
	uint64_t user_id;
	role_t role;
	uint32_t n_teams; /* a rep's team; the teams a manager manages (and their own) */
	uint64_t teams[PRINCIPAL_MAX_TEAMS];
	/* The user's name folded as login finds it (users.c user_name_key):
	 * what the login slowdown counts a wrong current password against. */
	char name_key[72];
	int has_session;
	uint8_t session_id[32]; /* keyed hash of the token this connection logged in with */
	/* Kept current by session_check.c: the auth epoch this principal was
	 * derived at, and the session's times as last seen (unix ms). */
	uint64_t epoch;
	/* Changes to users, teams or sessions the writer had committed when
	 * this principal was derived (session_auth_commits): the writer runs
	 * a request whose principal is older than the last one with its rights
	 * derived again in its own transaction. */
	uint64_t auth_commits;
	int64_t created_at;
	int64_t touched_at; /* last_used_at as last written */
	int64_t expires_at; /* the earlier of the idle and the absolute expiry */
} principal_t;

const char *role_name(role_t role);

#endif

/* Storage migrations: a data directory of the previous schema version opens,
 * is migrated, keeps its leads, and passes verify.
 *
 * Schema 1 had no session key (users came with schema 2). The test makes a
 * schema-1 directory the only way an old leadd left it — leads written, no
 * session key, schema_version 1 — by taking a current one and undoing
 * migration 2 with LMDB directly; then starts leadd on it.
 *
 * Schema 2 had sessions but no sessions-by-user index (schema 3). A schema-2
 * directory is made the same way (sessions made by logins, then the index
 * dropped and schema_version 2); after the migration verify passes (the
 * index matches the sessions) and an admin's password reset revokes the
 * sessions made before the migration. */
#include <lmdb.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* cmocka.h needs the headers above it. */
#include <cmocka.h>

#include "ld_client.h"
#include "ld_error.h"
#include "ld_norm.h"
#include "leadd_store.pb-c.h"

/* The schema this leadd writes (server/store.h STORE_SCHEMA_VERSION). */
#define CURRENT_SCHEMA 11

static const char *leadd;
static char dir[256], data[300];

static int run(const char *fmt, ...)
{
	char cmd[2048];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	int st = system(cmd);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static pid_t start(char *addr, size_t len)
{
	char port_file[400];
	snprintf(port_file, sizeof(port_file), "%s/port", dir);
	unlink(port_file);
	pid_t pid = fork();
	if (pid == 0) {
		/* Die with the test, so a failed assertion leaves no leadd behind. */
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		execl(leadd, leadd, "--data-dir", data, "--listen", "127.0.0.1:0", "--port-file",
		      port_file, "--log-level", "warn", (char *)NULL);
		_exit(127);
	}
	for (int i = 0; i < 200; i++) {
		FILE *f = fopen(port_file, "r");
		int port = 0;
		if (f && fscanf(f, "%d", &port) == 1 && port > 0) {
			fclose(f);
			snprintf(addr, len, "127.0.0.1:%d", port);
			return pid;
		}
		if (f)
			fclose(f);
		usleep(50000);
	}
	kill(pid, SIGKILL);
	fail_msg("leadd did not start");
	return -1;
}

static void stop(pid_t pid)
{
	int st;
	kill(pid, SIGTERM);
	waitpid(pid, &st, 0);
	assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
}

static ld_conn *login(const char *addr)
{
	ld_conn *c;
	char err[256];
	uint8_t token[LD_TOKEN_BYTES];
	assert_int_equal(ld_conn_open(addr, "migration-test", 5000, &c, err, sizeof(err)), 0);
	assert_int_equal(ld_login_password(c, "admin", "admin-password", token, err, sizeof(err)),
			 0);
	return c;
}

static uint64_t create_lead(ld_conn *c, const char *title)
{
	Leadd__Request req = LEADD__REQUEST__INIT;
	Leadd__LeadCreateRequest q = LEADD__LEAD_CREATE_REQUEST__INIT;
	q.title = (char *)title;
	q.owner = "admin"; /* an admin has no team pool: name the owner */
	req.body_case = LEADD__REQUEST__BODY_LEAD_CREATE;
	req.lead_create = &q;
	Leadd__Response *r;
	assert_int_equal(ld_call(c, &req, &r, 5000), 0);
	assert_int_equal(ld_response_code(r), 0);
	uint64_t id = r->lead->lead->id;
	leadd__response__free_unpacked(r, NULL);
	return id;
}

typedef struct {
	MDB_env *env;
	MDB_txn *txn;
} lmdb_w;

static MDB_dbi db(lmdb_w *w, const char *name)
{
	MDB_dbi d;
	assert_int_equal(mdb_dbi_open(w->txn, name, 0, &d), 0);
	return d;
}

/* Open the data directory with LMDB directly, leadd stopped, and begin a
 * write transaction. */
static lmdb_w w_open(void)
{
	lmdb_w w;
	assert_int_equal(mdb_env_create(&w.env), 0);
	mdb_env_set_maxdbs(w.env, 64);
	mdb_env_set_mapsize(w.env, 256u << 20);
	assert_int_equal(mdb_env_open(w.env, data, 0, 0600), 0);
	assert_int_equal(mdb_txn_begin(w.env, NULL, 0, &w.txn), 0);
	return w;
}

static void w_commit(lmdb_w *w)
{
	assert_int_equal(mdb_txn_commit(w->txn), 0);
	mdb_env_close(w->env);
}

static void put_raw(lmdb_w *w, MDB_dbi d, const char *key, size_t klen, const void *val,
		    size_t vlen)
{
	MDB_val k = {klen, (void *)key}, v = {vlen, (void *)val};
	assert_int_equal(mdb_put(w->txn, d, &k, &v, 0), 0);
}

static void be64(uint8_t out[8], uint64_t v)
{
	for (int i = 7; i >= 0; i--, v >>= 8)
		out[i] = (uint8_t)v;
}

/* meta's schema_version, as leadd writes it (big-endian). */
static void put_schema(lmdb_w *w, uint64_t version)
{
	uint8_t v[8];
	be64(v, version);
	put_raw(w, db(w, "meta"), "schema_version", strlen("schema_version"), v, 8);
}

/* Undo migration 2: schema_version 1, no session key. */
static void downgrade_to_schema_1(void)
{
	lmdb_w w = w_open();
	MDB_val k = {strlen("session_key"), "session_key"};
	assert_int_equal(mdb_del(w.txn, db(&w, "meta"), &k, NULL), 0);
	put_schema(&w, 1);
	w_commit(&w);
}

/* Undo migration 3: schema_version 2, no sessions_by_user entries. */
static void downgrade_to_schema_2(void)
{
	lmdb_w w = w_open();
	assert_int_equal(mdb_drop(w.txn, db(&w, "sessions_by_user"), 1), 0);
	put_schema(&w, 2);
	w_commit(&w);
}

static uint64_t read_schema(void)
{
	MDB_env *env;
	MDB_txn *txn;
	MDB_dbi meta;
	mdb_env_create(&env);
	mdb_env_set_maxdbs(env, 64);
	assert_int_equal(mdb_env_open(env, data, MDB_RDONLY, 0600), 0);
	mdb_txn_begin(env, NULL, MDB_RDONLY, &txn);
	mdb_dbi_open(txn, "meta", 0, &meta);
	MDB_val k = {strlen("schema_version"), "schema_version"}, v;
	uint64_t version = 0;
	if (mdb_get(txn, meta, &k, &v) == 0 && v.mv_size == 8)
		for (int i = 0; i < 8; i++)
			version = version << 8 | ((uint8_t *)v.mv_data)[i];
	mdb_txn_abort(txn);
	mdb_env_close(env);
	return version;
}

static void test_schema_1_directory_migrates(void **state)
{
	(void)state;
	char addr[64];
	assert_int_equal(run("echo admin-password | %s init --data-dir %s --admin admin "
			     "--password-stdin >/dev/null",
			     leadd, data),
			 0);
	pid_t pid = start(addr, sizeof(addr));
	ld_conn *c = login(addr);
	uint64_t id = create_lead(c, "written under schema 1");
	ld_conn_close(c);
	stop(pid);

	downgrade_to_schema_1();
	assert_int_equal(read_schema(), 1);

	pid = start(addr, sizeof(addr));
	assert_int_equal(read_schema(), CURRENT_SCHEMA);
	c = login(addr); /* needs the session key migration 2 made */
	Leadd__Request req = LEADD__REQUEST__INIT;
	Leadd__LeadGetRequest g = LEADD__LEAD_GET_REQUEST__INIT;
	g.has_id = 1;
	g.id = id;
	req.body_case = LEADD__REQUEST__BODY_LEAD_GET;
	req.lead_get = &g;
	Leadd__Response *r;
	assert_int_equal(ld_call(c, &req, &r, 5000), 0);
	assert_int_equal(ld_response_code(r), 0);
	assert_string_equal(r->lead->lead->title, "written under schema 1");
	leadd__response__free_unpacked(r, NULL);
	ld_conn_close(c);
	stop(pid);
	assert_int_equal(run("%s verify --data-dir %s >/dev/null", leadd, data), 0);
}

static int user_call(ld_conn *c, Leadd__Request *req)
{
	Leadd__Response *r;
	assert_int_equal(ld_call(c, req, &r, 10000), 0);
	int code = ld_response_code(r);
	leadd__response__free_unpacked(r, NULL);
	return code;
}

static void test_schema_2_sessions_get_indexed(void **state)
{
	(void)state;
	char addr[64], err[256];
	pid_t pid = start(addr, sizeof(addr));
	ld_conn *c = login(addr);
	Leadd__Request req = LEADD__REQUEST__INIT;
	Leadd__UserAddRequest ua = LEADD__USER_ADD_REQUEST__INIT;
	ua.name = "rita";
	ua.has_role = 1;
	ua.role = LEADD__ROLE__ROLE_REP;
	ua.password = "rita-password-1";
	req.body_case = LEADD__REQUEST__BODY_USER_ADD;
	req.user_add = &ua;
	assert_int_equal(user_call(c, &req), 0);
	/* Three sessions of rita's, one more of admin's. */
	uint8_t tokens[3][LD_TOKEN_BYTES];
	for (int i = 0; i < 3; i++) {
		ld_conn *r;
		assert_int_equal(ld_conn_open(addr, "migration-test", 5000, &r, err, sizeof(err)),
				 0);
		assert_int_equal(ld_login_password(r, "rita", "rita-password-1", tokens[i], err,
						   sizeof(err)),
				 0);
		ld_conn_close(r);
	}
	ld_conn_close(c);
	ld_conn_close(login(addr));
	stop(pid);

	downgrade_to_schema_2();
	assert_int_equal(read_schema(), 2);
	pid = start(addr, sizeof(addr));
	assert_int_equal(read_schema(), CURRENT_SCHEMA);
	stop(pid);
	/* The migration made the index entries verify checks. */
	assert_int_equal(run("%s verify --data-dir %s >/dev/null", leadd, data), 0);

	pid = start(addr, sizeof(addr));
	for (int i = 0; i < 3; i++) {
		ld_conn *r;
		assert_int_equal(ld_conn_open(addr, "migration-test", 5000, &r, err, sizeof(err)),
				 0);
		assert_int_equal(ld_login_token(r, tokens[i], LD_TOKEN_BYTES, err, sizeof(err)), 0);
		ld_conn_close(r);
	}
	c = login(addr);
	Leadd__UserPasswdRequest up = LEADD__USER_PASSWD_REQUEST__INIT;
	up.name = "rita";
	up.password = "rita-password-2";
	req.body_case = LEADD__REQUEST__BODY_USER_PASSWD;
	req.user_passwd = &up;
	assert_int_equal(user_call(c, &req), 0);
	ld_conn_close(c);
	/* The reset found rita's pre-migration sessions through the index. */
	for (int i = 0; i < 3; i++) {
		ld_conn *r;
		assert_int_equal(ld_conn_open(addr, "migration-test", 5000, &r, err, sizeof(err)),
				 0);
		assert_int_not_equal(ld_login_token(r, tokens[i], LD_TOKEN_BYTES, err, sizeof(err)),
				     0);
		ld_conn_close(r);
	}
	stop(pid);
}

/* ---- migration 4: names folded by Unicode rules ----
 *
 * Schema 2 keyed user and team names by their exact bytes and client folders
 * and tags by ASCII-only lower-casing: "Tom" and "tom" could both exist, and
 * "MAISON LEFÈVRE SA" made a folder beside "Maison Lefèvre SA". The test
 * writes such a directory the only way an old leadd left it: it takes one
 * made now and puts back the old keys (and the two colliding names) with
 * LMDB directly, then starts leadd on it. */

/* Schema 2's key for folders and tags: ASCII lower-case, spaces folded. */
static void old_fold(const char *in, char *out)
{
	size_t o = 0;
	int space = 0;
	for (; *in; in++) {
		unsigned char c = (unsigned char)*in;
		if (c == ' ' || c == '\t') {
			space = o > 0;
			continue;
		}
		if (space)
			out[o++] = ' ';
		space = 0;
		out[o++] = (char)(c >= 'A' && c <= 'Z' ? c + 32 : c);
	}
	out[o] = 0;
}

static void put_msg(lmdb_w *w, MDB_dbi d, const void *key, size_t klen, const ProtobufCMessage *m)
{
	size_t n = protobuf_c_message_get_packed_size(m);
	uint8_t *buf = malloc(n ? n : 1);
	assert_non_null(buf);
	protobuf_c_message_pack(m, buf);
	put_raw(w, d, key, klen, buf, n);
	free(buf);
}

/* Re-key a name database by exact names; rename user `rename_id` to `to`. */
static void old_name_keys(lmdb_w *w, const char *records, const char *names, uint64_t rename_id,
			  const char *to)
{
	MDB_dbi r = db(w, records), n = db(w, names);
	assert_int_equal(mdb_drop(w->txn, n, 0), 0);
	MDB_cursor *cur;
	MDB_val k, v;
	assert_int_equal(mdb_cursor_open(w->txn, r, &cur), 0);
	for (int rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); rc == 0;
	     rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
		uint8_t key[8];
		memcpy(key, k.mv_data, 8);
		char name[256];
		if (strcmp(records, "users") == 0) {
			Leadd__Store__UserRecord *u = leadd__store__user_record__unpack(
				NULL, v.mv_size, v.mv_data);
			assert_non_null(u);
			snprintf(name, sizeof(name), "%s", u->id == rename_id ? to : u->name);
			if (u->id == rename_id) {
				char *was = u->name;
				u->name = name;
				put_msg(w, r, key, 8, &u->base);
				u->name = was;
			}
			leadd__store__user_record__free_unpacked(u, NULL);
		} else {
			Leadd__Store__TeamRecord *t = leadd__store__team_record__unpack(
				NULL, v.mv_size, v.mv_data);
			assert_non_null(t);
			snprintf(name, sizeof(name), "%s", t->name);
			leadd__store__team_record__free_unpacked(t, NULL);
		}
		put_raw(w, n, name, strlen(name), key, 8);
	}
	mdb_cursor_close(cur);
}

/* Rename folder `id` (and its one lead `lead_id`, record and history). */
static void rename_folder(lmdb_w *w, uint64_t id, uint64_t lead_id, char *to)
{
	uint8_t key[8], lkey[8];
	be64(key, id);
	be64(lkey, lead_id);
	MDB_dbi clients = db(w, "clients"), leads = db(w, "leads"), history = db(w, "history");
	MDB_val k = {8, key}, v;
	assert_int_equal(mdb_get(w->txn, clients, &k, &v), 0);
	Leadd__Store__ClientRecord *c = leadd__store__client_record__unpack(NULL, v.mv_size,
									    v.mv_data);
	char *was = c->name;
	c->name = to;
	put_msg(w, clients, key, 8, &c->base);
	c->name = was;
	leadd__store__client_record__free_unpacked(c, NULL);

	MDB_val lk = {8, lkey};
	assert_int_equal(mdb_get(w->txn, leads, &lk, &v), 0);
	Leadd__Lead *l = leadd__lead__unpack(NULL, v.mv_size, v.mv_data);
	uint8_t hkey[16];
	memcpy(hkey, lkey, 8);
	be64(hkey + 8, l->version);
	was = l->client_name;
	l->client_name = to;
	put_msg(w, leads, lkey, 8, &l->base);
	l->client_name = was;
	leadd__lead__free_unpacked(l, NULL);

	MDB_val hk = {16, hkey};
	assert_int_equal(mdb_get(w->txn, history, &hk, &v), 0);
	Leadd__Store__HistoryEntry *h = leadd__store__history_entry__unpack(NULL, v.mv_size,
									    v.mv_data);
	was = h->lead->client_name;
	h->lead->client_name = to;
	put_msg(w, history, hkey, 16, &h->base);
	h->lead->client_name = was;
	leadd__store__history_entry__free_unpacked(h, NULL);
}

/* Folder names and tags under schema 2's keys. */
static void old_folder_and_tag_keys(lmdb_w *w)
{
	MDB_dbi clients = db(w, "clients"), names = db(w, "client_names");
	assert_int_equal(mdb_drop(w->txn, names, 0), 0);
	MDB_cursor *cur;
	MDB_val k, v;
	assert_int_equal(mdb_cursor_open(w->txn, clients, &cur), 0);
	for (int rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); rc == 0;
	     rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
		Leadd__Store__ClientRecord *c = leadd__store__client_record__unpack(NULL, v.mv_size,
										    v.mv_data);
		char key[512];
		old_fold(c->name, key);
		put_raw(w, names, key, strlen(key), k.mv_data, 8);
		leadd__store__client_record__free_unpacked(c, NULL);
	}
	mdb_cursor_close(cur);

	MDB_dbi tags;
	assert_int_equal(mdb_dbi_open(w->txn, "idx_tag", MDB_DUPSORT | MDB_DUPFIXED, &tags), 0);
	assert_int_equal(mdb_drop(w->txn, tags, 0), 0);
	MDB_dbi leads = db(w, "leads");
	assert_int_equal(mdb_cursor_open(w->txn, leads, &cur), 0);
	for (int rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); rc == 0;
	     rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
		Leadd__Lead *l = leadd__lead__unpack(NULL, v.mv_size, v.mv_data);
		for (size_t i = 0; i < l->n_tags; i++) {
			char key[512];
			old_fold(l->tags[i], key);
			put_raw(w, tags, key, strlen(key), k.mv_data, 8);
		}
		leadd__lead__free_unpacked(l, NULL);
	}
	mdb_cursor_close(cur);
}

static Leadd__Response *call_ok(ld_conn *c, Leadd__Request *req)
{
	Leadd__Response *r;
	assert_int_equal(ld_call(c, req, &r, 10000), 0);
	if (ld_response_code(r) != 0)
		fail_msg("request refused: %s", r->message ? r->message : "");
	return r;
}

static void add_user(ld_conn *c, const char *name, uint64_t *id)
{
	Leadd__Request req = LEADD__REQUEST__INIT;
	Leadd__UserAddRequest q = LEADD__USER_ADD_REQUEST__INIT;
	q.name = (char *)name;
	q.has_role = 1;
	q.role = LEADD__ROLE__ROLE_REP;
	q.password = "rep-password-1";
	req.body_case = LEADD__REQUEST__BODY_USER_ADD;
	req.user_add = &q;
	Leadd__Response *r = call_ok(c, &req);
	*id = r->user->user->id;
	leadd__response__free_unpacked(r, NULL);
}

static Leadd__Lead *add_lead(ld_conn *c, const char *title, const char *client, const char *tag)
{
	Leadd__Request req = LEADD__REQUEST__INIT;
	Leadd__LeadCreateRequest q = LEADD__LEAD_CREATE_REQUEST__INIT;
	char *tags[1] = {(char *)tag};
	q.title = (char *)title;
	q.owner = "admin";
	q.client_name = (char *)client;
	q.tags = tags;
	q.n_tags = tag ? 1 : 0;
	req.body_case = LEADD__REQUEST__BODY_LEAD_CREATE;
	req.lead_create = &q;
	Leadd__Response *r = call_ok(c, &req);
	Leadd__Lead *l = r->lead->lead;
	r->lead->lead = NULL;
	leadd__response__free_unpacked(r, NULL);
	return l;
}

static Leadd__Lead *get_lead(ld_conn *c, uint64_t id)
{
	Leadd__Request req = LEADD__REQUEST__INIT;
	Leadd__LeadGetRequest g = LEADD__LEAD_GET_REQUEST__INIT;
	g.has_id = 1;
	g.id = id;
	req.body_case = LEADD__REQUEST__BODY_LEAD_GET;
	req.lead_get = &g;
	Leadd__Response *r = call_ok(c, &req);
	Leadd__Lead *l = r->lead->lead;
	r->lead->lead = NULL;
	leadd__response__free_unpacked(r, NULL);
	return l;
}

static void test_schema_2_names_fold(void **state)
{
	(void)state;
	char addr[64];
	run("rm -rf %s", data);
	assert_int_equal(run("echo admin-password | %s init --data-dir %s --admin admin "
			     "--password-stdin >/dev/null",
			     leadd, data),
			 0);
	pid_t pid = start(addr, sizeof(addr));
	ld_conn *c = login(addr);
	uint64_t tom, tim;
	add_user(c, "Tom", &tom);
	add_user(c, "Tim", &tim);
	Leadd__Lead *a = add_lead(c, "first", "Maison Lef\xC3\xA8vre SA", "\xC3\x89T\xC3\x89");
	Leadd__Lead *b = add_lead(c, "second", "Other Co", NULL);
	uint64_t folder_a = a->client_id, folder_b = b->client_id, lead_a = a->id, lead_b = b->id;
	assert_int_not_equal(folder_a, folder_b);
	leadd__lead__free_unpacked(a, NULL);
	leadd__lead__free_unpacked(b, NULL);
	ld_conn_close(c);
	stop(pid);

	/* Back to schema 2: Tim becomes "tom", folder B "MAISON LEFÈVRE SA",
	 * every name under its old key. */
	lmdb_w w = w_open();
	old_name_keys(&w, "users", "user_names", tim, "tom");
	old_name_keys(&w, "teams", "team_names", 0, NULL);
	rename_folder(&w, folder_b, lead_b, "MAISON LEF\xC3\x88VRE SA");
	old_folder_and_tag_keys(&w);
	put_schema(&w, 2);
	w_commit(&w);
	assert_int_equal(read_schema(), 2);

	pid = start(addr, sizeof(addr));
	assert_int_equal(read_schema(), CURRENT_SCHEMA);
	c = login(addr);
	/* The two folders are one now, under the first one's name. */
	Leadd__Lead *l = get_lead(c, lead_b);
	assert_int_equal(l->client_id, folder_a);
	assert_string_equal(l->client_name, "Maison Lef\xC3\xA8vre SA");
	leadd__lead__free_unpacked(l, NULL);
	l = add_lead(c, "third", "maison LEF\xC3\x88VRE sa", NULL);
	assert_int_equal(l->client_id, folder_a);
	leadd__lead__free_unpacked(l, NULL);
	l = get_lead(c, lead_a);
	assert_int_equal(l->client_id, folder_a);
	leadd__lead__free_unpacked(l, NULL);
	ld_conn_close(c);
	/* "TOM" logs in as the first Tom; the second one was renamed. */
	char err[256];
	uint8_t token[LD_TOKEN_BYTES];
	assert_int_equal(ld_conn_open(addr, "migration-test", 5000, &c, err, sizeof(err)), 0);
	assert_int_equal(ld_login_password(c, "TOM", "rep-password-1", token, err, sizeof(err)), 0);
	ld_conn_close(c);
	char renamed[64];
	snprintf(renamed, sizeof(renamed), "tom-%llu", (unsigned long long)tim);
	assert_int_equal(ld_conn_open(addr, "migration-test", 5000, &c, err, sizeof(err)), 0);
	assert_int_equal(ld_login_password(c, renamed, "rep-password-1", token, err, sizeof(err)),
			 0);
	ld_conn_close(c);
	stop(pid);
	/* Tags under the new keys, one folder name per folder: verify agrees. */
	assert_int_equal(run("%s verify --data-dir %s >/dev/null", leadd, data), 0);
}

/* ---- migration 5: an owned lead is in its owner's team ----
 *
 * Schema 4 let a lead keep a team other than its owner's (a manager's
 * claim, an owner moved to another team). The test writes such a lead with
 * LMDB directly (record and its history entry, as the write core left them)
 * and starts leadd on it. */
static void set_lead_team(lmdb_w *w, uint64_t id, uint64_t team)
{
	uint8_t key[16];
	be64(key, id);
	MDB_val k = {8, key}, d;
	MDB_dbi leads = db(w, "leads"), history = db(w, "history");
	assert_int_equal(mdb_get(w->txn, leads, &k, &d), 0);
	Leadd__Lead *l = leadd__lead__unpack(NULL, d.mv_size, d.mv_data);
	assert_non_null(l);
	l->has_team_id = 1;
	l->team_id = team;
	put_msg(w, leads, key, 8, &l->base);
	be64(key + 8, l->version);
	MDB_val hk = {16, key}, hd;
	assert_int_equal(mdb_get(w->txn, history, &hk, &hd), 0);
	Leadd__Store__HistoryEntry *h = leadd__store__history_entry__unpack(NULL, hd.mv_size,
									    hd.mv_data);
	assert_non_null(h);
	Leadd__Lead *old = h->lead;
	h->lead = l;
	put_msg(w, history, key, 16, &h->base);
	h->lead = old;
	leadd__store__history_entry__free_unpacked(h, NULL);
	/* A leadd of schema 4 wrote change-log entries without the teams
	 * (verify checks the teams an entry has against the history). */
	MDB_dbi changelog = db(w, "changelog");
	MDB_val ck = {8, key + 8}, cd;
	assert_int_equal(mdb_get(w->txn, changelog, &ck, &cd), 0);
	Leadd__Store__ChangeEntry *e = leadd__store__change_entry__unpack(NULL, cd.mv_size,
									  cd.mv_data);
	assert_non_null(e);
	e->has_old_team = e->has_new_team = 0;
	put_msg(w, changelog, key + 8, 8, &e->base);
	leadd__store__change_entry__free_unpacked(e, NULL);
	leadd__lead__free_unpacked(l, NULL);
}

static void test_schema_4_leads_follow_owner_team(void **state)
{
	(void)state;
	char addr[64];
	run("rm -rf %s", data);
	assert_int_equal(run("echo admin-password | %s init --data-dir %s --admin admin "
			     "--password-stdin >/dev/null",
			     leadd, data),
			 0);
	pid_t pid = start(addr, sizeof(addr));
	ld_conn *c = login(addr);
	Leadd__Lead *a = add_lead(c, "stray", NULL, NULL);
	Leadd__Lead *b = add_lead(c, "in place", NULL, NULL);
	uint64_t stray = a->id, in_place = b->id, stray_version = a->version,
		 in_place_version = b->version, owner_team = a->team_id;
	leadd__lead__free_unpacked(a, NULL);
	leadd__lead__free_unpacked(b, NULL);
	ld_conn_close(c);
	stop(pid);

	lmdb_w w = w_open();
	set_lead_team(&w, stray, owner_team + 41);
	put_schema(&w, 4);
	w_commit(&w);
	assert_int_equal(read_schema(), 4);

	pid = start(addr, sizeof(addr));
	assert_int_equal(read_schema(), CURRENT_SCHEMA);
	c = login(addr);
	/* Moved back to its owner's team as a change of its own... */
	Leadd__Lead *l = get_lead(c, stray);
	assert_int_equal(l->team_id, owner_team);
	assert_true(l->version > stray_version);
	leadd__lead__free_unpacked(l, NULL);
	/* ...and a lead already in place is left alone. */
	l = get_lead(c, in_place);
	assert_int_equal(l->version, in_place_version);
	leadd__lead__free_unpacked(l, NULL);
	ld_conn_close(c);
	stop(pid);
	assert_int_equal(run("%s verify --data-dir %s >/dev/null", leadd, data), 0);
}

/* Schema 6 kept the counters under (owner, status) keys and had no rollup.
 * The test writes a schema-6 directory the way such a leadd left it (old
 * counter keys, an empty rollup), starts leadd on it, and reads the
 * counts and the flow back through the kpi request; verify then recounts
 * both. */
static Leadd__Lead *kpi_lead(ld_conn *c, const char *title, int64_t amount)
{
	Leadd__Request req = LEADD__REQUEST__INIT;
	Leadd__LeadCreateRequest q = LEADD__LEAD_CREATE_REQUEST__INIT;
	Leadd__Money m = LEADD__MONEY__INIT;
	q.title = (char *)title;
	q.owner = "admin";
	if (amount) {
		m.has_amount_minor = 1;
		m.amount_minor = amount;
		m.currency = "EUR";
		q.value = &m;
	}
	req.body_case = LEADD__REQUEST__BODY_LEAD_CREATE;
	req.lead_create = &q;
	Leadd__Response *r = call_ok(c, &req);
	Leadd__Lead *l = r->lead->lead;
	r->lead->lead = NULL;
	leadd__response__free_unpacked(r, NULL);
	return l;
}

static void kpi_set_status(ld_conn *c, uint64_t id, uint64_t status)
{
	Leadd__Request req = LEADD__REQUEST__INIT;
	Leadd__LeadSetStatusRequest q = LEADD__LEAD_SET_STATUS_REQUEST__INIT;
	q.has_id = q.has_status_id = 1;
	q.id = id;
	q.status_id = status;
	req.body_case = LEADD__REQUEST__BODY_LEAD_SET_STATUS;
	req.lead_set_status = &q;
	leadd__response__free_unpacked(call_ok(c, &req), NULL);
}

static const Leadd__ClassCount *kpi_class(const Leadd__KpiCounts *k, Leadd__KpiClass cls)
{
	for (size_t i = 0; i < k->n_classes; i++)
		if (k->classes[i]->kpi_class == cls)
			return k->classes[i];
	fail_msg("class %d missing from the KPI counts", cls);
	return NULL;
}

static void test_schema_6_kpi_counters_rebuilt(void **state)
{
	(void)state;
	char addr[64];
	run("rm -rf %s", data);
	assert_int_equal(run("echo admin-password | %s init --data-dir %s --admin admin "
			     "--password-stdin >/dev/null",
			     leadd, data),
			 0);
	pid_t pid = start(addr, sizeof(addr));
	ld_conn *c = login(addr);
	Leadd__Lead *l1 = kpi_lead(c, "valued new", 10000);
	Leadd__Lead *l2 = kpi_lead(c, "valued qualified", 5000);
	Leadd__Lead *l3 = kpi_lead(c, "plain new", 0);
	kpi_set_status(c, l2->id, 2); /* lead-Qualified */
	uint64_t owner = l1->owner_id, new_status = l1->status_id;
	leadd__lead__free_unpacked(l1, NULL);
	leadd__lead__free_unpacked(l2, NULL);
	leadd__lead__free_unpacked(l3, NULL);
	ld_conn_close(c);
	stop(pid);

	/* Back to schema 6: (owner, status) counters, no rollup. */
	lmdb_w w = w_open();
	MDB_dbi counters = db(&w, "counters"), rollup = db(&w, "rollup");
	assert_int_equal(mdb_drop(w.txn, counters, 0), 0);
	assert_int_equal(mdb_drop(w.txn, rollup, 0), 0);
	uint8_t key[16], val[8];
	be64(key, owner);
	be64(key + 8, new_status);
	be64(val, 2);
	put_raw(&w, counters, (char *)key, 16, val, 8);
	be64(key + 8, 2);
	be64(val, 1);
	put_raw(&w, counters, (char *)key, 16, val, 8);
	put_schema(&w, 6);
	w_commit(&w);
	assert_int_equal(read_schema(), 6);

	pid = start(addr, sizeof(addr));
	assert_int_equal(read_schema(), CURRENT_SCHEMA);
	c = login(addr);
	Leadd__Request req = LEADD__REQUEST__INIT;
	Leadd__KpiRequest q = LEADD__KPI_REQUEST__INIT;
	q.has_since = 1;
	q.since = (int64_t)time(NULL) * 1000 - 3600 * 1000;
	req.body_case = LEADD__REQUEST__BODY_KPI;
	req.kpi = &q;
	Leadd__Response *r = call_ok(c, &req);
	const Leadd__KpiCounts *total = r->kpi->total;
	const Leadd__ClassCount *n = kpi_class(total, LEADD__KPI_CLASS__KPI_NEW);
	const Leadd__ClassCount *qd = kpi_class(total, LEADD__KPI_CLASS__KPI_QUALIFIED);
	assert_int_equal(n->count, 2);
	assert_int_equal(qd->count, 1);
	assert_int_equal(n->n_value, 1);
	assert_int_equal(n->value[0]->amount_minor, 10000);
	assert_string_equal(n->value[0]->currency, "EUR");
	assert_int_equal(qd->n_value, 1);
	assert_int_equal(qd->value[0]->amount_minor, 5000);
	/* The rollup was replayed from the history: three created, one qualified,
	 * one lead that left lead-New. */
	assert_non_null(r->kpi->flow);
	assert_int_equal(r->kpi->flow->created, 3);
	assert_int_equal(r->kpi->flow->qualified, 1);
	assert_int_equal(r->kpi->flow->n_time_in_status, 1);
	assert_int_equal(r->kpi->flow->time_in_status[0]->status_id, new_status);
	assert_int_equal(r->kpi->flow->time_in_status[0]->samples, 1);
	leadd__response__free_unpacked(r, NULL);
	ld_conn_close(c);
	stop(pid);
	assert_int_equal(run("%s verify --data-dir %s >/dev/null", leadd, data), 0);
}

/* ---- migration 8: folders keyed past punctuation and spaces ----
 *
 * Schema 7 found a folder by ld_norm_name (case and Unicode form folded), so
 * "Coca-Cola", "Coca Cola" and "coca-cola!" could be three folders, and a
 * name of punctuation only ("!!!") was a folder; client_words and tag_names
 * did not exist. The test writes such a directory the way such a leadd left
 * it: folders renamed with LMDB directly (record, lead, history), the names
 * keyed by ld_norm_name, the schema-8 databases emptied. After the
 * migration the twins are one folder (the oldest) holding every lead, which
 * took the details it lacked; the punctuation-only folder has a name with
 * letters; the folder words are indexed; verify passes. */
static uint64_t add_folder(ld_conn *c, const char *name, const char *phone)
{
	Leadd__Request req = LEADD__REQUEST__INIT;
	Leadd__ClientAddRequest q = LEADD__CLIENT_ADD_REQUEST__INIT;
	Leadd__Client cl = LEADD__CLIENT__INIT;
	cl.name = (char *)name;
	cl.phone = (char *)phone;
	q.client = &cl;
	q.has_new_client = q.new_client = 1;
	req.body_case = LEADD__REQUEST__BODY_CLIENT_ADD;
	req.client_add = &q;
	Leadd__Response *r = call_ok(c, &req);
	uint64_t id = r->client->client->id;
	leadd__response__free_unpacked(r, NULL);
	return id;
}

/* Schema 7's client_names: ld_norm_name of each folder's name. */
static void norm_name_keys(lmdb_w *w)
{
	MDB_dbi clients = db(w, "clients"), names = db(w, "client_names");
	assert_int_equal(mdb_drop(w->txn, names, 0), 0);
	MDB_cursor *cur;
	MDB_val k, v;
	assert_int_equal(mdb_cursor_open(w->txn, clients, &cur), 0);
	for (int rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); rc == 0;
	     rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
		Leadd__Store__ClientRecord *c = leadd__store__client_record__unpack(NULL, v.mv_size,
										    v.mv_data);
		char key[512];
		assert_int_equal(ld_norm_name(c->name, key, sizeof(key)), 0);
		put_raw(w, names, key, strlen(key), k.mv_data, 8);
		leadd__store__client_record__free_unpacked(c, NULL);
	}
	mdb_cursor_close(cur);
}

/* The word index of a lead whose folder rename_folder renamed: the old
 * name's word out, the new name's words (NULL-terminated) in. */
static void rename_words(lmdb_w *w, uint64_t lead_id, const char *old, const char *const *now)
{
	MDB_dbi words;
	uint8_t id[8];
	be64(id, lead_id);
	assert_int_equal(mdb_dbi_open(w->txn, "idx_word", MDB_DUPSORT | MDB_DUPFIXED, &words), 0);
	MDB_val k = {strlen(old), (void *)old}, v = {8, id};
	assert_int_equal(mdb_del(w->txn, words, &k, &v), 0);
	for (; *now; now++)
		put_raw(w, words, *now, strlen(*now), id, 8);
}

static void test_schema_7_folders_rekeyed(void **state)
{
	(void)state;
	char addr[64];
	run("rm -rf %s", data);
	assert_int_equal(run("echo admin-password | %s init --data-dir %s --admin admin "
			     "--password-stdin >/dev/null",
			     leadd, data),
			 0);
	pid_t pid = start(addr, sizeof(addr));
	ld_conn *c = login(addr);
	Leadd__Lead *a = add_lead(c, "first", "Coca-Cola", "Carat");
	Leadd__Lead *b = add_lead(c, "second", "Pepsi", NULL);
	add_folder(c, "Sprite", "+33 1 02 03 04 05");
	Leadd__Lead *s = add_lead(c, "third", "Sprite", NULL);
	Leadd__Lead *p = add_lead(c, "fourth", "Fanta", NULL);
	uint64_t keep = a->client_id, fb = b->client_id, fs = s->client_id, fp = p->client_id;
	uint64_t lb = b->id, ls = s->id, lp = p->id, vb = b->version;
	leadd__lead__free_unpacked(a, NULL);
	leadd__lead__free_unpacked(b, NULL);
	leadd__lead__free_unpacked(s, NULL);
	leadd__lead__free_unpacked(p, NULL);
	ld_conn_close(c);
	stop(pid);

	/* Back to schema 7: "Pepsi" becomes "Coca Cola", "Sprite" becomes
	 * "coca-cola!" (twins of "Coca-Cola" once punctuation goes), "Fanta"
	 * becomes "!!!"; names keyed by ld_norm_name; no words, no tag names. */
	lmdb_w w = w_open();
	rename_folder(&w, fb, lb, "Coca Cola");
	rename_folder(&w, fs, ls, "coca-cola!");
	rename_folder(&w, fp, lp, "!!!");
	static const char *const coca[] = {"coca", "cola", NULL}, *const none[] = {NULL};
	rename_words(&w, lb, "pepsi", coca);
	rename_words(&w, ls, "sprite", coca);
	rename_words(&w, lp, "fanta", none);
	norm_name_keys(&w);
	MDB_dbi words, tags;
	assert_int_equal(mdb_dbi_open(w.txn, "client_words", MDB_DUPSORT | MDB_DUPFIXED, &words),
			 0);
	assert_int_equal(mdb_drop(w.txn, words, 0), 0);
	assert_int_equal(mdb_dbi_open(w.txn, "tag_names", 0, &tags), 0);
	assert_int_equal(mdb_drop(w.txn, tags, 0), 0);
	put_schema(&w, 7);
	w_commit(&w);
	assert_int_equal(read_schema(), 7);

	pid = start(addr, sizeof(addr));
	assert_int_equal(read_schema(), CURRENT_SCHEMA);
	c = login(addr);
	/* The twins are the oldest folder now, each move a new revision. */
	Leadd__Lead *l = get_lead(c, lb);
	assert_int_equal(l->client_id, keep);
	assert_string_equal(l->client_name, "Coca-Cola");
	assert_true(l->version > vb);
	leadd__lead__free_unpacked(l, NULL);
	l = get_lead(c, ls);
	assert_int_equal(l->client_id, keep);
	leadd__lead__free_unpacked(l, NULL);
	/* "!!!" kept its folder under a name with letters. */
	l = get_lead(c, lp);
	assert_int_equal(l->client_id, fp);
	char want[64];
	snprintf(want, sizeof(want), "!!! (folder %llu)", (unsigned long long)fp);
	assert_string_equal(l->client_name, want);
	leadd__lead__free_unpacked(l, NULL);

	/* The kept folder holds three leads and took Sprite's phone. */
	Leadd__Request req = LEADD__REQUEST__INIT;
	Leadd__ClientGetRequest g = LEADD__CLIENT_GET_REQUEST__INIT;
	Leadd__ClientRef ref = LEADD__CLIENT_REF__INIT;
	ref.name = "COCA COLA";
	g.client = &ref;
	req.body_case = LEADD__REQUEST__BODY_CLIENT_GET;
	req.client_get = &g;
	Leadd__Response *r = call_ok(c, &req);
	assert_int_equal(r->client->client->id, keep);
	assert_int_equal(r->client->leads, 3);
	assert_string_equal(r->client->client->phone, "+33 1 02 03 04 05");
	leadd__response__free_unpacked(r, NULL);
	/* The twins are gone; the words are indexed ("coca" finds one folder). */
	ref.name = NULL;
	ref.has_id = 1;
	ref.id = fb;
	Leadd__Response *gone;
	assert_int_equal(ld_call(c, &req, &gone, 10000), 0);
	assert_int_equal(ld_response_code(gone), LD_NOT_FOUND);
	leadd__response__free_unpacked(gone, NULL);
	Leadd__ClientListRequest cl = LEADD__CLIENT_LIST_REQUEST__INIT;
	cl.query = "coca";
	Leadd__Request lreq = LEADD__REQUEST__INIT;
	lreq.body_case = LEADD__REQUEST__BODY_CLIENT_LIST;
	lreq.client_list = &cl;
	r = call_ok(c, &lreq);
	assert_int_equal(r->client_list->n_clients, 1);
	assert_int_equal(r->client_list->clients[0]->id, keep);
	leadd__response__free_unpacked(r, NULL);
	ld_conn_close(c);
	stop(pid);
	assert_int_equal(run("%s verify --data-dir %s >/dev/null", leadd, data), 0);
}

/* Schema 9 had no activities (issue 13, schema 10): no activity
 * databases, and leads without owner_since or a next action standing for
 * an activity. A schema-9 directory is made from a current one: a lead
 * with its own next action, the fields schema 10 added taken off every
 * lead record, the activity databases deleted, schema_version 9. After
 * the migration the lead keeps its next action, reads as owned since
 * before leadd kept it, takes activities (an earlier task becomes the next
 * action and gives the lead's own back when done) and verify passes. */
static void strip_schema_10_fields(lmdb_w *w)
{
	MDB_dbi leads = db(w, "leads");
	MDB_cursor *cur;
	MDB_val k, v;
	assert_int_equal(mdb_cursor_open(w->txn, leads, &cur), 0);
	for (int rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); rc == 0;
	     rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
		Leadd__Lead *l = leadd__lead__unpack(NULL, v.mv_size, v.mv_data);
		assert_non_null(l);
		l->has_next_action_activity = l->has_own_next_at = 0;
		l->has_owner_since = l->has_first_touch_at = 0;
		char *note = l->own_next_note; /* put back for free_unpacked */
		l->own_next_note = NULL;
		size_t n = leadd__lead__get_packed_size(l);
		uint8_t *buf = malloc(n + 1);
		assert_non_null(buf);
		leadd__lead__pack(l, buf);
		MDB_val nv = {n, buf};
		assert_int_equal(mdb_cursor_put(cur, &k, &nv, MDB_CURRENT), 0);
		free(buf);
		l->own_next_note = note;
		leadd__lead__free_unpacked(l, NULL);
	}
	mdb_cursor_close(cur);
	static const char *const gone[] = {"activities", "idx_act_open", "idx_agenda",
					   "idx_act_alarm"};
	for (size_t i = 0; i < sizeof(gone) / sizeof(gone[0]); i++) {
		MDB_dbi d;
		assert_int_equal(mdb_dbi_open(w->txn, gone[i], 0, &d), 0);
		assert_int_equal(mdb_drop(w->txn, d, 1), 0);
	}
}

static void test_schema_9_activities_start_empty(void **state)
{
	(void)state;
	char addr[64];
	run("rm -rf %s", data);
	assert_int_equal(run("echo admin-password | %s init --data-dir %s --admin admin "
			     "--password-stdin >/dev/null",
			     leadd, data),
			 0);
	pid_t pid = start(addr, sizeof(addr));
	ld_conn *c = login(addr);
	int64_t own = (int64_t)time(NULL) * 1000 + 10LL * 86400000;
	Leadd__Request req = LEADD__REQUEST__INIT;
	Leadd__LeadCreateRequest q = LEADD__LEAD_CREATE_REQUEST__INIT;
	q.title = "planned under schema 9";
	q.owner = "admin";
	q.has_next_action_at = 1;
	q.next_action_at = own;
	q.next_action_note = "call back";
	req.body_case = LEADD__REQUEST__BODY_LEAD_CREATE;
	req.lead_create = &q;
	Leadd__Response *r = call_ok(c, &req);
	uint64_t id = r->lead->lead->id;
	leadd__response__free_unpacked(r, NULL);
	ld_conn_close(c);
	stop(pid);

	lmdb_w w = w_open();
	strip_schema_10_fields(&w);
	put_schema(&w, 9);
	w_commit(&w);
	assert_int_equal(read_schema(), 9);

	pid = start(addr, sizeof(addr));
	assert_int_equal(read_schema(), CURRENT_SCHEMA);
	c = login(addr);
	Leadd__Lead *l = get_lead(c, id);
	assert_int_equal(l->next_action_at, own);
	assert_string_equal(l->next_action_note, "call back");
	assert_false(l->has_next_action_activity);
	assert_false(l->has_owner_since);
	leadd__lead__free_unpacked(l, NULL);

	/* An earlier task stands as the next action, the own one behind it. */
	Leadd__Request areq = LEADD__REQUEST__INIT;
	Leadd__ActivityAddRequest add = LEADD__ACTIVITY_ADD_REQUEST__INIT;
	add.has_lead_id = add.has_kind = add.has_at = 1;
	add.lead_id = id;
	add.kind = LEADD__ACTIVITY_KIND__ACTIVITY_TASK;
	add.title = "send the quote";
	add.at = own - 86400000;
	areq.body_case = LEADD__REQUEST__BODY_ACTIVITY_ADD;
	areq.activity_add = &add;
	r = call_ok(c, &areq);
	assert_int_equal(r->activity->activity->number, 1);
	assert_int_equal(r->activity->lead->next_action_activity, 1);
	assert_int_equal(r->activity->lead->next_action_at, own - 86400000);
	assert_int_equal(r->activity->lead->own_next_at, own);
	assert_string_equal(r->activity->lead->own_next_note, "call back");
	leadd__response__free_unpacked(r, NULL);

	Leadd__Request dreq = LEADD__REQUEST__INIT;
	Leadd__ActivityDoneRequest done = LEADD__ACTIVITY_DONE_REQUEST__INIT;
	done.has_lead_id = done.has_number = 1;
	done.lead_id = id;
	done.number = 1;
	dreq.body_case = LEADD__REQUEST__BODY_ACTIVITY_DONE;
	dreq.activity_done = &done;
	r = call_ok(c, &dreq);
	assert_false(r->activity->lead->has_next_action_activity);
	assert_int_equal(r->activity->lead->next_action_at, own);
	assert_string_equal(r->activity->lead->next_action_note, "call back");
	leadd__response__free_unpacked(r, NULL);
	ld_conn_close(c);
	stop(pid);
	assert_int_equal(run("%s verify --data-dir %s >/dev/null", leadd, data), 0);
}

static void test_newer_schema_is_refused(void **state)
{
	(void)state;
	lmdb_w w = w_open();
	put_schema(&w, 99);
	w_commit(&w);
	/* A newer data directory is refused with a sentence, not touched. */
	assert_int_equal(run("%s --data-dir %s --listen 127.0.0.1:0 2>%s/err", leadd, data, dir),
			 1);
	assert_int_equal(run("grep -q 'newer than this leadd' %s/err", dir), 0);
	assert_int_equal(read_schema(), 99);
}

int main(void)
{
	leadd = getenv("LEADD");
	if (!leadd) {
		fprintf(stderr, "set LEADD to the leadd binary\n");
		return 1;
	}
	snprintf(dir, sizeof(dir), "/tmp/leadd-migration-XXXXXX");
	if (!mkdtemp(dir))
		return 1;
	snprintf(data, sizeof(data), "%s/data", dir);
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_schema_1_directory_migrates),
		cmocka_unit_test(test_schema_2_sessions_get_indexed),
		cmocka_unit_test(test_schema_2_names_fold),
		cmocka_unit_test(test_schema_4_leads_follow_owner_team),
		cmocka_unit_test(test_schema_6_kpi_counters_rebuilt),
		cmocka_unit_test(test_schema_7_folders_rekeyed),
		cmocka_unit_test(test_schema_9_activities_start_empty),
		cmocka_unit_test(test_newer_schema_is_refused),
	};
	int failed = cmocka_run_group_tests(tests, NULL, NULL);
	run("rm -rf %s", dir);
	return failed;
}

/* What logins cost, and what a flood of bad logins does to everyone else.
 *
 * Usage: bench_login HOST:PORT [LOGINS [SECONDS]]
 * Logs in as $LEADD_BENCH_USER (default admin) with $LEADD_BENCH_PASSWORD.
 *
 * (a) LOGINS (default 10) sequential logins over TCP, each a new connection:
 *     connect + Hello + Login{user, password}, timed end to end; beside it,
 *     in the same run, libsodium's crypto_pwhash_str_verify of a hash made
 *     with OPSLIMIT_INTERACTIVE / MEMLIMIT_INTERACTIVE (what leadd stores),
 *     LOGINS times. The difference is the protocol's and the server's share.
 * (b) p99 latency of LeadGet (what `lead show` does) from one logged-in
 *     connection in a closed loop for SECONDS (default 3): first alone, then
 *     while 50 parallel connections hammer wrong-password logins. Each hammer
 *     connection binds its own loopback source address (127.0.0.2 ...), so
 *     the per-address throttle does not simply park them all:
 *       - "hammer admin": a wrong password for the real user (the per-user
 *         throttle soon delays every attempt);
 *       - "hammer spray": a new missing user name on every attempt (only the
 *         per-address throttle slows it: the worst case for the hash pool).
 *     During each hammer one real login is timed too (it queues behind the
 *     hashes in flight).
 * Prints key=value lines (see run.sh). */
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <sodium.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "bench_common.h"
#include "bench_conn.h"

#define CALL_MS 60000
#define HAMMERS 50

static struct sockaddr_in server_sa;

static int parse_server(const char *addr)
{
	char host[256], port[16], err[256];
	if (ld_parse_hostport(addr, host, sizeof(host), port, sizeof(port), err, sizeof(err)) < 0) {
		fprintf(stderr, "bench_login: %s\n", err);
		return -1;
	}
	struct addrinfo hints = {.ai_family = AF_INET, .ai_socktype = SOCK_STREAM}, *ai;
	if (getaddrinfo(host, port, &hints, &ai) != 0) {
		fprintf(stderr, "bench_login: cannot resolve %s (IPv4 only)\n", addr);
		return -1;
	}
	memcpy(&server_sa, ai->ai_addr, sizeof(server_sa));
	freeaddrinfo(ai);
	return 0;
}

static double ms(int64_t ns)
{
	return (double)ns / 1e6;
}

static double mean_ns(const int64_t *v, size_t n)
{
	double s = 0;
	for (size_t i = 0; i < n; i++)
		s += (double)v[i];
	return n ? s / (double)n : 0;
}

/* ---- (a) one login vs one hash verify ---- */

/* Connect + Hello + Login with the password; ns, or -1. */
static int64_t timed_login(const char *addr)
{
	int64_t t0 = bench_now_ns();
	ld_conn *c = NULL;
	char err[256];
	if (ld_conn_open(addr, "bench_login", 5000, &c, err, sizeof(err)) != 0) {
		fprintf(stderr, "bench_login: %s\n", err);
		return -1;
	}
	uint8_t token[LD_TOKEN_BYTES];
	int rc = ld_login_password(c, bench_user(), bench_password(), token, err, sizeof(err));
	int64_t t = bench_now_ns() - t0;
	ld_conn_close(c);
	if (rc != 0) {
		fprintf(stderr, "bench_login: login as %s: %s\n", bench_user(), err);
		return -1;
	}
	return t;
}

static int login_cost(const char *addr, int n)
{
	int64_t *lat = calloc((size_t)n, sizeof(*lat)), *ver = calloc((size_t)n, sizeof(*ver));
	if (!lat || !ver)
		return -1;
	for (int i = 0; i < n; i++) {
		lat[i] = timed_login(addr);
		if (lat[i] < 0)
			return -1;
	}
	char hash[crypto_pwhash_STRBYTES];
	const char *pw = "a benchmark password";
	if (crypto_pwhash_str(hash, pw, strlen(pw), crypto_pwhash_OPSLIMIT_INTERACTIVE,
			      crypto_pwhash_MEMLIMIT_INTERACTIVE) != 0) {
		fprintf(stderr, "bench_login: crypto_pwhash_str: out of memory\n");
		return -1;
	}
	for (int i = 0; i < n; i++) {
		int64_t t0 = bench_now_ns();
		if (crypto_pwhash_str_verify(hash, pw, strlen(pw)) != 0) {
			fprintf(stderr, "bench_login: crypto_pwhash_str_verify failed\n");
			return -1;
		}
		ver[i] = bench_now_ns() - t0;
	}
	double lm = mean_ns(lat, (size_t)n), vm = mean_ns(ver, (size_t)n);
	qsort(lat, (size_t)n, sizeof(*lat), bench_cmp_i64);
	qsort(ver, (size_t)n, sizeof(*ver), bench_cmp_i64);
	printf("login_latency n=%d p50_ms=%.1f mean_ms=%.1f min_ms=%.1f max_ms=%.1f\n", n,
	       ms(bench_pct(lat, (size_t)n, 50)), lm / 1e6, ms(lat[0]), ms(lat[n - 1]));
	printf("pwhash_verify n=%d opslimit=%llu memlimit_mib=%zu p50_ms=%.1f mean_ms=%.1f "
	       "min_ms=%.1f max_ms=%.1f\n",
	       n, (unsigned long long)crypto_pwhash_OPSLIMIT_INTERACTIVE,
	       (size_t)crypto_pwhash_MEMLIMIT_INTERACTIVE >> 20, ms(bench_pct(ver, (size_t)n, 50)),
	       vm / 1e6, ms(ver[0]), ms(ver[n - 1]));
	printf("login_overhead p50_ms=%.1f\n",
	       ms(bench_pct(lat, (size_t)n, 50) - bench_pct(ver, (size_t)n, 50)));
	free(lat);
	free(ver);
	return 0;
}

/* ---- (b) the hammer: raw sockets, each bound to its own source address ---- */

typedef struct {
	int index;
	int spray; /* 1: a new missing user name per attempt; 0: admin, wrong password */
	atomic_int *stop;
	atomic_int fd; /* current socket, for main to shut down */
	long attempts; /* answered login attempts */
	long refused;  /* of which UNAUTHENTICATED */
	long reconnects;
} hammer;

static int write_all(int fd, const uint8_t *p, size_t n)
{
	while (n) {
		ssize_t w = send(fd, p, n, MSG_NOSIGNAL);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

static int read_all(int fd, uint8_t *p, size_t n)
{
	while (n) {
		ssize_t r = recv(fd, p, n, 0);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return -1;
		p += r;
		n -= (size_t)r;
	}
	return 0;
}

static int send_request(int fd, Leadd__Request *req)
{
	uint8_t buf[1024];
	size_t n = leadd__request__get_packed_size(req);
	if (n + 4 > sizeof(buf))
		return -1;
	leadd__request__pack(req, buf + 4);
	buf[0] = (uint8_t)(n >> 24);
	buf[1] = (uint8_t)(n >> 16);
	buf[2] = (uint8_t)(n >> 8);
	buf[3] = (uint8_t)n;
	return write_all(fd, buf, n + 4);
}

/* The code of the next Response, or -1 when the connection ended. */
static int recv_code(int fd)
{
	for (;;) {
		uint8_t hdr[4];
		if (read_all(fd, hdr, 4) < 0)
			return -1;
		uint32_t n = (uint32_t)hdr[0] << 24 | (uint32_t)hdr[1] << 16 |
			     (uint32_t)hdr[2] << 8 | hdr[3];
		if (n > (1u << 20))
			return -1;
		uint8_t *body = malloc(n ? n : 1);
		if (!body || read_all(fd, body, n) < 0) {
			free(body);
			return -1;
		}
		Leadd__ServerMessage *m = leadd__server_message__unpack(NULL, n, body);
		free(body);
		if (!m)
			return -1;
		int code = -2;
		if (m->kind_case == LEADD__SERVER_MESSAGE__KIND_RESPONSE)
			code = ld_response_code(m->response);
		leadd__server_message__free_unpacked(m, NULL);
		if (code != -2)
			return code;
	}
}

static int hammer_connect(hammer *h)
{
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	struct sockaddr_in src = {.sin_family = AF_INET};
	src.sin_addr.s_addr = htonl(0x7f000002u + (uint32_t)h->index); /* 127.0.0.2 + i */
	struct timeval tv = {40, 0};
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	int one = 1;
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&src, sizeof(src)) < 0 ||
	    connect(fd, (struct sockaddr *)&server_sa, sizeof(server_sa)) < 0) {
		close(fd);
		return -1;
	}
	Leadd__Request req = LEADD__REQUEST__INIT;
	Leadd__HelloRequest hello = LEADD__HELLO_REQUEST__INIT;
	hello.has_protocol_version = 1;
	hello.protocol_version = LD_PROTOCOL_VERSION;
	hello.client_name = "bench_login-hammer";
	req.has_id = 1;
	req.id = 1;
	req.body_case = LEADD__REQUEST__BODY_HELLO;
	req.hello = &hello;
	if (send_request(fd, &req) < 0 || recv_code(fd) != 0) {
		close(fd);
		return -1;
	}
	return fd;
}

static void *run_hammer(void *arg)
{
	hammer *h = arg;
	uint64_t id = 2;
	int fd = -1;
	while (!atomic_load(h->stop)) {
		if (fd < 0) {
			fd = hammer_connect(h);
			if (fd < 0) {
				usleep(10000);
				continue;
			}
			atomic_store(&h->fd, fd);
			h->reconnects++;
		}
		char name[64];
		Leadd__Request req = LEADD__REQUEST__INIT;
		Leadd__LoginRequest lr = LEADD__LOGIN_REQUEST__INIT;
		if (h->spray)
			snprintf(name, sizeof(name), "ghost-%d-%ld", h->index, h->attempts);
		else
			snprintf(name, sizeof(name), "%s", bench_user());
		lr.user = name;
		lr.password = "not-the-password";
		req.has_id = 1;
		req.id = id++;
		req.body_case = LEADD__REQUEST__BODY_LOGIN;
		req.login = &lr;
		int code = send_request(fd, &req) < 0 ? -1 : recv_code(fd);
		if (code < 0) {
			atomic_store(&h->fd, -1);
			close(fd);
			fd = -1;
			continue;
		}
		h->attempts++;
		if (code == LD_UNAUTHENTICATED)
			h->refused++;
	}
	if (fd >= 0) {
		atomic_store(&h->fd, -1);
		close(fd);
	}
	return NULL;
}

/* ---- (b) the measured reader ---- */

static uint64_t make_lead(ld_conn *c)
{
	Leadd__Request req = LEADD__REQUEST__INIT;
	Leadd__LeadCreateRequest lc = LEADD__LEAD_CREATE_REQUEST__INIT;
	Leadd__Response *r = NULL;
	lc.title = "bench_login: the lead `lead show` reads";
	lc.client_name = "Bench Ltd";
	lc.owner = (char *)bench_user();
	req.body_case = LEADD__REQUEST__BODY_LEAD_CREATE;
	req.lead_create = &lc;
	uint64_t id = 0;
	if (ld_call(c, &req, &r, CALL_MS) == 0 && ld_response_code(r) == 0 && r->lead &&
	    r->lead->lead)
		id = r->lead->lead->id;
	else
		fprintf(stderr, "bench_login: lead_create: %s\n",
			r ? ld_response_message(r) : ld_conn_error(c));
	if (r)
		leadd__response__free_unpacked(r, NULL);
	return id;
}

typedef struct {
	size_t n;
	int64_t p50, p99, max;
} lat_summary;

/* LeadGet in a closed loop for secs; -1 on an error. */
static int get_loop(ld_conn *c, uint64_t id, double secs, lat_summary *out)
{
	size_t cap = 1 << 16, n = 0;
	int64_t *lat = malloc(cap * sizeof(*lat));
	if (!lat)
		return -1;
	int64_t end = bench_now_ns() + (int64_t)(secs * 1e9);
	while (bench_now_ns() < end) {
		Leadd__Request req = LEADD__REQUEST__INIT;
		Leadd__LeadGetRequest get = LEADD__LEAD_GET_REQUEST__INIT;
		Leadd__Response *r = NULL;
		get.has_id = 1;
		get.id = id;
		req.body_case = LEADD__REQUEST__BODY_LEAD_GET;
		req.lead_get = &get;
		int64_t t0 = bench_now_ns();
		if (ld_call(c, &req, &r, CALL_MS) != 0) {
			fprintf(stderr, "bench_login: lead_get: %s\n", ld_conn_error(c));
			free(lat);
			return -1;
		}
		int64_t t = bench_now_ns() - t0;
		int code = ld_response_code(r);
		leadd__response__free_unpacked(r, NULL);
		if (code != 0) {
			fprintf(stderr, "bench_login: lead_get answered %s\n", ld_code_name(code));
			free(lat);
			return -1;
		}
		if (n == cap) {
			int64_t *nl = realloc(lat, 2 * cap * sizeof(*lat));
			if (!nl) {
				free(lat);
				return -1;
			}
			lat = nl;
			cap *= 2;
		}
		lat[n++] = t;
	}
	qsort(lat, n, sizeof(*lat), bench_cmp_i64);
	out->n = n;
	out->p50 = bench_pct(lat, n, 50);
	out->p99 = bench_pct(lat, n, 99);
	out->max = n ? lat[n - 1] : 0;
	free(lat);
	return 0;
}

typedef struct {
	const char *addr;
	double after_s;
	int64_t took;
} real_login;

static void *run_real_login(void *arg)
{
	real_login *rl = arg;
	usleep((useconds_t)(rl->after_s * 1e6));
	rl->took = timed_login(rl->addr);
	return NULL;
}

static int hammer_phase(const char *addr, ld_conn *c, uint64_t id, double secs, int spray,
			const char *label)
{
	atomic_int stop = 0;
	hammer *hs = calloc(HAMMERS, sizeof(*hs));
	pthread_t th[HAMMERS], rt;
	if (!hs)
		return -1;
	for (int i = 0; i < HAMMERS; i++) {
		hs[i].index = spray ? HAMMERS + i : i; /* other addresses for the second phase */
		hs[i].spray = spray;
		hs[i].stop = &stop;
		atomic_init(&hs[i].fd, -1);
		if (pthread_create(&th[i], NULL, run_hammer, &hs[i]) != 0) {
			fprintf(stderr, "bench_login: cannot start hammer %d\n", i);
			return -1;
		}
	}
	usleep(300000); /* let the flood build up */
	real_login rl = {addr, secs / 2, -1};
	pthread_create(&rt, NULL, run_real_login, &rl);
	lat_summary s;
	int rc = get_loop(c, id, secs, &s);
	atomic_store(&stop, 1);
	for (int i = 0; i < HAMMERS; i++) {
		int fd = atomic_load(&hs[i].fd);
		if (fd >= 0)
			shutdown(fd, SHUT_RDWR);
	}
	long attempts = 0, refused = 0, conns = 0;
	for (int i = 0; i < HAMMERS; i++) {
		pthread_join(th[i], NULL);
		attempts += hs[i].attempts;
		refused += hs[i].refused;
		conns += hs[i].reconnects;
	}
	pthread_join(rt, NULL);
	free(hs);
	if (rc < 0)
		return -1;
	printf("lead_get_%s n=%zu p50_us=%.1f p99_us=%.1f max_us=%.1f hammer_conns=%d "
	       "bad_logins_answered=%ld per_sec=%.1f unauthenticated=%ld connections_made=%ld "
	       "real_login_ms=%.1f\n",
	       label, s.n, (double)s.p50 / 1e3, (double)s.p99 / 1e3, (double)s.max / 1e3, HAMMERS,
	       attempts, (double)attempts / secs, refused, conns, rl.took < 0 ? -1.0 : ms(rl.took));
	return 0;
}

int main(int argc, char **argv)
{
	if (argc < 2 || argc > 4) {
		fprintf(stderr, "usage: bench_login HOST:PORT [LOGINS [SECONDS]]\n");
		return 2;
	}
	const char *addr = argv[1];
	int logins = argc > 2 ? atoi(argv[2]) : 10;
	double secs = argc > 3 ? atof(argv[3]) : 3.0;
	if (logins <= 0 || secs <= 0) {
		fprintf(stderr, "bench_login: LOGINS and SECONDS must be positive\n");
		return 2;
	}
	if (sodium_init() < 0) {
		fprintf(stderr, "bench_login: sodium_init failed\n");
		return 1;
	}
	if (parse_server(addr) < 0)
		return 1;

	if (login_cost(addr, logins) < 0)
		return 1;

	ld_conn *c;
	char err[256];
	if (bench_connect(addr, "bench_login", &c, err, sizeof(err)) != 0) {
		fprintf(stderr, "bench_login: %s\n", err);
		return 1;
	}
	uint64_t id = make_lead(c);
	if (!id)
		return 1;
	lat_summary alone;
	if (get_loop(c, id, secs, &alone) < 0)
		return 1;
	printf("lead_get_alone n=%zu p50_us=%.1f p99_us=%.1f max_us=%.1f\n", alone.n,
	       (double)alone.p50 / 1e3, (double)alone.p99 / 1e3, (double)alone.max / 1e3);
	/* Spray first: the admin hammer trips the per-user throttle of the
	 * benchmark user, which would delay the spray phase's real login. */
	if (hammer_phase(addr, c, id, secs, 1, "hammer_spray") < 0)
		return 1;
	if (hammer_phase(addr, c, id, secs, 0, "hammer_admin") < 0)
		return 1;
	ld_conn_close(c);
	return 0;
}

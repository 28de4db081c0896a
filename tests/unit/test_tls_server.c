/* leadd's TLS rules (server/tls_server.c): which listen addresses are
 * loopback, which listeners take plain TCP, the certificate paths and the
 * default pair made only when both files are missing and none is
 * configured. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <cmocka.h>

#include "config.h"
#include "log.h"
#include "tls_server.h"

static int rule(const char *addr, int require_on_loopback, int allow_plaintext)
{
	config_t cfg;
	config_defaults(&cfg);
	cfg.require_tls_on_loopback = require_on_loopback;
	cfg.allow_plaintext = allow_plaintext;
	struct sockaddr_storage ss;
	memset(&ss, 0, sizeof(ss));
	if (strchr(addr, ':')) {
		struct sockaddr_in6 *a = (struct sockaddr_in6 *)&ss;
		a->sin6_family = AF_INET6;
		assert_int_equal(inet_pton(AF_INET6, addr, &a->sin6_addr), 1);
	} else {
		struct sockaddr_in *a = (struct sockaddr_in *)&ss;
		a->sin_family = AF_INET;
		assert_int_equal(inet_pton(AF_INET, addr, &a->sin_addr), 1);
	}
	return tls_server_plain_allowed(&cfg, (struct sockaddr *)&ss);
}

static void loopback_takes_plain(void **state)
{
	(void)state;
	const char *loop[] = {"127.0.0.1", "127.0.0.2", "127.255.255.254", "::1",
			      "::ffff:127.0.0.1"};
	for (size_t i = 0; i < sizeof(loop) / sizeof(loop[0]); i++) {
		assert_int_equal(rule(loop[i], 0, 0), 1);
		/* require_tls_on_loopback: as any other address. */
		assert_int_equal(rule(loop[i], 1, 0), 0);
		assert_int_equal(rule(loop[i], 1, 1), 1);
	}
}

static void others_take_tls_only(void **state)
{
	(void)state;
	const char *other[] = {"0.0.0.0", "10.0.0.1",    "128.0.0.1",       "126.255.255.255",
			       "::",      "2001:db8::1", "::ffff:10.0.0.1", "::2"};
	for (size_t i = 0; i < sizeof(other) / sizeof(other[0]); i++) {
		assert_int_equal(rule(other[i], 0, 0), 0);
		assert_int_equal(rule(other[i], 1, 0), 0);
		assert_int_equal(rule(other[i], 0, 1), 1);
	}
}

static char dir[] = "/tmp/test_tls_server.XXXXXX";

static void default_pair(void **state)
{
	(void)state;
	assert_non_null(mkdtemp(dir));
	config_t cfg;
	config_defaults(&cfg);
	snprintf(cfg.data_dir, sizeof(cfg.data_dir), "%s", dir);
	char cert[4200], key[4200], err[2000];
	assert_int_equal(tls_server_paths(&cfg, cert, sizeof(cert), key, sizeof(key)), 0);
	char want[4200];
	snprintf(want, sizeof(want), "%s/tls.crt", dir);
	assert_string_equal(cert, want);
	/* Made once, then left alone. */
	assert_int_equal(tls_server_make_default_pair(&cfg, err, sizeof(err)), 1);
	assert_int_equal(tls_server_make_default_pair(&cfg, err, sizeof(err)), 0);
	assert_int_equal(tls_server_start(&cfg, err, sizeof(err)), 0);
	assert_non_null(tls_server_ctx());
	assert_int_equal(tls_server_reload(), 0);
	/* Half a pair: refused with a sentence naming both, nothing made. */
	assert_int_equal(unlink(key), 0);
	assert_int_equal(tls_server_make_default_pair(&cfg, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "tls.crt exists but"));
	assert_int_equal(access(key, F_OK), -1);
	/* A reload that fails keeps the context in use. */
	SSL_CTX *before = tls_server_ctx();
	assert_int_equal(tls_server_reload(), -1);
	assert_ptr_equal(tls_server_ctx(), before);
	/* A configured pair: leadd never makes one. */
	unlink(cert);
	snprintf(cfg.tls_cert, sizeof(cfg.tls_cert), "%s/mine.crt", dir);
	assert_int_equal(tls_server_make_default_pair(&cfg, err, sizeof(err)), 0);
	assert_int_equal(access(cert, F_OK), -1);
	assert_int_equal(tls_server_paths(&cfg, cert, sizeof(cert), key, sizeof(key)), 0);
	assert_string_equal(cert, cfg.tls_cert);
	tls_server_stop();
	assert_null(tls_server_ctx());
	rmdir(dir);
}

int main(void)
{
	log_set_level(LOG_LEVEL_ERROR + 1);
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(loopback_takes_plain),
		cmocka_unit_test(others_take_tls_only),
		cmocka_unit_test(default_pair),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

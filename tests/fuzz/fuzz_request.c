/* A bounded mutation fuzzer for the way in: frames and requests.
 *
 * No libFuzzer needed: a fixed-seed PRNG mutates a seed corpus of valid
 * requests (built below, plus any files in a directory given as the second
 * argument) and pushes each result through the frame decoder, fed in random
 * chunks, and dispatch_prepare(): unpack under the byte budget, validate
 * every string, look the request up. It runs a set number of iterations
 * (and stops early at a time cap), so it is an ordinary ctest; under the
 * ASan+UBSan build it finds memory errors in protobuf-c's use and ours.
 *
 * After each frame it checks what must hold whatever the bytes were
 * (fuzz_check.h). fuzz_tls runs the same frames through TLS.
 *
 * Usage: fuzz_request [ITERATIONS [CORPUS_DIR]]; LEADD_FUZZ_SEED picks
 * another PRNG seed (the failing seed and iteration are printed). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "fuzz_check.h"
#include "fuzz_gen.h"
#include "ld_frame.h"

/* Frame it (sometimes with a lying header) and feed it in random chunks. */
static void run_one(const uint8_t *body, size_t len)
{
	uint8_t wire[FUZZ_MAX_INPUT + LD_FRAME_HEADER];
	ld_frame_put_header(wire, (uint32_t)len);
	memcpy(wire + LD_FRAME_HEADER, body, len);
	size_t total = len + LD_FRAME_HEADER;
	if (fuzz_below(16) == 0)
		wire[fuzz_below(LD_FRAME_HEADER)] = (uint8_t)fuzz_rnd();
	ld_frame_decoder dec;
	ld_frame_decoder_init(&dec, fuzz_below(2) ? LD_FRAME_MAX : LD_FRAME_MAX_PRELOGIN);
	for (size_t off = 0; off < total;) {
		size_t n = 1 + fuzz_below(total - off);
		if (ld_frame_decoder_feed(&dec, wire + off, n) < 0)
			break;
		off += n;
		const uint8_t *frame;
		uint32_t flen;
		ld_frame_status st;
		while ((st = ld_frame_next(&dec, &frame, &flen)) == LD_FRAME_OK)
			fuzz_check_frame(frame, flen, NULL, NULL);
		if (st < 0)
			break;
	}
	ld_frame_decoder_free(&dec);
}

int main(int argc, char **argv)
{
	long iterations = argc > 1 ? atol(argv[1]) : 20000;
	const char *env = getenv("LEADD_FUZZ_SEED");
	fuzz_prog = "fuzz_request";
	fuzz_seed0 = env ? strtoull(env, NULL, 10) : 0x1eadd;
	fuzz_rng_seed(fuzz_seed0);
	static fuzz_corpus corpus;
	fuzz_corpus_init(&corpus, FUZZ_MAX_INPUT);
	fuzz_corpus_add_requests(&corpus);
	if (argc > 2)
		fuzz_corpus_load_dir(&corpus, argv[2], fuzz_prog);
	time_t start = time(NULL);
	static uint8_t buf[FUZZ_MAX_INPUT];
	for (fuzz_iteration = 0; fuzz_iteration < iterations && fuzz_failures < 10;
	     fuzz_iteration++) {
		/* The time cap keeps a slow (sanitized) build inside its ctest
		 * timeout; the count is what a normal build runs. */
		if ((fuzz_iteration & 1023) == 0 && time(NULL) - start > 60)
			break;
		const fuzz_seed *s = fuzz_corpus_pick(&corpus);
		memcpy(buf, s->data, s->len);
		size_t len = fuzz_iteration < (long)corpus.n
				     ? s->len
				     : fuzz_mutate(&corpus, buf, s->len, FUZZ_MAX_INPUT);
		run_one(buf, len);
	}
	printf("fuzz_request: %ld iterations from %zu seeds, seed %llu: %ld requests accepted, "
	       "%ld refused, %d failure(s)\n",
	       fuzz_iteration, corpus.n, (unsigned long long)fuzz_seed0, fuzz_accepted,
	       fuzz_refused, fuzz_failures);
	/* A run that decoded nothing tested nothing. */
	if (fuzz_accepted == 0 || fuzz_refused == 0)
		fuzz_failures++;
	fuzz_corpus_free(&corpus);
	return fuzz_failures ? 1 : 0;
}

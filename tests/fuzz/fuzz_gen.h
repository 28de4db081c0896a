/* What the fuzzers share to make inputs: a reproducible PRNG, a corpus of
 * seeds, and a byte-level mutator. fuzz_request feeds the results to the
 * frame decoder and dispatch directly; fuzz_tls first sends them through a
 * pair of TLS engines, and mutates TLS records with the same tools. */
#ifndef FUZZ_GEN_H
#define FUZZ_GEN_H

#include <stddef.h>
#include <stdint.h>

/* The largest request body the corpus holds and a mutation grows to. */
#define FUZZ_MAX_INPUT 8192
#define FUZZ_MAX_SEEDS 256

/* xorshift64*, from one seed: a failing run is replayed with its seed. */
void fuzz_rng_seed(uint64_t seed);
uint64_t fuzz_rnd(void);
/* Uniform-ish in [0, n); 0 when n is 0. */
size_t fuzz_below(size_t n);

typedef struct {
	uint8_t *data;
	size_t len;
} fuzz_seed;

typedef struct {
	fuzz_seed items[FUZZ_MAX_SEEDS];
	size_t n;
	size_t max_len; /* seeds longer than this are left out */
} fuzz_corpus;

void fuzz_corpus_init(fuzz_corpus *c, size_t max_len);
void fuzz_corpus_add(fuzz_corpus *c, const uint8_t *data, size_t len);
void fuzz_corpus_free(fuzz_corpus *c);
const fuzz_seed *fuzz_corpus_pick(const fuzz_corpus *c);
/* Every file of a directory as a seed; exits with a sentence when the
 * directory cannot be opened. */
void fuzz_corpus_load_dir(fuzz_corpus *c, const char *dir, const char *prog);
/* One valid request of each shape the server takes (a packed Request). */
void fuzz_corpus_add_requests(fuzz_corpus *c);

/* Mutate buf (len bytes, room for max) in 1 to 8 rounds of bit flips,
 * interesting bytes, insertions, deletions, duplications, truncation,
 * splices of another seed of c, and huge varints. The new length. */
size_t fuzz_mutate(const fuzz_corpus *c, uint8_t *buf, size_t len, size_t max);

#endif

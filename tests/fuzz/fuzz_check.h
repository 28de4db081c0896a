/* What must hold for a frame whatever its bytes were, and how the fuzzers
 * report a failure (with the seed and iteration that replay it). */
#ifndef FUZZ_CHECK_H
#define FUZZ_CHECK_H

#include <stddef.h>
#include <stdint.h>

extern const char *fuzz_prog; /* the program's name, first on every line */
extern uint64_t fuzz_seed0;   /* the PRNG seed of this run */
extern long fuzz_iteration;   /* the iteration being run */
extern int fuzz_failures;     /* failed checks so far */
extern long fuzz_accepted;    /* frames dispatch accepted */
extern long fuzz_refused;     /* frames dispatch refused with an answer */

/* Print "PROG: seed S iteration I: " and the message; count a failure. */
void fuzz_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#define FUZZ_CHECK(cond, ...)                                                                      \
	do {                                                                                       \
		if (!(cond)) {                                                                     \
			fuzz_fail(__VA_ARGS__);                                                    \
			return;                                                                    \
		}                                                                                  \
	} while (0)

/* The answer leadd would send for a refused frame (the whole frame, with
 * its length header): fuzz_tls encrypts it back to the client. */
typedef void (*fuzz_answer_fn)(void *arg, const uint8_t *frame, size_t len);

/* Run one decoded frame through dispatch_prepare (as before or after
 * Hello, at random) and check what must hold:
 * - a refused request has a packed answer that decodes, with a code that
 *   is not OK and a human message in valid UTF-8;
 * - an accepted request has only valid UTF-8 strings, none with control
 *   characters other than newline and tab (passwords aside);
 * - decoding never used more than the unpack budget.
 * answer (may be NULL) gets the refusal's frame. */
void fuzz_check_frame(const uint8_t *frame, uint32_t len, fuzz_answer_fn answer, void *arg);

#endif

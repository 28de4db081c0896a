/* How far a mistyped word is from a name, for "did you mean ...?" (the
 * CLI's commands, the server's status words), as git's help.c suggests a
 * command. */
#ifndef LD_DISTANCE_H
#define LD_DISTANCE_H

#include <stddef.h>

/* Longer words are never compared (their distance is SIZE_MAX): the
 * table is (n + 1) x 3 size_t on the heap. */
#define LD_DISTANCE_MAX_LEN 256

/* The edit distance between a and b (optimal string alignment: an
 * insertion, deletion, substitution or swap of two neighbours costs 1;
 * "stauts" is 1 from "status"). Bytes are compared with ASCII case folded;
 * a non-ASCII character costs as many edits as it has bytes. SIZE_MAX when
 * either is longer than LD_DISTANCE_MAX_LEN or memory runs out. */
size_t ld_distance(const char *a, const char *b);

/* The distance from word to name or to one of name's parts (its runs of
 * ASCII letters and digits, and of non-ASCII bytes: "Qualified" of
 * "lead-Qualified"), whichever is least: a typo of the part people say is
 * still near. */
size_t ld_distance_parts(const char *word, const char *name);

/* The largest distance at which a word of len bytes is still a typo of a
 * name worth suggesting: 0 up to 1 byte, 1 up to 4, 2 up to 8, then 3. */
size_t ld_distance_max(size_t len);

#endif

/* A bump arena that is also a ProtobufCAllocator with a byte budget.
 *
 * protobuf-c allocates freely while unpacking (an empty repeated
 * sub-message costs 2 bytes on the wire and ~100 bytes of heap), so a
 * hostile frame could make a 1 MiB frame cost far more memory. Unpacking
 * through an arena with a budget bounds that, and everything a request
 * allocates is freed at once when it is answered. */
#ifndef LD_ARENA_H
#define LD_ARENA_H

#include <protobuf-c/protobuf-c.h>
#include <stddef.h>

typedef struct ld_arena_block ld_arena_block;

typedef struct {
	ld_arena_block *head;
	size_t used;   /* bytes handed out */
	size_t budget; /* most bytes it will hand out; 0: unlimited */
	int exhausted; /* set once an allocation was refused */
	ProtobufCAllocator pb;
} ld_arena;

void ld_arena_init(ld_arena *a, size_t budget);
void *ld_arena_alloc(ld_arena *a, size_t n);
char *ld_arena_strdup(ld_arena *a, const char *s);
/* Free every block; the arena can be used again. */
void ld_arena_reset(ld_arena *a);
#define ld_arena_free ld_arena_reset

#endif

#include "ld_arena.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

struct ld_arena_block {
	ld_arena_block *next;
	size_t size;
	size_t used;
	max_align_t data[];
};

#define BLOCK_MIN 4096u

static void *pb_alloc(void *data, size_t n)
{
	return ld_arena_alloc(data, n);
}

static void pb_free(void *data, void *p)
{
	(void)data;
	(void)p; /* freed with the whole arena */
}

void ld_arena_init(ld_arena *a, size_t budget)
{
	memset(a, 0, sizeof(*a));
	a->budget = budget;
	a->pb.alloc = pb_alloc;
	a->pb.free = pb_free;
	a->pb.allocator_data = a;
}

void *ld_arena_alloc(ld_arena *a, size_t n)
{
	const size_t align = sizeof(max_align_t);
	/* Refuse sizes whose rounding, or block header, would wrap around. */
	if (n > SIZE_MAX / 2) {
		a->exhausted = 1;
		return NULL;
	}
	n = (n + align - 1) & ~(align - 1);
	if (n == 0)
		n = align;
	if (a->budget && (n > a->budget || a->used > a->budget - n)) {
		a->exhausted = 1;
		return NULL;
	}
	ld_arena_block *b = a->head;
	if (!b || b->size - b->used < n) {
		size_t size = n > BLOCK_MIN ? n : BLOCK_MIN;
		if (b && b->size * 2 > size && b->size < (256u << 10))
			size = b->size * 2;
		b = malloc(sizeof(*b) + size);
		if (!b)
			return NULL;
		b->size = size;
		b->used = 0;
		b->next = a->head;
		a->head = b;
	}
	void *p = (char *)b->data + b->used;
	b->used += n;
	a->used += n;
	return p;
}

char *ld_arena_strdup(ld_arena *a, const char *s)
{
	size_t n = strlen(s) + 1;
	char *p = ld_arena_alloc(a, n);
	if (p)
		memcpy(p, s, n);
	return p;
}

void ld_arena_reset(ld_arena *a)
{
	ld_arena_block *b = a->head;
	while (b) {
		ld_arena_block *next = b->next;
		free(b);
		b = next;
	}
	a->head = NULL;
	a->used = 0;
	a->exhausted = 0;
}

/* FNV-1a over bytes: h is LD_HASH_INIT or a hash so far. For tables and
 * signatures inside one process (not for secrets). */
#ifndef LD_HASH_H
#define LD_HASH_H

#include <stddef.h>
#include <stdint.h>

#define LD_HASH_INIT 1469598103934665603ull

static inline uint64_t ld_hash(uint64_t h, const void *p, size_t n)
{
	for (size_t k = 0; k < n; k++)
		h = (h ^ ((const uint8_t *)p)[k]) * 1099511628211ull;
	return h;
}

#endif

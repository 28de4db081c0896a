#include "ld_distance.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static unsigned char fold(unsigned char c)
{
	return c >= 'A' && c <= 'Z' ? (unsigned char)(c - 'A' + 'a') : c;
}

static size_t min3(size_t a, size_t b, size_t c)
{
	size_t m = a < b ? a : b;
	return m < c ? m : c;
}

size_t ld_distance(const char *a, const char *b)
{
	size_t n = strlen(a), m = strlen(b);
	if (n > LD_DISTANCE_MAX_LEN || m > LD_DISTANCE_MAX_LEN)
		return SIZE_MAX;
	/* Three rows of the table: the one two back is what a swap needs. */
	size_t *rows = malloc(3 * (m + 1) * sizeof(*rows));
	if (!rows)
		return SIZE_MAX;
	size_t *back2 = rows, *back1 = rows + m + 1, *cur = rows + 2 * (m + 1);
	for (size_t j = 0; j <= m; j++)
		back1[j] = j;
	for (size_t i = 1; i <= n; i++) {
		cur[0] = i;
		for (size_t j = 1; j <= m; j++) {
			size_t cost = fold((unsigned char)a[i - 1]) !=
				      fold((unsigned char)b[j - 1]);
			cur[j] = min3(back1[j] + 1, cur[j - 1] + 1, back1[j - 1] + cost);
			if (i > 1 && j > 1 &&
			    fold((unsigned char)a[i - 1]) == fold((unsigned char)b[j - 2]) &&
			    fold((unsigned char)a[i - 2]) == fold((unsigned char)b[j - 1]) &&
			    back2[j - 2] + 1 < cur[j])
				cur[j] = back2[j - 2] + 1;
		}
		size_t *t = back2;
		back2 = back1;
		back1 = cur;
		cur = t;
	}
	size_t d = back1[m];
	free(rows);
	return d;
}

static int part_byte(unsigned char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       c >= 0x80;
}

size_t ld_distance_parts(const char *word, const char *name)
{
	size_t best = ld_distance(word, name);
	char part[LD_DISTANCE_MAX_LEN + 1];
	for (const char *p = name; *p;) {
		size_t n = 0;
		for (; *p && part_byte((unsigned char)*p); p++)
			if (n < LD_DISTANCE_MAX_LEN)
				part[n++] = *p;
		part[n] = 0;
		size_t d = n ? ld_distance(word, part) : SIZE_MAX;
		best = d < best ? d : best;
		while (*p && !part_byte((unsigned char)*p))
			p++;
	}
	return best;
}

size_t ld_distance_max(size_t len)
{
	if (len <= 1)
		return 0;
	if (len <= 4)
		return 1;
	return len <= 8 ? 2 : 3;
}

/* ISO 4217: the active currency codes and each one's minor unit (the number
 * of decimals its amounts carry: JPY 0, EUR 2, BHD 3), shared by the server
 * (which refuses unknown codes) and the clients (which parse and print
 * amounts in the currency's own unit). Money on the wire is an integer
 * count of minor units, so 5000 JPY is amount_minor 5000 and 12.345 BHD is
 * amount_minor 12345. */
#ifndef LD_CURRENCY_H
#define LD_CURRENCY_H

#include <stddef.h>

typedef struct {
	char code[4];        /* three capital letters, NUL-terminated */
	unsigned char minor; /* decimals: 0, 2, 3 or 4 */
} ld_currency;

/* The currency with exactly this code ("EUR"; case matters), or NULL. */
const ld_currency *ld_currency_find(const char *code);

/* The whole table, sorted by code, for listings and tests. */
const ld_currency *ld_currency_table(size_t *n);

/* Parse a non-negative decimal amount ("5000", "12.345", "1234,5") in a
 * currency with `minor` decimals into minor units. No more decimals than the
 * currency has; no sign, no exponent, no thousands separators. 0, or -1. */
int ld_amount_parse(const char *s, unsigned minor, long long *out);

/* Format minor units with the currency's decimals: 5000 with 0 gives
 * "5000", 12345 with 3 gives "12.345", 123450 with 2 gives "1234.50". */
void ld_amount_format(long long amount, unsigned minor, char *out, size_t outlen);

#endif

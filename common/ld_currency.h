/* ISO 4217: the active currency codes and each one's minor unit (the number
 * of decimals its amounts carry: JPY 0, EUR 2, BHD 3), shared by the server
 * (which refuses unknown codes) and the clients (which parse and print
 * amounts in the currency's own unit). Money on the wire is an integer
 * count of minor units, so 5000 JPY is amount_minor 5000 and 12.345 BHD is
 * amount_minor 12345. */
#ifndef LD_CURRENCY_H
#define LD_CURRENCY_H

#include <stddef.h>
#include <stdint.h>

/* The most one opportunity may come to, in minor units of its currency
 * (46116860184273.87 EUR): twenty open ones on a lead (the most there may
 * be) weighted at 100 % still fit an int64. The server's OPP_AMOUNT_MAX
 * (server/opp_core.h) is this; lead names it when a price is past it. */
#define LD_OPP_AMOUNT_MAX (INT64_MAX / 100 / 20)

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
 * currency has; no sign, no exponent, no thousands separators. 0, -1 for
 * a text that is no such amount, or -2 for one too large to hold. */
int ld_amount_parse(const char *s, unsigned minor, long long *out);

/* Format minor units with the currency's decimals: 5000 with 0 gives
 * "5000", 12345 with 3 gives "12.345", 123450 with 2 gives "1234.50". */
void ld_amount_format(long long amount, unsigned minor, char *out, size_t outlen);

#endif

#include "ld_currency.h"

#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ISO 4217 list one (current currencies and funds), every code that has a
 * minor unit, sorted by code. Codes whose minor unit is "N.A." (gold, SDR,
 * test and "no currency" codes such as XAU, XDR, XTS, XXX) are not money a
 * lead can be worth and are left out. Withdrawn codes (HRK, SLL, ZWL, CUC)
 * are left out too. */
// clang-format off
static const ld_currency table[] = {
	{"AED", 2}, {"AFN", 2}, {"ALL", 2}, {"AMD", 2}, {"ANG", 2}, {"AOA", 2},
	{"ARS", 2}, {"AUD", 2}, {"AWG", 2}, {"AZN", 2}, {"BAM", 2}, {"BBD", 2},
	{"BDT", 2}, {"BGN", 2}, {"BHD", 3}, {"BIF", 0}, {"BMD", 2}, {"BND", 2},
	{"BOB", 2}, {"BOV", 2}, {"BRL", 2}, {"BSD", 2}, {"BTN", 2}, {"BWP", 2},
	{"BYN", 2}, {"BZD", 2}, {"CAD", 2}, {"CDF", 2}, {"CHE", 2}, {"CHF", 2},
	{"CHW", 2}, {"CLF", 4}, {"CLP", 0}, {"CNY", 2}, {"COP", 2}, {"COU", 2},
	{"CRC", 2}, {"CUP", 2}, {"CVE", 2}, {"CZK", 2}, {"DJF", 0}, {"DKK", 2},
	{"DOP", 2}, {"DZD", 2}, {"EGP", 2}, {"ERN", 2}, {"ETB", 2}, {"EUR", 2},
	{"FJD", 2}, {"FKP", 2}, {"GBP", 2}, {"GEL", 2}, {"GHS", 2}, {"GIP", 2},
	{"GMD", 2}, {"GNF", 0}, {"GTQ", 2}, {"GYD", 2}, {"HKD", 2}, {"HNL", 2},
	{"HTG", 2}, {"HUF", 2}, {"IDR", 2}, {"ILS", 2}, {"INR", 2}, {"IQD", 3},
	{"IRR", 2}, {"ISK", 0}, {"JMD", 2}, {"JOD", 3}, {"JPY", 0}, {"KES", 2},
	{"KGS", 2}, {"KHR", 2}, {"KMF", 0}, {"KPW", 2}, {"KRW", 0}, {"KWD", 3},
	{"KYD", 2}, {"KZT", 2}, {"LAK", 2}, {"LBP", 2}, {"LKR", 2}, {"LRD", 2},
	{"LSL", 2}, {"LYD", 3}, {"MAD", 2}, {"MDL", 2}, {"MGA", 2}, {"MKD", 2},
	{"MMK", 2}, {"MNT", 2}, {"MOP", 2}, {"MRU", 2}, {"MUR", 2}, {"MVR", 2},
	{"MWK", 2}, {"MXN", 2}, {"MXV", 2}, {"MYR", 2}, {"MZN", 2}, {"NAD", 2},
	{"NGN", 2}, {"NIO", 2}, {"NOK", 2}, {"NPR", 2}, {"NZD", 2}, {"OMR", 3},
	{"PAB", 2}, {"PEN", 2}, {"PGK", 2}, {"PHP", 2}, {"PKR", 2}, {"PLN", 2},
	{"PYG", 0}, {"QAR", 2}, {"RON", 2}, {"RSD", 2}, {"RUB", 2}, {"RWF", 0},
	{"SAR", 2}, {"SBD", 2}, {"SCR", 2}, {"SDG", 2}, {"SEK", 2}, {"SGD", 2},
	{"SHP", 2}, {"SLE", 2}, {"SOS", 2}, {"SRD", 2}, {"SSP", 2}, {"STN", 2},
	{"SVC", 2}, {"SYP", 2}, {"SZL", 2}, {"THB", 2}, {"TJS", 2}, {"TMT", 2},
	{"TND", 3}, {"TOP", 2}, {"TRY", 2}, {"TTD", 2}, {"TWD", 2}, {"TZS", 2},
	{"UAH", 2}, {"UGX", 0}, {"USD", 2}, {"USN", 2}, {"UYI", 0}, {"UYU", 2},
	{"UYW", 4}, {"UZS", 2}, {"VED", 2}, {"VES", 2}, {"VND", 0}, {"VUV", 0},
	{"WST", 2}, {"XAF", 0}, {"XCD", 2}, {"XCG", 2}, {"XOF", 0}, {"XPF", 0},
	{"YER", 2}, {"ZAR", 2}, {"ZMW", 2}, {"ZWG", 2},
};
// clang-format on

static int by_code(const void *key, const void *elem)
{
	return strcmp(key, ((const ld_currency *)elem)->code);
}

const ld_currency *ld_currency_find(const char *code)
{
	if (!code || strlen(code) != 3)
		return NULL;
	return bsearch(code, table, sizeof(table) / sizeof(table[0]), sizeof(table[0]), by_code);
}

const ld_currency *ld_currency_table(size_t *n)
{
	*n = sizeof(table) / sizeof(table[0]);
	return table;
}

int ld_amount_parse(const char *s, unsigned minor, long long *out)
{
	long long scale = 1;
	for (unsigned i = 0; i < minor; i++)
		scale *= 10;
	while (isspace((unsigned char)*s))
		s++;
	if (!isdigit((unsigned char)*s))
		return -1;
	/* Too many digits to hold is told apart from a malformed amount, but
	 * only once the whole text is read as an amount. */
	int big = 0;
	long long whole = 0;
	for (; isdigit((unsigned char)*s); s++) {
		if (whole > (INT64_MAX - (*s - '0')) / 10)
			big = 1;
		else
			whole = whole * 10 + (*s - '0');
	}
	long long frac = 0;
	unsigned nd = 0;
	if (*s == '.' || *s == ',') {
		s++;
		for (; isdigit((unsigned char)*s); s++, nd++) {
			if (nd >= minor)
				return -1;
			frac = frac * 10 + (*s - '0');
		}
		if (nd == 0)
			return -1;
	}
	while (isspace((unsigned char)*s))
		s++;
	if (*s)
		return -1;
	if (big || whole >= INT64_MAX / scale)
		return -2;
	for (; nd < minor; nd++)
		frac *= 10;
	*out = whole * scale + frac;
	return 0;
}

void ld_amount_format(long long amount, unsigned minor, char *out, size_t outlen)
{
	unsigned long long a = amount < 0 ? (unsigned long long)(-(amount + 1)) + 1
					  : (unsigned long long)amount;
	unsigned long long scale = 1;
	for (unsigned i = 0; i < minor; i++)
		scale *= 10;
	if (minor == 0)
		snprintf(out, outlen, "%s%llu", amount < 0 ? "-" : "", a);
	else
		snprintf(out, outlen, "%s%llu.%0*llu", amount < 0 ? "-" : "", a / scale, (int)minor,
			 a % scale);
}

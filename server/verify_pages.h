/* leadd verify's page walk (verify_pages.c): every page of data.mdb read
 * with pread and checked before LMDB's cursors walk the map. */
#ifndef LEADD_VERIFY_PAGES_H
#define LEADD_VERIFY_PAGES_H

#include <stdint.h>

/* Print each problem found ("verify: TABLE: ...") and return how many.
 * *bad_pages counts the pages LMDB must not be let near: when it is not 0,
 * reading the records through LMDB could stop the process. */
uint64_t verify_pages(const char *dir, uint64_t *bad_pages);

#endif

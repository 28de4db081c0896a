/* Refuse a damaged data.mdb before LMDB maps it (store_check.c). */
#ifndef LEADD_STORE_CHECK_H
#define LEADD_STORE_CHECK_H

#include <stddef.h>

/* 0 when DIR/data.mdb is absent or holds every page its last transaction
 * uses; -1 with a sentence in err (what is wrong, what to do) otherwise. */
int store_check_file(const char *dir, char *err, size_t errlen);

#endif

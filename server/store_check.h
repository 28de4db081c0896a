/* Refuse a damaged data.mdb before LMDB maps it (store_check.c). */
#ifndef LEADD_STORE_CHECK_H
#define LEADD_STORE_CHECK_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* LMDB 0.9's on-disk layout (mdb.c), for the 64-bit build: a page starts
 * with mp_pgno (8 bytes), mp_pad (2), mp_flags (2), then mp_lower and
 * mp_upper (2 each) or, on overflow pages, mp_pages (4). */
#define LMDB_PAGE_HDR 16u
#define LMDB_P_BRANCH 0x01u
#define LMDB_P_LEAF 0x02u
#define LMDB_P_OVERFLOW 0x04u
#define LMDB_P_META 0x08u
#define LMDB_P_LEAF2 0x20u
#define LMDB_P_SUBP 0x40u
/* A node: mn_lo, mn_hi (data size, or with mn_flags a child page number),
 * mn_flags, mn_ksize (2 bytes each), then the key and the data. */
#define LMDB_NODE_HDR 8u
#define LMDB_F_BIGDATA 0x01u
#define LMDB_F_SUBDATA 0x02u
#define LMDB_F_DUPDATA 0x04u
#define LMDB_NO_PAGE UINT64_MAX
#define LMDB_DB_SIZE 48u

static inline uint16_t lmdb_get16(const uint8_t *p)
{
	uint16_t v;
	memcpy(&v, p, sizeof(v));
	return v;
}

static inline uint32_t lmdb_get32(const uint8_t *p)
{
	uint32_t v;
	memcpy(&v, p, sizeof(v));
	return v;
}

static inline uint64_t lmdb_get64(const uint8_t *p)
{
	uint64_t v;
	memcpy(&v, p, sizeof(v));
	return v;
}

/* An MDB_db record: of the free-page and main databases in a meta page,
 * of a named database in the main one, of a sub-database of duplicates. */
typedef struct {
	uint32_t pad; /* the page size, in the free-page database's record */
	uint16_t flags, depth;
	uint64_t branch_pages, leaf_pages, overflow_pages, entries, root;
} lmdb_db;

void lmdb_db_read(const uint8_t *p, lmdb_db *db);

typedef struct {
	uint32_t psize;
	uint64_t last_pg, txnid;
	lmdb_db dbs[2]; /* 0: free pages, 1: main */
} lmdb_meta;

/* The meta page of the last transaction of the data.mdb open on fd:
 * 0, or -1 when the meta pages are not LMDB 0.9's (or disagree). */
int lmdb_meta_read(int fd, lmdb_meta *m);

/* pread all of n bytes at off: 0, or -1. */
int lmdb_read_at(int fd, void *buf, size_t n, uint64_t off);

/* 0 when DIR/data.mdb is absent or holds every page its last transaction
 * uses; -1 with a sentence in err (what is wrong, what to do) otherwise. */
int store_check_file(const char *dir, char *err, size_t errlen);

#endif

/* A truncated data.mdb makes LMDB die with SIGBUS the first time it reads
 * a page past the end of the file through the map. This check runs before
 * the environment is opened: it reads LMDB's two meta pages with pread,
 * takes the one of the last transaction, and compares the size of the file
 * with the pages that transaction uses.
 *
 * The layout is LMDB 0.9's (mdb.c, MDB_page and MDB_meta), read field by
 * field at fixed offsets for a 64-bit build. The file may legitimately be
 * shorter than mm_last_pg + 1 pages: a page dirtied and freed in the same
 * transaction is never written (mdb.c says so beside mm_last_pg). So when
 * the file is short, the missing pages must all be listed in the free-page
 * database; only then is the file whole. */
#include "store_check.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* A free-page tree deeper than this is damaged (LMDB trees are shallow). */
#define MAX_DEPTH 32
/* Past this many missing pages, do not even try to find them all free. */
#define MAX_MISSING (64u * 1024 * 1024)

/* MDB_meta after the page header: magic 0, version 4, address 8, mapsize 16,
 * mm_dbs[2] at 24 (48 bytes each), mm_last_pg 120, mm_txnid 128.
 * MDB_db: md_pad 0 (the page size in the free DB), md_flags 4, md_depth 6,
 * branch 8, leaf 16, overflow 24, entries 32, md_root 40. */
#define MDB_MAGIC_V 0xBEEFC0DEu
#define MDB_DATA_VERSION_V 1u
#define META_OFF_DBS 24
#define META_OFF_LAST_PG 120
#define META_OFF_TXNID 128
#define META_SIZE 136

typedef struct {
	int fd;
	uint64_t fsize;
	uint32_t psize;
	uint64_t last_pg;
	uint64_t first_missing; /* first page not wholly in the file */
	uint8_t *missing;       /* bit per page first_missing..last_pg: listed free */
	uint64_t n_free_missing;
	int damaged; /* a page the free tree needs is absent or malformed */
} checker;

int lmdb_read_at(int fd, void *buf, size_t n, uint64_t off)
{
	size_t done = 0;
	while (done < n) {
		ssize_t r = pread(fd, (char *)buf + done, n - done, (off_t)(off + done));
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return -1;
		done += (size_t)r;
	}
	return 0;
}

void lmdb_db_read(const uint8_t *p, lmdb_db *db)
{
	db->pad = lmdb_get32(p);
	db->flags = lmdb_get16(p + 4);
	db->depth = lmdb_get16(p + 6);
	db->branch_pages = lmdb_get64(p + 8);
	db->leaf_pages = lmdb_get64(p + 16);
	db->overflow_pages = lmdb_get64(p + 24);
	db->entries = lmdb_get64(p + 32);
	db->root = lmdb_get64(p + 40);
}

/* 0 and *m filled, or -1 when the meta page is not one. */
static int read_meta(int fd, uint64_t off, lmdb_meta *m)
{
	uint8_t b[LMDB_PAGE_HDR + META_SIZE];
	if (lmdb_read_at(fd, b, sizeof(b), off) < 0)
		return -1;
	const uint8_t *meta = b + LMDB_PAGE_HDR;
	if (!(lmdb_get16(b + 10) & LMDB_P_META) || lmdb_get32(meta) != MDB_MAGIC_V ||
	    lmdb_get32(meta + 4) != MDB_DATA_VERSION_V)
		return -1;
	lmdb_db_read(meta + META_OFF_DBS, &m->dbs[0]);
	lmdb_db_read(meta + META_OFF_DBS + LMDB_DB_SIZE, &m->dbs[1]);
	m->psize = m->dbs[0].pad;
	m->last_pg = lmdb_get64(meta + META_OFF_LAST_PG);
	m->txnid = lmdb_get64(meta + META_OFF_TXNID);
	/* LMDB pages are a power of two between 512 bytes and 64 KiB. */
	if (m->psize < 512 || m->psize > 65536 || (m->psize & (m->psize - 1)))
		return -1;
	return 0;
}

int lmdb_meta_read(int fd, lmdb_meta *m)
{
	lmdb_meta two[2];
	if (read_meta(fd, 0, &two[0]) < 0 || read_meta(fd, two[0].psize, &two[1]) < 0 ||
	    two[1].psize != two[0].psize)
		return -1;
	*m = two[two[1].txnid > two[0].txnid];
	return 0;
}

static void note_free(checker *c, uint64_t pg)
{
	if (pg < c->first_missing || pg > c->last_pg)
		return;
	uint64_t i = pg - c->first_missing;
	if (!(c->missing[i / 8] & (1u << (i % 8)))) {
		c->missing[i / 8] |= (uint8_t)(1u << (i % 8));
		c->n_free_missing++;
	}
}

/* Read page pg whole, from the file; a page past its end is damage. */
static int load_page(checker *c, uint64_t pg, uint8_t *buf)
{
	if (pg > c->last_pg || pg >= c->first_missing ||
	    lmdb_read_at(c->fd, buf, c->psize, pg * c->psize) < 0) {
		c->damaged = 1;
		return -1;
	}
	return 0;
}

/* A free-DB record: an IDL of page numbers, its count first. */
static void read_idl(checker *c, const uint8_t *data, uint64_t size)
{
	if (size < 8)
		return;
	uint64_t n = lmdb_get64(data);
	if (n > size / 8 - 1) {
		c->damaged = 1;
		return;
	}
	for (uint64_t i = 1; i <= n; i++)
		note_free(c, lmdb_get64(data + i * 8));
}

/* The record is on overflow pages: they must be in the file too. */
static void read_big_idl(checker *c, uint64_t pg, uint64_t size)
{
	uint64_t pages = (LMDB_PAGE_HDR + size + c->psize - 1) / c->psize;
	if (pg > c->last_pg || pages > c->last_pg || pg + pages > c->first_missing) {
		c->damaged = 1;
		return;
	}
	uint8_t *buf = malloc(pages * c->psize);
	if (!buf || lmdb_read_at(c->fd, buf, pages * c->psize, pg * c->psize) < 0 ||
	    !(lmdb_get16(buf + 10) & LMDB_P_OVERFLOW))
		c->damaged = 1;
	else
		read_idl(c, buf + LMDB_PAGE_HDR, size);
	free(buf);
}

static void walk_free_tree(checker *c, uint64_t pg, int depth)
{
	if (depth > MAX_DEPTH) {
		c->damaged = 1;
		return;
	}
	uint8_t *p = malloc(c->psize);
	if (!p || load_page(c, pg, p) < 0) {
		c->damaged = 1;
		free(p);
		return;
	}
	uint16_t flags = lmdb_get16(p + 10), lower = lmdb_get16(p + 12);
	unsigned n = lower >= LMDB_PAGE_HDR ? (lower - LMDB_PAGE_HDR) / 2 : 0;
	for (unsigned i = 0; i < n && !c->damaged; i++) {
		uint16_t off = lmdb_get16(p + LMDB_PAGE_HDR + 2 * i);
		if ((uint32_t)off + LMDB_NODE_HDR > c->psize) {
			c->damaged = 1;
			break;
		}
		const uint8_t *node = p + off;
		uint16_t lo = lmdb_get16(node), hi = lmdb_get16(node + 2),
			 nflags = lmdb_get16(node + 4);
		uint16_t ksize = lmdb_get16(node + 6);
		if (flags & LMDB_P_BRANCH) {
			walk_free_tree(c, lo | (uint64_t)hi << 16 | (uint64_t)nflags << 32,
				       depth + 1);
			continue;
		}
		if (!(flags & LMDB_P_LEAF)) {
			c->damaged = 1;
			break;
		}
		uint64_t dsize = lo | (uint64_t)hi << 16;
		uint64_t data_off = (uint64_t)off + LMDB_NODE_HDR + ksize;
		if (nflags & LMDB_F_BIGDATA) {
			if (data_off + 8 > c->psize) {
				c->damaged = 1;
				break;
			}
			read_big_idl(c, lmdb_get64(p + data_off), dsize);
		} else if (data_off + dsize > c->psize) {
			c->damaged = 1;
		} else {
			read_idl(c, p + data_off, dsize);
		}
	}
	free(p);
}

/* Are all pages from first_missing to last_pg listed free? */
static int missing_pages_are_free(checker *c, uint64_t free_root)
{
	uint64_t n = c->last_pg - c->first_missing + 1;
	if (n > MAX_MISSING || free_root == LMDB_NO_PAGE)
		return 0;
	c->missing = calloc((size_t)(n + 7) / 8, 1);
	if (!c->missing)
		return 0;
	walk_free_tree(c, free_root, 0);
	int ok = !c->damaged && c->n_free_missing == n;
	free(c->missing);
	c->missing = NULL;
	return ok;
}

static void say_damaged(char *err, size_t errlen, const char *path, const char *what)
{
	snprintf(err, errlen,
		 "%s %s: the file is truncated or damaged; restore it from a backup "
		 "(see leadd(8), BACKUP) and run leadd verify",
		 path, what);
}

int store_check_file(const char *dir, char *err, size_t errlen)
{
	char path[4200];
	snprintf(path, sizeof(path), "%s/data.mdb", dir);
	/* The offsets above are those of a 64-bit LMDB. */
	if (sizeof(size_t) != 8 || sizeof(void *) != 8)
		return 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		if (errno == ENOENT)
			return 0; /* a new data directory */
		snprintf(err, errlen, "cannot open %s: %s", path, strerror(errno));
		return -1;
	}
	struct stat sb;
	if (fstat(fd, &sb) < 0) {
		snprintf(err, errlen, "cannot read the size of %s: %s", path, strerror(errno));
		close(fd);
		return -1;
	}
	checker c = {.fd = fd, .fsize = (uint64_t)sb.st_size};
	lmdb_meta m;
	char what[160];
	int rc = -1;
	if (c.fsize == 0) {
		/* LMDB would silently start a new, empty database in it. */
		say_damaged(err, errlen, path, "is empty");
	} else if (lmdb_meta_read(fd, &m) < 0) {
		say_damaged(err, errlen, path, "does not start with two valid LMDB meta pages");
	} else {
		c.psize = m.psize;
		c.last_pg = m.last_pg;
		c.first_missing = c.fsize / c.psize;
		uint64_t need = (m.last_pg + 1) * c.psize;
		if (m.last_pg < 1 || m.last_pg > UINT64_MAX / c.psize - 1) {
			say_damaged(err, errlen, path, "has a meta page with an impossible size");
		} else if (c.fsize >= need || missing_pages_are_free(&c, m.dbs[0].root)) {
			rc = 0;
		} else {
			snprintf(what, sizeof(what),
				 "is %" PRIu64 " bytes but its last transaction needs %" PRIu64,
				 c.fsize, need);
			say_damaged(err, errlen, path, what);
		}
	}
	close(fd);
	return rc;
}

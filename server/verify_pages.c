/* leadd verify, first step: walk every page of data.mdb with pread, as
 * LMDB's own audit (mdb_audit in mdb.c) reasons about them, before any
 * cursor touches the map. LMDB trusts its pages: a damaged one makes it
 * return MDB_CORRUPTED at best, and at worst stop the process on an
 * assertion or read outside the map. Here every page of every tree is read
 * and checked (its number, its kind at its depth, its bounds and those of
 * its nodes), each page must be used once, by one tree or by the free list,
 * and the page and record counts each MDB_db keeps must match the walk. */
#include "verify_pages.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <lmdb.h>

#include "store_check.h"

/* LMDB trees are shallow: 2^32 records fit in far fewer levels. */
#define MAX_DEPTH 64
/* A damaged file could yield a problem per page: print the first ones. */
#define MAX_PRINTED 100
/* No larger map than this is walked (64 TiB of 4 KiB pages). */
#define MAX_PAGES (1ull << 34)

typedef struct {
	int fd;
	uint32_t psize;
	uint64_t last_pg, file_pages;
	uint8_t *seen; /* bit per page: used by a tree or listed free */
	uint64_t problems, bad_pages;
} walker;

typedef enum {
	TREE_FREE,    /* the free-page database: records are page lists */
	TREE_MAIN,    /* the main database: records are named databases */
	TREE_PLAIN,   /* a named database of key -> value */
	TREE_DUPSORT, /* a named database with sorted duplicates */
	TREE_DUPS,    /* the duplicates of one key, as a tree of their own */
} tree_kind;

typedef struct {
	uint64_t branch, leaf, overflow, entries;
} tree_count;

typedef struct {
	tree_kind kind;
	const char *name;
	int name_len;
	uint16_t depth, flags;
	tree_count count;
} tree;

/* A problem, printed as "verify: WHERE: what" (the first MAX_PRINTED). */
static void vsay(walker *w, const tree *t, const char *fmt, va_list ap)
{
	if (++w->problems > MAX_PRINTED)
		return;
	printf("verify: %.*s: ", t->name_len, t->name);
	vprintf(fmt, ap);
	fputc('\n', stdout);
}

static void say(walker *w, const tree *t, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void say(walker *w, const tree *t, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsay(w, t, fmt, ap);
	va_end(ap);
}

/* A page that cannot be trusted: LMDB must not walk this file. */
static void bad(walker *w, const tree *t, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void bad(walker *w, const tree *t, const char *fmt, ...)
{
	va_list ap;
	w->bad_pages++;
	va_start(ap, fmt);
	vsay(w, t, fmt, ap);
	va_end(ap);
}

static int claim(walker *w, const tree *t, uint64_t pg, uint64_t n)
{
	for (uint64_t i = pg; i < pg + n; i++) {
		if (i > w->last_pg || i < 2) {
			bad(w, t, "page %" PRIu64 " is not a data page (the last is %" PRIu64 ")",
			    i, w->last_pg);
			return -1;
		}
		if (w->seen[i / 8] & (1u << (i % 8))) {
			bad(w, t, "page %" PRIu64 " is used twice", i);
			return -1;
		}
		w->seen[i / 8] |= (uint8_t)(1u << (i % 8));
	}
	return 0;
}

/* Read page pg, which must be in the file and say it is page pg. */
static int read_page(walker *w, const tree *t, uint64_t pg, uint8_t *buf)
{
	if (pg >= w->file_pages) {
		bad(w, t, "page %" PRIu64 " is past the end of the file", pg);
		return -1;
	}
	if (lmdb_read_at(w->fd, buf, w->psize, pg * w->psize) < 0) {
		bad(w, t, "cannot read page %" PRIu64 ": %s", pg, strerror(errno));
		return -1;
	}
	if (lmdb_get64(buf) != pg) {
		bad(w, t, "page %" PRIu64 " says it is page %" PRIu64, pg, lmdb_get64(buf));
		return -1;
	}
	return 0;
}

static void walk(walker *w, tree *t, uint64_t pg, unsigned depth);

/* A list of free pages: its count, then the page numbers. */
static void claim_free_list(walker *w, tree *t, const uint8_t *data, uint64_t size)
{
	uint64_t n = size >= 8 ? lmdb_get64(data) : UINT64_MAX;
	if (n > size / 8 - 1) {
		bad(w, t, "a free-page list of %" PRIu64 " bytes says it holds %" PRIu64 " pages",
		    size, n);
		return;
	}
	for (uint64_t i = 1; i <= n; i++)
		if (claim(w, t, lmdb_get64(data + 8 * i), 1) < 0)
			return;
}

/* The value is on overflow pages: in the file, each used once. */
static void walk_overflow(walker *w, tree *t, const uint8_t *node_data, uint64_t size)
{
	uint64_t pg = lmdb_get64(node_data);
	uint8_t *buf = malloc(w->psize);
	if (!buf || read_page(w, t, pg, buf) < 0)
		goto out;
	uint64_t pages = lmdb_get32(buf + 12);
	if (!(lmdb_get16(buf + 10) & LMDB_P_OVERFLOW) || pages == 0 ||
	    size > pages * w->psize - LMDB_PAGE_HDR || pg + pages > w->file_pages) {
		bad(w, t, "overflow page %" PRIu64 " does not hold its %" PRIu64 "-byte value", pg,
		    size);
		goto out;
	}
	if (claim(w, t, pg, pages) < 0)
		goto out;
	t->count.overflow += pages;
	if (t->kind == TREE_FREE) {
		uint8_t *all = malloc(pages * w->psize);
		if (all && lmdb_read_at(w->fd, all, pages * w->psize, pg * w->psize) == 0)
			claim_free_list(w, t, all + LMDB_PAGE_HDR, size);
		free(all);
	}
out:
	free(buf);
}

/* The counts an MDB_db keeps must be those of its tree. */
static void compare_counts(walker *w, const tree *t, const lmdb_db *db)
{
	static const char *const what[] = {"branch pages", "leaf pages", "overflow pages",
					   "records"};
	const uint64_t kept[] = {db->branch_pages, db->leaf_pages, db->overflow_pages, db->entries};
	const uint64_t found[] = {t->count.branch, t->count.leaf, t->count.overflow,
				  t->count.entries};
	for (int i = 0; i < 4; i++)
		if (kept[i] != found[i])
			say(w, t, "LMDB keeps %" PRIu64 " %s, the pages hold %" PRIu64, kept[i],
			    what[i], found[i]);
}

/* A tree of its own (a named database, or the duplicates of one key). */
static void walk_subtree(walker *w, tree *parent, tree_kind kind, const uint8_t *rec, uint64_t size,
			 const char *name, int name_len)
{
	if (size != LMDB_DB_SIZE) {
		bad(w, parent, "a database record of %" PRIu64 " bytes", size);
		return;
	}
	lmdb_db db;
	lmdb_db_read(rec, &db);
	tree t = {.kind = kind,
		  .name = name,
		  .name_len = name_len,
		  .depth = db.depth,
		  .flags = db.flags};
	if (kind == TREE_PLAIN && (db.flags & MDB_DUPSORT))
		t.kind = TREE_DUPSORT;
	if (db.root != LMDB_NO_PAGE) {
		if (db.depth == 0 || db.depth > MAX_DEPTH) {
			bad(w, &t, "a tree %u levels deep", db.depth);
			return;
		}
		walk(w, &t, db.root, 1);
	}
	compare_counts(w, &t, &db);
	parent->count.entries += kind == TREE_DUPS ? t.count.entries : 1;
}

static void walk_leaf_node(walker *w, tree *t, const uint8_t *page, const uint8_t *node,
			   uint16_t ksize, uint64_t dsize, uint16_t nflags)
{
	const uint8_t *data = node + LMDB_NODE_HDR + ksize;
	uint64_t room = w->psize - (uint64_t)(data - page);
	if (nflags & LMDB_F_BIGDATA) {
		if (room < 8) {
			bad(w, t, "a record runs past its page");
			return;
		}
		walk_overflow(w, t, data, dsize);
		t->count.entries++;
		return;
	}
	if (dsize > room) {
		bad(w, t, "a record runs past its page");
		return;
	}
	if (t->kind == TREE_FREE) {
		t->count.entries++;
		claim_free_list(w, t, data, dsize);
	} else if (t->kind == TREE_MAIN && (nflags & LMDB_F_SUBDATA)) {
		walk_subtree(w, t, TREE_PLAIN, data, dsize, (const char *)node + LMDB_NODE_HDR,
			     ksize);
	} else if (t->kind == TREE_DUPSORT && (nflags & LMDB_F_SUBDATA)) {
		walk_subtree(w, t, TREE_DUPS, data, dsize, t->name, t->name_len);
	} else if (t->kind == TREE_DUPSORT && (nflags & LMDB_F_DUPDATA)) {
		/* A sub-page of duplicates inside the record. */
		uint16_t lower = dsize >= LMDB_PAGE_HDR ? lmdb_get16(data + 12) : 0;
		if (lower < LMDB_PAGE_HDR || lower > dsize) {
			bad(w, t, "a list of duplicates is damaged");
			return;
		}
		t->count.entries += (lower - LMDB_PAGE_HDR) / 2u;
	} else {
		t->count.entries++;
	}
}

/* One page of a tree and, below a branch page, its children. */
static void walk(walker *w, tree *t, uint64_t pg, unsigned depth)
{
	if (claim(w, t, pg, 1) < 0)
		return;
	uint8_t *page = malloc(w->psize);
	if (!page) {
		bad(w, t, "out of memory");
		return;
	}
	if (read_page(w, t, pg, page) < 0)
		goto out;
	uint16_t flags = lmdb_get16(page + 10);
	uint16_t lower = lmdb_get16(page + 12), upper = lmdb_get16(page + 14);
	unsigned want = depth < t->depth ? LMDB_P_BRANCH : LMDB_P_LEAF;
	if ((flags & (LMDB_P_BRANCH | LMDB_P_LEAF | LMDB_P_OVERFLOW | LMDB_P_META)) != want ||
	    depth > t->depth) {
		bad(w, t, "page %" PRIu64 " at level %u of %u is not a %s page (flags 0x%04x)", pg,
		    depth, t->depth, want == LMDB_P_BRANCH ? "branch" : "leaf", flags);
		goto out;
	}
	if (lower < LMDB_PAGE_HDR || lower > upper || upper > w->psize) {
		bad(w, t, "page %" PRIu64 " has impossible bounds (%u, %u)", pg, lower, upper);
		goto out;
	}
	unsigned n = (lower - LMDB_PAGE_HDR) / 2u;
	if (want == LMDB_P_BRANCH)
		t->count.branch++;
	else
		t->count.leaf++;
	if (flags & LMDB_P_LEAF2) {
		t->count.entries += n;
		goto out;
	}
	for (unsigned i = 0; i < n; i++) {
		uint16_t off = lmdb_get16(page + LMDB_PAGE_HDR + 2 * i);
		if (off < upper || (uint32_t)off + LMDB_NODE_HDR > w->psize) {
			bad(w, t, "page %" PRIu64 " points outside itself", pg);
			goto out;
		}
		const uint8_t *node = page + off;
		uint16_t lo = lmdb_get16(node), hi = lmdb_get16(node + 2);
		uint16_t nflags = lmdb_get16(node + 4), ksize = lmdb_get16(node + 6);
		if ((uint32_t)off + LMDB_NODE_HDR + ksize > w->psize) {
			bad(w, t, "a key on page %" PRIu64 " runs past it", pg);
			goto out;
		}
		if (want == LMDB_P_BRANCH)
			walk(w, t, lo | (uint64_t)hi << 16 | (uint64_t)nflags << 32, depth + 1);
		else
			walk_leaf_node(w, t, page, node, ksize, lo | (uint64_t)hi << 16, nflags);
	}
out:
	free(page);
}

static void walk_core(walker *w, tree_kind kind, const char *name, const lmdb_db *db)
{
	tree t = {.kind = kind, .name = name, .name_len = (int)strlen(name), .depth = db->depth};
	if (db->root != LMDB_NO_PAGE) {
		if (db->depth == 0 || db->depth > MAX_DEPTH) {
			bad(w, &t, "a tree %u levels deep", db->depth);
			return;
		}
		walk(w, &t, db->root, 1);
	}
	compare_counts(w, &t, db);
}

uint64_t verify_pages(const char *dir, uint64_t *bad_pages)
{
	char path[4200];
	snprintf(path, sizeof(path), "%s/data.mdb", dir);
	walker w = {.fd = open(path, O_RDONLY | O_CLOEXEC)};
	tree file = {.name = "data.mdb", .name_len = 8};
	lmdb_meta m;
	struct stat sb;
	if (w.fd < 0 || fstat(w.fd, &sb) < 0 || lmdb_meta_read(w.fd, &m) < 0) {
		bad(&w, &file, "cannot read its meta pages");
		goto out;
	}
	w.psize = m.psize;
	w.last_pg = m.last_pg;
	w.file_pages = (uint64_t)sb.st_size / m.psize;
	if (m.last_pg >= MAX_PAGES || !(w.seen = calloc((m.last_pg + 8) / 8, 1))) {
		bad(&w, &file, "%" PRIu64 " pages: too many to walk", m.last_pg + 1);
		goto out;
	}
	walk_core(&w, TREE_FREE, "free pages", &m.dbs[0]);
	walk_core(&w, TREE_MAIN, "main database", &m.dbs[1]);
	uint64_t lost = 0, first = 0;
	for (uint64_t pg = 2; pg <= m.last_pg; pg++)
		if (!(w.seen[pg / 8] & (1u << (pg % 8))) && !lost++)
			first = pg;
	if (lost)
		say(&w, &file,
		    "%" PRIu64 " page(s) are neither in a database nor free, from page "
		    "%" PRIu64,
		    lost, first);
	if (w.problems > MAX_PRINTED)
		printf("verify: ... and %" PRIu64 " more page problem(s)\n",
		       w.problems - MAX_PRINTED);
out:
	if (w.fd >= 0)
		close(w.fd);
	free(w.seen);
	*bad_pages = w.bad_pages;
	return w.problems;
}

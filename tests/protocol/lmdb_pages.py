"""Read LMDB 0.9 (64-bit) data files page by page, so tests can damage a
chosen page deterministically: which pages hold a named database's tree,
where its MDB_db record lies, which pages are free. Layout from mdb.c
(MDB_page, MDB_meta, MDB_db, MDB_node) of LMDB 0.9.24."""
import struct

PAGE_HDR = 16
P_BRANCH, P_LEAF, P_OVERFLOW, P_META = 0x01, 0x02, 0x04, 0x08
F_BIGDATA, F_SUBDATA = 0x01, 0x02
NO_PAGE = 0xFFFFFFFFFFFFFFFF
FLAGS_OFF = 10  # mp_flags inside a page header
DB_ENTRIES_OFF = 32  # md_entries inside an MDB_db


class Env:
    def __init__(self, path):
        self.path = path
        with open(path, "rb") as f:
            self.data = f.read()
        metas = [self._meta(0)]
        self.psize = metas[0]["psize"]
        metas.append(self._meta(self.psize))
        self.meta = max(metas, key=lambda m: m["txnid"])

    def _meta(self, off):
        m = off + PAGE_HDR
        magic, version = struct.unpack_from("<II", self.data, m)
        assert magic == 0xBEEFC0DE and version == 1, "not an LMDB 0.9 file"
        dbs = [self._db(m + 24), self._db(m + 24 + 48)]
        last_pg, txnid = struct.unpack_from("<QQ", self.data, m + 120)
        return {"psize": dbs[0]["pad"], "free": dbs[0], "main": dbs[1],
                "last_pg": last_pg, "txnid": txnid}

    def _db(self, off):
        pad, flags, depth, branch, leaf, over, entries, root = struct.unpack_from(
            "<IHHQQQQQ", self.data, off)
        return {"pad": pad, "flags": flags, "depth": depth, "entries": entries,
                "root": root, "offset": off}

    def page(self, pg):
        return self.data[pg * self.psize:(pg + 1) * self.psize]

    def page_flags(self, pg):
        return struct.unpack_from("<H", self.data, pg * self.psize + FLAGS_OFF)[0]

    def nodes(self, pg):
        """(node offset in file, flags, key bytes, data offset in file, data size
        or child page) for each node of a branch or leaf page."""
        base = pg * self.psize
        flags, lower = struct.unpack_from("<HH", self.data, base + FLAGS_OFF)
        out = []
        for i in range((lower - PAGE_HDR) // 2):
            (ptr,) = struct.unpack_from("<H", self.data, base + PAGE_HDR + 2 * i)
            node = base + ptr
            lo, hi, nflags, ksize = struct.unpack_from("<HHHH", self.data, node)
            key = self.data[node + 8:node + 8 + ksize]
            if flags & P_BRANCH:
                out.append((node, nflags, key, None, lo | hi << 16 | nflags << 32))
            else:
                out.append((node, nflags, key, node + 8 + ksize, lo | hi << 16))
        return out

    def tree_pages(self, root):
        """Every branch and leaf page of a tree, root first (breadth first)."""
        if root == NO_PAGE:
            return []
        pages, todo = [], [root]
        while todo:
            pg = todo.pop(0)
            pages.append(pg)
            if self.page_flags(pg) & P_BRANCH:
                todo.extend(n[4] for n in self.nodes(pg))
        return pages

    def named_dbs(self):
        """name -> MDB_db of each named database (records of the main DB)."""
        out = {}
        for pg in self.tree_pages(self.meta["main"]["root"]):
            if not self.page_flags(pg) & P_LEAF:
                continue
            for _node, nflags, key, doff, _dsize in self.nodes(pg):
                if nflags & F_SUBDATA:
                    out[key.decode()] = self._db(doff)
        return out

    def leaves(self, name):
        db = self.named_dbs()[name]
        return [pg for pg in self.tree_pages(db["root"]) if self.page_flags(pg) & P_LEAF]

    def free_pages(self):
        """Every page number the free-page database lists."""
        free = set()
        for pg in self.tree_pages(self.meta["free"]["root"]):
            if not self.page_flags(pg) & P_LEAF:
                continue
            for _node, nflags, _key, doff, dsize in self.nodes(pg):
                if nflags & F_BIGDATA:
                    (ov,) = struct.unpack_from("<Q", self.data, doff)
                    doff = ov * self.psize + PAGE_HDR
                (n,) = struct.unpack_from("<Q", self.data, doff)
                free.update(struct.unpack_from("<%dQ" % n, self.data, doff + 8))
        return free


def patch(path, offset, data):
    with open(path, "r+b") as f:
        f.seek(offset)
        f.write(data)

#!/usr/bin/python3
"""lead_list pages at the frame budget, and what a cursor may say, on a real
leadd.

- A rep's listing of large leads (50 long contacts each) interleaved with
  leads of another team the rep may not see, driven by a query word both
  share: pages stop near the 1 MiB frame budget (each reply under
  LD_FRAME_MAX), paging returns every visible lead exactly once, and no
  cursor names a lead the rep may not see (a cursor is base64 of the
  position: the id and sort key of the lead the next page starts after; a
  position taken from an invisible lead would give its id and title away).
- Index keys a person would search by: combining marks, emoji, RTL script,
  a word cut at the 64-byte key boundary, phone formats, emails with plus
  and dots; `--query` finds them.

Ends with leadd stopped (SIGTERM, exit 0) and `leadd verify` passing.
Usage: search_pages.py LEADD_BINARY PROTO_DIR
"""
import base64
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from leadd_harness import Client, Results, add_team, add_user, desc, run_test  # noqa: E402
from leadd_harness import ok_call, pipeline  # noqa: E402

PW = "pages-pw-1"
FRAME_MAX = 1 << 20
results = Results()
record = results.record



def main():
    run_test(results, "search pages", run)


def cursor_id(cur):
    """The lead id a cursor's position holds (search_cursor.c layout)."""
    raw = cur[3:]
    raw = base64.urlsafe_b64decode(raw + "=" * (-len(raw) % 4))
    return int.from_bytes(raw[28:36], "big")


def run(pb, d):
    admin = Client(pb, d.port)
    add_team(admin, "north")
    add_team(admin, "south")
    add_user(admin, "rob", pb.ROLE_REP, "north", PW)
    add_user(admin, "sia", pb.ROLE_REP, "south", PW)
    big = 80

    def lead(owner, title, n_contacts):
        def fill(q):
            q.lead_create.title = title
            q.lead_create.owner = owner
            for i in range(n_contacts):
                ct = q.lead_create.contacts.add()
                ct.name = ("contact %d " % i) + "n" * 180
                ct.role = "r" * 90
                ct.email = "e%d@" % i + "x" * 200 + ".com"
                ct.phone = "+33 1 23 45 67 %02d" % (i % 100)
        return fill
    fills = []
    for i in range(big):
        fills.append(lead("rob", "zircon visible %d" % i, 50))
        fills.append(lead("sia", "zircon secret %d of south" % i, 0))
    ans = pipeline(admin, fills, window=20)
    assert all(a.code == 0 for a in ans), [desc(pb, a) for a in ans if a.code][:1]
    secret = {a.lead.lead.id for a in ans if "secret" in a.lead.lead.title}
    visible = {a.lead.lead.id for a in ans if "visible" in a.lead.lead.title}
    # rob's own leads outnumber the word's: the word drives, and the
    # secret leads are examined (and skipped) between rob's.
    pipeline(admin, [lead("rob", "plain %d" % i, 0) for i in range(300)], window=100)
    rob = Client(pb, d.port, "rob", PW)
    for sort in (0, pb.SORT_TITLE, pb.SORT_CREATED):
        seen, cursors, sizes, pages = [], [], [], 0
        cur = None
        while pages < 50:
            def fill(q, cur=cur):
                q.lead_list.filter.query = "zircon"
                q.lead_list.limit = 1000
                if sort:
                    q.lead_list.sort = sort
                if cur:
                    q.lead_list.cursor = cur
            r = rob.call(fill)
            pages += 1
            if r.code != 0:
                seen = None
                break
            sizes.append(r.ByteSize())
            seen += [l.id for l in r.lead_list.leads]
            cur = r.lead_list.cursor
            if not cur:
                break
            cursors.append(cur)
        name = pb.LeadSort.Name(sort) if sort else "SORT_ID"
        record("%s: pages of large leads stop under the frame budget, each visible lead once"
               % name, seen is not None and sorted(seen) == sorted(visible) and pages > 1 and
               max(sizes) < FRAME_MAX, "%d pages, largest %s bytes" % (pages, max(sizes or [0])))
        leaked = [cursor_id(c) for c in cursors if cursor_id(c) not in visible]
        record("%s: no cursor holds the position of a lead the rep may not see" % name,
               not leaked, "cursor ids %s (secret: %s)" % (
                   [cursor_id(c) for c in cursors], [i in secret for i in leaked]))

    # Index keys as a person would search.
    cases = [
        ("Cafe\u0301 Noe\u0308l", "cafe", "combining marks: 'cafe'"),
        ("Cafe\u0301 Noe\u0308l", "noel", "combining marks: 'noel'"),
        ("\u00c9cole \U0001F680 rocket", "rocket", "a word after an emoji"),
        ("\u05e9\u05dc\u05d5\u05dd deal", "\u05e9\u05dc\u05d5", "RTL (Hebrew) prefix"),
        ("\uff34\uff2f\uff2d fullwidth", "tom", "fullwidth letters (NFKC)"),
        # (with "long": the big leads' emails have long runs of x too)
        ("x" * 70 + " long", "long " + "x" * 64, "a 70-letter word by its first 64"),
        ("x" * 70 + " long", "long " + "x" * 70, "a 70-letter word typed in full"),
        ("Stra\u00dfe deal", "strasse", "German sharp s (case folded)"),
    ]
    ids = {}
    for title, _, _ in cases:
        if title not in ids:
            ids[title] = ok_call(admin, lambda q, t=title: (
                setattr(q.lead_create, "title", t), setattr(q.lead_create, "owner", "admin")),
                "create").lead.lead.id

    def contact_lead(**ct):
        def fill(q):
            q.lead_create.title = "contact lead"
            q.lead_create.owner = "admin"
            c = q.lead_create.contacts.add()
            c.name = "Ana"
            for k, v in ct.items():
                setattr(c, k, v)
        return ok_call(admin, fill, "create").lead.lead.id
    pid = contact_lead(phone="+33 (0)1 23-45.67.89")
    eid = contact_lead(email="Jean.Dupont+crm@Example.co.uk")
    contact_cases = [
        (pid, "330123456789", "a phone by its digits"),
        (pid, "33012", "a phone by its first digits"),
        (eid, "jean.dupont+crm@example.co.uk", "an email typed in full"),
        (eid, "dupont", "an email by a part between dots"),
        (eid, "crm", "an email by its plus tag"),
        (eid, "example", "an email by its domain"),
    ]

    def find(word):
        r = admin.call(lambda q: (setattr(q.lead_list.filter, "query", word),
                                  setattr(q.lead_list, "limit", 1000)))
        return r, [l.id for l in r.lead_list.leads]
    for title, word, what in cases:
        r, got = find(word)
        record("query finds %s" % what, r.code == 0 and ids[title] in got, desc(pb, r))
    for lid, word, what in contact_cases:
        r, got = find(word)
        record("query finds %s" % what, r.code == 0 and lid in got, desc(pb, r))


if __name__ == "__main__":
    main()

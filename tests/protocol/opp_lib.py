"""Shared by the opportunity read tests (opp_read, forecast, opp_kpi_watch,
opp_verify_damage): requests that make opportunities and move them, and
the reads that page through them. Each call must answer OK unless it says
otherwise (ok_call)."""
from leadd_harness import change_db, ok_call, run_verify  # noqa: F401


def opp_create_fill(lead_id, items=(("Licence", 1, 10000),), **kw):
    """The fill of an opp_create on lead_id with items (name, quantity,
    unit price minor); kw: other OppCreateRequest fields (for pipelines)."""
    def fill(q):
        q.opp_create.lead_id = lead_id
        for name, qty, price in items:
            it = q.opp_create.items.add()
            it.name, it.quantity, it.unit_price_minor = name, qty, price
        for k, v in kw.items():
            setattr(q.opp_create, k, v)
    return fill


def opp_create(c, lead_id, items=(("Licence", 1, 10000),), **kw):
    """opp_create on lead_id (as opp_create_fill). The OppReply."""
    return ok_call(c, opp_create_fill(lead_id, items, **kw),
                   "opp_create on lead %d" % lead_id).opp


def opp_won(c, opp_id, **kw):
    def fill(q):
        q.opp_won.id = opp_id
        for k, v in kw.items():
            setattr(q.opp_won, k, v)
    return ok_call(c, fill, "opp_won %d" % opp_id).opp


def opp_lost(c, opp_id, reason="lost to the test", **kw):
    def fill(q):
        q.opp_lost.id = opp_id
        q.opp_lost.reason = reason
        q.opp_lost.other = True
        for k, v in kw.items():
            setattr(q.opp_lost, k, v)
    return ok_call(c, fill, "opp_lost %d" % opp_id).opp


def opp_edit(c, opp_id, **kw):
    def fill(q):
        q.opp_edit.id = opp_id
        for k, v in kw.items():
            setattr(q.opp_edit, k, v)
    return ok_call(c, fill, "opp_edit %d" % opp_id).opp


def opp_list_call(c, cursor=None, **kw):
    """One opp_list page (the Response, whatever its code)."""
    def fill(q):
        q.opp_list.SetInParent()
        for k, v in kw.items():
            setattr(q.opp_list, k, v)
        if cursor:
            q.opp_list.cursor = cursor
    return c.call(fill)


def opp_list_all(c, **kw):
    """Every opportunity opp_list gives with these filters, page by page;
    (opps, pages)."""
    out, cursor, pages = [], None, 0
    while True:
        r = opp_list_call(c, cursor, **kw)
        if r.code != 0:
            raise RuntimeError("opp_list %r: %d %s" % (kw, r.code, r.message))
        pages += 1
        out.extend(r.opp_list.opps)
        cursor = r.opp_list.cursor
        if not cursor:
            return out, pages


def forecast(c, **kw):
    """A forecast reply (which must be OK)."""
    def fill(q):
        q.forecast.SetInParent()
        for k, v in kw.items():
            setattr(q.forecast, k, v)
    return ok_call(c, fill, "forecast %r" % (kw,)).forecast


def amounts(lst):
    """ForecastAmounts as {currency: (opps, amount, weighted_minor, weighted_x100)}."""
    return {a.currency: (a.opps, a.amount_minor, a.weighted_minor, a.weighted_x100)
            for a in lst}


def set_status(c, lead_id, status, reason=None):
    def fill(q):
        q.lead_set_status.id = lead_id
        q.lead_set_status.status = status
        if reason:
            q.lead_set_status.reason = reason
            q.lead_set_status.other = True
    return ok_call(c, fill, "lead_set_status %d %s" % (lead_id, status))

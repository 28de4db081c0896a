/* TOPIC_PINS (docs/protocol.md section 6): a watcher hears when its pinned
 * saved searches change, so a dashboard shows a search pinned or unpinned
 * elsewhere (another terminal's `lead search pin`) without asking.
 *
 * Pins are not in the change log (they make no revision), so there is
 * nothing to replay: the watcher keeps a hash of its pinned searches as
 * search_list gives them (name, team, owner, filter, sort, order), taken
 * when the watch starts and at each snapshot; after a committed
 * search_pin, search_edit or search_rm (watch_searches_dirty) the pump
 * compares it with a fresh one. Only a watcher whose own pinned searches
 * read otherwise gets EVENT_PINS: nothing is said of anyone else's. */
#include <stdlib.h>

#include "ld_hash.h"
#include "log.h"
#include "watch_int.h"

int watch_pins_sig(watcher *w, store_txn *t, uint64_t *sig)
{
	request_ctx *rc = watch_as_caller(w);
	if (!rc)
		return -1;
	int ok = search_list(rc, t) == LD_OK && rc->resp.search_list;
	uint64_t h = LD_HASH_INIT;
	const Leadd__SearchListReply *r = ok ? rc->resp.search_list : NULL;
	/* Pinned first, in pin order (SearchListReply). */
	for (size_t i = 0; r && i < r->n_searches && r->searches[i]->pinned && ok; i++) {
		size_t n = leadd__saved_search__get_packed_size(r->searches[i]);
		uint8_t *buf = malloc(n ? n : 1);
		if (!buf) {
			ok = 0;
			break;
		}
		leadd__saved_search__pack(r->searches[i], buf);
		h = ld_hash(h, &n, sizeof(n));
		h = ld_hash(h, buf, n);
		free(buf);
	}
	if (ok)
		*sig = h;
	else
		log_warn("watch: %s: the pinned searches could not be read: %s",
			 net_conn_peer(w->conn), rc->message[0] ? rc->message : "out of memory");
	dispatch_free(rc);
	return ok ? 0 : -1;
}

void watch_pins_check(watcher *w, store_txn *t)
{
	if (!(w->topics & WATCH_TOPIC_BIT(LEADD__WATCH_TOPIC__TOPIC_PINS)) || w->owe_snapshot)
		return;
	uint64_t sig;
	int ok = watch_pins_sig(w, t, &sig) == 0;
	if (ok && sig == w->pins_sig)
		return;
	if (ok)
		w->pins_sig = sig;
	Leadd__Event ev = LEADD__EVENT__INIT;
	ev.has_kind = ev.has_revision = 1;
	ev.kind = LEADD__EVENT_KIND__EVENT_PINS;
	ev.revision = w->pos;
	watch_out_event(w, &ev);
}

/* Pinned saved searches: each user's dashboard panels, in order, kept as
 * search ids (a rename does not touch them). Pins of searches the user no
 * longer sees are skipped, and dropped at their next pin change. */
#ifndef LEADD_SAVED_SEARCH_PINS_H
#define LEADD_SAVED_SEARCH_PINS_H

#include "dispatch.h"
#include "saved_search_store.h"

/* The caller's pins of searches they see, in order: 0, or an LMDB error /
 * ENOMEM. */
int saved_live_pins(request_ctx *rc, store_txn *t, saved_pins **pins, uint64_t **ids, size_t *n);
/* 1-based position of id in ids, 0 if absent. */
uint32_t saved_pin_position(const uint64_t *ids, size_t n, uint64_t id);
/* Pin search id for the caller (at `position` when has_position, else at
 * the end or where it already is), or unpin it. LD_OK, or an error code
 * with the sentence set on rc. */
int saved_pins_set(request_ctx *rc, store_txn *t, uint64_t id, int pin, int has_position,
		   uint32_t position);
/* Drop search id from every user's pins: 0, or an LMDB error / ENOMEM. */
int saved_unpin_everywhere(request_ctx *rc, store_txn *t, uint64_t id);

#endif

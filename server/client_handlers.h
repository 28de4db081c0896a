/* What the client folder requests share (client_handlers.c): finding the
 * folder a ClientRef names, and the folder as the wire shows it. Folder
 * records are company-wide: every user may list and read them; only the
 * leads a reply counts are filtered by what the caller may see. */
#ifndef LEADD_CLIENT_HANDLERS_H
#define LEADD_CLIENT_HANDLERS_H

#include "dispatch.h"
#include "leadd_store.pb-c.h"

/* The folder `ref` names (by id or by name, folded as folder names are).
 * `what` says which folder for messages ("the folder to merge"). LD_OK with
 * *out in `arena`, or an error code with the sentence on rc. */
int client_ref_find(request_ctx *rc, store_txn *t, const Leadd__ClientRef *ref, const char *what,
		    ld_arena *arena, Leadd__Store__ClientRecord **out);

/* The wire Client of a record (pointing into it), in rc's arena. */
Leadd__Client *client_wire(request_ctx *rc, const Leadd__Store__ClientRecord *rec);

/* A ClientReply for rec set as rc's answer: LD_OK, or out of memory. */
int client_reply(request_ctx *rc, const Leadd__Store__ClientRecord *rec, Leadd__ClientReply **out);

/* A folder's phone, checked as a contact's is. LD_OK or INVALID_ARGUMENT. */
int client_check_phone(request_ctx *rc, const char *phone);

/* The sentence for a near match ("did you mean ...?"). */
int client_near_fail(request_ctx *rc, const char *name, const char *near);

/* The sentence for a name that has no letters or digits or is too long. */
int client_bad_name_fail(request_ctx *rc, const char *name);

/* At start: finish folder renames a crash interrupted (their leads take
 * the folder's name), as lead_finish_team_moves does for team changes.
 * 0, or the LMDB error that stopped it (logged). */
int client_finish_renames(store *st);

#endif

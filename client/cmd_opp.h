/* What the `lead opp` commands share (cmd_opp*.c, not the rest of lead):
 * their option codes, the items as --item, --qty and --price give them, the
 * arguments several take (an OID, a day, a probability, --if-version), the
 * opportunity as the server holds it, and how a change's reply is printed. */
#ifndef CMD_OPP_H
#define CMD_OPP_H

#include "lead.h"

/* The getopt codes of every opp subcommand's long options: one numbering,
 * so that the options several take (--item, --if-version ...) are the same. */
enum {
	O_ITEM = 1500,
	O_QTY,
	O_PRICE,
	O_CLOSE,
	O_TITLE,
	O_PROBABILITY,
	O_CURRENCY,
	O_OWNER,
	O_TEAM,
	O_OPEN,
	O_WON,
	O_LOST,
	O_CLOSING_BEFORE,
	O_LIMIT,
	O_REASON,
	O_OTHER,
	O_DATE,
	O_IF_VERSION
};

/* The items as typed: --item NAME, then its --qty and --price. */
struct opp_items {
	Leadd__OppItem *v;
	Leadd__OppItem **p;
	const char **price; /* as typed, read once the currency is known */
	const char **qty;   /* as typed, NULL until given */
	size_t n;
};

/* The subcommands, each in the file of its kind; cmd_opp.c lists them. */
extern const struct cmd_entry cmd_opp_new_entry;  /* cmd_opp_new_edit.c */
extern const struct cmd_entry cmd_opp_edit_entry; /* cmd_opp_new_edit.c */
extern const struct cmd_entry cmd_opp_ls_entry;   /* cmd_opp_ls_show.c */
extern const struct cmd_entry cmd_opp_show_entry; /* cmd_opp_ls_show.c */
extern const struct cmd_entry cmd_opp_won_entry;  /* cmd_opp_won_lost.c */
extern const struct cmd_entry cmd_opp_lost_entry; /* cmd_opp_won_lost.c */

/* "lead: out of memory" on stderr, and exit. */
void opp_out_of_memory(void);

/* Frees what the items hold (not it itself). */
void opp_items_free(struct opp_items *it);
/* One item option (c is O_ITEM, O_QTY or O_PRICE, arg its value) added to
 * it: --item starts an item, --qty and --price belong to the last one.
 * 0, or a usage error's exit status. */
int opp_item_option(const struct cmd_entry *self, struct lead_ctx *ctx, struct opp_items *it, int c,
		    const char *arg);
/* Once the currency code is known: every item's price read in its
 * decimals, and it->p, the array of pointers the request takes, filled.
 * 0, or a usage error's exit status (an item without --price too). */
int opp_items_finish(const struct cmd_entry *self, struct lead_ctx *ctx, struct opp_items *it,
		     const char *code);

/* An OID argument into *id; 0, or a usage error's exit status. */
int opp_id_arg(const struct cmd_entry *self, struct lead_ctx *ctx, const char *s, uint64_t *id);
/* A day option (opt is "--close", "--date" or "--closing-before") as the
 * local day YYYY-MM-DD it names, in day; with none_ok, "none" gives "".
 * 0, or a usage error's exit status. */
int opp_day_arg(const struct cmd_entry *self, struct lead_ctx *ctx, const char *opt,
		const char *arg, int none_ok, char day[16]);
/* --probability: 0..100 into *p, or with none_ok "none", which sets
 * *clear. 0, or a usage error's exit status. */
int opp_prob_arg(const struct cmd_entry *self, struct lead_ctx *ctx, const char *arg, int none_ok,
		 uint32_t *p, int *clear);
/* --if-version: the version into *v, *has set. 0, or a usage error's
 * exit status. */
int opp_version_arg(const struct cmd_entry *self, struct lead_ctx *ctx, const char *arg,
		    protobuf_c_boolean *has, uint64_t *v);

/* The opportunity id (OppGetRequest): 0 with *resp, whose opp->opp is it
 * (free *resp with leadd__response__free_unpacked), or the exit status. */
int opp_get(struct lead_ctx *ctx, uint64_t id, Leadd__Response **resp);
/* A change's OppReply printed: "VERB OPPORTUNITY", the lead's move and the
 * activities that closed; with --json the object `lead opp new` documents.
 * 0, or the exit status. */
int opp_print_reply(struct lead_ctx *ctx, const Leadd__OppReply *r, const char *verb);
/* req sent, its OppReply printed as opp_print_reply does; 0 or the exit
 * status. */
int opp_send(struct lead_ctx *ctx, Leadd__Request *req, const char *verb);

#endif

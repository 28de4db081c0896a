/* Connections that have not logged in, counted per source (an address, or
 * an IPv6 /64), each source's in arrival order: the pre-login caps, and
 * the choice of which connection to drop when a newcomer from a quieter
 * source needs room. Loop thread only. */
#ifndef LEADD_PRELOGIN_H
#define LEADD_PRELOGIN_H

#include <stdint.h>

typedef struct prelogin_source prelogin_source;

/* Embedded in a connection while it counts. */
typedef struct prelogin_link {
	void *conn;
	prelogin_source *src;
	struct prelogin_link *prev, *next;
} prelogin_link;

typedef struct prelogin_table prelogin_table;

prelogin_table *prelogin_new(void);
void prelogin_free(prelogin_table *t);
/* Connections counted in all, and from one source. */
uint32_t prelogin_total(const prelogin_table *t);
uint32_t prelogin_count(const prelogin_table *t, const char *source);
/* Count conn under source (last in its arrival order). -1 out of memory. */
int prelogin_add(prelogin_table *t, prelogin_link *l, const char *source, void *conn);
void prelogin_remove(prelogin_table *t, prelogin_link *l);
/* The oldest connection of the source that holds the most, if that source
 * holds at least at_least; else NULL. */
void *prelogin_victim(const prelogin_table *t, uint32_t at_least);

#endif

/* The daemon's shared state, one per process. */
#ifndef LEADD_SERVER_H
#define LEADD_SERVER_H

#include <stdatomic.h>
#include <stdint.h>

#include "config.h"
#include "store.h"

typedef struct writer writer;
typedef struct net net;

typedef struct server {
	config_t cfg;
	store st;
	writer *wr;
	net *nt;
	int64_t started_at; /* unix ms */
} server;

int64_t server_now_ms(void);
/* Set only by the test-only copy of leadd (fault_inject.c): maps the real
 * time to the time leadd uses, so tests can date changes. NULL in leadd. */
extern int64_t (*server_clock_hook)(int64_t real_ms);

#endif

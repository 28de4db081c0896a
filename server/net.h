/* Connections: accept, frame, hand each request to the dispatcher, and
 * answer each connection's requests in the order they were sent. */
#ifndef LEADD_NET_H
#define LEADD_NET_H

#include <stdint.h>
#include <uv.h>

#include "server.h"

/* Bind and listen on cfg.listen. 0, or -1 with a sentence in err. */
net *net_start(server *srv, uv_loop_t *loop, char *err, size_t errlen);
/* The port actually bound (useful with port 0). */
int net_port(const net *nt);
uint32_t net_connection_count(const net *nt);
/* Stop accepting and reading, answer what is queued, then close every
 * connection (at the latest after the deadline) and call done(). */
void net_shutdown(net *nt, uint32_t deadline_ms, void (*done)(server *srv));

#endif

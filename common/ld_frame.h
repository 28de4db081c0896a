/* Frame codec: a TCP stream of frames, each a 4-byte big-endian length
 * followed by that many bytes of one protobuf message.
 *
 * The decoder is incremental: feed it whatever read() returned (partial
 * frames, several frames, one frame split over many reads) and take complete
 * frames out. The length is checked against the limit before any allocation,
 * so a hostile 0xFFFFFFFF prefix costs nothing. */
#ifndef LD_FRAME_H
#define LD_FRAME_H

#include <stddef.h>
#include <stdint.h>

#define LD_FRAME_HEADER 4u
/* Largest frame after login; 1 MiB holds a list page of 1000 full leads. */
#define LD_FRAME_MAX (1u << 20)
/* Largest frame before login: Hello and Login are tiny. */
#define LD_FRAME_MAX_PRELOGIN (64u << 10)

typedef enum {
	LD_FRAME_NEED_MORE = 0, /* no complete frame yet */
	LD_FRAME_OK = 1,        /* frame and len hold one frame */
	LD_FRAME_TOO_BIG = -1,  /* length prefix over the limit */
	LD_FRAME_EMPTY = -2,    /* zero-length frame */
	LD_FRAME_NOMEM = -3,
} ld_frame_status;

typedef struct {
	uint8_t *buf;   /* bytes received and not yet consumed */
	size_t len;     /* bytes in buf */
	size_t cap;     /* allocated size of buf */
	size_t off;     /* start of unconsumed data in buf */
	uint32_t limit; /* largest frame body accepted */
} ld_frame_decoder;

void ld_frame_decoder_init(ld_frame_decoder *d, uint32_t limit);
void ld_frame_decoder_free(ld_frame_decoder *d);
void ld_frame_decoder_set_limit(ld_frame_decoder *d, uint32_t limit);

/* Reserve room for at least `want` more bytes and return where to write them;
 * *avail receives the room available. NULL when out of memory. */
uint8_t *ld_frame_decoder_space(ld_frame_decoder *d, size_t want, size_t *avail);
/* Account for `n` bytes just written into the space returned above. */
void ld_frame_decoder_commit(ld_frame_decoder *d, size_t n);
/* Copy bytes in (convenience for callers that already have a buffer). */
int ld_frame_decoder_feed(ld_frame_decoder *d, const void *data, size_t n);

/* Take the next complete frame. On LD_FRAME_OK, *frame points into the
 * decoder's buffer and stays valid until the next feed/space call. */
ld_frame_status ld_frame_next(ld_frame_decoder *d, const uint8_t **frame, uint32_t *len);

/* Bytes buffered and not yet taken out as frames. */
size_t ld_frame_pending(const ld_frame_decoder *d);
/* True when ld_frame_next would return something other than NEED_MORE. */
int ld_frame_ready(const ld_frame_decoder *d);

void ld_frame_put_header(uint8_t out[LD_FRAME_HEADER], uint32_t len);
uint32_t ld_frame_get_header(const uint8_t in[LD_FRAME_HEADER]);

/* Write v as a protobuf varint at p (at most 10 bytes); its length. For
 * replies assembled from packed parts (a page of stored leads). */
size_t ld_varint_put(uint8_t *p, uint64_t v);

#endif

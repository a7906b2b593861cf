/*
 * frame: an encoded SSE frame, reference-counted so that one copy serves
 * every subscriber whose socket queue points at it, and the window of
 * recent frames beside them. Whoever holds a reference drops it with
 * frame_unref(); the last one frees the frame.
 */
#ifndef SSEHUB_FRAME_H
#define SSEHUB_FRAME_H

#include <sys/types.h>

#include "topic.h"
#include "store.h"

struct frame {
	u_int32_t	refs;
	u_int8_t	batch;		/* a copy made for one catch-up */
	u_int64_t	id;		/* of the last event it carries */
	size_t		len;
	char		topic[TOPIC_MAX + 1];	/* "" if several */
	char		data[];
};

/*
 * An event of the log, or NULL when it cannot be framed; envelope: its
 * data as {"topic","event","data"} (a stream's envelope=1).
 */
struct frame	*frame_event(const struct store_event *, int envelope);
/* An event without id: presence counts. NULL when invalid. */
struct frame	*frame_notice(const char *event, const char *data, size_t);
/* "id: trimmed, event: reset, data: oldest": the cursor was lost. */
struct frame	*frame_reset(u_int64_t trimmed, u_int64_t oldest);
/* Frames already encoded back to back, the last with id last. */
struct frame	*frame_batch(u_int64_t last, const void *, size_t);
/*
 * n live frames in one, in order, for subscribers that want them all:
 * one write instead of n. Not a catch-up copy (not in the bytes below).
 */
struct frame	*frame_join(struct frame **, size_t n);
/* Bytes held by batch frames: what catch-ups cost this worker now. */
size_t		frame_batch_bytes(void);
/* A comment line ("heartbeat"), kept by its caller for ever. */
struct frame	*frame_comment(const char *);
void		frame_unref(struct frame *);

#endif

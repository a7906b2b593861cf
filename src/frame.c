/*
 * frame: encoded SSE frames with a reference count. One allocation
 * holds the header and the bytes, so a netbuf that points at f->data
 * finds its frame again by subtracting the offset (sub.c).
 */

#include <sys/types.h>

#include <kore/kore.h>

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "frame.h"
#include "json_out.h"
#include "sse_frame.h"

static struct frame	*frame_alloc(u_int64_t, const char *, size_t);
static struct frame	*frame_encode(const struct store_event *);

static size_t		frame_batched;	/* bytes in batch frames */

static struct frame *
frame_alloc(u_int64_t id, const char *topic, size_t size)
{
	struct frame	*f;

	f = kore_malloc(sizeof(*f) + size);
	f->refs = 1;
	f->batch = 0;
	f->id = id;
	f->len = size;
	(void)kore_strlcpy(f->topic, topic, sizeof(f->topic));

	return (f);
}

/*
 * envelope=1: the data becomes {"topic","event","data"}, one JSON line,
 * for EventSource clients, which never see the topic: line.
 */
struct frame *
frame_event(const struct store_event *ev, int envelope)
{
	struct store_event	env;
	struct frame		*f;
	char			*json;

	if (!envelope)
		return (frame_encode(ev));

	env = *ev;
	env.data_len = json_out_event(NULL, 0, NULL, ev->topic, ev->event,
	    ev->data, ev->data_len);
	json = kore_malloc(env.data_len);
	(void)json_out_event(json, env.data_len, NULL, ev->topic, ev->event,
	    ev->data, ev->data_len);
	env.data = json;
	f = frame_encode(&env);
	kore_free(json);

	return (f);
}

static struct frame *
frame_encode(const struct store_event *ev)
{
	struct frame	*f;
	size_t		size;

	if ((size = sse_frame_size(ev->id, ev->topic, ev->event, ev->data,
	    ev->data_len)) == 0)
		return (NULL);

	f = frame_alloc(ev->id, ev->topic, size);
	if (!sse_frame_encode(f->data, size, ev->id, ev->topic, ev->event,
	    ev->data, ev->data_len, &f->len)) {
		kore_free(f);
		return (NULL);
	}

	return (f);
}

struct frame *
frame_reset(u_int64_t trimmed, u_int64_t oldest)
{
	struct store_event	ev;
	char			buf[24];
	int			len;

	len = snprintf(buf, sizeof(buf), "%" PRIu64, oldest);
	ev.id = trimmed;
	ev.topic = "";
	ev.event = "reset";
	ev.data = buf;
	ev.data_len = (size_t)len;

	return (frame_encode(&ev));
}

struct frame *
frame_batch(u_int64_t last, const void *data, size_t len)
{
	struct frame	*f;

	f = frame_alloc(last, "", len);
	memcpy(f->data, data, len);
	f->batch = 1;
	frame_batched += len;

	return (f);
}

/* An event without id (presence): no client's cursor moves. */
struct frame *
frame_notice(const char *event, const char *data, size_t len)
{
	struct frame	*f;
	size_t		size;

	if ((size = sse_notice_size(event, data, len)) == 0)
		return (NULL);
	f = frame_alloc(0, "", size);
	if (!sse_notice_encode(f->data, size, event, data, len, &f->len)) {
		kore_free(f);
		return (NULL);
	}
	return (f);
}

struct frame *
frame_join(struct frame **frames, size_t n)
{
	struct frame	*f;
	const char	*topic = frames[0]->topic;
	size_t		i, len = 0, off = 0;

	for (i = 0; i < n; i++) {
		len += frames[i]->len;
		if (strcmp(frames[i]->topic, topic) != 0)
			topic = "";
	}

	f = frame_alloc(frames[n - 1]->id, topic, len);
	for (i = 0; i < n; i++) {
		memcpy(f->data + off, frames[i]->data, frames[i]->len);
		off += frames[i]->len;
	}

	return (f);
}

struct frame *
frame_comment(const char *text)
{
	struct frame	*f;
	size_t		size;

	size = strlen(text) + 4;
	f = frame_alloc(0, "", size);
	f->len = sse_comment_encode(f->data, size, text);

	return (f);
}

void
frame_unref(struct frame *f)
{
	if (--f->refs > 0)
		return;
	if (f->batch)
		frame_batched -= f->len;
	kore_free(f);
}

size_t
frame_batch_bytes(void)
{
	return (frame_batched);
}

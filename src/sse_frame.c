/*
 * Server-Sent Events framing. A frame is built by a single routine that
 * writes into a bounded buffer and counts every byte even when they do
 * not fit; sse_frame_size() runs it with no buffer, so the size it
 * reports is the size the encoder writes by construction.
 *
 * Nothing here writes a terminating NUL: frames go to the socket with an
 * explicit length.
 */

#include <inttypes.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "result.h"
#include "sse_frame.h"

/*
 * Bounds the per-line overhead ("data: " and "\n" per byte of input in
 * the worst case) so that size computations cannot wrap.
 */
#define SSE_DATA_MAX		(SIZE_MAX / 16)

struct sse_frame_buf {
	char	*dst;		/* NULL: count only */
	size_t	 len;
	size_t	 off;		/* bytes produced, may exceed len */
};

static int	sse_frame_build(struct sse_frame_buf *, const uint64_t *,
		    const char *, const char *, const char *, size_t);
static size_t	sse_frame_line(const char *, size_t, size_t, size_t *);
static void	sse_frame_put(struct sse_frame_buf *, const char *, size_t);
static void	sse_frame_put_str(struct sse_frame_buf *, const char *);
static void	sse_frame_put_u64(struct sse_frame_buf *, uint64_t);
static size_t	sse_frame_done(const struct sse_frame_buf *);

size_t
sse_frame_size(uint64_t id, const char *topic, const char *event,
    const char *data, size_t len)
{
	struct sse_frame_buf	b = { NULL, 0, 0 };

	if (sse_frame_build(&b, &id, topic, event, data, len) != RESULT_OK)
		return (0);

	return (b.off);
}

size_t
sse_notice_size(const char *event, const char *data, size_t len)
{
	struct sse_frame_buf	b = { NULL, 0, 0 };

	if (sse_frame_build(&b, NULL, NULL, event, data, len) != RESULT_OK)
		return (0);

	return (b.off);
}

int
sse_notice_encode(char *dst, size_t dstlen, const char *event,
    const char *data, size_t len, size_t *out)
{
	struct sse_frame_buf	b = { dst, dstlen, 0 };

	if (sse_frame_build(&b, NULL, NULL, event, data, len) != RESULT_OK ||
	    sse_frame_done(&b) == 0)
		return (RESULT_ERROR);

	*out = b.off;
	return (RESULT_OK);
}

int
sse_frame_encode(char *dst, size_t dstlen, uint64_t id, const char *topic,
    const char *event, const char *data, size_t len, size_t *out)
{
	struct sse_frame_buf	b = { dst, dstlen, 0 };

	if (sse_frame_build(&b, &id, topic, event, data, len) != RESULT_OK ||
	    sse_frame_done(&b) == 0)
		return (RESULT_ERROR);

	*out = b.off;
	return (RESULT_OK);
}

size_t
sse_comment_encode(char *dst, size_t dstlen, const char *text)
{
	struct sse_frame_buf	b = { dst, dstlen, 0 };

	if (text == NULL || !sse_field_valid(text, strlen(text)))
		return (0);

	sse_frame_put_str(&b, ": ");
	sse_frame_put_str(&b, text);
	sse_frame_put_str(&b, "\n\n");

	return (sse_frame_done(&b));
}

size_t
sse_retry_encode(char *dst, size_t dstlen, uint32_t ms)
{
	struct sse_frame_buf	b = { dst, dstlen, 0 };

	sse_frame_put_str(&b, "retry: ");
	sse_frame_put_u64(&b, ms);
	sse_frame_put_str(&b, "\n\n");

	return (sse_frame_done(&b));
}

int
sse_field_valid(const char *value, size_t len)
{
	size_t		i;

	if (value == NULL || len == 0 || len > SSE_EVENT_MAX)
		return (0);

	for (i = 0; i < len; i++) {
		if (value[i] == '\r' || value[i] == '\n' || value[i] == '\0')
			return (0);
	}

	return (1);
}

static int
sse_frame_build(struct sse_frame_buf *b, const uint64_t *id,
    const char *topic, const char *event, const char *data, size_t len)
{
	size_t		off, n, brk;

	if (event == NULL || !sse_field_valid(event, strlen(event)) ||
	    len > SSE_DATA_MAX)
		return (RESULT_ERROR);
	if (topic != NULL && topic[0] != '\0' &&
	    !sse_field_valid(topic, strlen(topic)))
		return (RESULT_ERROR);

	/* Empty data may come as NULL, to which no offset may be added. */
	if (len == 0)
		data = "";

	if (id != NULL) {
		sse_frame_put_str(b, "id: ");
		sse_frame_put_u64(b, *id);
		sse_frame_put_str(b, "\n");
	}
	/*
	 * The topic, so that a client holding one stream for several
	 * subscriptions can tell whose an event is.
	 */
	if (topic != NULL && topic[0] != '\0') {
		sse_frame_put_str(b, "topic: ");
		sse_frame_put_str(b, topic);
		sse_frame_put_str(b, "\n");
	}
	sse_frame_put_str(b, "event: ");
	sse_frame_put_str(b, event);
	sse_frame_put_str(b, "\n");

	/*
	 * A line break inside a field would end it and let the data forge
	 * other fields, so every line of the data gets its own "data: ".
	 * The client joins them back with LF.
	 */
	off = 0;
	do {
		n = sse_frame_line(data, off, len, &brk);
		sse_frame_put_str(b, "data: ");
		sse_frame_put(b, data + off, n);
		sse_frame_put_str(b, "\n");
		off += n + brk;
	} while (brk != 0);

	sse_frame_put_str(b, "\n");
	return (RESULT_OK);
}

/*
 * Length of the line of data starting at off; *brk is set to the length
 * of the line break ending it (1 for CR or LF, 2 for CRLF) or 0 when the
 * line ends with the data.
 */
static size_t
sse_frame_line(const char *data, size_t off, size_t len, size_t *brk)
{
	size_t		n;

	for (n = 0; off + n < len; n++) {
		if (data[off + n] == '\r' || data[off + n] == '\n')
			break;
	}

	*brk = 0;
	if (off + n < len) {
		*brk = 1;
		if (data[off + n] == '\r' && off + n + 1 < len &&
		    data[off + n + 1] == '\n')
			*brk = 2;
	}

	return (n);
}

static void
sse_frame_put(struct sse_frame_buf *b, const char *s, size_t n)
{
	if (b->dst != NULL && n <= b->len && b->off <= b->len - n)
		memcpy(b->dst + b->off, s, n);

	b->off += n;
}

static void
sse_frame_put_str(struct sse_frame_buf *b, const char *s)
{
	sse_frame_put(b, s, strlen(s));
}

static void
sse_frame_put_u64(struct sse_frame_buf *b, uint64_t v)
{
	char	num[24];	/* 20 digits for UINT64_MAX, and a NUL */

	(void)snprintf(num, sizeof(num), "%" PRIu64, v);
	sse_frame_put_str(b, num);
}

/* Bytes written, or 0 when they did not all fit in the buffer. */
static size_t
sse_frame_done(const struct sse_frame_buf *b)
{
	return (b->off > b->len ? 0 : b->off);
}

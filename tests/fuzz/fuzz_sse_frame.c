/*
 * libFuzzer harness for the SSE frame encoder. Input: 8 bytes of id, one
 * byte giving the event length, the event, then the data. The id's low
 * two bits choose the topic: none (NULL), none (""), a fixed name, or the
 * event's bytes again. Every encoded frame is parsed back the way a
 * browser does (WHATWG HTML, "Server-sent events", section 9.2.6) and
 * must give back the id, the topic, the event and the data with its line
 * breaks turned into LF, and nothing else.
 */

#include <inttypes.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "result.h"
#include "sse_frame.h"

#define FUZZ_HEAD	9	/* id and event length */

/* What a client makes of one frame; buffers are malloc'd by the parser. */
struct fuzz_seen {
	char	*id;
	char	*topic;
	char	*event;
	char	*data;
	size_t	 data_len;
};

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static void	fuzz_check_encode(size_t, uint64_t, const char *,
		    const char *, const char *, size_t);
static void	fuzz_check_frame(const char *, size_t, uint64_t,
		    const char *, const char *, const char *, size_t);
static void	fuzz_parse(const char *, size_t, struct fuzz_seen *);
static void	fuzz_field(struct fuzz_seen *, const char *, size_t);
static void	fuzz_set(char **, const char *, size_t);
static char	*fuzz_lf(const char *, size_t, size_t *);
static void	fuzz_check_controls(const char *, uint32_t);
static void	fuzz_assert(int);

int
LLVMFuzzerTestOneInput(const uint8_t *in, size_t size)
{
	char		*event;
	const char	*data, *topic;
	uint64_t	 id;
	size_t		 elen, dlen, fsize;
	int		 valid;

	if (size < FUZZ_HEAD || size - FUZZ_HEAD < in[8])
		return (0);

	memcpy(&id, in, sizeof(id));
	elen = in[8];
	fuzz_assert((event = strndup((const char *)in + FUZZ_HEAD, elen)) !=
	    NULL);
	data = (const char *)in + FUZZ_HEAD + elen;
	dlen = size - FUZZ_HEAD - elen;

	switch (id & 3) {
	case 0:
		topic = NULL;
		break;
	case 1:
		topic = "";
		break;
	case 2:
		topic = "orders.42";
		break;
	default:
		topic = event;
		break;
	}

	valid = sse_field_valid(event, strlen(event));
	fsize = sse_frame_size(id, topic, event, data, dlen);
	fuzz_assert((fsize != 0) == valid);

	if (valid)
		fuzz_check_encode(fsize, id, topic, event, data, dlen);

	fuzz_check_controls(event, (uint32_t)id);
	free(event);
	return (0);
}

/* The frame fits in exactly fsize bytes, not one less. */
static void
fuzz_check_encode(size_t fsize, uint64_t id, const char *topic,
    const char *event, const char *data, size_t dlen)
{
	char	*frame;
	size_t	 out;

	fuzz_assert((frame = malloc(fsize)) != NULL);
	fuzz_assert(sse_frame_encode(frame, fsize - 1, id, topic, event, data,
	    dlen, &out) == RESULT_ERROR);
	fuzz_assert(sse_frame_encode(frame, fsize, id, topic, event, data,
	    dlen, &out) == RESULT_OK && out == fsize);
	fuzz_check_frame(frame, fsize, id, topic, event, data, dlen);
	free(frame);
}

static void
fuzz_check_frame(const char *frame, size_t len, uint64_t id,
    const char *topic, const char *event, const char *data, size_t dlen)
{
	struct fuzz_seen	 seen;
	char			 num[24], *want;
	size_t			 wlen;

	memset(&seen, 0, sizeof(seen));
	fuzz_parse(frame, len, &seen);

	(void)snprintf(num, sizeof(num), "%" PRIu64, id);
	fuzz_assert(seen.id != NULL && strcmp(seen.id, num) == 0);
	fuzz_assert(seen.event != NULL && strcmp(seen.event, event) == 0);
	if (topic == NULL || topic[0] == '\0')
		fuzz_assert(seen.topic == NULL);
	else
		fuzz_assert(seen.topic != NULL &&
		    strcmp(seen.topic, topic) == 0);

	want = fuzz_lf(data, dlen, &wlen);
	fuzz_assert(seen.data_len == wlen &&
	    memcmp(seen.data, want, wlen) == 0);

	free(want);
	free(seen.id);
	free(seen.topic);
	free(seen.event);
	free(seen.data);
}

/*
 * Splits the frame into lines on CR, LF or CRLF. The blank line that
 * dispatches the event must be the very end of the frame: an earlier one
 * would mean the data ended the event early.
 */
static void
fuzz_parse(const char *frame, size_t len, struct fuzz_seen *seen)
{
	size_t		off, n;

	fuzz_assert((seen->data = malloc(len)) != NULL);
	for (off = 0; off < len; ) {
		/* Not strcspn(): the frame may hold NULs and has no end NUL. */
		for (n = 0; off + n < len; n++) {
			if (frame[off + n] == '\r' || frame[off + n] == '\n')
				break;
		}
		fuzz_assert(off + n < len);	/* every line is ended */
		if (n == 0) {
			fuzz_assert(off + 1 == len && frame[off] == '\n');
			break;
		}
		fuzz_field(seen, frame + off, n);
		off += n + 1;
		if (frame[off - 1] == '\r' && off < len && frame[off] == '\n')
			off++;
	}

	/* The client drops the LF after the last data line. */
	fuzz_assert(seen->data_len > 0);
	seen->data_len--;
}

/*
 * One "field: value" line; only id, topic, event and data, each as
 * expected.
 */
static void
fuzz_field(struct fuzz_seen *seen, const char *line, size_t n)
{
	const char	*colon, *value;
	size_t		 flen, vlen;

	colon = memchr(line, ':', n);
	fuzz_assert(colon != NULL && colon != line);	/* no comments */
	flen = colon - line;
	value = colon + 1;
	vlen = n - flen - 1;
	if (vlen > 0 && value[0] == ' ') {
		value++;
		vlen--;
	}

	if (flen == 2 && memcmp(line, "id", 2) == 0) {
		fuzz_assert(memchr(value, '\0', vlen) == NULL);
		fuzz_set(&seen->id, value, vlen);
	} else if (flen == 5 && memcmp(line, "topic", 5) == 0) {
		fuzz_assert(memchr(value, '\0', vlen) == NULL);
		fuzz_set(&seen->topic, value, vlen);
	} else if (flen == 5 && memcmp(line, "event", 5) == 0) {
		fuzz_assert(memchr(value, '\0', vlen) == NULL);
		fuzz_set(&seen->event, value, vlen);
	} else {
		fuzz_assert(flen == 4 && memcmp(line, "data", 4) == 0);
		memcpy(seen->data + seen->data_len, value, vlen);
		seen->data_len += vlen;
		seen->data[seen->data_len++] = '\n';
	}
}

/* Each of id, topic and event comes at most once. */
static void
fuzz_set(char **field, const char *value, size_t vlen)
{
	fuzz_assert(*field == NULL);
	fuzz_assert((*field = strndup(value, vlen)) != NULL);
}

/* data with CRLF and CR turned into LF, in a malloc'd buffer. */
static char *
fuzz_lf(const char *data, size_t len, size_t *out)
{
	char	*s;
	size_t	 i, n;

	fuzz_assert((s = malloc(len + 1)) != NULL);
	for (i = 0, n = 0; i < len; i++) {
		if (data[i] == '\r' && i + 1 < len && data[i + 1] == '\n')
			continue;
		s[n++] = data[i] == '\r' ? '\n' : data[i];
	}

	*out = n;
	return (s);
}

static void
fuzz_check_controls(const char *text, uint32_t ms)
{
	char	buf[128], want[128];
	size_t	n;

	n = sse_comment_encode(buf, sizeof(buf), text);
	if (sse_field_valid(text, strlen(text))) {
		fuzz_assert(n == strlen(text) + 4);
		fuzz_assert(memcmp(buf, ": ", 2) == 0 &&
		    memcmp(buf + 2, text, n - 4) == 0 &&
		    memcmp(buf + n - 2, "\n\n", 2) == 0);
	} else
		fuzz_assert(n == 0);

	n = sse_retry_encode(buf, sizeof(buf), ms);
	fuzz_assert(n == (size_t)snprintf(want, sizeof(want),
	    "retry: %" PRIu32 "\n\n", ms));
	fuzz_assert(memcmp(buf, want, n) == 0);
}

static void
fuzz_assert(int ok)
{
	if (!ok)
		abort();
}

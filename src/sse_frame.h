/*
 * Server-Sent Events wire format (WHATWG HTML, "Server-sent events").
 * Pure: no Kore, no allocation. The caller sizes the buffer with
 * sse_frame_size() and owns it.
 */
#ifndef SSEHUB_SSE_FRAME_H
#define SSEHUB_SSE_FRAME_H

#include <stddef.h>
#include <stdint.h>

/* Longest value accepted for the event field (and by the schema). */
#define SSE_EVENT_MAX		64

/*
 * Exact number of bytes sse_frame_encode() writes for this event, or 0
 * when the event name or the topic is not a valid field value (see
 * sse_field_valid).
 */
size_t	sse_frame_size(uint64_t id, const char *topic, const char *event,
	    const char *data, size_t len);

/*
 * Writes "id: N\ntopic: T\nevent: E\ndata: line\n...\n\n" into dst; the
 * topic line only when topic is neither NULL nor "" (reset frames have
 * none). Browsers ignore a field they do not know. The data is
 * split on CR, LF and CRLF, one "data: " line each (empty data gives one
 * empty "data: " line). Returns RESULT_OK and sets *out to the number of
 * bytes written, or RESULT_ERROR when the event is invalid or dst is too
 * small (nothing useful is written then).
 */
int	sse_frame_encode(char *dst, size_t dstlen, uint64_t id,
	    const char *topic, const char *event, const char *data,
	    size_t len, size_t *out);

/*
 * A frame without id: and topic: ("event: E\ndata: ...\n\n"), such as
 * presence counts: it moves no client's Last-Event-ID. Same rules and
 * results as sse_frame_size() and sse_frame_encode().
 */
size_t	sse_notice_size(const char *event, const char *data, size_t len);
int	sse_notice_encode(char *dst, size_t dstlen, const char *event,
	    const char *data, size_t len, size_t *out);

/*
 * A comment line ": text\n\n" (heartbeats). The text must be a valid
 * field value. Returns bytes written, or 0 when invalid or dst too small.
 */
size_t	sse_comment_encode(char *dst, size_t dstlen, const char *text);

/* "retry: MS\n\n". Returns bytes written, or 0 when dst is too small. */
size_t	sse_retry_encode(char *dst, size_t dstlen, uint32_t ms);

/* 1 when value is 1..SSE_EVENT_MAX bytes with no CR, LF or NUL, else 0. */
int	sse_field_valid(const char *value, size_t len);

#endif

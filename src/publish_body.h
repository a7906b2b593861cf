/*
 * The body of POST /publish: one JSON object {"topic","event","data"} or
 * a JSON array of 1..PUBLISH_BATCH_MAX such objects, read by jread. Pure:
 * malloc/free only.
 *
 * topic: topic_valid() (topic.h), default TOPIC_DEFAULT.
 * event: 1..SSE_EVENT_MAX bytes, no CR, LF or NUL, not one of the
 *        server's own (publish_event_valid()), default "message".
 * data:  a JSON string (unescaped; must be valid UTF-8 without NUL), or any
 *        other JSON value, whose JSON text is stored verbatim (trimmed).
 *        Missing data is an error. Unknown keys and duplicate keys are
 *        errors.
 */
#ifndef SSEHUB_PUBLISH_BODY_H
#define SSEHUB_PUBLISH_BODY_H

#include <stddef.h>

#include "sse_frame.h"
#include "topic.h"

#define PUBLISH_BATCH_MAX	1000

struct publish_event {
	char		topic[TOPIC_MAX + 1];
	char		event[SSE_EVENT_MAX + 1];
	char		*data;		/* NUL-terminated, malloc'd */
	size_t		data_len;
};

struct publish_body {
	struct publish_event	*events;	/* malloc'd array */
	size_t			count;
	int			is_array;	/* answer {"ids":[..]} */
};

/*
 * Parses and validates len bytes of body. On RESULT_OK the caller owns
 * *out and frees it with publish_body_free(). On RESULT_ERROR *out is
 * left empty and err holds a short human-readable reason (always
 * NUL-terminated, safe to put in a JSON string: no quotes, backslashes or
 * control characters).
 */
int	publish_body_parse(const char *body, size_t len,
	    struct publish_body *out, char *err, size_t errlen);
void	publish_body_free(struct publish_body *);

/* 1 for an event name a publisher may use: not "reset" nor "presence". */
int	publish_event_valid(const char *s, size_t len);

#endif

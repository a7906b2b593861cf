/*
 * The body of POST /publish: the rules for its fields, over the strict
 * JSON reader (jread.c). Strict because whatever it accepts is stored and
 * replayed to every subscriber.
 *
 * Every failure goes through jread_fail(), which writes the one message
 * the caller sees; the first failure stops the parse.
 */

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "jread.h"
#include "publish_body.h"
#include "result.h"
#include "sse_frame.h"
#include "topic.h"

#define PUBLISH_BODY_KEY_SHOWN	32	/* bytes of a key quoted in errors */

#define PUBLISH_BODY_NITEMS(a)	(sizeof(a) / sizeof((a)[0]))

#define PUBLISH_BODY_TOPIC	0x01
#define PUBLISH_BODY_EVENT	0x02
#define PUBLISH_BODY_DATA	0x04

/* The body being read into. */
struct publish_body_state {
	struct publish_body	*out;
	size_t			 cap;		/* slots in out->events */
};

/* What has been read so far of one event object. */
struct publish_body_current {
	struct publish_event	*ev;
	int			 seen;		/* PUBLISH_BODY_* */
};

struct publish_body_field {
	const char	*name;
	int		 flag;
	int		(*parse)(struct jread *, struct publish_event *);
};

static int	publish_body_document(struct jread *,
		    struct publish_body_state *);
static int	publish_body_batch(struct jread *,
		    struct publish_body_state *);
static int	publish_body_batch_item(struct jread *, void *);
static int	publish_body_event(struct jread *,
		    struct publish_body_state *);
static int	publish_body_push(struct jread *,
		    struct publish_body_state *, struct publish_event **);
static int	publish_body_member(struct jread *, const char *, size_t,
		    void *);
static int	publish_body_topic(struct jread *, struct publish_event *);
static int	publish_body_event_name(struct jread *,
		    struct publish_event *);
static int	publish_body_name(struct jread *, char *, size_t,
		    int (*)(const char *, size_t), const char *);
static int	publish_body_data(struct jread *, struct publish_event *);
static void	publish_body_shown(char *, size_t, const char *, size_t);

static const struct publish_body_field publish_body_fields[] = {
	{ "topic",	PUBLISH_BODY_TOPIC,	publish_body_topic },
	{ "event",	PUBLISH_BODY_EVENT,	publish_body_event_name },
	{ "data",	PUBLISH_BODY_DATA,	publish_body_data },
};

int
publish_body_parse(const char *body, size_t len, struct publish_body *out,
    char *err, size_t errlen)
{
	struct jread			r;
	struct publish_body_state	st;

	jread_init(&r, body, len, err, errlen);
	memset(out, 0, sizeof(*out));
	st.out = out;
	st.cap = 0;
	if (publish_body_document(&r, &st) == RESULT_OK)
		return (RESULT_OK);

	publish_body_free(out);
	return (RESULT_ERROR);
}

void
publish_body_free(struct publish_body *body)
{
	size_t		i;

	for (i = 0; i < body->count; i++)
		free(body->events[i].data);

	free(body->events);
	memset(body, 0, sizeof(*body));
}

/*
 * The server's own events ("reset": the cursor was lost; "presence")
 * must mean what clients take them to mean: no publisher may send them.
 */
int
publish_event_valid(const char *s, size_t len)
{
	static const char *const reserved[] = { "reset", "presence" };
	size_t			i;

	if (!sse_field_valid(s, len))
		return (0);
	for (i = 0; i < PUBLISH_BODY_NITEMS(reserved); i++) {
		if (len == strlen(reserved[i]) &&
		    memcmp(s, reserved[i], len) == 0)
			return (0);
	}
	return (1);
}

static int
publish_body_document(struct jread *r, struct publish_body_state *st)
{
	int		rv;

	if (jread_begin(r) != RESULT_OK)
		return (RESULT_ERROR);

	switch (jread_peek(r)) {
	case '{':
		rv = publish_body_event(r, st);
		break;
	case '[':
		rv = publish_body_batch(r, st);
		break;
	default:
		return (jread_mistyped(r,
		    "body must be a JSON object or array"));
	}

	if (rv != RESULT_OK)
		return (RESULT_ERROR);

	return (jread_end(r));
}

static int
publish_body_batch(struct jread *r, struct publish_body_state *st)
{
	st->out->is_array = 1;
	if (jread_array(r, publish_body_batch_item, st) != RESULT_OK)
		return (RESULT_ERROR);

	if (st->out->count == 0)
		return (jread_fail(r, "batch is empty"));

	return (RESULT_OK);
}

static int
publish_body_batch_item(struct jread *r, void *arg)
{
	struct publish_body_state	*st = arg;

	if (st->out->count == PUBLISH_BATCH_MAX) {
		return (jread_fail(r, "batch has more than %d events",
		    PUBLISH_BATCH_MAX));
	}

	if (jread_peek(r) != '{')
		return (jread_mistyped(r, "batch items must be objects"));

	return (publish_body_event(r, st));
}

static int
publish_body_event(struct jread *r, struct publish_body_state *st)
{
	struct publish_body_current	f;

	if (publish_body_push(r, st, &f.ev) != RESULT_OK)
		return (RESULT_ERROR);

	f.seen = 0;
	if (jread_object(r, publish_body_member, &f) != RESULT_OK)
		return (RESULT_ERROR);

	if (!(f.seen & PUBLISH_BODY_DATA))
		return (jread_fail(r, "missing field 'data'"));

	return (RESULT_OK);
}

/*
 * Appends an event with the default topic and name to the body. It is
 * counted at once, so publish_body_free() releases its data should the
 * rest of the parse fail.
 */
static int
publish_body_push(struct jread *r, struct publish_body_state *st,
    struct publish_event **ev)
{
	struct publish_body	*out = st->out;
	struct publish_event	*events;
	size_t			 cap;

	if (out->count == st->cap) {
		cap = st->cap == 0 ? 1 : st->cap * 2;
		events = reallocarray(out->events, cap, sizeof(*events));
		if (events == NULL)
			return (jread_fail(r, "out of memory"));
		out->events = events;
		st->cap = cap;
	}

	*ev = &out->events[out->count++];
	memset(*ev, 0, sizeof(**ev));
	(void)strcpy((*ev)->topic, TOPIC_DEFAULT);
	(void)strcpy((*ev)->event, "message");

	return (RESULT_OK);
}

static int
publish_body_member(struct jread *r, const char *key, size_t keylen,
    void *arg)
{
	struct publish_body_current	*f = arg;
	const struct publish_body_field	*field;
	char				 shown[PUBLISH_BODY_KEY_SHOWN + 1];
	size_t				 i;

	for (i = 0; i < PUBLISH_BODY_NITEMS(publish_body_fields); i++) {
		field = &publish_body_fields[i];
		if (strlen(field->name) != keylen ||
		    memcmp(field->name, key, keylen) != 0)
			continue;
		if (f->seen & field->flag) {
			return (jread_fail(r, "duplicate field '%s'",
			    field->name));
		}
		f->seen |= field->flag;
		return (field->parse(r, f->ev));
	}

	publish_body_shown(shown, sizeof(shown), key, keylen);
	return (jread_fail(r, "unknown field '%s'", shown));
}

static int
publish_body_topic(struct jread *r, struct publish_event *ev)
{
	return (publish_body_name(r, ev->topic, sizeof(ev->topic),
	    topic_valid, "topic must match " TOPIC_PATTERN));
}

static int
publish_body_event_name(struct jread *r, struct publish_event *ev)
{
	return (publish_body_name(r, ev->event, sizeof(ev->event),
	    publish_event_valid,
	    "event must be 1 to 64 bytes without CR, LF or NUL, and not "
	    "one of the server's own (reset, presence)"));
}

/*
 * A string value that valid() accepts and that fits dst (size bytes, the
 * NUL included); anything else fails with msg.
 */
static int
publish_body_name(struct jread *r, char *dst, size_t size,
    int (*valid)(const char *, size_t), const char *msg)
{
	char		*s;
	size_t		 len;
	int		 ok;

	if (jread_peek(r) != '"')
		return (jread_fail(r, "%s", msg));

	if (jread_string(r, &s, &len) != RESULT_OK)
		return (RESULT_ERROR);

	if ((ok = len < size && valid(s, len)))
		memcpy(dst, s, len + 1);
	free(s);

	return (ok ? RESULT_OK : jread_fail(r, "%s", msg));
}

/*
 * A string is stored unescaped; any other value keeps its JSON text.
 * Either way ev owns the copy.
 */
static int
publish_body_data(struct jread *r, struct publish_event *ev)
{
	const char	*text;

	if (jread_peek(r) == '"') {
		if (jread_string(r, &ev->data, &ev->data_len) != RESULT_OK)
			return (RESULT_ERROR);
		if (memchr(ev->data, '\0', ev->data_len) != NULL)
			return (jread_fail(r, "data contains NUL"));
		return (RESULT_OK);
	}

	if (jread_raw(r, &text, &ev->data_len) != RESULT_OK)
		return (RESULT_ERROR);

	if ((ev->data = strndup(text, ev->data_len)) == NULL)
		return (jread_fail(r, "out of memory"));

	return (RESULT_OK);
}

/*
 * Copies at most dstlen - 1 bytes of key for an error message, replacing
 * what could break the JSON string or the quotes it is shown in.
 */
static void
publish_body_shown(char *dst, size_t dstlen, const char *key, size_t keylen)
{
	size_t		i;

	for (i = 0; i < keylen && i < dstlen - 1; i++) {
		dst[i] = key[i];
		if (key[i] < 0x20 || key[i] > 0x7e || key[i] == '"' ||
		    key[i] == '\\' || key[i] == '\'')
			dst[i] = '?';
	}

	dst[i] = '\0';
}

/*
 * The body of POST /publish, read by a small strict JSON reader (RFC
 * 8259). It is strict because whatever it accepts is stored and replayed
 * to every subscriber: a lenient reader would let a publisher store text
 * that other JSON tools later disagree about.
 *
 * Every failure goes through publish_body_fail(), which writes the one
 * message the caller sees; the first failure stops the parse.
 */

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "publish_body.h"
#include "result.h"
#include "sse_frame.h"
#include "utf8.h"

#define PUBLISH_BODY_DEPTH_MAX	32
#define PUBLISH_BODY_KEY_SHOWN	32	/* bytes of a key quoted in errors */

#define PUBLISH_BODY_NITEMS(a)	(sizeof(a) / sizeof((a)[0]))

#define PUBLISH_BODY_TOPIC	0x01
#define PUBLISH_BODY_EVENT	0x02
#define PUBLISH_BODY_DATA	0x04

/* An event name is copied into a buffer sized for a topic. */
_Static_assert(SSE_EVENT_MAX <= PUBLISH_TOPIC_MAX, "event buffer too small");

struct publish_body_reader {
	const unsigned char	*p;
	size_t			 len;
	size_t			 off;
	int			 depth;
	size_t			 cap;		/* slots in out->events */
	char			*err;
	size_t			 errlen;
};

/* Called with the reader on the value of each member of an object. */
typedef int	(*publish_body_member_cb)(struct publish_body_reader *,
		    const char *, size_t, void *);

struct publish_body_members {
	publish_body_member_cb	 cb;
	void			*arg;
};

/* What has been read so far of one event object. */
struct publish_body_current {
	struct publish_event	*ev;
	int			 seen;		/* PUBLISH_BODY_* */
};

struct publish_body_field {
	const char	*name;
	int		 flag;
	int		(*parse)(struct publish_body_reader *,
			    struct publish_event *);
};

static int	publish_body_document(struct publish_body_reader *,
		    struct publish_body *);
static int	publish_body_batch(struct publish_body_reader *,
		    struct publish_body *);
static int	publish_body_batch_item(struct publish_body_reader *, void *);
static int	publish_body_event(struct publish_body_reader *,
		    struct publish_body *);
static int	publish_body_push(struct publish_body_reader *,
		    struct publish_body *, struct publish_event **);
static int	publish_body_member(struct publish_body_reader *,
		    const char *, size_t, void *);
static int	publish_body_topic(struct publish_body_reader *,
		    struct publish_event *);
static int	publish_body_event_name(struct publish_body_reader *,
		    struct publish_event *);
static int	publish_body_name(struct publish_body_reader *, char *,
		    int (*)(const char *, size_t), const char *);
static int	publish_body_data(struct publish_body_reader *,
		    struct publish_event *);
static int	publish_body_value(struct publish_body_reader *);
static int	publish_body_mistyped(struct publish_body_reader *,
		    const char *);
static int	publish_body_skip_item(struct publish_body_reader *, void *);
static int	publish_body_skip_member(struct publish_body_reader *,
		    const char *, size_t, void *);
static int	publish_body_skip_string(struct publish_body_reader *);
static int	publish_body_object(struct publish_body_reader *,
		    publish_body_member_cb, void *);
static int	publish_body_pair(struct publish_body_reader *, void *);
static int	publish_body_list(struct publish_body_reader *, int,
		    int (*)(struct publish_body_reader *, void *), void *);
static int	publish_body_string(struct publish_body_reader *, char **,
		    size_t *);
static int	publish_body_string_end(struct publish_body_reader *,
		    size_t *);
static int	publish_body_escape(struct publish_body_reader *, char *,
		    size_t *);
static int	publish_body_unicode(struct publish_body_reader *, char *,
		    size_t *);
static int	publish_body_hex4(struct publish_body_reader *, uint32_t *);
static size_t	publish_body_utf8_put(char *, uint32_t);
static int	publish_body_number(struct publish_body_reader *);
static size_t	publish_body_digits(struct publish_body_reader *);
static int	publish_body_literal(struct publish_body_reader *);
static void	publish_body_ws(struct publish_body_reader *);
static int	publish_body_peek(const struct publish_body_reader *);
static int	publish_body_eat(struct publish_body_reader *, int);
static void	publish_body_shown(char *, size_t, const char *, size_t);
static int	publish_body_syntax(struct publish_body_reader *, size_t);
static int	publish_body_fail(struct publish_body_reader *,
		    const char *, ...)
		    __attribute__((format(printf, 2, 3)));

static const struct publish_body_field publish_body_fields[] = {
	{ "topic",	PUBLISH_BODY_TOPIC,	publish_body_topic },
	{ "event",	PUBLISH_BODY_EVENT,	publish_body_event_name },
	{ "data",	PUBLISH_BODY_DATA,	publish_body_data },
};

int
publish_body_parse(const char *body, size_t len, struct publish_body *out,
    char *err, size_t errlen)
{
	struct publish_body_reader	r;

	memset(&r, 0, sizeof(r));
	r.p = (const unsigned char *)body;
	r.len = len;
	r.err = err;
	r.errlen = errlen;

	memset(out, 0, sizeof(*out));
	if (publish_body_document(&r, out) == RESULT_OK)
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

int
publish_topic_valid(const char *s, size_t len)
{
	size_t		i;

	if (s == NULL || len == 0 || len > PUBLISH_TOPIC_MAX)
		return (0);

	/* NUL is tested first: strchr() would find the terminator. */
	for (i = 0; i < len; i++) {
		if (s[i] == '\0' || strchr("abcdefghijklmnopqrstuvwxyz"
		    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-", s[i]) == NULL)
			return (0);
	}

	return (1);
}

static int
publish_body_document(struct publish_body_reader *r, struct publish_body *out)
{
	int		rv;

	/* RFC 8259, section 8.1: senders must not add a byte order mark. */
	if (r->len >= 3 && memcmp(r->p, "\xef\xbb\xbf", 3) == 0)
		return (publish_body_fail(r, "body starts with a BOM"));

	/* Checked once up front: every string below is then valid UTF-8. */
	if (!utf8_valid((const char *)r->p, r->len))
		return (publish_body_fail(r, "body is not valid UTF-8"));

	publish_body_ws(r);
	switch (publish_body_peek(r)) {
	case '{':
		rv = publish_body_event(r, out);
		break;
	case '[':
		rv = publish_body_batch(r, out);
		break;
	default:
		return (publish_body_mistyped(r,
		    "body must be a JSON object or array"));
	}

	if (rv != RESULT_OK)
		return (RESULT_ERROR);

	publish_body_ws(r);
	if (r->off != r->len)
		return (publish_body_syntax(r, r->off));

	return (RESULT_OK);
}

static int
publish_body_batch(struct publish_body_reader *r, struct publish_body *out)
{
	out->is_array = 1;
	if (publish_body_list(r, ']', publish_body_batch_item, out) !=
	    RESULT_OK)
		return (RESULT_ERROR);

	if (out->count == 0)
		return (publish_body_fail(r, "batch is empty"));

	return (RESULT_OK);
}

static int
publish_body_batch_item(struct publish_body_reader *r, void *arg)
{
	struct publish_body	*out = arg;

	if (out->count == PUBLISH_BATCH_MAX) {
		return (publish_body_fail(r, "batch has more than %d events",
		    PUBLISH_BATCH_MAX));
	}

	if (publish_body_peek(r) != '{') {
		return (publish_body_mistyped(r,
		    "batch items must be objects"));
	}

	return (publish_body_event(r, out));
}

static int
publish_body_event(struct publish_body_reader *r, struct publish_body *out)
{
	struct publish_body_current	f;

	if (publish_body_push(r, out, &f.ev) != RESULT_OK)
		return (RESULT_ERROR);

	f.seen = 0;
	if (publish_body_object(r, publish_body_member, &f) != RESULT_OK)
		return (RESULT_ERROR);

	if (!(f.seen & PUBLISH_BODY_DATA))
		return (publish_body_fail(r, "missing field 'data'"));

	return (RESULT_OK);
}

/*
 * Appends an event with the default topic and name to out. It is counted
 * at once, so publish_body_free() releases its data should the rest of
 * the parse fail.
 */
static int
publish_body_push(struct publish_body_reader *r, struct publish_body *out,
    struct publish_event **ev)
{
	struct publish_event	*events;
	size_t			 cap;

	if (out->count == r->cap) {
		cap = r->cap == 0 ? 1 : r->cap * 2;
		events = reallocarray(out->events, cap, sizeof(*events));
		if (events == NULL)
			return (publish_body_fail(r, "out of memory"));
		out->events = events;
		r->cap = cap;
	}

	*ev = &out->events[out->count++];
	memset(*ev, 0, sizeof(**ev));
	(void)strcpy((*ev)->topic, "default");
	(void)strcpy((*ev)->event, "message");

	return (RESULT_OK);
}

static int
publish_body_member(struct publish_body_reader *r, const char *key,
    size_t keylen, void *arg)
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
			return (publish_body_fail(r, "duplicate field '%s'",
			    field->name));
		}
		f->seen |= field->flag;
		return (field->parse(r, f->ev));
	}

	publish_body_shown(shown, sizeof(shown), key, keylen);
	return (publish_body_fail(r, "unknown field '%s'", shown));
}

static int
publish_body_topic(struct publish_body_reader *r, struct publish_event *ev)
{
	return (publish_body_name(r, ev->topic, publish_topic_valid,
	    "topic must match [A-Za-z0-9._-]{1,64}"));
}

static int
publish_body_event_name(struct publish_body_reader *r,
    struct publish_event *ev)
{
	return (publish_body_name(r, ev->event, publish_event_valid,
	    "event must be 1 to 64 bytes without CR, LF or NUL, and not "
	    "one of the server's own (reset, presence)"));
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
	for (i = 0; i < sizeof(reserved) / sizeof(reserved[0]); i++) {
		if (len == strlen(reserved[i]) &&
		    memcmp(s, reserved[i], len) == 0)
			return (0);
	}
	return (1);
}

/*
 * A string value that valid() accepts, copied into dst (which holds
 * PUBLISH_TOPIC_MAX + 1 bytes); anything else fails with msg.
 */
static int
publish_body_name(struct publish_body_reader *r, char *dst,
    int (*valid)(const char *, size_t), const char *msg)
{
	char		*s;
	size_t		 len;
	int		 ok;

	if (publish_body_peek(r) != '"')
		return (publish_body_fail(r, "%s", msg));

	if (publish_body_string(r, &s, &len) != RESULT_OK)
		return (RESULT_ERROR);

	/* valid() bounds len by PUBLISH_TOPIC_MAX. */
	if ((ok = valid(s, len)))
		memcpy(dst, s, len + 1);
	free(s);

	return (ok ? RESULT_OK : publish_body_fail(r, "%s", msg));
}

/*
 * A string is stored unescaped; any other value keeps its JSON text,
 * which starts and ends at a non-blank byte, so needs no trimming.
 * Either way ev owns the copy.
 */
static int
publish_body_data(struct publish_body_reader *r, struct publish_event *ev)
{
	size_t		start;

	if (publish_body_peek(r) == '"') {
		if (publish_body_string(r, &ev->data, &ev->data_len) !=
		    RESULT_OK)
			return (RESULT_ERROR);
		if (memchr(ev->data, '\0', ev->data_len) != NULL)
			return (publish_body_fail(r, "data contains NUL"));
		return (RESULT_OK);
	}

	start = r->off;
	if (publish_body_value(r) != RESULT_OK)
		return (RESULT_ERROR);

	ev->data_len = r->off - start;
	if ((ev->data = strndup((const char *)r->p + start,
	    ev->data_len)) == NULL)
		return (publish_body_fail(r, "out of memory"));

	return (RESULT_OK);
}

/* Checks and steps over any JSON value. */
static int
publish_body_value(struct publish_body_reader *r)
{
	int		c;

	switch ((c = publish_body_peek(r))) {
	case '{':
		return (publish_body_object(r, publish_body_skip_member,
		    NULL));
	case '[':
		return (publish_body_list(r, ']', publish_body_skip_item,
		    NULL));
	case '"':
		return (publish_body_skip_string(r));
	default:
		if (c == '-' || (c >= '0' && c <= '9'))
			return (publish_body_number(r));
		return (publish_body_literal(r));
	}
}

/*
 * A value of the wrong type at r->off. Malformed JSON is reported as such
 * first, so that the message does not depend on what was expected.
 */
static int
publish_body_mistyped(struct publish_body_reader *r, const char *msg)
{
	if (publish_body_value(r) != RESULT_OK)
		return (RESULT_ERROR);

	return (publish_body_fail(r, "%s", msg));
}

static int
publish_body_skip_item(struct publish_body_reader *r, void *arg)
{
	(void)arg;
	return (publish_body_value(r));
}

static int
publish_body_skip_member(struct publish_body_reader *r, const char *key,
    size_t keylen, void *arg)
{
	(void)key;
	(void)keylen;
	(void)arg;
	return (publish_body_value(r));
}

/* Decoding is the only full check of the escapes; the result is unused. */
static int
publish_body_skip_string(struct publish_body_reader *r)
{
	char		*s;
	size_t		 len;

	if (publish_body_string(r, &s, &len) != RESULT_OK)
		return (RESULT_ERROR);

	free(s);
	return (RESULT_OK);
}

static int
publish_body_object(struct publish_body_reader *r, publish_body_member_cb cb,
    void *arg)
{
	struct publish_body_members	m = { cb, arg };

	return (publish_body_list(r, '}', publish_body_pair, &m));
}

/* "key": value, handing the key and the reader on the value to m->cb. */
static int
publish_body_pair(struct publish_body_reader *r, void *arg)
{
	struct publish_body_members	*m = arg;
	char				*key;
	size_t				 keylen;
	int				 rv;

	if (publish_body_peek(r) != '"')
		return (publish_body_syntax(r, r->off));

	if (publish_body_string(r, &key, &keylen) != RESULT_OK)
		return (RESULT_ERROR);

	publish_body_ws(r);
	if (publish_body_eat(r, ':')) {
		publish_body_ws(r);
		rv = m->cb(r, key, keylen, m->arg);
	} else
		rv = publish_body_syntax(r, r->off);

	free(key);
	return (rv);
}

/*
 * An object or array: the opening byte at r->off, then items separated by
 * commas, each read by item(), then closing. Nesting is limited so that the
 * recursion, and the work a hostile body can ask for, stay bounded.
 */
static int
publish_body_list(struct publish_body_reader *r, int closing,
    int (*item)(struct publish_body_reader *, void *), void *arg)
{
	if (++r->depth > PUBLISH_BODY_DEPTH_MAX) {
		return (publish_body_fail(r, "body nests deeper than %d levels",
		    PUBLISH_BODY_DEPTH_MAX));
	}

	r->off++;
	publish_body_ws(r);
	if (publish_body_peek(r) != closing) {
		do {
			publish_body_ws(r);
			if (item(r, arg) != RESULT_OK)
				return (RESULT_ERROR);
			publish_body_ws(r);
		} while (publish_body_eat(r, ','));
	}

	if (!publish_body_eat(r, closing))
		return (publish_body_syntax(r, r->off));

	r->depth--;
	return (RESULT_OK);
}

/*
 * Decodes the string at r->off into *out, a NUL-terminated copy the
 * caller frees (NULL on failure). Escapes never decode to more bytes than
 * they take, so the raw length bounds the decoded one.
 */
static int
publish_body_string(struct publish_body_reader *r, char **out, size_t *outlen)
{
	char		*s;
	size_t		 end = 0, n;

	*out = NULL;
	if (publish_body_string_end(r, &end) != RESULT_OK)
		return (RESULT_ERROR);

	if ((s = malloc(end - r->off)) == NULL)
		return (publish_body_fail(r, "out of memory"));

	for (r->off++, n = 0; r->off < end; ) {
		if (r->p[r->off] != '\\')
			s[n++] = (char)r->p[r->off++];
		else if (publish_body_escape(r, s, &n) != RESULT_OK) {
			free(s);
			return (RESULT_ERROR);
		}
	}

	r->off++;
	s[n] = '\0';
	*out = s;
	*outlen = n;
	return (RESULT_OK);
}

/*
 * Finds the closing quote of the string at r->off. Control characters
 * must be escaped (RFC 8259, section 7); the escapes themselves are
 * checked while decoding.
 */
static int
publish_body_string_end(struct publish_body_reader *r, size_t *end)
{
	size_t		i;

	for (i = r->off + 1; i < r->len; i++) {
		if (r->p[i] == '"') {
			*end = i;
			return (RESULT_OK);
		}
		if (r->p[i] < 0x20)
			return (publish_body_syntax(r, i));
		if (r->p[i] == '\\')
			i++;
	}

	return (publish_body_syntax(r, r->len));
}

/* The escape at r->off, appended to s at *n. */
static int
publish_body_escape(struct publish_body_reader *r, char *s, size_t *n)
{
	static const char	from[] = "\"\\/bfnrt";
	static const char	to[] = "\"\\/\b\f\n\r\t";
	const char		*c;

	/* publish_body_string_end() saw a byte after the backslash. */
	if (r->p[r->off + 1] == 'u')
		return (publish_body_unicode(r, s, n));

	if ((c = memchr(from, r->p[r->off + 1], sizeof(from) - 1)) == NULL)
		return (publish_body_syntax(r, r->off + 1));

	s[(*n)++] = to[c - from];
	r->off += 2;
	return (RESULT_OK);
}

/*
 * A \uXXXX escape, or two forming a UTF-16 surrogate pair, appended to s
 * at *n as UTF-8. A lone surrogate has no UTF-8 form and is refused.
 */
static int
publish_body_unicode(struct publish_body_reader *r, char *s, size_t *n)
{
	size_t		start = r->off;
	uint32_t	cp, lo;

	r->off += 2;
	if (publish_body_hex4(r, &cp) != RESULT_OK)
		return (RESULT_ERROR);

	if (cp >= 0xdc00 && cp <= 0xdfff)
		return (publish_body_syntax(r, start));

	if (cp >= 0xd800 && cp <= 0xdbff) {
		if (r->len - r->off < 2 || r->p[r->off] != '\\' ||
		    r->p[r->off + 1] != 'u')
			return (publish_body_syntax(r, start));
		r->off += 2;
		if (publish_body_hex4(r, &lo) != RESULT_OK)
			return (RESULT_ERROR);
		if (lo < 0xdc00 || lo > 0xdfff)
			return (publish_body_syntax(r, start));
		cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
	}

	*n += publish_body_utf8_put(s + *n, cp);
	return (RESULT_OK);
}

/*
 * Four hex digits at r->off. They cannot run past the closing quote of
 * the string, as a quote is not a hex digit.
 */
static int
publish_body_hex4(struct publish_body_reader *r, uint32_t *v)
{
	int		c, i;

	*v = 0;
	for (i = 0; i < 4; i++) {
		c = publish_body_peek(r);
		if (c >= '0' && c <= '9')
			*v = *v << 4 | (uint32_t)(c - '0');
		else if ((c | 0x20) >= 'a' && (c | 0x20) <= 'f')
			*v = *v << 4 | (uint32_t)((c | 0x20) - 'a' + 10);
		else
			return (publish_body_syntax(r, r->off));
		r->off++;
	}

	return (RESULT_OK);
}

/* Writes code point cp (not a surrogate) as UTF-8; returns its length. */
static size_t
publish_body_utf8_put(char *dst, uint32_t cp)
{
	if (cp < 0x80) {
		dst[0] = (char)cp;
		return (1);
	}
	if (cp < 0x800) {
		dst[0] = (char)(0xc0 | cp >> 6);
		dst[1] = (char)(0x80 | (cp & 0x3f));
		return (2);
	}
	if (cp < 0x10000) {
		dst[0] = (char)(0xe0 | cp >> 12);
		dst[1] = (char)(0x80 | (cp >> 6 & 0x3f));
		dst[2] = (char)(0x80 | (cp & 0x3f));
		return (3);
	}

	dst[0] = (char)(0xf0 | cp >> 18);
	dst[1] = (char)(0x80 | (cp >> 12 & 0x3f));
	dst[2] = (char)(0x80 | (cp >> 6 & 0x3f));
	dst[3] = (char)(0x80 | (cp & 0x3f));
	return (4);
}

/* -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)? */
static int
publish_body_number(struct publish_body_reader *r)
{
	(void)publish_body_eat(r, '-');
	if (!publish_body_eat(r, '0') && publish_body_digits(r) == 0)
		return (publish_body_syntax(r, r->off));

	if (publish_body_eat(r, '.') && publish_body_digits(r) == 0)
		return (publish_body_syntax(r, r->off));

	if (publish_body_eat(r, 'e') || publish_body_eat(r, 'E')) {
		if (!publish_body_eat(r, '+'))
			(void)publish_body_eat(r, '-');
		if (publish_body_digits(r) == 0)
			return (publish_body_syntax(r, r->off));
	}

	return (RESULT_OK);
}

static size_t
publish_body_digits(struct publish_body_reader *r)
{
	size_t		start = r->off;
	int		c;

	while ((c = publish_body_peek(r)) >= '0' && c <= '9')
		r->off++;

	return (r->off - start);
}

static int
publish_body_literal(struct publish_body_reader *r)
{
	static const char *const	words[] = { "true", "false", "null" };
	size_t				i, n;

	for (i = 0; i < PUBLISH_BODY_NITEMS(words); i++) {
		n = strlen(words[i]);
		if (r->len - r->off >= n &&
		    memcmp(r->p + r->off, words[i], n) == 0) {
			r->off += n;
			return (RESULT_OK);
		}
	}

	return (publish_body_syntax(r, r->off));
}

static void
publish_body_ws(struct publish_body_reader *r)
{
	int		c;

	while ((c = publish_body_peek(r)) == ' ' || c == '\t' || c == '\n' ||
	    c == '\r')
		r->off++;
}

/* The next byte, or -1 at the end of the body. */
static int
publish_body_peek(const struct publish_body_reader *r)
{
	return (r->off < r->len ? r->p[r->off] : -1);
}

/* Steps over c when it is the next byte. */
static int
publish_body_eat(struct publish_body_reader *r, int c)
{
	if (publish_body_peek(r) != c)
		return (0);

	r->off++;
	return (1);
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

static int
publish_body_syntax(struct publish_body_reader *r, size_t off)
{
	return (publish_body_fail(r, "body is not valid JSON at byte %zu",
	    off));
}

static int
publish_body_fail(struct publish_body_reader *r, const char *fmt, ...)
{
	va_list		ap;

	if (r->err != NULL && r->errlen > 0) {
		va_start(ap, fmt);
		(void)vsnprintf(r->err, r->errlen, fmt, ap);
		va_end(ap);
	}

	return (RESULT_ERROR);
}

/*
 * A strict JSON reader (RFC 8259), walked by its caller. The whole
 * document is checked for UTF-8 once, up front, so strings are only
 * scanned for quotes, escapes and control characters; escapes decode to
 * UTF-8 (utf8_put()), never to more bytes than they take, so a string's
 * raw length bounds its decoded one.
 */

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jread.h"
#include "result.h"
#include "utf8.h"

/* A member callback and its argument, carried through jread_list(). */
struct jread_members {
	jread_member_cb	 cb;
	void		*arg;
};

static int	jread_pair(struct jread *, void *);
static int	jread_list(struct jread *, int, jread_item_cb, void *);
static int	jread_skip_item(struct jread *, void *);
static int	jread_skip_member(struct jread *, const char *, size_t,
		    void *);
static int	jread_skip_string(struct jread *);
static int	jread_string_end(struct jread *, size_t *);
static int	jread_escape(struct jread *, char *, size_t *);
static int	jread_unicode(struct jread *, char *, size_t *);
static int	jread_hex4(struct jread *, uint32_t *);
static int	jread_number(struct jread *);
static size_t	jread_digits(struct jread *);
static int	jread_literal(struct jread *);
static void	jread_ws(struct jread *);
static int	jread_eat(struct jread *, int);
static int	jread_syntax(struct jread *, size_t);

void
jread_init(struct jread *r, const char *doc, size_t len, char *err,
    size_t errlen)
{
	memset(r, 0, sizeof(*r));
	r->p = (const unsigned char *)doc;
	r->len = len;
	r->err = err;
	r->errlen = errlen;
}

int
jread_begin(struct jread *r)
{
	/* RFC 8259, section 8.1: senders must not add a byte order mark. */
	if (r->len >= 3 && memcmp(r->p, "\xef\xbb\xbf", 3) == 0)
		return (jread_fail(r, "body starts with a BOM"));

	if (!utf8_valid((const char *)r->p, r->len))
		return (jread_fail(r, "body is not valid UTF-8"));

	jread_ws(r);
	return (RESULT_OK);
}

int
jread_end(struct jread *r)
{
	jread_ws(r);
	if (r->off != r->len)
		return (jread_syntax(r, r->off));

	return (RESULT_OK);
}

int
jread_peek(const struct jread *r)
{
	return (r->off < r->len ? r->p[r->off] : -1);
}

int
jread_object(struct jread *r, jread_member_cb cb, void *arg)
{
	struct jread_members	m = { cb, arg };

	return (jread_list(r, '}', jread_pair, &m));
}

int
jread_array(struct jread *r, jread_item_cb item, void *arg)
{
	return (jread_list(r, ']', item, arg));
}

int
jread_string(struct jread *r, char **out, size_t *outlen)
{
	char		*s;
	size_t		 end = 0, n;

	*out = NULL;
	if (jread_string_end(r, &end) != RESULT_OK)
		return (RESULT_ERROR);

	if ((s = malloc(end - r->off)) == NULL)
		return (jread_fail(r, "out of memory"));

	for (r->off++, n = 0; r->off < end; ) {
		if (r->p[r->off] != '\\')
			s[n++] = (char)r->p[r->off++];
		else if (jread_escape(r, s, &n) != RESULT_OK) {
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

int
jread_value(struct jread *r)
{
	int		c;

	switch ((c = jread_peek(r))) {
	case '{':
		return (jread_object(r, jread_skip_member, NULL));
	case '[':
		return (jread_array(r, jread_skip_item, NULL));
	case '"':
		return (jread_skip_string(r));
	default:
		if (c == '-' || (c >= '0' && c <= '9'))
			return (jread_number(r));
		return (jread_literal(r));
	}
}

/* A value starts and ends at a non-blank byte: its text needs no trim. */
int
jread_raw(struct jread *r, const char **text, size_t *len)
{
	size_t		start = r->off;

	if (jread_value(r) != RESULT_OK)
		return (RESULT_ERROR);

	*text = (const char *)r->p + start;
	*len = r->off - start;
	return (RESULT_OK);
}

int
jread_mistyped(struct jread *r, const char *msg)
{
	if (jread_value(r) != RESULT_OK)
		return (RESULT_ERROR);

	return (jread_fail(r, "%s", msg));
}

int
jread_fail(struct jread *r, const char *fmt, ...)
{
	va_list		ap;

	if (r->err != NULL && r->errlen > 0) {
		va_start(ap, fmt);
		(void)vsnprintf(r->err, r->errlen, fmt, ap);
		va_end(ap);
	}

	return (RESULT_ERROR);
}

/* "key": value, handing the key and the reader on the value to m->cb. */
static int
jread_pair(struct jread *r, void *arg)
{
	struct jread_members	*m = arg;
	char			*key;
	size_t			 keylen;
	int			 rv;

	if (jread_peek(r) != '"')
		return (jread_syntax(r, r->off));

	if (jread_string(r, &key, &keylen) != RESULT_OK)
		return (RESULT_ERROR);

	jread_ws(r);
	if (jread_eat(r, ':')) {
		jread_ws(r);
		rv = m->cb(r, key, keylen, m->arg);
	} else
		rv = jread_syntax(r, r->off);

	free(key);
	return (rv);
}

/*
 * An object or array: the opening byte at r->off, then items separated by
 * commas, each read by item(), then closing. Nesting is limited so that the
 * recursion, and the work a hostile body can ask for, stay bounded.
 */
static int
jread_list(struct jread *r, int closing, jread_item_cb item, void *arg)
{
	if (++r->depth > JREAD_DEPTH_MAX) {
		return (jread_fail(r, "body nests deeper than %d levels",
		    JREAD_DEPTH_MAX));
	}

	r->off++;
	jread_ws(r);
	if (jread_peek(r) != closing) {
		do {
			jread_ws(r);
			if (item(r, arg) != RESULT_OK)
				return (RESULT_ERROR);
			jread_ws(r);
		} while (jread_eat(r, ','));
	}

	if (!jread_eat(r, closing))
		return (jread_syntax(r, r->off));

	r->depth--;
	return (RESULT_OK);
}

static int
jread_skip_item(struct jread *r, void *arg)
{
	(void)arg;
	return (jread_value(r));
}

static int
jread_skip_member(struct jread *r, const char *key, size_t keylen,
    void *arg)
{
	(void)key;
	(void)keylen;
	(void)arg;
	return (jread_value(r));
}

/* Decoding is the only full check of the escapes; the result is unused. */
static int
jread_skip_string(struct jread *r)
{
	char		*s;
	size_t		 len;

	if (jread_string(r, &s, &len) != RESULT_OK)
		return (RESULT_ERROR);

	free(s);
	return (RESULT_OK);
}

/*
 * Finds the closing quote of the string at r->off. Control characters
 * must be escaped (RFC 8259, section 7); the escapes themselves are
 * checked while decoding.
 */
static int
jread_string_end(struct jread *r, size_t *end)
{
	size_t		i;

	for (i = r->off + 1; i < r->len; i++) {
		if (r->p[i] == '"') {
			*end = i;
			return (RESULT_OK);
		}
		if (r->p[i] < 0x20)
			return (jread_syntax(r, i));
		if (r->p[i] == '\\')
			i++;
	}

	return (jread_syntax(r, r->len));
}

/* The escape at r->off, appended to s at *n. */
static int
jread_escape(struct jread *r, char *s, size_t *n)
{
	static const char	from[] = "\"\\/bfnrt";
	static const char	to[] = "\"\\/\b\f\n\r\t";
	const char		*c;

	/* jread_string_end() saw a byte after the backslash. */
	if (r->p[r->off + 1] == 'u')
		return (jread_unicode(r, s, n));

	if ((c = memchr(from, r->p[r->off + 1], sizeof(from) - 1)) == NULL)
		return (jread_syntax(r, r->off + 1));

	s[(*n)++] = to[c - from];
	r->off += 2;
	return (RESULT_OK);
}

/*
 * A \uXXXX escape, or two forming a UTF-16 surrogate pair, appended to s
 * at *n as UTF-8. A lone surrogate has no UTF-8 form and is refused.
 */
static int
jread_unicode(struct jread *r, char *s, size_t *n)
{
	size_t		start = r->off;
	uint32_t	cp, lo;

	r->off += 2;
	if (jread_hex4(r, &cp) != RESULT_OK)
		return (RESULT_ERROR);

	if (cp >= 0xdc00 && cp <= 0xdfff)
		return (jread_syntax(r, start));

	if (cp >= 0xd800 && cp <= 0xdbff) {
		if (r->len - r->off < 2 || r->p[r->off] != '\\' ||
		    r->p[r->off + 1] != 'u')
			return (jread_syntax(r, start));
		r->off += 2;
		if (jread_hex4(r, &lo) != RESULT_OK)
			return (RESULT_ERROR);
		if (lo < 0xdc00 || lo > 0xdfff)
			return (jread_syntax(r, start));
		cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
	}

	*n += utf8_put(s + *n, cp);
	return (RESULT_OK);
}

/*
 * Four hex digits at r->off. They cannot run past the closing quote of
 * the string, as a quote is not a hex digit.
 */
static int
jread_hex4(struct jread *r, uint32_t *v)
{
	int		c, i;

	*v = 0;
	for (i = 0; i < 4; i++) {
		c = jread_peek(r);
		if (c >= '0' && c <= '9')
			*v = *v << 4 | (uint32_t)(c - '0');
		else if ((c | 0x20) >= 'a' && (c | 0x20) <= 'f')
			*v = *v << 4 | (uint32_t)((c | 0x20) - 'a' + 10);
		else
			return (jread_syntax(r, r->off));
		r->off++;
	}

	return (RESULT_OK);
}

/* -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)? */
static int
jread_number(struct jread *r)
{
	(void)jread_eat(r, '-');
	if (!jread_eat(r, '0') && jread_digits(r) == 0)
		return (jread_syntax(r, r->off));

	if (jread_eat(r, '.') && jread_digits(r) == 0)
		return (jread_syntax(r, r->off));

	if (jread_eat(r, 'e') || jread_eat(r, 'E')) {
		if (!jread_eat(r, '+'))
			(void)jread_eat(r, '-');
		if (jread_digits(r) == 0)
			return (jread_syntax(r, r->off));
	}

	return (RESULT_OK);
}

static size_t
jread_digits(struct jread *r)
{
	size_t		start = r->off;
	int		c;

	while ((c = jread_peek(r)) >= '0' && c <= '9')
		r->off++;

	return (r->off - start);
}

static int
jread_literal(struct jread *r)
{
	static const char *const	words[] = { "true", "false", "null" };
	size_t				i, n;

	for (i = 0; i < sizeof(words) / sizeof(words[0]); i++) {
		n = strlen(words[i]);
		if (r->len - r->off >= n &&
		    memcmp(r->p + r->off, words[i], n) == 0) {
			r->off += n;
			return (RESULT_OK);
		}
	}

	return (jread_syntax(r, r->off));
}

static void
jread_ws(struct jread *r)
{
	int		c;

	while ((c = jread_peek(r)) == ' ' || c == '\t' || c == '\n' ||
	    c == '\r')
		r->off++;
}

/* Steps over c when it is the next byte. */
static int
jread_eat(struct jread *r, int c)
{
	if (jread_peek(r) != c)
		return (0);

	r->off++;
	return (1);
}

static int
jread_syntax(struct jread *r, size_t off)
{
	return (jread_fail(r, "body is not valid JSON at byte %zu", off));
}

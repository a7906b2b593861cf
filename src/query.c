/*
 * application/x-www-form-urlencoded query strings (WHATWG URL, section
 * 5.1). Every pair is decoded, not only those with the wanted name, so a
 * malformed query string is refused the same way whatever is looked up.
 */

#include <stddef.h>
#include <string.h>

#include "query.h"
#include "result.h"

struct query_match {
	const char	*name;
	int		(*cb)(const char *, size_t, void *);
	void		*arg;
};

static int	query_pair(const char *, size_t, const struct query_match *);
static int	query_decode(const char *, size_t, char *, size_t *);
static int	query_escape(const char *, size_t, char *);
static int	query_hex(char);

int
query_foreach(const char *qs, const char *name,
    int (*cb)(const char *, size_t, void *), void *arg)
{
	const struct query_match	m = { name, cb, arg };
	size_t				len;

	if (qs == NULL)
		return (RESULT_OK);

	for (; *qs != '\0'; qs += len + (qs[len] == '&')) {
		len = strcspn(qs, "&");
		/* Empty pairs ("a=1&&b=2", a trailing '&') carry nothing. */
		if (len > 0 && query_pair(qs, len, &m) != RESULT_OK)
			return (RESULT_ERROR);
	}

	return (RESULT_OK);
}

/* One "name[=value]" pair of len bytes; a missing '=' means "". */
static int
query_pair(const char *pair, size_t len, const struct query_match *m)
{
	char		key[QUERY_VALUE_MAX + 1], value[QUERY_VALUE_MAX + 1];
	const char	*eq;
	size_t		klen, vlen, keylen, valuelen;

	eq = memchr(pair, '=', len);
	klen = eq != NULL ? (size_t)(eq - pair) : len;
	vlen = eq != NULL ? len - klen - 1 : 0;

	if (query_decode(pair, klen, key, &keylen) != RESULT_OK ||
	    query_decode(pair + len - vlen, vlen, value, &valuelen) !=
	    RESULT_OK)
		return (RESULT_ERROR);

	/* The decoder refuses NUL, so strcmp() sees the whole key. */
	if (strcmp(key, m->name) != 0)
		return (RESULT_OK);

	return (m->cb(value, valuelen, m->arg) == RESULT_OK ?
	    RESULT_OK : RESULT_ERROR);
}

/*
 * Decodes len bytes of src into dst, which holds QUERY_VALUE_MAX + 1
 * bytes, and NUL-terminates it.
 */
static int
query_decode(const char *src, size_t len, char *dst, size_t *out)
{
	size_t		i, n;

	for (i = 0, n = 0; i < len; i++, n++) {
		if (n == QUERY_VALUE_MAX)
			return (RESULT_ERROR);
		if (src[i] == '%') {
			if (query_escape(src + i, len - i, &dst[n]) !=
			    RESULT_OK)
				return (RESULT_ERROR);
			i += 2;
		} else
			dst[n] = src[i] == '+' ? ' ' : src[i];
	}

	dst[n] = '\0';
	*out = n;
	return (RESULT_OK);
}

/* The "%XX" escape at p (avail bytes left) into *c. */
static int
query_escape(const char *p, size_t avail, char *c)
{
	int		hi, lo;

	if (avail < 3 || (hi = query_hex(p[1])) == -1 ||
	    (lo = query_hex(p[2])) == -1)
		return (RESULT_ERROR);

	/* A decoded NUL would silently cut a C string short. */
	if (hi == 0 && lo == 0)
		return (RESULT_ERROR);

	*c = (char)(hi << 4 | lo);
	return (RESULT_OK);
}

/* Value of a hex digit, or -1. */
static int
query_hex(char c)
{
	if (c >= '0' && c <= '9')
		return (c - '0');
	if (c >= 'a' && c <= 'f')
		return (c - 'a' + 10);
	if (c >= 'A' && c <= 'F')
		return (c - 'A' + 10);

	return (-1);
}

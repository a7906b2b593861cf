/*
 * jread: a strict JSON reader (RFC 8259) that checks a document while its
 * caller walks it, with no tree built: the caller takes the members and
 * items it wants through callbacks, and steps over the rest with
 * jread_value(), which still checks them. Pure: malloc/free only.
 *
 * Strict because whatever a reader accepts may be stored and replayed to
 * other programs: no BOM, UTF-8 only, no trailing commas, no comments,
 * no lone surrogates, nesting bounded. The first failure stops the walk
 * and leaves one message in the caller's buffer; messages call the
 * document "body".
 */
#ifndef SSEHUB_JREAD_H
#define SSEHUB_JREAD_H

#include <stddef.h>

#define JREAD_DEPTH_MAX		32	/* objects and arrays, nested */

struct jread {
	const unsigned char	*p;
	size_t			 len;
	size_t			 off;		/* the next byte to read */
	int			 depth;
	char			*err;		/* may be NULL */
	size_t			 errlen;
};

/* Called with the reader on the value of each member of an object. */
typedef int	(*jread_member_cb)(struct jread *, const char *key,
		    size_t keylen, void *);
/* Called with the reader on each item of an array. */
typedef int	(*jread_item_cb)(struct jread *, void *);

/*
 * Every function below returns RESULT_OK or RESULT_ERROR; on error its
 * message is in err (NUL-terminated, cut to errlen). jread's own messages
 * hold no quote, backslash or control character.
 */
void	jread_init(struct jread *, const char *doc, size_t len, char *err,
	    size_t errlen);
/* No BOM, valid UTF-8 throughout; then steps over leading blanks. */
int	jread_begin(struct jread *);
/* Nothing but blanks may follow the value just read. */
int	jread_end(struct jread *);

/* The next byte, or -1 at the end: what kind of value comes next. */
int	jread_peek(const struct jread *);

int	jread_object(struct jread *, jread_member_cb, void *);
int	jread_array(struct jread *, jread_item_cb, void *);
/* A string, unescaped into *out (NUL-terminated, the caller frees it). */
int	jread_string(struct jread *, char **out, size_t *outlen);
/* Any value, checked and stepped over. */
int	jread_value(struct jread *);
/* Any value, checked; *text points at its JSON text inside doc. */
int	jread_raw(struct jread *, const char **text, size_t *len);
/*
 * Refuses a value of the wrong type with msg, after checking it: malformed
 * JSON is reported as such, whatever type was expected.
 */
int	jread_mistyped(struct jread *, const char *msg);
int	jread_fail(struct jread *, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));

#endif

/*
 * Replay cursors. An event id is a PostgreSQL bigint assigned by a
 * sequence, so a valid cursor is a plain decimal in 0 .. INT64_MAX. Being
 * strict here (no sign, no spaces) keeps the SQL side free of casts that
 * could fail at query time.
 */

#include <stddef.h>
#include <stdint.h>

#include "cursor.h"

#define CURSOR_DIGITS_MAX	19	/* digits in INT64_MAX */

int
cursor_parse(const char *s, uint64_t *id)
{
	uint64_t	v;
	size_t		i;
	unsigned int	d;

	if (s == NULL || s[0] == '\0')
		return (CURSOR_NONE);

	v = 0;
	for (i = 0; s[i] != '\0'; i++) {
		if (i == CURSOR_DIGITS_MAX || s[i] < '0' || s[i] > '9')
			return (CURSOR_MALFORMED);
		d = (unsigned int)(s[i] - '0');
		/* Checked before the multiply so v never wraps. */
		if (v > ((uint64_t)INT64_MAX - d) / 10)
			return (CURSOR_MALFORMED);
		v = v * 10 + d;
	}

	*id = v;
	return (CURSOR_VALID);
}

int
cursor_pick(const char *header, const char *query, uint64_t *id)
{
	if (header != NULL)
		return (cursor_parse(header, id));

	return (cursor_parse(query, id));
}

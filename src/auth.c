/*
 * Bearer token check (RFC 6750, section 2.1). The token comparison must
 * not leak, through its timing, how long a prefix of a guess is right.
 */

#include <stddef.h>
#include <string.h>
#include <strings.h>

#include "auth.h"

#define AUTH_SCHEME		"Bearer"
#define AUTH_SCHEME_LEN		(sizeof(AUTH_SCHEME) - 1)

int
auth_bearer_ok(const char *header, const char *token)
{
	const char	*t;

	if (token == NULL || token[0] == '\0')
		return (0);
	if ((t = auth_bearer_token(header)) == NULL)
		return (0);

	return (auth_equal(t, token));
}

const char *
auth_bearer_token(const char *header)
{
	const char	*t;

	if (header == NULL)
		return (NULL);

	if (strncasecmp(header, AUTH_SCHEME, AUTH_SCHEME_LEN) != 0 ||
	    header[AUTH_SCHEME_LEN] != ' ')
		return (NULL);

	for (t = header + AUTH_SCHEME_LEN; *t == ' '; t++)
		;

	return (t);
}

/*
 * Compares every byte up to the longer length and accumulates the
 * differences, so the time depends only on the lengths. Past its end the
 * shorter string contributes its terminating NUL, which is always
 * readable.
 */
int
auth_equal(const char *a, const char *b)
{
	size_t		alen, blen, max, i;
	unsigned char	diff;

	alen = strlen(a);
	blen = strlen(b);
	max = alen > blen ? alen : blen;
	diff = alen != blen;

	for (i = 0; i < max; i++) {
		diff |= (unsigned char)a[i < alen ? i : alen] ^
		    (unsigned char)b[i < blen ? i : blen];
	}

	return (diff == 0);
}

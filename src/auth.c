/*
 * Bearer token check (RFC 6750, section 2.1). The token comparison must
 * not leak, through its timing, how long a prefix of a guess is right.
 */

#include <stddef.h>
#include <string.h>
#include <strings.h>

#include <openssl/crypto.h>
#include <openssl/sha.h>

#include "auth.h"

#define AUTH_SCHEME		"Bearer"
#define AUTH_SCHEME_LEN		(sizeof(AUTH_SCHEME) - 1)

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
 * Compares SHA-256 digests of both, in constant time: the time says
 * nothing about where they differ, nor how long the secret one is.
 */
int
auth_equal(const char *a, const char *b)
{
	unsigned char	da[SHA256_DIGEST_LENGTH], db[SHA256_DIGEST_LENGTH];

	(void)SHA256((const unsigned char *)a, strlen(a), da);
	(void)SHA256((const unsigned char *)b, strlen(b), db);

	return (CRYPTO_memcmp(da, db, sizeof(da)) == 0);
}

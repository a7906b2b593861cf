/* Tokens for the tests, signed by libjwt's encoder. */
#ifndef SSEHUB_TEST_JWT_TOKENS_H
#define SSEHUB_TEST_JWT_TOKENS_H

#include <stddef.h>

#include <jwt.h>

/* A token of claims (JSON) signed with key (len bytes); free() it. */
char	*token_sign(jwt_alg_t, const void *key, size_t len,
	    const char *claims);

#endif

#include <stdlib.h>
#include <string.h>

#include <check.h>

#include "jwt_tokens.h"

char *
token_sign(jwt_alg_t alg, const void *key, size_t len, const char *claims)
{
	jwt_t	*jwt;
	char	*t;

	ck_assert_int_eq(jwt_new(&jwt), 0);
	ck_assert_int_eq(jwt_add_grants_json(jwt, claims), 0);
	ck_assert_int_eq(jwt_set_alg(jwt, alg, key, (int)len), 0);
	t = jwt_encode_str(jwt);
	ck_assert_ptr_nonnull(t);
	jwt_free(jwt);
	return (t);
}

/*
 * jwt_verify: libjwt checks the signature with whatever algorithm the
 * token's header names, using our key's bytes. That is how key confusion
 * works: an HS256 token "signed" with the bytes of our RSA public key
 * verifies. So the accepted algorithms follow from the key alone, and a
 * token naming any other (none included) is refused however it verifies.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jwt.h>
#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include "jwt_verify.h"
#include "result.h"

#define JWT_ALG_BIT(a)		(1u << (a))
#define JWT_PEM_MAX		16384

static int	jwt_key_algs(struct jwt_key *, char *, size_t);
static int	jwt_shape_ok(const char *);

int
jwt_key_secret(struct jwt_key *k, const char *secret, char *err,
    size_t errlen)
{
	memset(k, 0, sizeof(*k));
	if (strlen(secret) < JWT_SECRET_MIN) {
		(void)snprintf(err, errlen, "SSEHUB_JWT_SECRET: at least %d "
		    "bytes", JWT_SECRET_MIN);
		return (RESULT_ERROR);
	}
	if ((k->bytes = (unsigned char *)strdup(secret)) == NULL)
		return (RESULT_ERROR);
	k->len = strlen(secret);
	k->algs = JWT_ALG_BIT(JWT_ALG_HS256) | JWT_ALG_BIT(JWT_ALG_HS384) |
	    JWT_ALG_BIT(JWT_ALG_HS512);
	k->kind = "HMAC";
	return (RESULT_OK);
}

int
jwt_key_pem(struct jwt_key *k, const char *path, char *err, size_t errlen)
{
	FILE		*fp;
	size_t		n;

	memset(k, 0, sizeof(*k));
	if ((fp = fopen(path, "r")) == NULL) {
		(void)snprintf(err, errlen, "SSEHUB_JWT_KEY: cannot open %s",
		    path);
		return (RESULT_ERROR);
	}
	if ((k->bytes = malloc(JWT_PEM_MAX)) == NULL) {
		(void)fclose(fp);
		return (RESULT_ERROR);
	}
	n = fread(k->bytes, 1, JWT_PEM_MAX, fp);
	(void)fclose(fp);
	if (n == 0 || n == JWT_PEM_MAX) {
		(void)snprintf(err, errlen, "SSEHUB_JWT_KEY: %s is empty or "
		    "over %d bytes", path, JWT_PEM_MAX);
		jwt_key_free(k);
		return (RESULT_ERROR);
	}
	k->len = n;

	if (!jwt_key_algs(k, err, errlen)) {
		jwt_key_free(k);
		return (RESULT_ERROR);
	}
	return (RESULT_OK);
}

/* RSA: RS256/384/512. EC: the one ES* its curve is defined for. */
static int
jwt_key_algs(struct jwt_key *k, char *err, size_t errlen)
{
	BIO		*bio;
	EVP_PKEY	*pkey;
	int		bits;

	if ((bio = BIO_new_mem_buf(k->bytes, (int)k->len)) == NULL)
		return (RESULT_ERROR);
	pkey = PEM_read_bio_PUBKEY(bio, NULL, NULL, NULL);
	BIO_free(bio);
	if (pkey == NULL) {
		(void)snprintf(err, errlen, "SSEHUB_JWT_KEY: not a PEM "
		    "public key (-----BEGIN PUBLIC KEY-----)");
		return (RESULT_ERROR);
	}

	bits = EVP_PKEY_get_bits(pkey);
	if (EVP_PKEY_get_base_id(pkey) == EVP_PKEY_RSA && bits >= 2048) {
		k->algs = JWT_ALG_BIT(JWT_ALG_RS256) |
		    JWT_ALG_BIT(JWT_ALG_RS384) | JWT_ALG_BIT(JWT_ALG_RS512);
		k->kind = "RSA";
	} else if (EVP_PKEY_get_base_id(pkey) == EVP_PKEY_EC) {
		k->kind = "EC";
		if (bits == 256)
			k->algs = JWT_ALG_BIT(JWT_ALG_ES256);
		else if (bits == 384)
			k->algs = JWT_ALG_BIT(JWT_ALG_ES384);
		else if (bits == 521)
			k->algs = JWT_ALG_BIT(JWT_ALG_ES512);
	}
	EVP_PKEY_free(pkey);

	if (k->algs == 0) {
		(void)snprintf(err, errlen, "SSEHUB_JWT_KEY: an RSA key of "
		    "2048 bits or more, or an EC key on P-256, P-384 or P-521");
		return (RESULT_ERROR);
	}
	return (RESULT_OK);
}

void
jwt_key_free(struct jwt_key *k)
{
	free(k->bytes);
	memset(k, 0, sizeof(*k));
}

int
jwt_verify(const struct jwt_key *k, const char *token, char **claims,
    const char **why)
{
	jwt_t		*jwt;
	jwt_alg_t	alg;

	*claims = NULL;
	if (strlen(token) > JWT_TOKEN_MAX) {
		*why = "token over 8192 bytes";
		return (RESULT_ERROR);
	}
	if (!jwt_shape_ok(token)) {
		*why = "malformed token";
		return (RESULT_ERROR);
	}
	if (jwt_decode(&jwt, token, k->bytes, (int)k->len) != 0) {
		*why = "token signature or encoding invalid";
		return (RESULT_ERROR);
	}

	alg = jwt_get_alg(jwt);
	if (alg <= JWT_ALG_NONE || alg >= JWT_ALG_TERM ||
	    (k->algs & JWT_ALG_BIT(alg)) == 0) {
		jwt_free(jwt);
		*why = "token algorithm not accepted";
		return (RESULT_ERROR);
	}

	*claims = jwt_get_grants_json(jwt, NULL);
	jwt_free(jwt);
	if (*claims == NULL) {
		*why = "malformed token";
		return (RESULT_ERROR);
	}
	return (RESULT_OK);
}

/*
 * Three base64url parts, none empty, none of a length no encoding has
 * (4k + 1): libjwt would drop the odd character and accept the rest.
 */
static int
jwt_shape_ok(const char *token)
{
	size_t		i, dots, run;

	dots = run = 0;
	for (i = 0; token[i] != '\0'; i++) {
		if (token[i] == '.') {
			if (run == 0 || run % 4 == 1)
				return (0);
			dots++;
			run = 0;
			continue;
		}
		if (strchr("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
		    "0123456789-_", token[i]) == NULL)
			return (0);
		run++;
	}
	return (dots == 2 && run > 0 && run % 4 != 1);
}

/*
 * jwt_verify: the signature and algorithm of a JSON Web Token, checked
 * by libjwt against the one key configured. Claims are grant.c's.
 * Pure: no Kore.
 */
#ifndef SSEHUB_JWT_VERIFY_H
#define SSEHUB_JWT_VERIFY_H

#include <stddef.h>

#define JWT_TOKEN_MAX		8192
#define JWT_SECRET_MIN		32

struct jwt_key {
	unsigned char	*bytes;		/* HMAC secret or PEM public key */
	size_t		len;
	unsigned int	algs;		/* 1 << jwt_alg_t, for each accepted */
	const char	*kind;		/* for the log: "HMAC", "RSA", ... */
};

/* A secret for HS256/384/512: at least JWT_SECRET_MIN bytes. */
int	jwt_key_secret(struct jwt_key *, const char *secret, char *err,
	    size_t errlen);
/* A PEM public key read from path: RSA (RS*) or EC (ES*, by curve). */
int	jwt_key_pem(struct jwt_key *, const char *path, char *err,
	    size_t errlen);
void	jwt_key_free(struct jwt_key *);

/*
 * RESULT_OK when token is signed by key with an algorithm the key
 * accepts; *claims is then its payload as JSON (free() it). Otherwise
 * *why says what is wrong, in words fit for a client.
 */
int	jwt_verify(const struct jwt_key *, const char *token, char **claims,
	    const char **why);

#endif

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <check.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include "jwt_tokens.h"
#include "jwt_verify.h"
#include "suites.h"

#define SECRET		"0123456789abcdef0123456789abcdef"
#define CLAIMS		"{\"exp\": 1800000000, \"sub\": \"42\"}"

struct pair {
	char	priv[8192];
	size_t	priv_len;
	char	pub_path[64];
	char	pub[8192];
	size_t	pub_len;
};

/* A key pair: the private key in PEM for signing, the public in a file. */
static void
pair_make(struct pair *p, EVP_PKEY *k)
{
	BIO	*b;
	FILE	*fp;
	int	fd;

	ck_assert_ptr_nonnull(k);
	b = BIO_new(BIO_s_mem());
	ck_assert_int_eq(PEM_write_bio_PrivateKey(b, k, NULL, NULL, 0, NULL,
	    NULL), 1);
	p->priv_len = (size_t)BIO_read(b, p->priv, sizeof(p->priv));
	BIO_free(b);

	b = BIO_new(BIO_s_mem());
	ck_assert_int_eq(PEM_write_bio_PUBKEY(b, k), 1);
	p->pub_len = (size_t)BIO_read(b, p->pub, sizeof(p->pub));
	BIO_free(b);

	(void)snprintf(p->pub_path, sizeof(p->pub_path), "/tmp/ssehub-unit-XXXXXX");
	ck_assert_int_ne(fd = mkstemp(p->pub_path), -1);
	ck_assert_ptr_nonnull(fp = fdopen(fd, "w"));
	ck_assert_uint_eq(fwrite(p->pub, 1, p->pub_len, fp), p->pub_len);
	(void)fclose(fp);
	EVP_PKEY_free(k);
}

static int
verify(const struct jwt_key *k, const char *token, const char **why)
{
	char	*claims;
	int	ok;

	*why = NULL;
	ok = jwt_verify(k, token, &claims, why);
	if (ok) {
		ck_assert_ptr_nonnull(strstr(claims, "\"sub\":\"42\""));
		free(claims);
	} else {
		ck_assert_ptr_null(claims);
	}
	return (ok);
}

START_TEST(test_jwt_hmac)
{
	struct jwt_key	k;
	char		err[128], *t;
	const char	*why;
	size_t		i;
	jwt_alg_t	algs[] = { JWT_ALG_HS256, JWT_ALG_HS384, JWT_ALG_HS512 };

	ck_assert_int_eq(jwt_key_secret(&k, "short", err, sizeof(err)), 0);
	ck_assert_int_eq(jwt_key_secret(&k, SECRET, err, sizeof(err)), 1);

	for (i = 0; i < nitems(algs); i++) {
		t = token_sign(algs[i], SECRET, strlen(SECRET), CLAIMS);
		ck_assert_int_eq(verify(&k, t, &why), 1);
		/* One bit of the signature changed. */
		t[strlen(t) - 2] = t[strlen(t) - 2] == 'A' ? 'B' : 'A';
		ck_assert_int_eq(verify(&k, t, &why), 0);
		ck_assert_str_eq(why, "token signature or encoding invalid");
		free(t);
	}

	/* Another secret. */
	t = token_sign(JWT_ALG_HS256, SECRET "x", strlen(SECRET) + 1, CLAIMS);
	ck_assert_int_eq(verify(&k, t, &why), 0);
	free(t);

	/* alg none: no signature at all. */
	t = token_sign(JWT_ALG_NONE, NULL, 0, CLAIMS);
	ck_assert_int_eq(verify(&k, t, &why), 0);
	free(t);
	jwt_key_free(&k);
}
END_TEST

START_TEST(test_jwt_rsa)
{
	struct pair	p;
	struct jwt_key	k;
	char		err[128], *t;
	const char	*why;

	pair_make(&p, EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048));
	ck_assert_int_eq(jwt_key_pem(&k, p.pub_path, err, sizeof(err)), 1);
	ck_assert_str_eq(k.kind, "RSA");

	t = token_sign(JWT_ALG_RS256, p.priv, p.priv_len, CLAIMS);
	ck_assert_int_eq(verify(&k, t, &why), 1);
	free(t);
	t = token_sign(JWT_ALG_RS512, p.priv, p.priv_len, CLAIMS);
	ck_assert_int_eq(verify(&k, t, &why), 1);
	free(t);

	/*
	 * Key confusion: HS256 with the public key's bytes as the secret.
	 * libjwt verifies it; the key's algorithms refuse it.
	 */
	t = token_sign(JWT_ALG_HS256, p.pub, p.pub_len, CLAIMS);
	ck_assert_int_eq(verify(&k, t, &why), 0);
	ck_assert_str_eq(why, "token algorithm not accepted");
	free(t);

	t = token_sign(JWT_ALG_NONE, NULL, 0, CLAIMS);
	ck_assert_int_eq(verify(&k, t, &why), 0);
	free(t);

	jwt_key_free(&k);
	(void)unlink(p.pub_path);
}
END_TEST

START_TEST(test_jwt_ec)
{
	struct pair	p, q;
	struct jwt_key	k;
	char		err[128], *t;
	const char	*why;

	pair_make(&p, EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256"));
	pair_make(&q, EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256"));
	ck_assert_int_eq(jwt_key_pem(&k, p.pub_path, err, sizeof(err)), 1);
	ck_assert_str_eq(k.kind, "EC");

	t = token_sign(JWT_ALG_ES256, p.priv, p.priv_len, CLAIMS);
	ck_assert_int_eq(verify(&k, t, &why), 1);
	free(t);
	/* Signed by another key of the same curve. */
	t = token_sign(JWT_ALG_ES256, q.priv, q.priv_len, CLAIMS);
	ck_assert_int_eq(verify(&k, t, &why), 0);
	free(t);
	/* Key confusion with an EC key too. */
	t = token_sign(JWT_ALG_HS256, p.pub, p.pub_len, CLAIMS);
	ck_assert_int_eq(verify(&k, t, &why), 0);
	free(t);

	jwt_key_free(&k);
	(void)unlink(p.pub_path);
	(void)unlink(q.pub_path);
}
END_TEST

START_TEST(test_jwt_keys_refused)
{
	struct pair	p;
	struct jwt_key	k;
	char		err[128];
	FILE		*fp;

	ck_assert_int_eq(jwt_key_pem(&k, "/nonexistent/key.pem", err,
	    sizeof(err)), 0);
	ck_assert_ptr_nonnull(strstr(err, "cannot open"));

	/* RSA under 2048 bits. */
	pair_make(&p, EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)1024));
	ck_assert_int_eq(jwt_key_pem(&k, p.pub_path, err, sizeof(err)), 0);
	ck_assert_ptr_nonnull(strstr(err, "2048 bits"));

	/* A private key is not what is configured. */
	ck_assert_ptr_nonnull(fp = fopen(p.pub_path, "w"));
	ck_assert_uint_eq(fwrite(p.priv, 1, p.priv_len, fp), p.priv_len);
	(void)fclose(fp);
	ck_assert_int_eq(jwt_key_pem(&k, p.pub_path, err, sizeof(err)), 0);
	ck_assert_ptr_nonnull(strstr(err, "not a PEM public key"));
	(void)unlink(p.pub_path);
}
END_TEST

static const char	*shape_cases[] = {
	"", "a", "a.b", "a.b.", ".b.c", "a..c", "a.b.c.d", "a.b.c=",
	"a+b.c.d", "a.b/c.d", "a.b.c d", "abcde.abcd.abcd", "abcd.abcd.abcde",
};

START_TEST(test_jwt_shape)
{
	struct jwt_key	k;
	char		err[128];
	const char	*why;

	ck_assert_int_eq(jwt_key_secret(&k, SECRET, err, sizeof(err)), 1);
	ck_assert_int_eq(verify(&k, shape_cases[_i], &why), 0);
	ck_assert_str_eq(why, "malformed token");
	jwt_key_free(&k);
}
END_TEST

START_TEST(test_jwt_oversize)
{
	struct jwt_key	k;
	char		err[128], *t, claims[JWT_TOKEN_MAX];
	const char	*why;

	ck_assert_int_eq(jwt_key_secret(&k, SECRET, err, sizeof(err)), 1);
	(void)snprintf(claims, sizeof(claims), "{\"sub\": \"42\", \"pad\": "
	    "\"%07000d\"}", 0);
	t = token_sign(JWT_ALG_HS256, SECRET, strlen(SECRET), claims);
	ck_assert_uint_gt(strlen(t), JWT_TOKEN_MAX);
	ck_assert_int_eq(verify(&k, t, &why), 0);
	ck_assert_str_eq(why, "token over 8192 bytes");
	free(t);
	jwt_key_free(&k);
}
END_TEST

Suite *
jwt_verify_suite(void)
{
	Suite	*s = suite_create("jwt_verify");
	TCase	*tc = tcase_create("core");

	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_jwt_hmac);
	tcase_add_test(tc, test_jwt_rsa);
	tcase_add_test(tc, test_jwt_ec);
	tcase_add_test(tc, test_jwt_keys_refused);
	tcase_add_loop_test(tc, test_jwt_shape, 0, nitems(shape_cases));
	tcase_add_test(tc, test_jwt_oversize);
	suite_add_tcase(s, tc);
	return (s);
}

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <check.h>

#include "access.h"
#include "acl.h"
#include "grant.h"
#include "jwt_tokens.h"
#include "revoke.h"
#include "settings.h"
#include "suites.h"

#define ADMIN		"admin-token-0123"
#define SECRET		"0123456789abcdef0123456789abcdef"

static int64_t	now;

static void
setup(void)
{
	struct settings	s;
	char		err[256];

	now = (int64_t)time(NULL);
	memset(&s, 0, sizeof(s));
	(void)snprintf(s.jwt_secret, sizeof(s.jwt_secret), "%s", SECRET);
	ck_assert_int_eq(acl_load(&acl, NULL, ADMIN, err, sizeof(err)), 1);
	ck_assert_int_eq(access_init(&s, err, sizeof(err)), 1);
	ck_assert_int_eq(access_jwt_on(), 1);
	revoke_clear();
}

static void
teardown(void)
{
	struct settings	s;
	char		err[256];

	/* Back to no JWT key, for the other suites. */
	memset(&s, 0, sizeof(s));
	ck_assert_int_eq(access_init(&s, err, sizeof(err)), 1);
	acl_free(&acl);
	revoke_clear();
}

static char *
sign(const char *fmt, int64_t exp)
{
	char	claims[512];

	(void)snprintf(claims, sizeof(claims), fmt, (long long)exp);
	return (token_sign(JWT_ALG_HS256, SECRET, strlen(SECRET), claims));
}

START_TEST(test_access_sources)
{
	struct access	a;
	char		*t;

	/* No token: anonymous, nothing to free. */
	ck_assert_int_eq(access_check(&a, ACL_SUBSCRIBE, NULL, now), 1);
	ck_assert_ptr_null(a.rule);
	ck_assert_ptr_null(a.grant);

	/* The administrator's static token. */
	ck_assert_int_eq(access_check(&a, ACL_PUBLISH, ADMIN, now), 1);
	ck_assert_ptr_eq(a.rule, &acl.admin);
	ck_assert_ptr_null(a.grant);

	t = sign("{\"exp\": %lld, \"sub\": \"42\", \"ssehub\":"
	    " {\"subscribe\": [\"user.42\"]}}", now + 60);
	ck_assert_int_eq(access_check(&a, ACL_SUBSCRIBE, t, now), 1);
	ck_assert_ptr_nonnull(a.grant);
	ck_assert_ptr_eq(a.rule, &a.grant->rule);
	ck_assert_int_eq(acl_allows(a.rule, "user.42"), 1);
	ck_assert_int_eq(acl_allows(a.rule, "user.43"), 0);
	access_grant_free(a.grant);

	/* Garbage that is no static token is judged as a JWT. */
	ck_assert_int_eq(access_check(&a, ACL_SUBSCRIBE, "nope", now), 0);
	ck_assert_str_eq(a.why, "malformed token");
	free(t);
}
END_TEST

START_TEST(test_access_revoked)
{
	struct access	a;
	char		*t;

	t = sign("{\"exp\": %lld, \"sub\": \"42\", \"jti\": \"j1\"}", now + 60);
	ck_assert_int_eq(access_check(&a, ACL_SUBSCRIBE, t, now), 1);
	ck_assert_int_eq(revoke_matches(a.grant, now), 0);
	access_grant_free(a.grant);

	ck_assert_int_eq(revoke_add(REVOKE_JTI, "j1", now, now + 60), 1);
	ck_assert_int_eq(access_check(&a, ACL_SUBSCRIBE, t, now), 0);
	ck_assert_str_eq(a.why, "token revoked");
	ck_assert_ptr_null(a.grant);
	free(t);
}
END_TEST

START_TEST(test_access_identity)
{
	struct access	a;
	char		*t, who[ACCESS_IDENTITY_MAX];
	size_t		b1, b2;

	ck_assert_int_eq(access_check(&a, ACL_PUBLISH, ADMIN, now), 1);
	access_identity(&a, ADMIN, who, sizeof(who));
	ck_assert_str_eq(who, ADMIN);
	ck_assert_uint_eq(access_bucket(&a, who), 0);

	/* Two tokens of one subject: one publisher. */
	t = sign("{\"exp\": %lld, \"sub\": \"42\"}", now + 60);
	ck_assert_int_eq(access_check(&a, ACL_PUBLISH, t, now), 1);
	access_identity(&a, t, who, sizeof(who));
	ck_assert_str_eq(who, "jwt-sub:42");
	b1 = access_bucket(&a, who);
	access_grant_free(a.grant);
	free(t);
	t = sign("{\"exp\": %lld, \"sub\": \"42\", \"jti\": \"x\"}", now + 90);
	ck_assert_int_eq(access_check(&a, ACL_PUBLISH, t, now), 1);
	access_identity(&a, t, who, sizeof(who));
	b2 = access_bucket(&a, who);
	ck_assert_uint_eq(b1, b2);
	ck_assert_uint_ge(b1, acl.nrules + 1);
	ck_assert_uint_lt(b1, access_buckets());
	access_grant_free(a.grant);
	free(t);
}
END_TEST

Suite *
access_suite(void)
{
	Suite	*s = suite_create("access");
	TCase	*tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_access_sources);
	tcase_add_test(tc, test_access_revoked);
	tcase_add_test(tc, test_access_identity);
	suite_add_tcase(s, tc);
	return (s);
}

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <check.h>

#include "grant.h"
#include "revoke.h"
#include "suites.h"

static struct grant
token(const char *jti, const char *sub, int64_t iat)
{
	struct grant	g;

	memset(&g, 0, sizeof(g));
	(void)snprintf(g.jti, sizeof(g.jti), "%s", jti);
	(void)snprintf(g.subject, sizeof(g.subject), "%s", sub);
	g.issued = iat;
	return (g);
}

START_TEST(test_revoke_jti)
{
	struct grant	a = token("a", "", -1), b = token("b", "", -1);

	revoke_clear();
	ck_assert_int_eq(revoke_matches(&a, 100), 0);
	ck_assert_int_eq(revoke_add(REVOKE_JTI, "a", 100, 200), 1);
	ck_assert_int_eq(revoke_matches(&a, 100), 1);
	ck_assert_int_eq(revoke_matches(&b, 100), 0);
	/* Not past its until. */
	ck_assert_int_eq(revoke_matches(&a, 200), 0);
	/* A subject entry of the same text is not a jti. */
	ck_assert_int_eq(revoke_add(REVOKE_SUBJECT, "b", 100, 200), 1);
	ck_assert_int_eq(revoke_matches(&b, 150), 0);
	revoke_clear();
}
END_TEST

START_TEST(test_revoke_subject)
{
	struct grant	old = token("", "42", 90), new = token("", "42", 101);
	struct grant	undated = token("", "42", -1), other = token("", "43", 90);

	revoke_clear();
	ck_assert_int_eq(revoke_add(REVOKE_SUBJECT, "42", 100, 1000), 1);
	ck_assert_int_eq(revoke_matches(&old, 150), 1);
	ck_assert_int_eq(revoke_matches(&undated, 150), 1);
	ck_assert_int_eq(revoke_matches(&new, 150), 0);
	ck_assert_int_eq(revoke_matches(&other, 150), 0);
	/* A later revocation of the subject covers the newer token. */
	ck_assert_int_eq(revoke_add(REVOKE_SUBJECT, "42", 200, 300), 1);
	ck_assert_int_eq(revoke_matches(&new, 250), 1);
	ck_assert_int_eq(revoke_matches(&new, 300), 0);
	ck_assert_int_eq(revoke_matches(&old, 300), 1);
	revoke_clear();
}
END_TEST

START_TEST(test_revoke_expire)
{
	char		id[32];
	int		i;

	revoke_clear();
	for (i = 0; i < 5000; i++) {
		(void)snprintf(id, sizeof(id), "t%d", i);
		ck_assert_int_eq(revoke_add(i % 2 ? REVOKE_JTI : REVOKE_SUBJECT,
		    id, 0, i), 1);
	}
	ck_assert_uint_eq(revoke_count(), 5000);
	revoke_expire(2500);
	ck_assert_uint_eq(revoke_count(), 2499);
	revoke_expire(5000);
	ck_assert_uint_eq(revoke_count(), 0);
}
END_TEST

Suite *
revoke_suite(void)
{
	Suite	*s = suite_create("revoke");
	TCase	*tc = tcase_create("core");

	tcase_add_test(tc, test_revoke_jti);
	tcase_add_test(tc, test_revoke_subject);
	tcase_add_test(tc, test_revoke_expire);
	suite_add_tcase(s, tc);
	return (s);
}

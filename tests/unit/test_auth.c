#include <stddef.h>

#include <check.h>

#include "auth.h"
#include "suites.h"

#define TEST_TOKEN	"s3cret"

static const struct {
	const char	*header;
	int		 ok;
} auth_cases[] = {
	{ "Bearer s3cret",	1 },
	{ "bearer s3cret",	1 },	/* scheme is case-insensitive */
	{ "BEARER s3cret",	1 },
	{ "Bearer   s3cret",	1 },	/* one or more spaces */
	{ "Bearer S3cret",	0 },	/* the token is not */
	{ "Bearer s3cre",	0 },	/* prefix */
	{ "Bearer s3cretX",	0 },	/* longer */
	{ "Bearer xxxxxx",	0 },	/* same length, wrong */
	{ "Bearer s3cret ",	0 },
	{ "Bearer \ts3cret",	0 },
	{ "Bearer\ts3cret",	0 },
	{ "Bearers3cret",	0 },
	{ "Bearer ",		0 },
	{ "Bearer",		0 },
	{ "s3cret",		0 },	/* missing scheme */
	{ " Bearer s3cret",	0 },
	{ "Basic s3cret",	0 },
	{ "",			0 },
	{ NULL,			0 },
};

START_TEST(test_auth_header)
{
	ck_assert_int_eq(auth_bearer_ok(auth_cases[_i].header, TEST_TOKEN),
	    auth_cases[_i].ok);
}
END_TEST

/* An unset or empty configured token must never let anyone in. */
START_TEST(test_auth_no_token)
{
	ck_assert_int_eq(auth_bearer_ok("Bearer ", ""), 0);
	ck_assert_int_eq(auth_bearer_ok("Bearer x", ""), 0);
	ck_assert_int_eq(auth_bearer_ok("Bearer x", NULL), 0);
}
END_TEST

Suite *
auth_suite(void)
{
	Suite	*s;
	TCase	*tc;

	s = suite_create("auth");
	tc = tcase_create("bearer");
	tcase_add_loop_test(tc, test_auth_header, 0, nitems(auth_cases));
	tcase_add_test(tc, test_auth_no_token);
	suite_add_tcase(s, tc);

	return (s);
}

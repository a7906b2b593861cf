#include <stddef.h>
#include <string.h>

#include <check.h>

#include "cookie.h"
#include "suites.h"

static const struct {
	const char	*header;
	const char	*value;		/* NULL: not found */
} cookie_cases[] = {
	{ "ssehub_token=abc", "abc" },
	{ "a=1; ssehub_token=abc; b=2", "abc" },
	{ "a=1;ssehub_token=abc", "abc" },
	{ "ssehub_token=\"abc\"", "abc" },
	{ "ssehub_token=abc  ", "abc" },
	{ "ssehub_token=", "" },
	{ "ssehub_token=a=b", "a=b" },
	{ "ssehub_token=first; ssehub_token=second", "first" },
	{ "x_ssehub_token=abc", NULL },
	{ "ssehub_tokens=abc", NULL },
	{ "ssehub_token", NULL },
	{ "ssehub_token abc", NULL },
	{ "a=1; b=2; c=3; d=4; e=5; f=6; g=7; h=8; i=9; j=10; k=11; "
	    "ssehub_token=late", "late" },
	{ "", NULL },
	{ ";;; ", NULL },
	{ "ssehub_token=\"", "\"" },
};

START_TEST(test_cookie_find)
{
	const char	*v;
	size_t		len;

	v = cookie_find(cookie_cases[_i].header, "ssehub_token", &len);
	if (cookie_cases[_i].value == NULL) {
		ck_assert_msg(v == NULL, "%s", cookie_cases[_i].header);
		return;
	}
	ck_assert_msg(v != NULL, "%s", cookie_cases[_i].header);
	ck_assert_uint_eq(len, strlen(cookie_cases[_i].value));
	ck_assert_int_eq(memcmp(v, cookie_cases[_i].value, len), 0);
}
END_TEST

Suite *
cookie_suite(void)
{
	Suite	*s = suite_create("cookie");
	TCase	*tc = tcase_create("core");

	tcase_add_loop_test(tc, test_cookie_find, 0, nitems(cookie_cases));
	suite_add_tcase(s, tc);
	return (s);
}

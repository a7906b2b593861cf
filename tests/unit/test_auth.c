#include <stddef.h>
#include <string.h>

#include <check.h>

#include "auth.h"
#include "suites.h"

/* The token a header carries, or NULL for none. */
static const struct {
	const char	*header;
	const char	*token;
} token_cases[] = {
	{ "Bearer x",		"x" },
	{ "bearer   x",		"x" },
	{ "BEARER x",		"x" },
	{ "Bearer s3cret",	"s3cret" },
	{ "Bearer a b",		"a b" },	/* the rest, as it is */
	{ "Bearer x ",		"x " },
	{ "Bearer \tx",		"\tx" },
	{ "Bearerx",		NULL },
	{ "Bearer\tx",		NULL },
	{ "Bearer",		NULL },
	{ "Basic x",		NULL },
	{ " Bearer x",		NULL },
	{ "x",			NULL },
	{ "",			NULL },
	{ NULL,			NULL },
};

/* auth_equal: equal only when both length and bytes are. */
static const struct {
	const char	*a;
	const char	*b;
	int		 equal;
} equal_cases[] = {
	{ "s3cret",	"s3cret",	1 },
	{ "",		"",		1 },
	{ "s3cret",	"s3creT",	0 },
	{ "s3cret",	"x3cret",	0 },
	{ "s3cret",	"xxxxxx",	0 },
	{ "s3cret",	"s3cre",	0 },	/* prefix */
	{ "s3cre",	"s3cret",	0 },
	{ "s3cret",	"s3cret\x01",	0 },
	{ "s3cret",	"",		0 },	/* empty */
	{ "",		"s3cret",	0 },
	{ "\xff",	"\x7f",		0 },	/* high bit */
	{ "\x80",	"\x80",		1 },
};

START_TEST(test_auth_token)
{
	const char	*h, *t, *want;

	h = token_cases[_i].header;
	want = token_cases[_i].token;
	t = auth_bearer_token(h);
	if (want == NULL) {
		ck_assert_msg(t == NULL, "'%s' gave '%s'", h ? h : "(null)",
		    t);
		return;
	}
	ck_assert_ptr_nonnull(t);
	ck_assert_str_eq(t, want);
	/* It points into the header. */
	ck_assert_ptr_eq(t, h + strlen(h) - strlen(want));
}
END_TEST

/*
 * "Bearer " and nothing after: an empty token. NULL or "" are both safe
 * (acl_find refuses an empty token); it is never
 * anything else.
 */
START_TEST(test_auth_token_empty)
{
	const char	*t;

	t = auth_bearer_token("Bearer ");
	ck_assert_msg(t == NULL || *t == '\0', "gave '%s'", t);
	t = auth_bearer_token("Bearer    ");
	ck_assert_msg(t == NULL || *t == '\0', "gave '%s'", t);
}
END_TEST

START_TEST(test_auth_equal)
{
	ck_assert_msg(auth_equal(equal_cases[_i].a, equal_cases[_i].b) ==
	    equal_cases[_i].equal, "'%s' and '%s': want %d",
	    equal_cases[_i].a, equal_cases[_i].b, equal_cases[_i].equal);
	/* Symmetric. */
	ck_assert_int_eq(auth_equal(equal_cases[_i].b, equal_cases[_i].a),
	    equal_cases[_i].equal);
}
END_TEST

/* Long strings that differ only in their last byte, or length. */
START_TEST(test_auth_equal_long)
{
	char	a[1025], b[1025];

	memset(a, 'k', sizeof(a) - 1);
	a[sizeof(a) - 1] = '\0';
	memcpy(b, a, sizeof(b));
	ck_assert_int_eq(auth_equal(a, b), 1);
	b[sizeof(b) - 2] = 'K';
	ck_assert_int_eq(auth_equal(a, b), 0);
	b[sizeof(b) - 2] = '\0';
	ck_assert_int_eq(auth_equal(a, b), 0);
	ck_assert_int_eq(auth_equal(b, a), 0);
}
END_TEST

Suite *
auth_suite(void)
{
	Suite	*s;
	TCase	*tc;

	s = suite_create("auth");
	tc = tcase_create("bearer");
	tcase_add_loop_test(tc, test_auth_token, 0, nitems(token_cases));
	tcase_add_test(tc, test_auth_token_empty);
	suite_add_tcase(s, tc);

	tc = tcase_create("equal");
	tcase_add_loop_test(tc, test_auth_equal, 0, nitems(equal_cases));
	tcase_add_test(tc, test_auth_equal_long);
	suite_add_tcase(s, tc);

	return (s);
}

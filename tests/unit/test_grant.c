#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <check.h>

#include "grant.h"
#include "suites.h"

#define NOW	1800000000

static const struct grant_policy	open_policy = { NULL, NULL, 5 };
static const struct grant_policy	strict_policy = { "hub", "app", 0 };

static int
parse(struct grant *g, int kind, const char *claims,
    const struct grant_policy *p, const char **why)
{
	*why = NULL;
	return (grant_parse(g, kind, claims, p, NOW, why));
}

START_TEST(test_grant_patterns)
{
	struct grant	g;
	const char	*why;

	ck_assert_int_eq(parse(&g, ACL_SUBSCRIBE, "{\"exp\": 1800000060,"
	    "\"sub\": \"42\", \"jti\": \"t-1\", \"iat\": 1799999990,"
	    "\"ssehub\": {\"subscribe\": [\"user.42\", \"orders.42.*\"],"
	    "\"publish\": [\"chat.*\"]}}", &open_policy, &why), 1);
	ck_assert_uint_eq(g.rule.npatterns, 2);
	ck_assert_int_eq(acl_allows(&g.rule, "user.42"), 1);
	ck_assert_int_eq(acl_allows(&g.rule, "orders.42.7"), 1);
	ck_assert_int_eq(acl_allows(&g.rule, "user.43"), 0);
	ck_assert_int_eq(acl_allows(&g.rule, "chat.x"), 0);
	ck_assert_int_eq(g.expires, 1800000065);
	ck_assert_int_eq(g.issued, 1799999990);
	ck_assert_str_eq(g.subject, "42");
	ck_assert_str_eq(g.jti, "t-1");
	grant_free(&g);

	/* The same token, for publishing: the other list. */
	ck_assert_int_eq(parse(&g, ACL_PUBLISH, "{\"ssehub\": {\"subscribe\":"
	    " [\"a\"], \"publish\": [\"chat.*\"]}}", &open_policy, &why), 1);
	ck_assert_uint_eq(g.rule.npatterns, 1);
	ck_assert_int_eq(acl_allows(&g.rule, "chat.room"), 1);
	ck_assert_int_eq(acl_allows(&g.rule, "a"), 0);
	ck_assert_int_eq(g.expires, 0);
	ck_assert_int_eq(g.issued, -1);
	grant_free(&g);

	/* No ssehub claim: no rights, but a valid token. */
	ck_assert_int_eq(parse(&g, ACL_SUBSCRIBE, "{\"exp\": 1800000060}",
	    &open_policy, &why), 1);
	ck_assert_uint_eq(g.rule.npatterns, 0);
	ck_assert_int_eq(acl_allows(&g.rule, "x"), 0);
	grant_free(&g);
}
END_TEST

static const struct {
	int		kind;
	const char	*claims;
	const char	*why;		/* NULL: accepted */
} grant_cases[] = {
	{ ACL_SUBSCRIBE, "{}", "token has no exp" },
	{ ACL_PUBLISH, "{}", NULL },
	{ ACL_SUBSCRIBE, "{\"exp\": 1799999995}", "token expired" },
	{ ACL_SUBSCRIBE, "{\"exp\": 1799999996}", NULL },	/* leeway 5 */
	{ ACL_PUBLISH, "{\"exp\": 1700000000}", "token expired" },
	{ ACL_SUBSCRIBE, "{\"exp\": 1800000060, \"nbf\": 1800000006}",
	    "token not yet valid" },
	{ ACL_SUBSCRIBE, "{\"exp\": 1800000060, \"nbf\": 1800000005}", NULL },
	{ ACL_SUBSCRIBE, "{\"exp\": 1800000060, \"iat\": 1800000100}",
	    "token not yet valid" },
	{ ACL_SUBSCRIBE, "{\"exp\": \"1800000060\"}",
	    "token exp, nbf or iat not a number" },
	{ ACL_SUBSCRIBE, "{\"exp\": -1}", "token exp, nbf or iat not a number" },
	{ ACL_SUBSCRIBE, "{\"exp\": 1e300}",
	    "token exp, nbf or iat not a number" },
	{ ACL_SUBSCRIBE, "{\"exp\": 1800000060.5}", NULL },
	{ ACL_PUBLISH, "[]", "malformed token claims" },
	{ ACL_PUBLISH, "{\"a\": 1, \"a\": 2}", "malformed token claims" },
	{ ACL_PUBLISH, "not json", "malformed token claims" },
	{ ACL_PUBLISH, "{\"sub\": 42}",
	    "token jti or sub not a string of 1 to 128 bytes" },
	{ ACL_PUBLISH, "{\"jti\": \"\"}",
	    "token jti or sub not a string of 1 to 128 bytes" },
	/* jansson refuses a NUL in a string. */
	{ ACL_PUBLISH, "{\"sub\": \"a\\u0000b\"}", "malformed token claims" },
	{ ACL_PUBLISH, "{\"ssehub\": []}", "malformed ssehub claim" },
	{ ACL_PUBLISH, "{\"ssehub\": {\"publish\": \"chat\"}}",
	    "malformed ssehub claim" },
	{ ACL_PUBLISH, "{\"ssehub\": {\"publish\": [1]}}",
	    "malformed ssehub claim" },
	{ ACL_PUBLISH, "{\"ssehub\": {\"publish\": [\"a b\"]}}",
	    "malformed ssehub claim" },
	{ ACL_PUBLISH, "{\"ssehub\": {\"publish\": [\"a*b\"]}}",
	    "malformed ssehub claim" },
	{ ACL_PUBLISH, "{\"ssehub\": {\"publish\": [\"a\\u0000\"]}}",
	    "malformed token claims" },
	/* The list not asked for is checked too: understood whole, or not. */
	{ ACL_PUBLISH, "{\"ssehub\": {\"subscribe\": [\"\"]}}",
	    "malformed ssehub claim" },
	{ ACL_PUBLISH, "{\"ssehub\": {\"publish\": [\"*\", \"a.*\"],"
	    " \"other\": true}}", NULL },
};

START_TEST(test_grant_cases)
{
	struct grant	g;
	const char	*why;
	int		ok;

	ok = parse(&g, grant_cases[_i].kind, grant_cases[_i].claims,
	    &open_policy, &why);
	if (grant_cases[_i].why == NULL) {
		ck_assert_msg(ok, "%s: %s", grant_cases[_i].claims, why);
		grant_free(&g);
	} else {
		ck_assert_msg(!ok, "%s accepted", grant_cases[_i].claims);
		ck_assert_str_eq(why, grant_cases[_i].why);
		ck_assert_uint_eq(g.rule.npatterns, 0);
	}
}
END_TEST

START_TEST(test_grant_too_many)
{
	struct grant	g;
	const char	*why;
	char		claims[1024];
	size_t		i, n;

	for (n = ACL_PATTERNS_MAX; n <= ACL_PATTERNS_MAX + 1; n++) {
		(void)snprintf(claims, sizeof(claims), "{\"ssehub\": "
		    "{\"publish\": [");
		for (i = 0; i < n; i++) {
			(void)snprintf(claims + strlen(claims),
			    sizeof(claims) - strlen(claims), "%s\"t%zu\"",
			    i ? "," : "", i);
		}
		(void)strcat(claims, "]}}");
		ck_assert_int_eq(parse(&g, ACL_PUBLISH, claims, &open_policy,
		    &why), n == ACL_PATTERNS_MAX);
		if (n == ACL_PATTERNS_MAX) {
			ck_assert_uint_eq(g.rule.npatterns, n);
			grant_free(&g);
		}
	}
}
END_TEST

static const struct {
	const char	*claims;
	int		ok;
} policy_cases[] = {
	{ "{\"aud\": \"hub\", \"iss\": \"app\"}", 1 },
	{ "{\"aud\": [\"x\", \"hub\"], \"iss\": \"app\"}", 1 },
	{ "{\"aud\": [\"x\"], \"iss\": \"app\"}", 0 },
	{ "{\"aud\": \"hubs\", \"iss\": \"app\"}", 0 },
	{ "{\"iss\": \"app\"}", 0 },
	{ "{\"aud\": \"hub\"}", 0 },
	{ "{\"aud\": \"hub\", \"iss\": \"App\"}", 0 },
	{ "{\"aud\": \"hub\", \"iss\": [\"app\"]}", 0 },
	{ "{\"aud\": {\"hub\": 1}, \"iss\": \"app\"}", 0 },
};

START_TEST(test_grant_policy)
{
	struct grant	g;
	const char	*why;
	int		ok;

	ok = parse(&g, ACL_PUBLISH, policy_cases[_i].claims, &strict_policy,
	    &why);
	ck_assert_msg(ok == policy_cases[_i].ok, "%s", policy_cases[_i].claims);
	if (ok)
		grant_free(&g);
	/* Without a policy, aud and iss are not looked at. */
	ck_assert_int_eq(parse(&g, ACL_PUBLISH, policy_cases[_i].claims,
	    &open_policy, &why), 1);
	grant_free(&g);
}
END_TEST

Suite *
grant_suite(void)
{
	Suite	*s = suite_create("grant");
	TCase	*tc = tcase_create("core");

	tcase_add_test(tc, test_grant_patterns);
	tcase_add_loop_test(tc, test_grant_cases, 0, nitems(grant_cases));
	tcase_add_test(tc, test_grant_too_many);
	tcase_add_loop_test(tc, test_grant_policy, 0, nitems(policy_cases));
	suite_add_tcase(s, tc);
	return (s);
}

#include <regex.h>
#include <stddef.h>
#include <string.h>

#include <check.h>

#include "suites.h"
#include "topic.h"

#define S(s)		s, sizeof(s) - 1	/* a literal and its length */

START_TEST(test_topic_valid)
{
	char	longest[TOPIC_MAX + 1];

	memset(longest, 'a', sizeof(longest));
	ck_assert_int_eq(topic_valid(longest, TOPIC_MAX), 1);
	ck_assert_int_eq(topic_valid(longest, TOPIC_MAX + 1), 0);
	ck_assert_int_eq(topic_valid(S("Az09._-")), 1);
	ck_assert_int_eq(topic_valid(S("a\0")), 0);
	ck_assert_int_eq(topic_valid(S("a:b")), 0);
	ck_assert_int_eq(topic_valid(S("\xc3\xa9")), 0);
	ck_assert_int_eq(topic_valid("", 0), 0);
	ck_assert_int_eq(topic_valid(NULL, 0), 0);
	ck_assert_int_eq(topic_valid(TOPIC_DEFAULT,
	    strlen(TOPIC_DEFAULT)), 1);
}
END_TEST

/*
 * TOPIC_PATTERN is what SQL and JavaScript check: it must agree with
 * topic_valid() on every byte, alone and at every length around the
 * bound.
 */
START_TEST(test_topic_pattern)
{
	regex_t		re;
	char		s[TOPIC_MAX + 2];
	size_t		len;
	int		c, ok;

	ck_assert_int_eq(regcomp(&re, "^" TOPIC_PATTERN "$",
	    REG_EXTENDED | REG_NOSUB), 0);
	for (c = 1; c < 256; c++) {
		s[0] = (char)c;
		s[1] = '\0';
		ok = regexec(&re, s, 0, NULL, 0) == 0;
		ck_assert_msg(topic_valid(s, 1) == ok, "byte %d", c);
	}
	for (len = 0; len <= TOPIC_MAX + 1; len++) {
		memset(s, 'x', len);
		s[len] = '\0';
		ok = regexec(&re, s, 0, NULL, 0) == 0;
		ck_assert_msg(topic_valid(s, len) == ok, "length %zu", len);
	}
	regfree(&re);
}
END_TEST

Suite *
topic_suite(void)
{
	Suite	*s;
	TCase	*tc;

	s = suite_create("topic");
	tc = tcase_create("rule");
	tcase_add_test(tc, test_topic_valid);
	tcase_add_test(tc, test_topic_pattern);
	suite_add_tcase(s, tc);

	return (s);
}

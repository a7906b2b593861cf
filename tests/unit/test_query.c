#include <stddef.h>
#include <string.h>

#include <check.h>

#include "query.h"
#include "result.h"
#include "suites.h"

#define SEEN_MAX	4

/* What the callback was given, in order. */
struct seen {
	char	values[SEEN_MAX][QUERY_VALUE_MAX + 1];
	size_t	count;
	int	fail;		/* return RESULT_ERROR from the callback */
};

static int	seen_cb(const char *, size_t, void *);

static const struct {
	const char	*qs;
	const char	*name;
	int		 rc;
	size_t		 count;
	const char	*values[SEEN_MAX];
} query_cases[] = {
	{ NULL,				"topic", RESULT_OK,	0, { NULL } },
	{ "",				"topic", RESULT_OK,	0, { NULL } },
	{ "topic=a",			"topic", RESULT_OK,	1, { "a" } },
	{ "topic=a&topic=b",		"topic", RESULT_OK,	2,
	    { "a", "b" } },
	{ "x=1&topic=a&y=2",		"topic", RESULT_OK,	1, { "a" } },
	{ "topic=a+b",			"topic", RESULT_OK,	1, { "a b" } },
	{ "topic=a%2Fb",		"topic", RESULT_OK,	1, { "a/b" } },
	{ "topic=%2f",			"topic", RESULT_OK,	1, { "/" } },
	{ "topic=%2B",			"topic", RESULT_OK,	1, { "+" } },
	{ "topic=%E2%82%AC",		"topic", RESULT_OK,	1,
	    { "\xe2\x82\xac" } },
	{ "topic=a=b",			"topic", RESULT_OK,	1, { "a=b" } },
	{ "topic",			"topic", RESULT_OK,	1, { "" } },
	{ "topic=",			"topic", RESULT_OK,	1, { "" } },
	{ "&&topic=a&",			"topic", RESULT_OK,	1, { "a" } },
	{ "top%69c=x",			"topic", RESULT_OK,	1, { "x" } },
	{ "topics=a&topi=b&=c",		"topic", RESULT_OK,	0, { NULL } },
	{ "Topic=a",			"topic", RESULT_OK,	0, { NULL } },
	{ "topic=%zz",			"topic", RESULT_ERROR,	0, { NULL } },
	{ "topic=%2",			"topic", RESULT_ERROR,	0, { NULL } },
	{ "topic=%",			"topic", RESULT_ERROR,	0, { NULL } },
	{ "topic=%%41",			"topic", RESULT_ERROR,	0, { NULL } },
	{ "topic=a%00b",		"topic", RESULT_ERROR,	0, { NULL } },
	{ "topic%00=a",			"topic", RESULT_ERROR,	0, { NULL } },
	/* Every pair is checked, not only the wanted ones. */
	{ "x=%zz&topic=a",		"topic", RESULT_ERROR,	0, { NULL } },
	{ "topic=a&x=%zz",		"topic", RESULT_ERROR,	1, { "a" } },
};

static int
seen_cb(const char *value, size_t len, void *arg)
{
	struct seen	*seen = arg;

	ck_assert_uint_eq(len, strlen(value));
	ck_assert_uint_lt(seen->count, SEEN_MAX);
	memcpy(seen->values[seen->count++], value, len + 1);

	return (seen->fail ? RESULT_ERROR : RESULT_OK);
}

START_TEST(test_query_foreach)
{
	struct seen	seen;
	size_t		i;

	memset(&seen, 0, sizeof(seen));
	ck_assert_int_eq(query_foreach(query_cases[_i].qs,
	    query_cases[_i].name, seen_cb, &seen), query_cases[_i].rc);
	ck_assert_uint_eq(seen.count, query_cases[_i].count);
	for (i = 0; i < seen.count; i++)
		ck_assert_str_eq(seen.values[i], query_cases[_i].values[i]);
}
END_TEST

START_TEST(test_query_cb_error)
{
	struct seen	seen;

	memset(&seen, 0, sizeof(seen));
	seen.fail = 1;
	ck_assert_int_eq(query_foreach("topic=a&topic=b", "topic", seen_cb,
	    &seen), RESULT_ERROR);
	ck_assert_uint_eq(seen.count, 1);
}
END_TEST

/* QUERY_VALUE_MAX counts decoded bytes: "%41" is one. */
START_TEST(test_query_value_max)
{
	char		qs[6 + 3 * (QUERY_VALUE_MAX + 1) + 1];
	struct seen	seen;
	size_t		i;

	memcpy(qs, "topic=", 6);
	for (i = 0; i < QUERY_VALUE_MAX; i++)
		memcpy(qs + 6 + 3 * i, "%41", 3);
	qs[6 + 3 * QUERY_VALUE_MAX] = '\0';

	memset(&seen, 0, sizeof(seen));
	ck_assert_int_eq(query_foreach(qs, "topic", seen_cb, &seen),
	    RESULT_OK);
	ck_assert_uint_eq(strlen(seen.values[0]), QUERY_VALUE_MAX);

	memcpy(qs + 6 + 3 * QUERY_VALUE_MAX, "A", 2);
	memset(&seen, 0, sizeof(seen));
	ck_assert_int_eq(query_foreach(qs, "topic", seen_cb, &seen),
	    RESULT_ERROR);
	ck_assert_uint_eq(seen.count, 0);
}
END_TEST

Suite *
query_suite(void)
{
	Suite	*s;
	TCase	*tc;

	s = suite_create("query");
	tc = tcase_create("foreach");
	tcase_add_loop_test(tc, test_query_foreach, 0, nitems(query_cases));
	tcase_add_test(tc, test_query_cb_error);
	tcase_add_test(tc, test_query_value_max);
	suite_add_tcase(s, tc);

	return (s);
}

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <check.h>

#include "args.h"
#include "result.h"
#include "suites.h"

#define ALL	(ARGS_TOPIC | ARGS_CURSOR | ARGS_TOKEN | ARGS_LAST | \
		    ARGS_ENVELOPE | ARGS_PRESENCE | ARGS_PAGE)

/* The numbers and flags: what passes, what is a 400. */
static const struct {
	const char	*qs;
	unsigned int	which;
	int		rc;
	uint32_t	last;
	int		envelope;
	int		presence;
	int		direction;
	uint64_t	from;
	uint32_t	limit;
} args_cases[] = {
	{ NULL,			ALL, RESULT_OK,	   0, 0, 0, 0, 0, 100 },
	{ "last=0",		ALL, RESULT_OK,	   0, 0, 0, 0, 0, 100 },
	{ "last=1",		ALL, RESULT_OK,	   1, 0, 0, 0, 0, 100 },
	{ "last=1000",		ALL, RESULT_OK,	1000, 0, 0, 0, 0, 100 },
	{ "last=0007",		ALL, RESULT_OK,	   7, 0, 0, 0, 0, 100 },
	{ "last=1001",		ALL, RESULT_ERROR, 0, 0, 0, 0, 0, 0 },
	{ "last=-1",		ALL, RESULT_ERROR, 0, 0, 0, 0, 0, 0 },
	{ "last=",		ALL, RESULT_ERROR, 0, 0, 0, 0, 0, 0 },
	{ "last=abc",		ALL, RESULT_ERROR, 0, 0, 0, 0, 0, 0 },
	{ "last=+5",		ALL, RESULT_ERROR, 0, 0, 0, 0, 0, 0 },
	{ "last=5%20",		ALL, RESULT_ERROR, 0, 0, 0, 0, 0, 0 },
	{ "last=99999999999999999999", ALL, RESULT_ERROR, 0, 0, 0, 0, 0, 0 },
	/* Not taken by this handler: ignored, even malformed. */
	{ "last=abc&limit=x",	ARGS_TOPIC, RESULT_OK, 0, 0, 0, 0, 0, 100 },
	/* The first counts. */
	{ "last=5&last=abc",	ALL, RESULT_OK,	   5, 0, 0, 0, 0, 100 },
	{ "envelope=1",		ALL, RESULT_OK,	   0, 1, 0, 0, 0, 100 },
	{ "envelope=0",		ALL, RESULT_OK,	   0, 0, 0, 0, 0, 100 },
	{ "envelope=true",	ALL, RESULT_ERROR, 0, 0, 0, 0, 0, 0 },
	{ "envelope",		ALL, RESULT_ERROR, 0, 0, 0, 0, 0, 0 },
	{ "presence=1",		ALL, RESULT_OK,	   0, 0, 1, 0, 0, 100 },
	{ "presence=2",		ALL, RESULT_ERROR, 0, 0, 0, 0, 0, 0 },
	{ "after=42",		ALL, RESULT_OK,	   0, 0, 0, 0, 42, 100 },
	{ "before=42&limit=7",	ALL, RESULT_OK,	   0, 0, 0, 1, 42, 7 },
	{ "limit=1000&after=0",	ALL, RESULT_OK,	   0, 0, 0, 0, 0, 1000 },
	{ "after=9223372036854775807", ALL, RESULT_OK, 0, 0, 0, 0,
	    INT64_MAX, 100 },
	{ "after=9223372036854775808", ALL, RESULT_ERROR, 0, 0, 0, 0, 0, 0 },
	{ "after=1&before=5",	ALL, RESULT_ERROR, 0, 0, 0, 0, 0, 0 },
	{ "before=5&after=1",	ALL, RESULT_ERROR, 0, 0, 0, 0, 0, 0 },
	{ "after=x",		ALL, RESULT_ERROR, 0, 0, 0, 0, 0, 0 },
	{ "before=",		ALL, RESULT_ERROR, 0, 0, 0, 0, 0, 0 },
	{ "limit=0",		ALL, RESULT_ERROR, 0, 0, 0, 0, 0, 0 },
	{ "limit=1001",		ALL, RESULT_ERROR, 0, 0, 0, 0, 0, 0 },
	{ "limit=1",		ALL, RESULT_OK,	   0, 0, 0, 0, 0, 1 },
	{ "x=%zz&last=1",	ALL, RESULT_ERROR, 0, 0, 0, 0, 0, 0 },
};

START_TEST(test_args_values)
{
	struct args	a;
	int		rc;

	rc = args_parse(&a, args_cases[_i].qs, args_cases[_i].which);
	ck_assert_int_eq(rc, args_cases[_i].rc);
	if (rc != RESULT_OK) {
		ck_assert_ptr_nonnull(a.error);
		return;
	}
	ck_assert_uint_eq(a.last, args_cases[_i].last);
	ck_assert_int_eq(a.envelope, args_cases[_i].envelope);
	ck_assert_int_eq(a.presence, args_cases[_i].presence);
	ck_assert_int_eq(a.direction, args_cases[_i].direction);
	ck_assert_uint_eq(a.from, args_cases[_i].from);
	ck_assert_uint_eq(a.limit, args_cases[_i].limit);
}
END_TEST

START_TEST(test_args_topics)
{
	struct args	a;

	ck_assert_int_eq(args_parse(&a, "topic=a&topic=b.c&topic=a", ALL),
	    RESULT_OK);
	ck_assert_int_eq(a.ntopics, 2);
	ck_assert_str_eq(a.topics[0], "a");
	ck_assert_str_eq(a.topics[1], "b.c");

	ck_assert_int_eq(args_parse(&a, "topic=a%2Fb", ALL), RESULT_ERROR);
	ck_assert_str_eq(a.error, "topic must match [A-Za-z0-9._-]{1,64}");
	ck_assert_int_eq(args_parse(&a, "topic=", ALL), RESULT_ERROR);
}
END_TEST

START_TEST(test_args_topics_max)
{
	char		qs[512];
	struct args	a;
	size_t		off = 0;
	int		i;

	for (i = 0; i < TOPIC_STREAM_MAX; i++)
		off += (size_t)snprintf(qs + off, sizeof(qs) - off,
		    "topic=t%d&", i);
	ck_assert_int_eq(args_parse(&a, qs, ALL), RESULT_OK);
	ck_assert_int_eq(a.ntopics, TOPIC_STREAM_MAX);
	(void)snprintf(qs + off, sizeof(qs) - off, "topic=t0&topic=x");
	ck_assert_int_eq(args_parse(&a, qs, ALL), RESULT_ERROR);
	ck_assert_str_eq(a.error, "at most 16 topics per request");
}
END_TEST

START_TEST(test_args_cursor_token)
{
	struct args	a;

	ck_assert_int_eq(args_parse(&a, "last_event_id=abc&last_event_id=5"
	    "&access_token=s%20t", ALL), RESULT_OK);
	ck_assert_int_eq(a.has_cursor, 1);
	/* Kept as given: a malformed cursor is a reset, not a 400. */
	ck_assert_str_eq(a.cursor, "abc");
	ck_assert_str_eq(a.token, "s t");

	ck_assert_int_eq(args_parse(&a, "access_token=x", ARGS_TOPIC),
	    RESULT_OK);
	ck_assert_str_eq(a.token, "");
	ck_assert_int_eq(a.has_cursor, 0);
}
END_TEST

Suite *
args_suite(void)
{
	Suite	*s;
	TCase	*tc;

	s = suite_create("args");
	tc = tcase_create("parse");
	tcase_add_loop_test(tc, test_args_values, 0, nitems(args_cases));
	tcase_add_test(tc, test_args_topics);
	tcase_add_test(tc, test_args_topics_max);
	tcase_add_test(tc, test_args_cursor_token);
	suite_add_tcase(s, tc);

	return (s);
}

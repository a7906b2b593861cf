#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>

#include "notice.h"
#include "result.h"
#include "suites.h"

#define KEY	"0123456789abcdef0123456789abcdef"

/* Decodes s whole; returns the result, the events in ev (up to 8). */
static int
notice_try(const char *s, uint64_t *first, size_t *count,
    struct store_event *ev, char **buf)
{
	size_t	len, off;

	len = strlen(s);
	*buf = strdup(s);
	ck_assert_ptr_nonnull(*buf);
	if (notice_head(*buf, len, KEY, first, count, &off) != RESULT_OK)
		return (RESULT_ERROR);
	ck_assert_uint_le(*count, 8);
	return (notice_items(*buf, len, off, *first, ev, *count));
}

START_TEST(test_notice_events)
{
	struct store_event	ev[8];
	uint64_t		first;
	size_t			count;
	char			*buf;

	ck_assert_int_eq(notice_try(KEY " 41 3\n"
	    "news\nmessage\n5\nhello\n"
	    "\n"
	    "a.b-c_9\nx y\n7\nl1\nl2\r\n\n", &first, &count, ev, &buf),
	    RESULT_OK);
	ck_assert_uint_eq(first, 41);
	ck_assert_uint_eq(count, 3);
	ck_assert_uint_eq(ev[0].id, 41);
	ck_assert_str_eq(ev[0].topic, "news");
	ck_assert_str_eq(ev[0].event, "message");
	ck_assert_uint_eq(ev[0].data_len, 5);
	ck_assert_str_eq(ev[0].data, "hello");
	/* Too large to carry: read from the table. */
	ck_assert_uint_eq(ev[1].id, 42);
	ck_assert_ptr_null(ev[1].topic);
	ck_assert_uint_eq(ev[2].id, 43);
	ck_assert_str_eq(ev[2].topic, "a.b-c_9");
	ck_assert_str_eq(ev[2].event, "x y");
	/* Data may hold line breaks: its length says where it ends. */
	ck_assert_uint_eq(ev[2].data_len, 7);
	ck_assert_mem_eq(ev[2].data, "l1\nl2\r\n", 7);
	free(buf);
}
END_TEST

START_TEST(test_notice_empty_data)
{
	struct store_event	ev[8];
	uint64_t		first;
	size_t			count;
	char			*buf;

	ck_assert_int_eq(notice_try(KEY " 9223372036854775807 1\nt\ne\n0\n\n",
	    &first, &count, ev, &buf), RESULT_OK);
	ck_assert_uint_eq(ev[0].id, INT64_MAX);
	ck_assert_uint_eq(ev[0].data_len, 0);
	ck_assert_str_eq(ev[0].data, "");
	free(buf);
}
END_TEST

static const char *const notice_bad[] = {
	"",
	KEY,
	KEY " ",
	KEY " 1 1",				/* no LF */
	"0123456789abcdef0123456789abcdee 1 1\n\n",	/* another key */
	"x" KEY " 1 1\n\n",
	KEY "  1 1\n\n",
	KEY " 0 1\n\n",				/* id 0 */
	KEY " 1 0\n",				/* no item */
	KEY " -1 1\n\n",
	KEY " 1 +1\n\n",
	KEY " 1 2\n\n",				/* fewer items than said */
	KEY " 1 1\n\n\n",			/* bytes after the items */
	KEY " 9223372036854775807 2\n\n\n",	/* beyond bigint */
	KEY " 99999999999999999999 1\n\n",
	KEY " 1 1\nt\ne\n5\nabc\n",		/* data longer than left */
	KEY " 1 1\nt\ne\n3\nabcd\n",		/* data not ended by LF */
	KEY " 1 1\nt\ne\n3\nabc",
	KEY " 1 1\nt\ne\n\nabc\n",		/* no length */
	KEY " 1 1\nt\ne\n-1\nabc\n",
	KEY " 1 1\nt\ne\n 3\nabc\n",
	KEY " 1 1\nt\ne\n",
	KEY " 1 1\nt t\ne\n0\n\n",		/* not a topic */
	KEY " 1 1\nt/u\ne\n0\n\n",
	KEY " 1 1\n"
	    "t2345678901234567890123456789012345678901234567890123456789012345"
	    "\ne\n0\n\n",			/* topic of 65 bytes */
	KEY " 1 1\nt\n\n0\n\n",			/* empty event name */
	KEY " 1 1\nt\ne\re\n0\n\n",
	KEY " 1 1\nt\n"
	    "e2345678901234567890123456789012345678901234567890123456789012345"
	    "\n0\n\n",				/* event name of 65 bytes */
};

START_TEST(test_notice_bad)
{
	struct store_event	ev[8];
	uint64_t		first;
	size_t			count;
	char			*buf;

	ck_assert_msg(notice_try(notice_bad[_i], &first, &count, ev, &buf) ==
	    RESULT_ERROR, "accepted: %s", notice_bad[_i]);
	free(buf);
}
END_TEST

/* A count larger than the bytes left is refused before any allocation. */
START_TEST(test_notice_count_bound)
{
	uint64_t	first;
	size_t		count, off;
	const char	*s = KEY " 1 4\n\n\n\n";

	ck_assert_int_eq(notice_head(s, strlen(s), KEY, &first, &count, &off),
	    RESULT_ERROR);
	ck_assert_int_eq(notice_head(s, strlen(s), "", &first, &count, &off),
	    RESULT_ERROR);
}
END_TEST

Suite *
notice_suite(void)
{
	Suite	*s;
	TCase	*tc;

	s = suite_create("notice");
	tc = tcase_create("decode");
	tcase_add_test(tc, test_notice_events);
	tcase_add_test(tc, test_notice_empty_data);
	tcase_add_loop_test(tc, test_notice_bad, 0, nitems(notice_bad));
	tcase_add_test(tc, test_notice_count_bound);
	suite_add_tcase(s, tc);

	return (s);
}

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>

#include "notice.h"
#include "result.h"
#include "suites.h"

#define KEY	"0123456789abcdef0123456789abcdef"
#define ORIGIN	"4242 1764770000.123456"

/* "mac SP body", signed with KEY and ORIGIN; its length in *len. */
static char *
notice_signed(const char *body, size_t *len)
{
	char	*p;

	*len = NOTICE_MAC_LEN + 1 + strlen(body);
	ck_assert_ptr_nonnull(p = malloc(*len + 1));
	ck_assert_int_eq(notice_sign(p, body, strlen(body), KEY, ORIGIN),
	    RESULT_OK);
	p[NOTICE_MAC_LEN] = ' ';
	memcpy(p + NOTICE_MAC_LEN + 1, body, strlen(body) + 1);
	return (p);
}

/* Signs body s and decodes it; the events in ev (up to 8). */
static int
notice_try(const char *s, uint64_t *first, size_t *count,
    struct store_event *ev, char **buf)
{
	size_t	len, off;

	*buf = notice_signed(s, &len);
	if (notice_head(*buf, len, KEY, ORIGIN, first, count, &off) != RESULT_OK)
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

	ck_assert_int_eq(notice_try("41 3\n"
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

	ck_assert_int_eq(notice_try("9223372036854775807 1\nt\ne\n0\n\n",
	    &first, &count, ev, &buf), RESULT_OK);
	ck_assert_uint_eq(ev[0].id, INT64_MAX);
	ck_assert_uint_eq(ev[0].data_len, 0);
	ck_assert_str_eq(ev[0].data, "");
	free(buf);
}
END_TEST

static const char *const notice_bad[] = {
	"",
	" ",
	"1 1",					/* no LF */
	" 1 1\n\n",
	"1  1\n\n",
	"0 1\n\n",				/* id 0 */
	"1 0\n",				/* no item */
	"-1 1\n\n",
	"1 +1\n\n",
	"1 2\n\n",				/* fewer items than said */
	"1 1\n\n\n",				/* bytes after the items */
	"9223372036854775807 2\n\n\n",		/* beyond bigint */
	"99999999999999999999 1\n\n",
	"1 1\nt\ne\n5\nabc\n",			/* data longer than left */
	"1 1\nt\ne\n3\nabcd\n",		/* data not ended by LF */
	"1 1\nt\ne\n3\nabc",
	"1 1\nt\ne\n\nabc\n",			/* no length */
	"1 1\nt\ne\n-1\nabc\n",
	"1 1\nt\ne\n 3\nabc\n",
	"1 1\nt\ne\n",
	"1 1\nt t\ne\n0\n\n",			/* not a topic */
	"1 1\nt/u\ne\n0\n\n",
	"1 1\n"
	    "t2345678901234567890123456789012345678901234567890123456789012345"
	    "\ne\n0\n\n",			/* topic of 65 bytes */
	"1 1\nt\n\n0\n\n",			/* empty event name */
	"1 1\nt\ne\re\n0\n\n",
	"1 1\nt\n"
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
	struct store_event	ev[8];
	uint64_t		first;
	size_t			count;
	char			*buf;

	ck_assert_int_eq(notice_try("1 4\n\n\n\n", &first, &count, ev, &buf),
	    RESULT_ERROR);
	free(buf);
}
END_TEST

/* The mac, against a value computed apart (Python's hashlib). */
START_TEST(test_notice_mac)
{
	const char	*body = "41 1\nt\ne\n1\nx\n";
	char		mac[NOTICE_MAC_LEN + 1], *p;
	uint64_t	first;
	size_t		count, off, len;

	ck_assert_int_eq(notice_sign(mac, body, strlen(body), KEY, ORIGIN),
	    RESULT_OK);
	ck_assert_str_eq(mac, "f889f3ff0164cfc079a7416e2868e2c8"
	    "2685acab70f305d78e6473540f02b81f");
	ck_assert_int_eq(notice_sign(mac, body, strlen(body), "", ORIGIN),
	    RESULT_ERROR);

	/* Right mac; then each of: another key, a byte of the body changed. */
	p = notice_signed(body, &len);
	ck_assert_int_eq(notice_head(p, len, KEY, ORIGIN, &first, &count,
	    &off), RESULT_OK);
	ck_assert_int_eq(notice_head(p, len, KEY "x", ORIGIN, &first, &count,
	    &off), RESULT_ERROR);
	ck_assert_int_eq(notice_head(p, len, "", ORIGIN, &first, &count, &off),
	    RESULT_ERROR);
	/* Sent again by another backend, or on another server. */
	ck_assert_int_eq(notice_head(p, len, KEY, "4243 1764770000.123456",
	    &first, &count, &off), RESULT_ERROR);
	ck_assert_int_eq(notice_head(p, len, KEY, "4242 1764770001.123456",
	    &first, &count, &off), RESULT_ERROR);
	p[len - 2] = 'y';
	ck_assert_int_eq(notice_head(p, len, KEY, ORIGIN, &first, &count,
	    &off), RESULT_ERROR);
	/* No mac at all, or a short one. */
	ck_assert_int_eq(notice_head(body, strlen(body), KEY, ORIGIN, &first,
	    &count, &off), RESULT_ERROR);
	ck_assert_int_eq(notice_head(p + 1, len - 1, KEY, ORIGIN, &first,
	    &count, &off), RESULT_ERROR);
	free(p);
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
	tcase_add_test(tc, test_notice_mac);
	suite_add_tcase(s, tc);

	return (s);
}

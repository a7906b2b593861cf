#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>

#include "result.h"
#include "sse_frame.h"
#include "suites.h"

#define HEAD	"id: 42\nevent: message\n"

/* Lengths come from sizeof: one case holds a NUL. */
#define FRAME_CASE(d, f)	{ d, sizeof(d) - 1, HEAD f, sizeof(HEAD f) - 1 }

static const struct {
	const char	*data;
	size_t		 len;
	const char	*frame;
	size_t		 flen;
} frame_cases[] = {
	FRAME_CASE("hello",	"data: hello\n\n"),
	FRAME_CASE("",		"data: \n\n"),
	FRAME_CASE("a\nb",	"data: a\ndata: b\n\n"),
	FRAME_CASE("a\r\nb",	"data: a\ndata: b\n\n"),
	FRAME_CASE("a\rb",	"data: a\ndata: b\n\n"),
	FRAME_CASE("a\n",	"data: a\ndata: \n\n"),
	FRAME_CASE("a\r",	"data: a\ndata: \n\n"),
	FRAME_CASE("\r\n",	"data: \ndata: \n\n"),
	FRAME_CASE("a\n\rb",	"data: a\ndata: \ndata: b\n\n"),
	FRAME_CASE("a\r\n\rb\n\nc",
	    "data: a\ndata: \ndata: b\ndata: \ndata: c\n\n"),
	FRAME_CASE(" lead",	"data:  lead\n\n"),
	FRAME_CASE("x: y",	"data: x: y\n\n"),
	FRAME_CASE("a\0b",	"data: a\0b\n\n"),
	FRAME_CASE("\nid: 1\n\n",
	    "data: \ndata: id: 1\ndata: \ndata: \n\n"),
};

static const char *const bad_events[] = {
	"",
	"a\nb",
	"a\rb",
	"\n",
	"data\r\n",
	"0123456789012345678901234567890123456789012345678901234567890123X",
	NULL,
};

/* Encodes into a buffer of exactly the reported size, then one less. */
START_TEST(test_sse_frame_encode)
{
	size_t		 size, out;
	char		*buf;

	size = sse_frame_size(42, NULL, "message", frame_cases[_i].data,
	    frame_cases[_i].len);
	ck_assert_uint_eq(size, frame_cases[_i].flen);

	ck_assert_ptr_nonnull(buf = malloc(size));
	ck_assert_int_eq(sse_frame_encode(buf, size, 42, NULL, "message",
	    frame_cases[_i].data, frame_cases[_i].len, &out), RESULT_OK);
	ck_assert_uint_eq(out, size);
	ck_assert_mem_eq(buf, frame_cases[_i].frame, size);

	ck_assert_int_eq(sse_frame_encode(buf, size - 1, 42, NULL,
	    "message", frame_cases[_i].data, frame_cases[_i].len, &out), RESULT_ERROR);
	free(buf);
}
END_TEST

START_TEST(test_sse_frame_bad_event)
{
	char	buf[256];
	size_t	out;

	ck_assert_uint_eq(sse_frame_size(1, NULL, bad_events[_i], "x", 1), 0);
	ck_assert_int_eq(sse_frame_encode(buf, sizeof(buf), 1, NULL,
	    bad_events[_i], "x", 1, &out), RESULT_ERROR);
}
END_TEST

START_TEST(test_sse_frame_fields)
{
	static const char	want[] =
	    "id: 18446744073709551615\nevent:  spaced\ndata: \n\n";
	char			buf[128];
	size_t			out;

	/* The one space after the colon is added; the value's own stays. */
	ck_assert_int_eq(sse_frame_encode(buf, sizeof(buf), UINT64_MAX, NULL,
	    " spaced", NULL, 0, &out), RESULT_OK);
	ck_assert_uint_eq(out, sizeof(want) - 1);
	ck_assert_mem_eq(buf, want, out);

	ck_assert_int_eq(sse_frame_encode(buf, sizeof(buf), 0, NULL, "m", "d",
	    1, &out), RESULT_OK);
	ck_assert_uint_eq(out, 24);
	ck_assert_mem_eq(buf, "id: 0\nevent: m\ndata: d\n\n", out);
}
END_TEST

/* The topic line comes between id and event; "" writes none. */
START_TEST(test_sse_frame_topic)
{
	static const char	want[] =
	    "id: 7\ntopic: orders.42\nevent: m\ndata: d\n\n";
	char			buf[128];
	size_t			out;

	ck_assert_uint_eq(sse_frame_size(7, "orders.42", "m", "d", 1),
	    sizeof(want) - 1);
	ck_assert_int_eq(sse_frame_encode(buf, sizeof(buf), 7, "orders.42",
	    "m", "d", 1, &out), RESULT_OK);
	ck_assert_uint_eq(out, sizeof(want) - 1);
	ck_assert_mem_eq(buf, want, out);

	ck_assert_int_eq(sse_frame_encode(buf, sizeof(buf), 7, "", "m", "d",
	    1, &out), RESULT_OK);
	ck_assert_mem_eq(buf, "id: 7\nevent: m\ndata: d\n\n", out);

	ck_assert_uint_eq(sse_frame_size(7, "a\nb", "m", "d", 1), 0);
	ck_assert_int_eq(sse_frame_encode(buf, sizeof(buf), 7, "a\rb", "m",
	    "d", 1, &out), RESULT_ERROR);
}
END_TEST

/* Presence frames: no id (no cursor moves), no topic; data split. */
START_TEST(test_sse_notice)
{
	static const char	want[] =
	    "event: presence\ndata: {\"n\":1}\ndata: x\n\n";
	char			buf[128];
	size_t			out;

	ck_assert_uint_eq(sse_notice_size("presence", "{\"n\":1}\nx", 9),
	    sizeof(want) - 1);
	ck_assert_int_eq(sse_notice_encode(buf, sizeof(buf), "presence",
	    "{\"n\":1}\nx", 9, &out), RESULT_OK);
	ck_assert_uint_eq(out, sizeof(want) - 1);
	ck_assert_mem_eq(buf, want, out);

	ck_assert_int_eq(sse_notice_encode(buf, 10, "presence", "d", 1,
	    &out), RESULT_ERROR);
	ck_assert_uint_eq(sse_notice_size("a\nb", "d", 1), 0);
}
END_TEST

/* Nothing is written past the frame: there is no terminating NUL. */
START_TEST(test_sse_frame_no_overrun)
{
	char	buf[64];
	size_t	out;

	memset(buf, 'X', sizeof(buf));
	ck_assert_int_eq(sse_frame_encode(buf, sizeof(buf), 1, NULL, "e", "d",
	    1, &out), RESULT_OK);
	ck_assert_int_eq(buf[out], 'X');
}
END_TEST

/* A length that would make the size wrap is refused before any read. */
START_TEST(test_sse_frame_huge)
{
	ck_assert_uint_eq(sse_frame_size(1, NULL, "message", "", SIZE_MAX), 0);
}
END_TEST

START_TEST(test_sse_field_valid)
{
	char	longest[SSE_EVENT_MAX + 1];

	memset(longest, 'e', sizeof(longest));
	ck_assert_int_eq(sse_field_valid(longest, SSE_EVENT_MAX), 1);
	ck_assert_int_eq(sse_field_valid(longest, SSE_EVENT_MAX + 1), 0);
	ck_assert_int_eq(sse_field_valid("a\0b", 3), 0);
	ck_assert_int_eq(sse_field_valid("a\0b", 1), 1);
	ck_assert_int_eq(sse_field_valid(NULL, 0), 0);
}
END_TEST

START_TEST(test_sse_comment)
{
	char	buf[16];

	ck_assert_uint_eq(sse_comment_encode(buf, sizeof(buf), "ping"), 8);
	ck_assert_mem_eq(buf, ": ping\n\n", 8);
	ck_assert_uint_eq(sse_comment_encode(buf, 8, "ping"), 8);
	ck_assert_uint_eq(sse_comment_encode(buf, 7, "ping"), 0);
	ck_assert_uint_eq(sse_comment_encode(buf, sizeof(buf), "a\nb"), 0);
	ck_assert_uint_eq(sse_comment_encode(buf, sizeof(buf), ""), 0);
	ck_assert_uint_eq(sse_comment_encode(buf, sizeof(buf), NULL), 0);
}
END_TEST

START_TEST(test_sse_retry)
{
	char	buf[32];

	ck_assert_uint_eq(sse_retry_encode(buf, sizeof(buf), 3000), 13);
	ck_assert_mem_eq(buf, "retry: 3000\n\n", 13);
	ck_assert_uint_eq(sse_retry_encode(buf, sizeof(buf), UINT32_MAX), 19);
	ck_assert_mem_eq(buf, "retry: 4294967295\n\n", 19);
	ck_assert_uint_eq(sse_retry_encode(buf, 13, 3000), 13);
	ck_assert_uint_eq(sse_retry_encode(buf, 12, 3000), 0);
}
END_TEST

Suite *
sse_frame_suite(void)
{
	Suite	*s;
	TCase	*tc;

	s = suite_create("sse_frame");
	tc = tcase_create("frame");
	tcase_add_loop_test(tc, test_sse_frame_encode, 0, nitems(frame_cases));
	tcase_add_loop_test(tc, test_sse_frame_bad_event, 0,
	    nitems(bad_events));
	tcase_add_test(tc, test_sse_frame_fields);
	tcase_add_test(tc, test_sse_frame_topic);
	tcase_add_test(tc, test_sse_notice);
	tcase_add_test(tc, test_sse_frame_no_overrun);
	tcase_add_test(tc, test_sse_frame_huge);
	tcase_add_test(tc, test_sse_field_valid);
	suite_add_tcase(s, tc);

	tc = tcase_create("control");
	tcase_add_test(tc, test_sse_comment);
	tcase_add_test(tc, test_sse_retry);
	suite_add_tcase(s, tc);

	return (s);
}

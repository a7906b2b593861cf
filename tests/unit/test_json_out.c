#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <check.h>

#include "json_out.h"
#include "suites.h"

static const struct {
	const char	*in;
	size_t		len;
	const char	*out;
} json_string_cases[] = {
	{ "",		0,	"\"\"" },
	{ "hello",	5,	"\"hello\"" },
	{ "a\"b\\c",	5,	"\"a\\\"b\\\\c\"" },
	{ "l1\nl2\r\n",	7,	"\"l1\\nl2\\r\\n\"" },
	{ "\t\x01\x1f",	3,	"\"\\t\\u0001\\u001f\"" },
	{ "\xe2\x82\xac/",	4,	"\"\xe2\x82\xac/\"" },
	{ "{\"a\":1}",	7,	"\"{\\\"a\\\":1}\"" },
};

START_TEST(test_json_string)
{
	char		buf[64];
	size_t		n, want = strlen(json_string_cases[_i].out);

	n = json_out_string(NULL, 0, json_string_cases[_i].in,
	    json_string_cases[_i].len);
	ck_assert_uint_eq(n, want);
	memset(buf, 'X', sizeof(buf));
	ck_assert_uint_eq(json_out_string(buf, sizeof(buf),
	    json_string_cases[_i].in, json_string_cases[_i].len), want);
	ck_assert_mem_eq(buf, json_string_cases[_i].out, want);
	ck_assert_int_eq(buf[want], 'X');
}
END_TEST

START_TEST(test_json_event)
{
	static const char	with[] =
	    "{\"id\":42,\"topic\":\"chat\",\"event\":\"line\","
	    "\"data\":\"a\\nb\"}";
	static const char	without[] =
	    "{\"topic\":\"chat\",\"event\":\"line\",\"data\":\"\"}";
	char			buf[128];
	uint64_t		id = 42;

	ck_assert_uint_eq(json_out_event(buf, sizeof(buf), &id, "chat", "line",
	    "a\nb", 3), sizeof(with) - 1);
	ck_assert_mem_eq(buf, with, sizeof(with) - 1);
	ck_assert_uint_eq(json_out_event(buf, sizeof(buf), NULL, "chat", "line",
	    NULL, 0), sizeof(without) - 1);
	ck_assert_mem_eq(buf, without, sizeof(without) - 1);
}
END_TEST

/* Too small: nothing past dstlen, and the length still comes back. */
START_TEST(test_json_short)
{
	char		buf[8];

	memset(buf, 'X', sizeof(buf));
	ck_assert_uint_eq(json_out_string(buf, 4, "abcdef", 6), 8);
	ck_assert_int_eq(buf[4], 'X');
}
END_TEST

Suite *
json_out_suite(void)
{
	Suite	*s;
	TCase	*tc;

	s = suite_create("json_out");
	tc = tcase_create("encode");
	tcase_add_loop_test(tc, test_json_string, 0,
	    nitems(json_string_cases));
	tcase_add_test(tc, test_json_event);
	tcase_add_test(tc, test_json_short);
	suite_add_tcase(s, tc);

	return (s);
}

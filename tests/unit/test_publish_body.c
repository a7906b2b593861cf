#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>

#include "publish_body.h"
#include "result.h"
#include "suites.h"

#define S(s)		s, sizeof(s) - 1	/* a literal and its length */

/* Bodies that hold one event. */
#define EVENT_ERR	"event must be 1 to 64 bytes without CR, LF or NUL, and " \
			"not one of the server's own (reset, presence)"

static const struct {
	const char	*body;
	size_t		 len;
	const char	*topic;
	const char	*event;
	const char	*data;
	size_t		 data_len;
} one_cases[] = {
	{ S("{\"data\":\"hi\"}"),		"default", "message", S("hi") },
	{ S("{\"topic\":\"a.B_9-z\",\"event\":\"upd\",\"data\":\"x\"}"),
	    "a.B_9-z", "upd", S("x") },
	{ S(" \t\r\n{ \"data\" : \"x\" } \n"),	"default", "message", S("x") },
	{ S("{\"data\":\"\"}"),			"default", "message", S("") },
	{ S("{\"data\":\"\\\"\\\\\\/\\b\\f\\n\\r\\t\"}"),
	    "default", "message", S("\"\\/\b\f\n\r\t") },
	{ S("{\"data\":\"\\u0041\\u00e9\\u20AC\\ud83d\\ude00\"}"),
	    "default", "message", S("A\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80") },
	{ S("{\"data\":\"\\u007f\\u0080\\u07ff\\u0800\\uffff\"}"),
	    "default", "message",
	    S("\x7f\xc2\x80\xdf\xbf\xe0\xa0\x80\xef\xbf\xbf") },
	{ S("{\"data\":\"\\udbff\\udfff\"}"),
	    "default", "message", S("\xf4\x8f\xbf\xbf") },
	{ S("{\"data\":\"caf\xc3\xa9\"}"),	"default", "message",
	    S("caf\xc3\xa9") },
	{ S("{\"data\": 42 }"),			"default", "message", S("42") },
	{ S("{\"data\":-0.5e+10}"),		"default", "message",
	    S("-0.5e+10") },
	{ S("{\"data\":1E-2}"),		"default", "message",
	    S("1E-2") },
	{ S("{\"data\":0}"),			"default", "message", S("0") },
	{ S("{\"data\":true}"),		"default", "message",
	    S("true") },
	{ S("{\"data\":false}"),		"default", "message",
	    S("false") },
	{ S("{\"data\":null}"),		"default", "message",
	    S("null") },
	{ S("{\"data\":[]}"),			"default", "message", S("[]") },
	{ S("{\"data\":{ \"a\" : [1, {}] }}"),	"default", "message",
	    S("{ \"a\" : [1, {}] }") },
	/* Verbatim JSON keeps its escapes: no NUL reaches the data. */
	{ S("{\"data\":[\"\\u0000\"]}"),	"default", "message",
	    S("[\"\\u0000\"]") },
	{ S("{\"\\u0064ata\":\"x\"}"),		"default", "message", S("x") },
	{ S("{\"event\":\" sp\",\"data\":1}"),	"default", " sp", S("1") },
};

/* Bodies that are refused, and why. */
static const struct {
	const char	*body;
	size_t		 len;
	const char	*err;
} bad_cases[] = {
	{ S(""),			"body is not valid JSON at byte 0" },
	{ S("  "),			"body is not valid JSON at byte 2" },
	{ S("x"),			"body is not valid JSON at byte 0" },
	{ S("null"),			"body must be a JSON object or array" },
	{ S("42"),			"body must be a JSON object or array" },
	{ S("\"x\""),			"body must be a JSON object or array" },
	{ S("\xef\xbb\xbf{\"data\":1}"),	"body starts with a BOM" },
	{ S("{\"data\":\"\xff\"}"),		"body is not valid UTF-8" },
	{ S("{\"data\":\"\xed\xa0\x80\"}"),	"body is not valid UTF-8" },
	{ S("{\"data\":1} x"),	"body is not valid JSON at byte 11" },
	{ S("{\"data\":1}{}"),	"body is not valid JSON at byte 10" },
	{ S("{\"data\":1}\0"),	"body is not valid JSON at byte 10" },
	{ S("{\"data\":1,}"),	"body is not valid JSON at byte 10" },
	{ S("{\"data\":1"),	"body is not valid JSON at byte 9" },
	{ S("{\"data\" 1}"),	"body is not valid JSON at byte 8" },
	{ S("{data:1}"),	"body is not valid JSON at byte 1" },
	{ S("{\"data\":01}"),	"body is not valid JSON at byte 9" },
	{ S("{\"data\":1.}"),	"body is not valid JSON at byte 10" },
	{ S("{\"data\":.5}"),	"body is not valid JSON at byte 8" },
	{ S("{\"data\":1e}"),	"body is not valid JSON at byte 10" },
	{ S("{\"data\":1e+}"),	"body is not valid JSON at byte 11" },
	{ S("{\"data\":-}"),	"body is not valid JSON at byte 9" },
	{ S("{\"data\":+1}"),	"body is not valid JSON at byte 8" },
	{ S("{\"data\":tru}"),	"body is not valid JSON at byte 8" },
	{ S("{\"data\":True}"),	"body is not valid JSON at byte 8" },
	{ S("{\"data\":nul"),	"body is not valid JSON at byte 8" },
	{ S("{\"data\":[1,2}"),	"body is not valid JSON at byte 12" },
	{ S("{\"data\":[1,]}"),	"body is not valid JSON at byte 11" },
	{ S("{\"data\":{\"a\"}}"),	"body is not valid JSON at byte 12" },
	{ S("{\"data\":{1:2}}"),	"body is not valid JSON at byte 9" },
	{ S("{\"data\":\"a"),	"body is not valid JSON at byte 10" },
	{ S("{\"data\":\"a\\"),	"body is not valid JSON at byte 11" },
	{ S("{\"data\":\"a\x01\"}"),	"body is not valid JSON at byte 10" },
	{ S("{\"data\":\"a\0\"}"),	"body is not valid JSON at byte 10" },
	{ S("{\"data\":\"a\tb\"}"),	"body is not valid JSON at byte 10" },
	{ S("{\"data\":\"\\x\"}"),	"body is not valid JSON at byte 10" },
	{ S("{\"data\":\"\\U0041\"}"),	"body is not valid JSON at byte 10" },
	{ S("{\"data\":\"\\u12G4\"}"),	"body is not valid JSON at byte 13" },
	{ S("{\"data\":\"\\u12\"}"),	"body is not valid JSON at byte 13" },
	{ S("{\"data\":\"\\ud83d\"}"),	"body is not valid JSON at byte 9" },
	{ S("{\"data\":\"\\ude00\"}"),	"body is not valid JSON at byte 9" },
	{ S("{\"data\":\"\\ud83dx\"}"),	"body is not valid JSON at byte 9" },
	{ S("{\"data\":\"\\ud83d\\n\"}"), "body is not valid JSON at byte 9" },
	{ S("{\"data\":\"\\ud83d\\u0041\"}"),
	    "body is not valid JSON at byte 9" },
	{ S("{\"data\":\"\\ud83d\\ud83d\"}"),
	    "body is not valid JSON at byte 9" },
	{ S("{\"data\":\"\\ud83d\\u12\"}"),
	    "body is not valid JSON at byte 19" },
	{ S("["),			"body is not valid JSON at byte 1" },
	{ S("[{\"data\":1}]]"),		"body is not valid JSON at byte 12" },
	{ S("[{\"data\":1} {\"data\":2}]"),
	    "body is not valid JSON at byte 12" },
	{ S("{\"data\":\"a\\u0000b\"}"),	"data contains NUL" },
	{ S("{\"topic\":\"a b\",\"data\":1}"),
	    "topic must match [A-Za-z0-9._-]{1,64}" },
	{ S("{\"topic\":\"\",\"data\":1}"),
	    "topic must match [A-Za-z0-9._-]{1,64}" },
	{ S("{\"topic\":\"a/b\",\"data\":1}"),
	    "topic must match [A-Za-z0-9._-]{1,64}" },
	{ S("{\"topic\":\"a\\u0000\",\"data\":1}"),
	    "topic must match [A-Za-z0-9._-]{1,64}" },
	{ S("{\"topic\":5,\"data\":1}"),
	    "topic must match [A-Za-z0-9._-]{1,64}" },
	{ S("{\"topic\":\"0123456789012345678901234567890123456789"
	    "012345678901234567890123X\",\"data\":1}"),
	    "topic must match [A-Za-z0-9._-]{1,64}" },
	{ S("{\"event\":\"a\\nb\",\"data\":1}"),
	    EVENT_ERR },
	{ S("{\"event\":\"a\\rb\",\"data\":1}"),
	    EVENT_ERR },
	{ S("{\"event\":\"a\\u0000b\",\"data\":1}"),
	    EVENT_ERR },
	{ S("{\"event\":\"\",\"data\":1}"),
	    EVENT_ERR },
	{ S("{\"event\":null,\"data\":1}"),
	    EVENT_ERR },
	/* The server's own event names. */
	{ S("{\"event\":\"reset\",\"data\":1}"),	EVENT_ERR },
	{ S("{\"event\":\"presence\",\"data\":1}"),	EVENT_ERR },
	{ S("{\"x\":1,\"data\":1}"),		"unknown field 'x'" },
	{ S("{\"Data\":1}"),			"unknown field 'Data'" },
	{ S("{\"a\\\"b\\\\c'd\\u0001\xc3\xa9\":1}"),
	    "unknown field 'a?b?c?d?\?\?'" },	/* no trigraph */
	{ S("{\"0123456789012345678901234567890123456789\":1}"),
	    "unknown field '01234567890123456789012345678901'" },
	{ S("{\"data\":1,\"data\":2}"),		"duplicate field 'data'" },
	{ S("{\"topic\":\"a\",\"topic\":\"a\",\"data\":1}"),
	    "duplicate field 'topic'" },
	{ S("{\"event\":\"a\",\"event\":\"a\",\"data\":1}"),
	    "duplicate field 'event'" },
	{ S("{}"),				"missing field 'data'" },
	{ S("{\"topic\":\"a\"}"),		"missing field 'data'" },
	{ S("[{\"data\":1},{}]"),		"missing field 'data'" },
	{ S("[]"),				"batch is empty" },
	{ S("[ \n]"),				"batch is empty" },
	{ S("[1]"),				"batch items must be objects" },
	{ S("[\"x\"]"),				"batch items must be objects" },
	{ S("[,]"),			"body is not valid JSON at byte 1" },
	{ S("[{\"data\":1},[]]"),		"batch items must be objects" },
};

/* An error message goes into a JSON string, so it must need no escape. */
static void
assert_err_safe(const char *err)
{
	size_t	i;

	ck_assert_uint_gt(strlen(err), 0);
	for (i = 0; err[i] != '\0'; i++) {
		ck_assert_int_ge((unsigned char)err[i], 0x20);
		ck_assert_int_ne(err[i], '"');
		ck_assert_int_ne(err[i], '\\');
	}
}

START_TEST(test_publish_body_one)
{
	struct publish_body	body;
	char			err[128];

	ck_assert_msg(publish_body_parse(one_cases[_i].body, one_cases[_i].len,
	    &body, err, sizeof(err)) == RESULT_OK, "refused: %s", err);
	ck_assert_uint_eq(body.count, 1);
	ck_assert_int_eq(body.is_array, 0);
	ck_assert_str_eq(body.events[0].topic, one_cases[_i].topic);
	ck_assert_str_eq(body.events[0].event, one_cases[_i].event);
	ck_assert_uint_eq(body.events[0].data_len, one_cases[_i].data_len);
	ck_assert_mem_eq(body.events[0].data, one_cases[_i].data,
	    one_cases[_i].data_len + 1);
	publish_body_free(&body);
	ck_assert_ptr_null(body.events);
	ck_assert_uint_eq(body.count, 0);
}
END_TEST

START_TEST(test_publish_body_bad)
{
	struct publish_body	body;
	char			err[128];

	ck_assert_int_eq(publish_body_parse(bad_cases[_i].body,
	    bad_cases[_i].len, &body, err, sizeof(err)), RESULT_ERROR);
	ck_assert_str_eq(err, bad_cases[_i].err);
	assert_err_safe(err);
	ck_assert_ptr_null(body.events);
	ck_assert_uint_eq(body.count, 0);
}
END_TEST

START_TEST(test_publish_body_batch)
{
	static const char	json[] = "[{\"data\":\"a\"},"
	    "{\"topic\":\"t\",\"event\":\"e\",\"data\":[1]},{\"data\":2}]";
	struct publish_body	body;

	ck_assert_int_eq(publish_body_parse(json, sizeof(json) - 1, &body,
	    NULL, 0), RESULT_OK);
	ck_assert_int_eq(body.is_array, 1);
	ck_assert_uint_eq(body.count, 3);
	ck_assert_str_eq(body.events[0].data, "a");
	ck_assert_str_eq(body.events[0].topic, "default");
	ck_assert_str_eq(body.events[1].topic, "t");
	ck_assert_str_eq(body.events[1].event, "e");
	ck_assert_str_eq(body.events[1].data, "[1]");
	ck_assert_str_eq(body.events[2].data, "2");
	publish_body_free(&body);
}
END_TEST

START_TEST(test_publish_body_batch_one)
{
	struct publish_body	body;

	ck_assert_int_eq(publish_body_parse(S("[{\"data\":1}]"), &body,
	    NULL, 0), RESULT_OK);
	ck_assert_int_eq(body.is_array, 1);
	ck_assert_uint_eq(body.count, 1);
	publish_body_free(&body);
}
END_TEST

/* A batch of n events "{"data":1}"; the caller frees it. */
static char *
batch_make(size_t n, size_t *len)
{
	static const char	item[] = "{\"data\":1},";
	char			*s;
	size_t			 i;

	ck_assert_ptr_nonnull(s = malloc(2 + n * (sizeof(item) - 1)));
	s[0] = '[';
	for (i = 0; i < n; i++)
		memcpy(s + 1 + i * (sizeof(item) - 1), item, sizeof(item) - 1);
	*len = 1 + n * (sizeof(item) - 1);
	s[*len - 1] = ']';

	return (s);
}

START_TEST(test_publish_body_batch_max)
{
	struct publish_body	body;
	char			err[128], *json;
	size_t			len;

	json = batch_make(PUBLISH_BATCH_MAX, &len);
	ck_assert_int_eq(publish_body_parse(json, len, &body, err,
	    sizeof(err)), RESULT_OK);
	ck_assert_uint_eq(body.count, PUBLISH_BATCH_MAX);
	publish_body_free(&body);
	free(json);

	json = batch_make(PUBLISH_BATCH_MAX + 1, &len);
	ck_assert_int_eq(publish_body_parse(json, len, &body, err,
	    sizeof(err)), RESULT_ERROR);
	ck_assert_str_eq(err, "batch has more than 1000 events");
	free(json);
}
END_TEST

/* Bodies nesting 32 levels or one more, the outer array or object too. */
static const struct {
	const char	*open;
	size_t		 arrays;
	const char	*close;
	int		 rc;
} nest_cases[] = {
	{ "{\"data\":",	31,	"}",	RESULT_OK },
	{ "{\"data\":",	32,	"}",	RESULT_ERROR },
	{ "[{\"data\":",	30,	"}]",	RESULT_OK },
	{ "[{\"data\":",	31,	"}]",	RESULT_ERROR },
};

/* open, then arrays nested arrays, then close; the caller frees it. */
static char *
nest_make(const char *open, size_t arrays, const char *close, size_t *len)
{
	size_t	 olen = strlen(open), clen = strlen(close);
	char	*s;

	*len = olen + 2 * arrays + clen;
	ck_assert_ptr_nonnull(s = malloc(*len + 1));
	memcpy(s, open, olen);
	memset(s + olen, '[', arrays);
	memset(s + olen + arrays, ']', arrays);
	memcpy(s + olen + 2 * arrays, close, clen + 1);

	return (s);
}

START_TEST(test_publish_body_depth)
{
	struct publish_body	body;
	char			err[128], *json;
	size_t			len;

	json = nest_make(nest_cases[_i].open, nest_cases[_i].arrays,
	    nest_cases[_i].close, &len);
	ck_assert_int_eq(publish_body_parse(json, len, &body, err,
	    sizeof(err)), nest_cases[_i].rc);
	if (nest_cases[_i].rc == RESULT_OK) {
		ck_assert_uint_eq(body.events[0].data_len,
		    2 * nest_cases[_i].arrays);
		publish_body_free(&body);
	} else
		ck_assert_str_eq(err, "body nests deeper than 32 levels");
	free(json);
}
END_TEST

START_TEST(test_publish_body_errbuf)
{
	struct publish_body	body;
	char			err[8];

	ck_assert_int_eq(publish_body_parse(S("{}"), &body, err, sizeof(err)),
	    RESULT_ERROR);
	ck_assert_str_eq(err, "missing");
	ck_assert_int_eq(publish_body_parse(S("{}"), &body, NULL, 0),
	    RESULT_ERROR);
	ck_assert_int_eq(publish_body_parse(NULL, 0, &body, err, sizeof(err)),
	    RESULT_ERROR);
}
END_TEST

Suite *
publish_body_suite(void)
{
	Suite	*s;
	TCase	*tc;

	s = suite_create("publish_body");
	tc = tcase_create("parse");
	tcase_add_loop_test(tc, test_publish_body_one, 0, nitems(one_cases));
	tcase_add_loop_test(tc, test_publish_body_bad, 0, nitems(bad_cases));
	tcase_add_test(tc, test_publish_body_batch);
	tcase_add_test(tc, test_publish_body_batch_one);
	tcase_add_test(tc, test_publish_body_batch_max);
	tcase_add_loop_test(tc, test_publish_body_depth, 0,
	    nitems(nest_cases));
	tcase_add_test(tc, test_publish_body_errbuf);
	suite_add_tcase(s, tc);

	return (s);
}

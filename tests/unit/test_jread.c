#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>

#include "jread.h"
#include "result.h"
#include "suites.h"

#define S(s)		s, sizeof(s) - 1	/* a literal and its length */

/* What a walk saw: "key=raw JSON text;" for each member. */
struct seen {
	char	text[256];
	int	stop;		/* fail at this member (1-based), or 0 */
	int	members;
};

static int
member_raw(struct jread *r, const char *key, size_t keylen, void *arg)
{
	struct seen	*s = arg;
	const char	*text;
	size_t		 len, used = strlen(s->text);

	if (++s->members == s->stop)
		return (jread_fail(r, "stopped at '%.*s'", (int)keylen, key));
	if (jread_raw(r, &text, &len) != RESULT_OK)
		return (RESULT_ERROR);
	(void)snprintf(s->text + used, sizeof(s->text) - used, "%.*s=%.*s;",
	    (int)keylen, key, (int)len, text);
	return (RESULT_OK);
}

static int
item_count(struct jread *r, void *arg)
{
	(*(int *)arg)++;
	return (jread_value(r));
}

/* The whole document: an object walked member by member. */
static int
walk(const char *doc, size_t len, struct seen *s, char *err, size_t errlen)
{
	struct jread	r;

	jread_init(&r, doc, len, err, errlen);
	if (jread_begin(&r) != RESULT_OK)
		return (RESULT_ERROR);
	if (jread_peek(&r) != '{')
		return (jread_mistyped(&r, "not an object"));
	if (jread_object(&r, member_raw, s) != RESULT_OK)
		return (RESULT_ERROR);
	return (jread_end(&r));
}

static const struct {
	const char	*doc;
	size_t		 len;
	int		 stop;		/* seen.stop */
	int		 rv;
	const char	*out;		/* what the walk saw, or the error */
} walk_cases[] = {
	{ S("{}"), 0,			RESULT_OK,	"" },
	{ S(" {\"a\" : 1 ,\"b\":[2, {\"c\":null}]}\n"), 0, RESULT_OK,
	    "a=1;b=[2, {\"c\":null}];" },
	{ S("{\"\\u0041\\n\":\"x\\ty\"}"), 0, RESULT_OK, "A\n=\"x\\ty\";" },
	{ S("{\"a\":-1.5E+3,\"b\":true}"), 0, RESULT_OK, "a=-1.5E+3;b=true;" },
	{ S("[]"), 0,			RESULT_ERROR,	"not an object" },
	{ S("[1,]"), 0,			RESULT_ERROR,
	    "body is not valid JSON at byte 3" },
	{ S("{\"a\":1}x"), 0,		RESULT_ERROR,
	    "body is not valid JSON at byte 7" },
	{ S("{\"a\":\"\\ud800\"}"), 0,	RESULT_ERROR,
	    "body is not valid JSON at byte 6" },
	{ S("\xef\xbb\xbf{}"), 0,		RESULT_ERROR,
	    "body starts with a BOM" },
	{ S("{\"a\":\"\xc0\x80\"}"), 0,	RESULT_ERROR,
	    "body is not valid UTF-8" },
	{ S("{\"a\":1,\"b\":2}"), 2,	RESULT_ERROR,	"stopped at 'b'" },
};

START_TEST(test_jread_walk)
{
	struct seen	s;
	char		err[64] = "";

	memset(&s, 0, sizeof(s));
	s.stop = walk_cases[_i].stop;
	ck_assert_int_eq(walk(walk_cases[_i].doc, walk_cases[_i].len, &s, err,
	    sizeof(err)), walk_cases[_i].rv);
	ck_assert_str_eq(walk_cases[_i].rv == RESULT_OK ? s.text : err,
	    walk_cases[_i].out);
}
END_TEST

START_TEST(test_jread_array)
{
	struct jread	r;
	int		n = 0;

	jread_init(&r, S("[1, \"two\", [3], {\"four\": 4}]"), NULL, 0);
	ck_assert_int_eq(jread_begin(&r), RESULT_OK);
	ck_assert_int_eq(jread_array(&r, item_count, &n), RESULT_OK);
	ck_assert_int_eq(jread_end(&r), RESULT_OK);
	ck_assert_int_eq(n, 4);
}
END_TEST

START_TEST(test_jread_string)
{
	struct jread	r;
	char		*s;
	size_t		 len;

	jread_init(&r, S("\"a\\u0000b\\ud83d\\ude00\""), NULL, 0);
	ck_assert_int_eq(jread_string(&r, &s, &len), RESULT_OK);
	ck_assert_uint_eq(len, 7);
	ck_assert_mem_eq(s, "a\0b\xf0\x9f\x98\x80", 8);
	free(s);
	ck_assert_int_eq(jread_end(&r), RESULT_OK);
}
END_TEST

/* Exactly JREAD_DEPTH_MAX levels are read; one more is refused. */
START_TEST(test_jread_depth)
{
	struct jread	r;
	char		doc[2 * (JREAD_DEPTH_MAX + 1)], err[64];
	size_t		depth = JREAD_DEPTH_MAX + (size_t)_i;

	memset(doc, '[', depth);
	memset(doc + depth, ']', depth);
	jread_init(&r, doc, 2 * depth, err, sizeof(err));
	ck_assert_int_eq(jread_begin(&r), RESULT_OK);
	if (_i == 0) {
		ck_assert_int_eq(jread_value(&r), RESULT_OK);
		ck_assert_int_eq(jread_end(&r), RESULT_OK);
	} else {
		ck_assert_int_eq(jread_value(&r), RESULT_ERROR);
		ck_assert_str_eq(err, "body nests deeper than 32 levels");
	}
}
END_TEST

/* Messages are cut to the caller's buffer, and a NULL buffer is fine. */
START_TEST(test_jread_errbuf)
{
	struct jread	r;
	char		err[5];

	jread_init(&r, S("x"), err, sizeof(err));
	ck_assert_int_eq(jread_value(&r), RESULT_ERROR);
	ck_assert_str_eq(err, "body");
	jread_init(&r, S("x"), NULL, 0);
	ck_assert_int_eq(jread_value(&r), RESULT_ERROR);
	ck_assert_int_eq(jread_peek(&r), 'x');
	jread_init(&r, "", 0, NULL, 0);
	ck_assert_int_eq(jread_peek(&r), -1);
}
END_TEST

Suite *
jread_suite(void)
{
	Suite	*s;
	TCase	*tc;

	s = suite_create("jread");
	tc = tcase_create("read");
	tcase_add_loop_test(tc, test_jread_walk, 0, nitems(walk_cases));
	tcase_add_test(tc, test_jread_array);
	tcase_add_test(tc, test_jread_string);
	tcase_add_loop_test(tc, test_jread_depth, 0, 2);
	tcase_add_test(tc, test_jread_errbuf);
	suite_add_tcase(s, tc);

	return (s);
}

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <check.h>

#include "suites.h"
#include "utf8.h"

/* Lengths are explicit: some cases hold a NUL. */
static const struct {
	const char	*s;
	size_t		 len;
	int		 valid;
} utf8_cases[] = {
	{ "",				0,	1 },
	{ "abc",			3,	1 },
	{ "a\0b",			3,	1 },	/* NUL is UTF-8 */
	{ "\x7f",			1,	1 },
	{ "\xc2\x80",			2,	1 },	/* U+0080 */
	{ "\xdf\xbf",			2,	1 },	/* U+07FF */
	{ "\xe0\xa0\x80",		3,	1 },	/* U+0800 */
	{ "\xed\x9f\xbf",		3,	1 },	/* U+D7FF */
	{ "\xee\x80\x80",		3,	1 },	/* U+E000 */
	{ "\xef\xbf\xbf",		3,	1 },	/* U+FFFF */
	{ "\xf0\x90\x80\x80",		4,	1 },	/* U+10000 */
	{ "\xf4\x8f\xbf\xbf",		4,	1 },	/* U+10FFFF */
	{ "\x80",			1,	0 },	/* lone continuation */
	{ "\xbf",			1,	0 },
	{ "\xc0\x80",			2,	0 },	/* overlong NUL */
	{ "\xc1\xbf",			2,	0 },	/* overlong */
	{ "\xe0\x9f\xbf",		3,	0 },	/* overlong */
	{ "\xed\xa0\x80",		3,	0 },	/* U+D800 */
	{ "\xed\xbf\xbf",		3,	0 },	/* U+DFFF */
	{ "\xf0\x8f\xbf\xbf",		4,	0 },	/* overlong */
	{ "\xf4\x90\x80\x80",		4,	0 },	/* U+110000 */
	{ "\xf5\x80\x80\x80",		4,	0 },
	{ "\xff",			1,	0 },
	{ "\xc2",			1,	0 },	/* truncated */
	{ "\xe1\x80",			2,	0 },
	{ "\xf1\x80\x80",		3,	0 },
	{ "\xc2\x41",			2,	0 },	/* bad continuation */
	{ "\xe1\x80\x41",		3,	0 },
	{ "\xf1\x80\x80\x41",		4,	0 },
	{ "ok\xc2\x80ok\xff",		7,	0 },	/* bad at the end */
};

START_TEST(test_utf8_valid)
{
	ck_assert_int_eq(utf8_valid(utf8_cases[_i].s, utf8_cases[_i].len),
	    utf8_cases[_i].valid);
}
END_TEST

/* The length bounds the check: a bad byte past it does not count. */
START_TEST(test_utf8_len)
{
	ck_assert_int_eq(utf8_valid("ab\xff", 2), 1);
	ck_assert_int_eq(utf8_valid("\xe2\x82\xac", 2), 0);
}
END_TEST

/* The bounds of each length, as the cases above spell them. */
static const struct {
	uint32_t	 cp;
	const char	*s;
} put_cases[] = {
	{ 0x0,		"\0" },
	{ 0x7f,		"\x7f" },
	{ 0x80,		"\xc2\x80" },
	{ 0x7ff,	"\xdf\xbf" },
	{ 0x800,	"\xe0\xa0\x80" },
	{ 0xffff,	"\xef\xbf\xbf" },
	{ 0x10000,	"\xf0\x90\x80\x80" },
	{ 0x10ffff,	"\xf4\x8f\xbf\xbf" },
};

START_TEST(test_utf8_put)
{
	char	buf[4];
	size_t	n, want = put_cases[_i].cp == 0 ? 1 : strlen(put_cases[_i].s);

	n = utf8_put(buf, put_cases[_i].cp);
	ck_assert_uint_eq(n, want);
	ck_assert_mem_eq(buf, put_cases[_i].s, n);
}
END_TEST

/* Whatever utf8_put() writes, utf8_valid() accepts. */
START_TEST(test_utf8_put_valid)
{
	char		buf[4];
	uint32_t	cp;

	for (cp = 0; cp <= 0x10ffff; cp++) {
		if (cp == 0xd800)
			cp = 0xe000;
		ck_assert_msg(utf8_valid(buf, utf8_put(buf, cp)),
		    "U+%04X", (unsigned)cp);
	}
}
END_TEST

Suite *
utf8_suite(void)
{
	Suite	*s;
	TCase	*tc;

	s = suite_create("utf8");
	tc = tcase_create("valid");
	tcase_add_loop_test(tc, test_utf8_valid, 0, nitems(utf8_cases));
	tcase_add_test(tc, test_utf8_len);
	suite_add_tcase(s, tc);
	tc = tcase_create("put");
	tcase_add_loop_test(tc, test_utf8_put, 0, nitems(put_cases));
	tcase_add_test(tc, test_utf8_put_valid);
	suite_add_tcase(s, tc);

	return (s);
}

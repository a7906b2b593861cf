#include <stddef.h>
#include <stdint.h>

#include <check.h>

#include "cursor.h"
#include "suites.h"

static const struct {
	const char	*s;
	int		 rc;
	uint64_t	 id;
} cursor_cases[] = {
	{ NULL,				CURSOR_NONE,		0 },
	{ "",				CURSOR_NONE,		0 },
	{ "0",				CURSOR_VALID,		0 },
	{ "42",				CURSOR_VALID,		42 },
	{ "007",			CURSOR_VALID,		7 },
	{ "9223372036854775807",	CURSOR_VALID,		INT64_MAX },
	{ "0000000000000000001",	CURSOR_VALID,		1 },
	{ "9223372036854775808",	CURSOR_MALFORMED,	0 },
	{ "18446744073709551615",	CURSOR_MALFORMED,	0 },
	{ "18446744073709551616",	CURSOR_MALFORMED,	0 },
	{ "00000000000000000001",	CURSOR_MALFORMED,	0 },
	{ "123456789012345678901234567890", CURSOR_MALFORMED,	0 },
	{ "abc",			CURSOR_MALFORMED,	0 },
	{ "-5",				CURSOR_MALFORMED,	0 },
	{ "+5",				CURSOR_MALFORMED,	0 },
	{ " 5",				CURSOR_MALFORMED,	0 },
	{ "5 ",				CURSOR_MALFORMED,	0 },
	{ "4a",				CURSOR_MALFORMED,	0 },
	{ "0x10",			CURSOR_MALFORMED,	0 },
	{ "1.0",			CURSOR_MALFORMED,	0 },
};

static const struct {
	const char	*header;
	const char	*query;
	int		 rc;
	uint64_t	 id;
} cursor_pick_cases[] = {
	{ NULL,		NULL,	CURSOR_NONE,		0 },
	{ NULL,		"7",	CURSOR_VALID,		7 },
	{ NULL,		"x",	CURSOR_MALFORMED,	0 },
	{ "5",		"7",	CURSOR_VALID,		5 },
	{ "5",		"x",	CURSOR_VALID,		5 },
	{ "5",		NULL,	CURSOR_VALID,		5 },
	{ "x",		"7",	CURSOR_MALFORMED,	0 },
	{ "",		"7",	CURSOR_NONE,		0 },	/* present */
};

START_TEST(test_cursor_parse)
{
	uint64_t	id = UINT64_MAX;

	ck_assert_int_eq(cursor_parse(cursor_cases[_i].s, &id),
	    cursor_cases[_i].rc);
	if (cursor_cases[_i].rc == CURSOR_VALID)
		ck_assert_uint_eq(id, cursor_cases[_i].id);
}
END_TEST

START_TEST(test_cursor_pick)
{
	uint64_t	id = UINT64_MAX;

	ck_assert_int_eq(cursor_pick(cursor_pick_cases[_i].header,
	    cursor_pick_cases[_i].query, &id), cursor_pick_cases[_i].rc);
	if (cursor_pick_cases[_i].rc == CURSOR_VALID)
		ck_assert_uint_eq(id, cursor_pick_cases[_i].id);
}
END_TEST

Suite *
cursor_suite(void)
{
	Suite	*s;
	TCase	*tc;

	s = suite_create("cursor");
	tc = tcase_create("parse");
	tcase_add_loop_test(tc, test_cursor_parse, 0, nitems(cursor_cases));
	tcase_add_loop_test(tc, test_cursor_pick, 0,
	    nitems(cursor_pick_cases));
	suite_add_tcase(s, tc);

	return (s);
}

#include <check.h>

#include "sub_state.h"
#include "suites.h"

/* The diagram of sub.h, written out move by move. */
static const struct {
	enum sub_state	from;
	enum sub_state	to;
} sub_moves_allowed[] = {
	{ SUB_WAITING, SUB_REPLAYING },
	{ SUB_REPLAYING, SUB_WAITING },
	{ SUB_REPLAYING, SUB_CHECKING },
	{ SUB_REPLAYING, SUB_PAUSED },
	{ SUB_REPLAYING, SUB_FETCHING },
	{ SUB_REPLAYING, SUB_LIVE },
	{ SUB_CHECKING, SUB_REPLAYING },
	{ SUB_CHECKING, SUB_WAITING },
	{ SUB_CHECKING, SUB_LIVE },
	{ SUB_PAUSED, SUB_REPLAYING },
	{ SUB_FETCHING, SUB_REPLAYING },
	{ SUB_FETCHING, SUB_WAITING },
};

static int
allowed(enum sub_state from, enum sub_state to)
{
	size_t		i;

	if (to == SUB_CLOSED)
		return (from != SUB_CLOSED);
	for (i = 0; i < nitems(sub_moves_allowed); i++) {
		if (sub_moves_allowed[i].from == from &&
		    sub_moves_allowed[i].to == to)
			return (1);
	}
	return (0);
}

/* Every pair: exactly the diagram's moves, nothing else. */
START_TEST(test_sub_state_table)
{
	enum sub_state	from = (enum sub_state)(_i / SUB_NSTATES);
	enum sub_state	to = (enum sub_state)(_i % SUB_NSTATES);

	ck_assert_msg(sub_state_can(from, to) == allowed(from, to),
	    "%s -> %s", sub_state_name(from), sub_state_name(to));
}
END_TEST

/* The two rules that keep a live stream from duplicates. */
START_TEST(test_sub_state_live_only_closes)
{
	int		st;

	for (st = 0; st < SUB_NSTATES; st++) {
		ck_assert_int_eq(sub_state_can(SUB_LIVE, (enum sub_state)st),
		    st == SUB_CLOSED);
		ck_assert_int_eq(sub_state_can(SUB_CLOSED,
		    (enum sub_state)st), 0);
	}
}
END_TEST

START_TEST(test_sub_state_out_of_range)
{
	ck_assert_int_eq(sub_state_can(SUB_NSTATES, SUB_LIVE), 0);
	ck_assert_int_eq(sub_state_can(SUB_WAITING, SUB_NSTATES), 0);
	ck_assert_int_eq(sub_state_can((enum sub_state)-1, SUB_LIVE), 0);
	ck_assert_str_eq(sub_state_name(SUB_NSTATES), "invalid");
	ck_assert_str_eq(sub_state_name(SUB_PAUSED), "paused");
}
END_TEST

Suite *
sub_state_suite(void)
{
	Suite	*s = suite_create("sub_state");
	TCase	*tc = tcase_create("core");

	tcase_add_loop_test(tc, test_sub_state_table, 0,
	    SUB_NSTATES * SUB_NSTATES);
	tcase_add_test(tc, test_sub_state_live_only_closes);
	tcase_add_test(tc, test_sub_state_out_of_range);
	suite_add_tcase(s, tc);
	return (s);
}

#include <stddef.h>
#include <stdint.h>

#include <check.h>

#include "queue_policy.h"
#include "suites.h"

static const struct {
	size_t	queued;
	size_t	len;
	size_t	cap;
	int	decision;
} queue_cases[] = {
	{ 0,		10,		0,		QUEUE_SEND },
	/* No cap. */
	{ 1 << 30,	10,		0,		QUEUE_SEND },
	/* A frame over the cap still goes to an empty queue. */
	{ 0,		100,		50,		QUEUE_SEND },
	/* Up to the cap, not over it. */
	{ 10,		40,		50,		QUEUE_SEND },
	{ 10,		41,		50,		QUEUE_CUTOFF },
	{ 50,		0,		50,		QUEUE_SEND },
	{ 50,		1,		50,		QUEUE_CUTOFF },
	/* Over already, after a big frame went to an empty queue. */
	{ 60,		1,		50,		QUEUE_CUTOFF },
	/* queued + len would wrap to a small number. */
	{ 1,		SIZE_MAX,	SIZE_MAX,	QUEUE_CUTOFF },
	{ SIZE_MAX,	2,		SIZE_MAX - 1,	QUEUE_CUTOFF },
};

START_TEST(test_queue_policy_decide)
{
	ck_assert_int_eq(queue_policy_decide(queue_cases[_i].queued,
	    queue_cases[_i].len, queue_cases[_i].cap),
	    queue_cases[_i].decision);
}
END_TEST

Suite *
queue_policy_suite(void)
{
	Suite	*s;
	TCase	*tc;

	s = suite_create("queue_policy");
	tc = tcase_create("decide");
	tcase_add_loop_test(tc, test_queue_policy_decide, 0,
	    nitems(queue_cases));
	suite_add_tcase(s, tc);

	return (s);
}

#include <stdint.h>
#include <string.h>

#include <check.h>

#include "batch.h"
#include "suites.h"

/* Items are the numbers 1..n as pointers; keys are small integers. */
#define ITEM(i)		((void *)(uintptr_t)(i))
#define KEY(k)		((const void *)(uintptr_t)(k))

static void
check_run(const struct batch_run *r, const uintptr_t *want, size_t n)
{
	size_t	i;

	ck_assert_ptr_nonnull(r);
	ck_assert_uint_eq(r->n, n);
	for (i = 0; i < n; i++)
		ck_assert_uint_eq((uintptr_t)r->items[i], want[i]);
}

/* Interleaved keys: every run in add order, the whole batch too. */
START_TEST(test_batch_runs)
{
	static const uintptr_t	all[] = { 1, 2, 3, 4, 5, 6 };
	static const uintptr_t	a[] = { 1, 3, 6 }, b[] = { 2, 5 }, c[] = { 4 };
	static const uintptr_t	keys[] = { 1, 2, 1, 3, 2, 1 };
	struct batch		bt;
	size_t			i;

	batch_init(&bt);
	for (i = 0; i < nitems(keys); i++)
		batch_add(&bt, ITEM(i + 1), KEY(keys[i]));
	ck_assert_uint_eq(bt.nruns, 3);
	check_run(&bt.all, all, nitems(all));
	check_run(batch_run_of(&bt, KEY(1)), a, nitems(a));
	check_run(batch_run_of(&bt, KEY(2)), b, nitems(b));
	check_run(batch_run_of(&bt, KEY(3)), c, nitems(c));
	ck_assert_ptr_null(batch_run_of(&bt, KEY(4)));
	batch_cleanup(&bt);
}
END_TEST

/* A NULL key (a topic nobody names) is a key like any other. */
START_TEST(test_batch_null_key)
{
	static const uintptr_t	nul[] = { 1, 3 }, one[] = { 2 };
	struct batch		bt;

	batch_init(&bt);
	batch_add(&bt, ITEM(1), NULL);
	batch_add(&bt, ITEM(2), KEY(1));
	batch_add(&bt, ITEM(3), NULL);
	check_run(batch_run_of(&bt, NULL), nul, nitems(nul));
	check_run(batch_run_of(&bt, KEY(1)), one, nitems(one));
	batch_cleanup(&bt);
}
END_TEST

/* Cleared: empty, nothing joined, and reusable past every capacity. */
START_TEST(test_batch_clear_reuse)
{
	struct batch	bt;
	uintptr_t	i, round;

	batch_init(&bt);
	for (round = 0; round < 3; round++) {
		for (i = 1; i <= 1000; i++)
			batch_add(&bt, ITEM(i), KEY(i % (7 + round)));
		ck_assert_uint_eq(bt.all.n, 1000);
		ck_assert_uint_eq(bt.nruns, 7 + round);
		ck_assert_uint_eq((uintptr_t)batch_run_of(&bt, KEY(1))->items[0], 1);
		bt.all.joined = ITEM(1);
		bt.runs[0].joined = ITEM(1);
		batch_clear(&bt);
		ck_assert_uint_eq(bt.all.n, 0);
		ck_assert_uint_eq(bt.nruns, 0);
		ck_assert_ptr_null(bt.all.joined);
		ck_assert_ptr_null(bt.runs[0].joined);
		ck_assert_ptr_null(batch_run_of(&bt, KEY(1)));
	}
	batch_cleanup(&bt);
}
END_TEST

Suite *
batch_suite(void)
{
	Suite	*s = suite_create("batch");
	TCase	*tc = tcase_create("core");

	tcase_add_test(tc, test_batch_runs);
	tcase_add_test(tc, test_batch_null_key);
	tcase_add_test(tc, test_batch_clear_reuse);
	suite_add_tcase(s, tc);
	return (s);
}

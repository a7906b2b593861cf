#include <stdint.h>
#include <string.h>

#include <check.h>

#include "follow.h"
#include "suites.h"

static struct follow
follow_at(uint64_t head, uint64_t now)
{
	struct follow	f;

	memset(&f, 0, sizeof(f));
	f.head = head;
	follow_heard(&f, now, head);
	return (f);
}

START_TEST(test_follow_never_heard)
{
	struct follow	f;

	memset(&f, 0, sizeof(f));
	ck_assert_int_eq(follow_ok(&f, 1000), 0);
}
END_TEST

START_TEST(test_follow_silence)
{
	struct follow	f = follow_at(10, 1000);

	ck_assert_int_eq(follow_ok(&f, 1000 + FOLLOW_STALE_MS), 1);
	ck_assert_int_eq(follow_ok(&f, 1001 + FOLLOW_STALE_MS), 0);
}
END_TEST

/* Always a little behind, always moving: healthy for as long as it runs. */
START_TEST(test_follow_steady_load)
{
	struct follow	f = follow_at(0, 1);
	uint64_t	now, last = 0;

	for (now = 1; now < 60000; now += 100) {
		last += 50;
		follow_heard(&f, now, last);
		follow_moved(&f, last - 40);
		ck_assert_msg(follow_ok(&f, now), "at %llu ms",
		    (unsigned long long)now);
	}
}
END_TEST

/* Heard from, but stopped handing events on: unhealthy after the limit. */
START_TEST(test_follow_stuck)
{
	struct follow	f = follow_at(100, 1000);
	uint64_t	now;

	for (now = 1000; now <= 1000 + FOLLOW_STALE_MS; now += 1000) {
		follow_heard(&f, now, 200);
		ck_assert_int_eq(follow_ok(&f, now), 1);
	}
	follow_heard(&f, now, 300);
	ck_assert_int_eq(follow_ok(&f, now), 0);

	/* Catching up clears it. */
	follow_moved(&f, 300);
	ck_assert_int_eq(follow_ok(&f, now), 1);
}
END_TEST

/* Reaching the first target, not the newest sighting, is what counts. */
START_TEST(test_follow_target_kept)
{
	struct follow	f = follow_at(0, 10);

	follow_heard(&f, 10, 50);
	follow_heard(&f, 4000, 90);
	ck_assert_uint_eq(f.target, 50);
	follow_moved(&f, 49);
	ck_assert_int_eq(follow_ok(&f, 5011), 0);
	follow_moved(&f, 50);
	ck_assert_uint_eq(f.target, 0);
	follow_heard(&f, 5011, 90);
	ck_assert_uint_eq(f.target, 90);
	ck_assert_int_eq(follow_ok(&f, 5011), 1);
}
END_TEST

Suite *
follow_suite(void)
{
	Suite	*s = suite_create("follow");
	TCase	*tc = tcase_create("core");

	tcase_add_test(tc, test_follow_never_heard);
	tcase_add_test(tc, test_follow_silence);
	tcase_add_test(tc, test_follow_steady_load);
	tcase_add_test(tc, test_follow_stuck);
	tcase_add_test(tc, test_follow_target_kept);
	suite_add_tcase(s, tc);
	return (s);
}

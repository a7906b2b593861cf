#include <sys/types.h>
#include <sys/wait.h>

#include <arpa/inet.h>

#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include <check.h>

#include "quota.h"
#include "result.h"
#include "suites.h"

#define NTOKENS		4
#define SLOTS		16384	/* QUOTA_SLOTS in quota.c */
#define PROBE		64	/* QUOTA_PROBE in quota.c */
#define MANY		20000	/* more addresses than slots */

/*
 * Each test maps fresh tables. quota.h has no way to unmap them, so the
 * old mappings (about 400 KB each) stay until exit: mmap, not malloc,
 * so neither ASan nor valgrind counts them as leaks.
 */

/* Whether the last quota_test_enter() was counted. */
static int	quota_test_counted;

static int
quota_test_enter(const uint8_t *a, uint32_t max)
{
	return (quota_stream_enter(a, max, &quota_test_counted));
}

static void
quota_setup(void)
{
	ck_assert_int_eq(quota_init(NTOKENS), RESULT_OK);
}

static void
addr4(uint8_t a[QUOTA_ADDR_LEN], const char *text)
{
	memset(a, 0, QUOTA_ADDR_LEN);
	ck_assert_int_eq(inet_pton(AF_INET, text, a), 1);
}

static void
addr6(uint8_t a[QUOTA_ADDR_LEN], const char *text)
{
	ck_assert_int_eq(inet_pton(AF_INET6, text, a), 1);
}

/* 10.0.0.0 + i, zero-padded as http_stream.c does. */
static void
addr_nth(uint8_t a[QUOTA_ADDR_LEN], uint32_t i)
{
	memset(a, 0, QUOTA_ADDR_LEN);
	a[0] = 10;
	a[1] = (i >> 16) & 0xff;
	a[2] = (i >> 8) & 0xff;
	a[3] = i & 0xff;
}

/* Enters addr with max until refused; how many were admitted. */
static uint32_t
fill(const uint8_t a[QUOTA_ADDR_LEN], uint32_t max)
{
	uint32_t	n;

	for (n = 0; n <= max + 1; n++) {
		if (quota_test_enter(a, max) != RESULT_OK)
			break;
	}
	return (n);
}

/* quota_hash() in quota.c: FNV-1a over the 16 bytes. */
static uint32_t
fnv1a(const uint8_t *a)
{
	uint32_t	h = 2166136261u;
	size_t		i;

	for (i = 0; i < QUOTA_ADDR_LEN; i++)
		h = (h ^ a[i]) * 16777619u;
	return (h);
}

/*
 * PROBE + 1 addresses in 2001:db8::/32 whose probes all start at the
 * same slot, so the first PROBE fill that slot's window exactly.
 */
static uint8_t	chain[PROBE + 1][QUOTA_ADDR_LEN];

static void
chain_make(void)
{
	static int	made;
	uint8_t		a[QUOTA_ADDR_LEN];
	uint32_t	i, slot;
	size_t		n;

	if (made)
		return;
	addr6(a, "2001:db8::");
	slot = 0;
	for (i = 0, n = 0; n < nitems(chain); i++) {
		a[12] = i >> 24;
		a[13] = i >> 16;
		a[14] = i >> 8;
		a[15] = i;
		if (n == 0)
			slot = fnv1a(a) % SLOTS;
		if (fnv1a(a) % SLOTS == slot)
			memcpy(chain[n++], a, QUOTA_ADDR_LEN);
	}
	made = 1;
}

START_TEST(test_quota_unlimited)
{
	uint8_t	a[QUOTA_ADDR_LEN];
	int	i;

	addr4(a, "192.0.2.1");
	for (i = 0; i < 1000; i++) {
		ck_assert_int_eq(quota_test_enter(a, 0), RESULT_OK);
		ck_assert_int_eq(quota_test_counted, 0);
	}
	/* None of them counted. */
	ck_assert_uint_eq(fill(a, 1), 1);
}
END_TEST

START_TEST(test_quota_max)
{
	uint8_t	a[QUOTA_ADDR_LEN];

	addr4(a, "192.0.2.1");
	ck_assert_int_eq(quota_test_enter(a, 3), RESULT_OK);
	ck_assert_int_eq(quota_test_counted, 1);
	ck_assert_int_eq(quota_test_enter(a, 3), RESULT_OK);
	ck_assert_int_eq(quota_test_enter(a, 3), RESULT_OK);
	ck_assert_int_eq(quota_test_enter(a, 3), RESULT_ERROR);
	ck_assert_int_eq(quota_test_enter(a, 3), RESULT_ERROR);

	/* A refusal takes nothing: one leave frees exactly one. */
	quota_stream_leave(a);
	ck_assert_int_eq(quota_test_enter(a, 3), RESULT_OK);
	ck_assert_int_eq(quota_test_enter(a, 3), RESULT_ERROR);

	/* A higher max counts the same streams. */
	ck_assert_int_eq(quota_test_enter(a, 4), RESULT_OK);
	ck_assert_int_eq(quota_test_enter(a, 4), RESULT_ERROR);

	/* Max 0 neither counts nor refuses, even over a lower max. */
	ck_assert_int_eq(quota_test_enter(a, 0), RESULT_OK);
	ck_assert_int_eq(quota_test_enter(a, 4), RESULT_ERROR);
	ck_assert_int_eq(quota_test_enter(a, 1), RESULT_ERROR);
}
END_TEST

START_TEST(test_quota_leave_all)
{
	uint8_t	a[QUOTA_ADDR_LEN];
	int	i;

	addr4(a, "192.0.2.1");
	ck_assert_uint_eq(fill(a, 3), 3);
	for (i = 0; i < 3; i++)
		quota_stream_leave(a);
	ck_assert_uint_eq(fill(a, 3), 3);
}
END_TEST

/* 192.0.2.1 as a client's address is 4 bytes then 12 zeros. */
START_TEST(test_quota_families)
{
	uint8_t	v4[QUOTA_ADDR_LEN], mapped[QUOTA_ADDR_LEN];
	uint8_t	v6[QUOTA_ADDR_LEN], v6b[QUOTA_ADDR_LEN];

	addr4(v4, "192.0.2.1");
	addr6(mapped, "::ffff:192.0.2.1");
	addr6(v6, "2001:db8::1");
	addr6(v6b, "2001:db8::2");

	ck_assert_uint_eq(fill(v4, 2), 2);
	ck_assert_uint_eq(fill(mapped, 2), 2);
	ck_assert_uint_eq(fill(v6, 2), 2);
	ck_assert_uint_eq(fill(v6b, 2), 2);

	quota_stream_leave(v6);
	ck_assert_int_eq(quota_test_enter(v4, 2), RESULT_ERROR);
	ck_assert_int_eq(quota_test_enter(mapped, 2), RESULT_ERROR);
	ck_assert_int_eq(quota_test_enter(v6b, 2), RESULT_ERROR);
	ck_assert_uint_eq(fill(v6, 2), 1);
}
END_TEST

START_TEST(test_quota_leave_unknown)
{
	uint8_t	a[QUOTA_ADDR_LEN], b[QUOTA_ADDR_LEN];

	addr4(a, "192.0.2.1");
	addr4(b, "192.0.2.2");
	quota_stream_leave(a);
	quota_stream_leave(a);
	/* The count did not go below 0 (or wrap to UINT32_MAX). */
	ck_assert_uint_eq(fill(a, 2), 2);

	/* Nor does leaving more often than entering. */
	quota_stream_leave(a);
	quota_stream_leave(a);
	quota_stream_leave(a);
	quota_stream_leave(a);
	ck_assert_uint_eq(fill(a, 2), 2);

	/* And leaving one address leaves the other's count alone. */
	ck_assert_uint_eq(fill(b, 1), 1);
	quota_stream_leave(a);
	ck_assert_int_eq(quota_test_enter(b, 1), RESULT_ERROR);
}
END_TEST

/*
 * More addresses than slots: once every slot holds a live address, the
 * rest are admitted without counting, however often they come.
 */
START_TEST(test_quota_many)
{
	uint8_t		a[QUOTA_ADDR_LEN], fresh[QUOTA_ADDR_LEN];
	uint32_t	i, counted;

	for (i = 0; i < MANY; i++) {
		addr_nth(a, i);
		ck_assert_int_eq(quota_test_enter(a, 1), RESULT_OK);
	}

	/* The counted ones are refused now, at most one per slot. */
	counted = 0;
	for (i = 0; i < MANY; i++) {
		addr_nth(a, i);
		if (quota_test_enter(a, 1) == RESULT_ERROR)
			counted++;
	}
	ck_assert_uint_eq(counted, SLOTS);

	/* The others are still uncounted: admitted a third time. */
	counted = 0;
	for (i = 0; i < MANY; i++) {
		addr_nth(a, i);
		if (quota_test_enter(a, 1) == RESULT_ERROR)
			counted++;
	}
	ck_assert_uint_eq(counted, SLOTS);

	/* A new address finds no slot either. */
	addr6(fresh, "2001:db8::1");
	for (i = 0; i < 10; i++)
		ck_assert_int_eq(quota_test_enter(fresh, 1), RESULT_OK);

	/* Once they all leave, slots are reused and counting resumes. */
	for (i = 0; i < MANY; i++) {
		addr_nth(a, i);
		quota_stream_leave(a);
	}
	ck_assert_uint_eq(fill(fresh, 1), 1);
	addr_nth(a, 0);
	ck_assert_uint_eq(fill(a, 1), 1);
	addr_nth(a, MANY - 1);
	ck_assert_uint_eq(fill(a, 1), 1);
}
END_TEST

/* A full probe window: the next address in that chain is not counted. */
START_TEST(test_quota_window_full)
{
	size_t	i;
	int	n;

	chain_make();
	for (i = 0; i < PROBE; i++)
		ck_assert_uint_eq(fill(chain[i], 1), 1);

	for (n = 0; n < 5; n++) {
		ck_assert_msg(quota_test_enter(chain[PROBE], 1) == RESULT_OK,
		    "entry %d of an address past a full window refused: do "
		    "the crafted addresses still share a probe chain?", n);
	}

	/* One leaves: its slot is reused, and the newcomer is counted. */
	quota_stream_leave(chain[17]);
	ck_assert_uint_eq(fill(chain[PROBE], 1), 1);
	for (i = 0; i < PROBE; i++) {
		if (i != 17)
			ck_assert_int_eq(quota_test_enter(chain[i], 1),
			    RESULT_ERROR);
	}

	/* Now the one that left finds the window full. */
	for (n = 0; n < 5; n++)
		ck_assert_int_eq(quota_test_enter(chain[17], 1), RESULT_OK);
}
END_TEST

/*
 * A slot whose count fell to 0 goes to a new address in the same chain;
 * the addresses after it in the chain are still found with their
 * counts, and the old owner gets another slot.
 */
START_TEST(test_quota_reuse)
{
	uint8_t	 *a, *b, *c, *d;

	chain_make();
	a = chain[0];
	b = chain[1];
	c = chain[2];
	d = chain[3];

	ck_assert_uint_eq(fill(a, 2), 2);
	ck_assert_uint_eq(fill(b, 2), 2);
	ck_assert_uint_eq(fill(c, 2), 2);

	quota_stream_leave(a);
	quota_stream_leave(a);
	ck_assert_uint_eq(fill(d, 1), 1);		/* takes a's slot */

	ck_assert_int_eq(quota_test_enter(b, 2), RESULT_ERROR);
	ck_assert_int_eq(quota_test_enter(c, 2), RESULT_ERROR);
	quota_stream_leave(c);
	ck_assert_uint_eq(fill(c, 2), 1);
	ck_assert_uint_eq(fill(a, 2), 2);		/* a new slot */
	ck_assert_int_eq(quota_test_enter(d, 1), RESULT_ERROR);
	ck_assert_int_eq(quota_test_enter(d, 2), RESULT_OK);
	ck_assert_int_eq(quota_test_enter(d, 2), RESULT_ERROR);

	/* Leaving b, in the middle of the chain, changes only b. */
	quota_stream_leave(b);
	quota_stream_leave(b);
	ck_assert_int_eq(quota_test_enter(a, 2), RESULT_ERROR);
	ck_assert_int_eq(quota_test_enter(c, 2), RESULT_ERROR);
	ck_assert_int_eq(quota_test_enter(d, 2), RESULT_ERROR);
	ck_assert_uint_eq(fill(b, 2), 2);

	/* An address entered at count 0 keeps its own slot, no double. */
	quota_stream_leave(a);
	quota_stream_leave(a);
	quota_stream_leave(d);
	quota_stream_leave(d);
	ck_assert_uint_eq(fill(a, 2), 2);
	ck_assert_uint_eq(fill(d, 2), 2);
	quota_stream_leave(a);
	ck_assert_uint_eq(fill(a, 2), 1);
}
END_TEST

/* Workers are forked after quota_init: a child's count is shared. */
START_TEST(test_quota_streams_shared)
{
	uint8_t	a[QUOTA_ADDR_LEN];
	pid_t	pid;
	int	status;

	addr4(a, "192.0.2.1");
	ck_assert_int_eq(quota_test_enter(a, 3), RESULT_OK);
	if ((pid = fork()) == 0) {
		if (quota_test_enter(a, 3) != RESULT_OK ||
		    quota_test_enter(a, 3) != RESULT_OK)
			_exit(1);
		_exit(0);
	}
	ck_assert_int_ne(pid, -1);
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	ck_assert_int_eq(quota_test_enter(a, 3), RESULT_ERROR);

	/* And the other way round: the parent's leave is seen. */
	quota_stream_leave(a);
	if ((pid = fork()) == 0) {
		if (quota_test_enter(a, 3) != RESULT_OK ||
		    quota_test_enter(a, 3) != RESULT_ERROR)
			_exit(1);
		_exit(0);
	}
	ck_assert_int_ne(pid, -1);
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	ck_assert_int_eq(quota_test_enter(a, 3), RESULT_ERROR);
}
END_TEST

START_TEST(test_quota_publish_unlimited)
{
	uint32_t	retry;
	int		i;

	for (i = 0; i < 1000; i++) {
		retry = 77;
		ck_assert_int_eq(quota_publish(0, 1000, 0, 5000, &retry),
		    RESULT_OK);
		ck_assert_uint_eq(retry, 0);
	}
	/* Rate 0 took nothing from the bucket of a later rate. */
	for (i = 0; i < 10; i++)
		ck_assert_int_eq(quota_publish(0, 1, 10, 5000, &retry),
		    RESULT_OK);
	ck_assert_int_eq(quota_publish(0, 1, 10, 5000, &retry),
	    RESULT_ERROR);
}
END_TEST

/* Tokens 0 .. NTOKENS - 1 are limited; past them nothing is. */
START_TEST(test_quota_publish_token_range)
{
	uint32_t	retry;
	size_t		tokens[] = { NTOKENS, NTOKENS + 1, SIZE_MAX };
	size_t		i;
	int		k;

	for (i = 0; i < nitems(tokens); i++) {
		for (k = 0; k < 100; k++) {
			retry = 77;
			ck_assert_int_eq(quota_publish(tokens[i], 5, 5, 1000,
			    &retry), RESULT_OK);
			ck_assert_uint_eq(retry, 0);
		}
		/* Even a batch over the rate. */
		ck_assert_int_eq(quota_publish(tokens[i], 6, 5, 1000,
		    &retry), RESULT_OK);
	}
	/* The last limited one is limited. */
	ck_assert_int_eq(quota_publish(NTOKENS - 1, 5, 5, 1000, &retry),
	    RESULT_OK);
	ck_assert_int_eq(quota_publish(NTOKENS - 1, 1, 5, 1000, &retry),
	    RESULT_ERROR);
}
END_TEST

START_TEST(test_quota_publish_burst)
{
	uint32_t	retry;
	int		i;

	for (i = 0; i < 10; i++) {
		ck_assert_int_eq(quota_publish(1, 1, 10, 1000, &retry),
		    RESULT_OK);
		ck_assert_uint_eq(retry, 0);
	}
	ck_assert_int_eq(quota_publish(1, 1, 10, 1000, &retry),
	    RESULT_ERROR);
	ck_assert_uint_ge(retry, 1);
	ck_assert_uint_eq(retry, 1);		/* 0.1 s, in whole seconds */

	/* After retry seconds it fits. */
	ck_assert_int_eq(quota_publish(1, 1, 10, 1000 + retry * 1000,
	    &retry), RESULT_OK);

	/* Each token has its own bucket. */
	for (i = 0; i < 10; i++)
		ck_assert_int_eq(quota_publish(2, 1, 10, 1000, &retry),
		    RESULT_OK);
	ck_assert_int_eq(quota_publish(2, 1, 10, 1000, &retry),
	    RESULT_ERROR);
	ck_assert_int_eq(quota_publish(0, 10, 10, 1000, &retry), RESULT_OK);
}
END_TEST

START_TEST(test_quota_publish_refill)
{
	uint32_t	retry;
	int		i;

	ck_assert_int_eq(quota_publish(0, 10, 10, 1000, &retry), RESULT_OK);
	ck_assert_int_eq(quota_publish(0, 1, 10, 1000, &retry),
	    RESULT_ERROR);

	/* Half a second later, half the bucket. */
	for (i = 0; i < 5; i++)
		ck_assert_int_eq(quota_publish(0, 1, 10, 1500, &retry),
		    RESULT_OK);
	ck_assert_int_eq(quota_publish(0, 1, 10, 1500, &retry),
	    RESULT_ERROR);

	/* 100 ms: one more; 50 ms: half of one, not enough; 50 more: 1. */
	ck_assert_int_eq(quota_publish(0, 1, 10, 1600, &retry), RESULT_OK);
	ck_assert_int_eq(quota_publish(0, 1, 10, 1650, &retry),
	    RESULT_ERROR);
	ck_assert_int_eq(quota_publish(0, 1, 10, 1700, &retry), RESULT_OK);
	ck_assert_int_eq(quota_publish(0, 1, 10, 1700, &retry),
	    RESULT_ERROR);

	/* A batch: 4 after 400 ms, not 5. */
	ck_assert_int_eq(quota_publish(0, 5, 10, 2100, &retry),
	    RESULT_ERROR);
	ck_assert_uint_eq(retry, 1);
	ck_assert_int_eq(quota_publish(0, 4, 10, 2100, &retry), RESULT_OK);

	/* A long idle fills the bucket to one second's worth, no more. */
	ck_assert_int_eq(quota_publish(0, 10, 10, 100000, &retry),
	    RESULT_OK);
	ck_assert_int_eq(quota_publish(0, 1, 10, 100000, &retry),
	    RESULT_ERROR);

	/* A high rate refills per millisecond. */
	ck_assert_int_eq(quota_publish(3, 1000, 1000, 5000, &retry),
	    RESULT_OK);
	ck_assert_int_eq(quota_publish(3, 1, 1000, 5000, &retry),
	    RESULT_ERROR);
	ck_assert_int_eq(quota_publish(3, 3, 1000, 5003, &retry), RESULT_OK);
	ck_assert_int_eq(quota_publish(3, 1, 1000, 5003, &retry),
	    RESULT_ERROR);
}
END_TEST

START_TEST(test_quota_publish_batch)
{
	uint32_t	retry;

	/* Larger than the bucket: never fits, so no retry time. */
	retry = 77;
	ck_assert_int_eq(quota_publish(0, 11, 10, 1000, &retry),
	    RESULT_ERROR);
	ck_assert_uint_eq(retry, 0);
	retry = 77;
	ck_assert_int_eq(quota_publish(0, UINT32_MAX, 10, 1000, &retry),
	    RESULT_ERROR);
	ck_assert_uint_eq(retry, 0);

	/* And took nothing: the whole bucket is still there. */
	ck_assert_int_eq(quota_publish(0, 10, 10, 1000, &retry), RESULT_OK);
	ck_assert_uint_eq(retry, 0);

	/* An empty bucket still takes an empty batch. */
	ck_assert_int_eq(quota_publish(0, 0, 10, 1000, &retry), RESULT_OK);

	/* Too big refuses with 0 even with an empty bucket. */
	retry = 77;
	ck_assert_int_eq(quota_publish(0, 11, 10, 1000, &retry),
	    RESULT_ERROR);
	ck_assert_uint_eq(retry, 0);
}
END_TEST

/* A clock read before another worker's later one adds nothing. */
START_TEST(test_quota_publish_backwards)
{
	uint32_t	retry;

	ck_assert_int_eq(quota_publish(0, 10, 10, 10000, &retry),
	    RESULT_OK);
	ck_assert_int_eq(quota_publish(0, 1, 10, 5000, &retry),
	    RESULT_ERROR);
	ck_assert_uint_ge(retry, 1);
	ck_assert_int_eq(quota_publish(0, 1, 10, 4999, &retry),
	    RESULT_ERROR);
	ck_assert_int_eq(quota_publish(0, 1, 10, 1, &retry), RESULT_ERROR);
}
END_TEST

/*
 * Nor when the clock then comes forward again: time already paid for
 * (up to 10000 here) must not be paid for twice.
 */
START_TEST(test_quota_publish_backwards_forward)
{
	uint32_t	retry;
	int		i, n;

	ck_assert_int_eq(quota_publish(0, 10, 10, 10000, &retry),
	    RESULT_OK);
	ck_assert_int_eq(quota_publish(0, 1, 10, 9000, &retry),
	    RESULT_ERROR);
	ck_assert_msg(quota_publish(0, 1, 10, 10000, &retry) == RESULT_ERROR,
	    "back at 10000 ms, the bucket drained at 10000 ms refilled");

	/* 200 ms after the drain, two. */
	for (n = 0, i = 0; i < 10; i++) {
		if (quota_publish(0, 1, 10, 10200, &retry) == RESULT_OK)
			n++;
	}
	ck_assert_int_eq(n, 2);
}
END_TEST

/* retry_s: the least whole seconds after which n fit. */
static const struct {
	uint32_t	rate;
	uint32_t	n;
	uint32_t	after_ms;	/* after draining the bucket */
	uint32_t	retry;
} retry_cases[] = {
	{ 10,	1,	0,	1 },	/* 0.1 s */
	{ 10,	5,	0,	1 },	/* 0.5 s */
	{ 10,	9,	0,	1 },	/* 0.9 s */
	{ 10,	6,	500,	1 },	/* 0.1 s */
	{ 1,	1,	500,	1 },	/* 0.5 s */
	/* Exactly one second. */
	{ 10,	10,	0,	1 },
	{ 1,	1,	0,	1 },
};

START_TEST(test_quota_publish_retry)
{
	uint32_t	rate, n, retry;
	uint64_t	t;

	rate = retry_cases[_i].rate;
	n = retry_cases[_i].n;
	t = 1000;
	ck_assert_int_eq(quota_publish(0, rate, rate, t, &retry), RESULT_OK);
	t += retry_cases[_i].after_ms;
	ck_assert_int_eq(quota_publish(0, n, rate, t, &retry), RESULT_ERROR);
	ck_assert_uint_ge(retry, 1);
	ck_assert_uint_eq(retry, retry_cases[_i].retry);

	/* Not a second sooner, and then yes. */
	ck_assert_int_eq(quota_publish(0, n, rate, t + (retry - 1) * 1000,
	    &retry), RESULT_ERROR);
	ck_assert_int_eq(quota_publish(0, n, rate,
	    t + retry_cases[_i].retry * 1000, &retry), RESULT_OK);
}
END_TEST

/* Publishers in different workers drain the same bucket. */
START_TEST(test_quota_publish_shared)
{
	uint32_t	retry;
	pid_t		pid;
	int		status;

	ck_assert_int_eq(quota_publish(1, 4, 10, 1000, &retry), RESULT_OK);
	if ((pid = fork()) == 0) {
		if (quota_publish(1, 6, 10, 1000, &retry) != RESULT_OK)
			_exit(1);
		_exit(0);
	}
	ck_assert_int_ne(pid, -1);
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	ck_assert_int_eq(quota_publish(1, 1, 10, 1000, &retry),
	    RESULT_ERROR);
	ck_assert_uint_eq(retry, 1);
}
END_TEST

/*
 * A worker that dies takes its streams with it; the one that replaces it
 * (the same number) starts its column from zero, and the other workers'
 * counts stay.
 */
START_TEST(test_quota_worker_restart)
{
	uint8_t		a[QUOTA_ADDR_LEN];
	int		i;

	addr4(a, "192.0.2.7");
	quota_worker_start(2, 1);
	ck_assert_int_eq(quota_test_enter(a, 4), RESULT_OK);
	quota_worker_start(1, 1);
	for (i = 0; i < 3; i++)
		ck_assert_int_eq(quota_test_enter(a, 4), RESULT_OK);
	ck_assert_int_eq(quota_test_enter(a, 4), RESULT_ERROR);

	/* Worker 1 died with three streams; its successor starts. */
	quota_worker_start(1, 1);
	for (i = 0; i < 3; i++)
		ck_assert_int_eq(quota_test_enter(a, 4), RESULT_OK);
	ck_assert_int_eq(quota_test_enter(a, 4), RESULT_ERROR);

	/* Worker 2's stream is still counted, and leaves from its column. */
	quota_worker_start(2, 1);
	ck_assert_int_eq(quota_test_enter(a, 4), RESULT_OK);
	ck_assert_int_eq(quota_test_enter(a, 4), RESULT_ERROR);
	quota_worker_start(0, 1);
}
END_TEST

/* Runs the table from a child until it is killed. */
static void
quota_busy_child(void)
{
	uint8_t		a[QUOTA_ADDR_LEN];
	uint32_t	retry, i;
	int		counted;

	for (i = 0;; i++) {
		addr_nth(a, i % 50);
		(void)quota_stream_enter(a, 1000, &counted);
		(void)quota_publish(i % NTOKENS, 1, 100, i, &retry);
		if (counted)
			quota_stream_leave(a);
	}
}

/* 1 when a child could take the lock within two seconds. */
static int
quota_lock_free(void)
{
	uint8_t		a[QUOTA_ADDR_LEN];
	pid_t		pid;
	int		counted, i, status;

	if ((pid = fork()) == 0) {
		addr4(a, "198.51.100.1");
		_exit(quota_stream_enter(a, 1, &counted) == RESULT_OK ? 0 : 1);
	}
	for (i = 0; i < 200; i++) {
		if (waitpid(pid, &status, WNOHANG) == pid)
			return (WIFEXITED(status) && WEXITSTATUS(status) == 0);
		usleep(10000);
	}
	kill(pid, SIGKILL);
	(void)waitpid(pid, NULL, 0);
	return (0);
}

/*
 * Workers killed at random points, many of them inside the lock: the
 * next one to lock takes it over instead of waiting for ever.
 */
START_TEST(test_quota_owner_killed)
{
	pid_t		pid;
	int		i;

	for (i = 0; i < 200; i++) {
		if ((pid = fork()) == 0)
			quota_busy_child();
		usleep(200 + (i * 37) % 500);
		kill(pid, SIGKILL);
		(void)waitpid(pid, NULL, 0);
	}
	ck_assert_msg(quota_lock_free(), "the lock stayed taken");
}
END_TEST

Suite *
quota_suite(void)
{
	Suite	*s;
	TCase	*tc;

	s = suite_create("quota");

	tc = tcase_create("streams");
	tcase_add_checked_fixture(tc, quota_setup, NULL);
	tcase_add_test(tc, test_quota_unlimited);
	tcase_add_test(tc, test_quota_max);
	tcase_add_test(tc, test_quota_leave_all);
	tcase_add_test(tc, test_quota_families);
	tcase_add_test(tc, test_quota_leave_unknown);
	tcase_add_test(tc, test_quota_many);
	tcase_add_test(tc, test_quota_window_full);
	tcase_add_test(tc, test_quota_reuse);
	tcase_add_test(tc, test_quota_streams_shared);
	tcase_add_test(tc, test_quota_worker_restart);
	tcase_add_test(tc, test_quota_owner_killed);
	suite_add_tcase(s, tc);

	tc = tcase_create("publish");
	tcase_add_checked_fixture(tc, quota_setup, NULL);
	tcase_add_test(tc, test_quota_publish_unlimited);
	tcase_add_test(tc, test_quota_publish_token_range);
	tcase_add_test(tc, test_quota_publish_burst);
	tcase_add_test(tc, test_quota_publish_refill);
	tcase_add_test(tc, test_quota_publish_batch);
	tcase_add_test(tc, test_quota_publish_backwards);
	tcase_add_test(tc, test_quota_publish_backwards_forward);
	tcase_add_loop_test(tc, test_quota_publish_retry, 0,
	    nitems(retry_cases));
	tcase_add_test(tc, test_quota_publish_shared);
	suite_add_tcase(s, tc);

	return (s);
}

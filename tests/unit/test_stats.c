#include <sys/mman.h>
#include <sys/types.h>
#include <sys/wait.h>

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <check.h>

#include "result.h"
#include "stats.h"
#include "suites.h"

#define RENDER_MAX	65536

/* Every family, in the order rendered. */
static const struct {
	const char	*name;
	const char	*type;
	const char	*help;
} family_cases[] = {
	{ "ssehub_subscribers",	"gauge",	"Open event streams." },
	{ "ssehub_queued_bytes", "gauge",
	    "Bytes waiting in subscriber send queues." },
	{ "ssehub_events_published_total", "counter",
	    "Events committed through this server's /publish and ticker." },
	{ "ssehub_frames_delivered_total", "counter",
	    "Live frames and replay batches queued to subscriber sockets." },
	{ "ssehub_events_replayed_total", "counter",
	    "Event frames sent from history after a reconnect." },
	{ "ssehub_slow_disconnects_total", "counter",
	    "Subscribers cut off for exceeding the queue cap." },
	{ "ssehub_db_errors_total", "counter", "Failed database operations." },
	{ "ssehub_bus_carried_events_total", "counter",
	    "Live events taken from their commit's notification." },
	{ "ssehub_bus_read_events_total", "counter",
	    "Live events read back from the table." },
	{ "ssehub_fanout_seconds", "histogram", "Time from an event's "
	    "arrival in a worker to its last socket write." },
};

/* Written by stats_fill(). */
static const char	*series_lines[] = {
	"ssehub_subscribers{worker=\"1\"} 5",
	"ssehub_subscribers{worker=\"2\"} 9",
	"ssehub_queued_bytes{worker=\"1\"} 123456",
	"ssehub_queued_bytes{worker=\"2\"} 0",
	"ssehub_events_published_total{worker=\"1\"} 7",
	"ssehub_events_published_total{worker=\"2\"} 1",
	"ssehub_frames_delivered_total{worker=\"1\"} 18446744073709551615",
	"ssehub_frames_delivered_total{worker=\"2\"} 42",
	"ssehub_events_replayed_total{worker=\"1\"} 2",
	"ssehub_events_replayed_total{worker=\"2\"} 0",
	"ssehub_slow_disconnects_total{worker=\"1\"} 1",
	"ssehub_slow_disconnects_total{worker=\"2\"} 0",
	"ssehub_db_errors_total{worker=\"1\"} 3",
	"ssehub_db_errors_total{worker=\"2\"} 4",
	"ssehub_bus_carried_events_total{worker=\"1\"} 11",
	"ssehub_bus_carried_events_total{worker=\"2\"} 0",
	"ssehub_bus_read_events_total{worker=\"1\"} 0",
	"ssehub_bus_read_events_total{worker=\"2\"} 6",
	"ssehub_fanout_seconds_count{worker=\"1\"} 0",
	"ssehub_fanout_seconds_count{worker=\"2\"} 0",
};

/* Buckets after fan-outs of 50us, 700us and 30000us. */
static const char	*fanout_lines[] = {
	"ssehub_fanout_seconds_bucket{worker=\"1\",le=\"0.0001\"} 1",
	"ssehub_fanout_seconds_bucket{worker=\"1\",le=\"0.00025\"} 1",
	"ssehub_fanout_seconds_bucket{worker=\"1\",le=\"0.0005\"} 1",
	"ssehub_fanout_seconds_bucket{worker=\"1\",le=\"0.001\"} 2",
	"ssehub_fanout_seconds_bucket{worker=\"1\",le=\"0.0025\"} 2",
	"ssehub_fanout_seconds_bucket{worker=\"1\",le=\"0.005\"} 2",
	"ssehub_fanout_seconds_bucket{worker=\"1\",le=\"0.01\"} 2",
	"ssehub_fanout_seconds_bucket{worker=\"1\",le=\"0.025\"} 2",
	"ssehub_fanout_seconds_bucket{worker=\"1\",le=\"0.05\"} 3",
	"ssehub_fanout_seconds_bucket{worker=\"1\",le=\"0.1\"} 3",
	"ssehub_fanout_seconds_bucket{worker=\"1\",le=\"0.25\"} 3",
	"ssehub_fanout_seconds_bucket{worker=\"1\",le=\"+Inf\"} 3",
	"ssehub_fanout_seconds_sum{worker=\"1\"} 0.03075",
	"ssehub_fanout_seconds_count{worker=\"1\"} 3",
	"ssehub_fanout_seconds_bucket{worker=\"2\",le=\"0.0001\"} 0",
	"ssehub_fanout_seconds_bucket{worker=\"2\",le=\"+Inf\"} 0",
	"ssehub_fanout_seconds_count{worker=\"2\"} 0",
};

static char	*out;

static void
stats_setup(void)
{
	ck_assert_int_eq(stats_init(), RESULT_OK);
	ck_assert_ptr_nonnull(out = malloc(RENDER_MAX));
}

static void
stats_teardown(void)
{
	free(out);
	out = NULL;
	ck_assert_int_eq(munmap(stats_slot(0),
	    sizeof(struct stats_worker) * STATS_WORKERS_MAX), 0);
}

/* Whether text holds line as a whole line. */
static int
has_line(const char *text, const char *line)
{
	const char	*p;
	size_t		 len;

	len = strlen(line);
	for (p = text; (p = strstr(p, line)) != NULL; p++) {
		if ((p == text || p[-1] == '\n') && p[len] == '\n')
			return (1);
	}
	return (0);
}

static size_t
render(unsigned int nworkers)
{
	size_t	len;

	len = stats_render(out, RENDER_MAX, nworkers);
	ck_assert_uint_gt(len, 0);
	ck_assert_uint_eq(strlen(out), len);
	ck_assert_int_eq(out[len - 1], '\n');
	return (len);
}

static void
stats_fill(void)
{
	struct stats_worker	*w;

	w = stats_slot(1);
	w->subscribers = 5;
	w->queued_bytes = 123456;
	w->published = 7;
	w->delivered = UINT64_MAX;
	w->replayed = 2;
	w->slow_disconnects = 1;
	w->db_errors = 3;
	w->bus_carried = 11;

	w = stats_slot(2);
	w->subscribers = 9;
	w->published = 1;
	w->delivered = 42;
	w->db_errors = 4;
	w->bus_read = 6;

	/* Slot 0 (keymgr) and slot 3 (not asked for) stay out. */
	stats_slot(0)->subscribers = 77;
	stats_slot(3)->subscribers = 88;
}

START_TEST(test_stats_slots)
{
	struct stats_worker	*w;
	size_t			 i;
	unsigned int		 n;

	for (n = 0; n < STATS_WORKERS_MAX; n++) {
		w = stats_slot(n);
		ck_assert_ptr_eq(w, stats_slot(0) + n);
		ck_assert_uint_eq(w->subscribers + w->queued_bytes +
		    w->published + w->delivered + w->replayed +
		    w->slow_disconnects + w->db_errors + w->fanout_count +
		    w->fanout_sum_us, 0);
		for (i = 0; i < STATS_FANOUT_BUCKETS; i++)
			ck_assert_uint_eq(w->fanout_le[i], 0);
	}
	ck_assert_ptr_eq(stats_slot(STATS_WORKERS_MAX), stats_slot(0));
	ck_assert_ptr_eq(stats_slot(STATS_WORKERS_MAX + 5), stats_slot(5));
}
END_TEST

/* A worker's writes after the fork are seen by the parent. */
START_TEST(test_stats_shared)
{
	pid_t	pid;
	int	status;

	stats_slot(1)->published = 1;
	if ((pid = fork()) == 0) {
		stats_slot(1)->published = 1234;
		stats_fanout(stats_slot(1), 700);
		_exit(0);
	}
	ck_assert_int_ne(pid, -1);
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	ck_assert_uint_eq(stats_slot(1)->published, 1234);
	ck_assert_uint_eq(stats_slot(1)->fanout_count, 1);
	render(1);
	ck_assert(has_line(out,
	    "ssehub_events_published_total{worker=\"1\"} 1234"));
}
END_TEST

START_TEST(test_stats_families)
{
	const char	*p, *prev;
	char		 want[256];

	render(2);
	(void)snprintf(want, sizeof(want), "# HELP %s %s\n# TYPE %s %s\n",
	    family_cases[_i].name, family_cases[_i].help,
	    family_cases[_i].name, family_cases[_i].type);
	ck_assert_msg(strstr(out, want) != NULL, "no %s in\n%s", want, out);

	/* Each family once, after the one before it in the table. */
	(void)snprintf(want, sizeof(want), "# HELP %s ",
	    family_cases[_i].name);
	ck_assert_ptr_nonnull(p = strstr(out, want));
	ck_assert_ptr_null(strstr(p + 1, want));
	if (_i > 0) {
		(void)snprintf(want, sizeof(want), "# TYPE %s ",
		    family_cases[_i - 1].name);
		ck_assert_ptr_nonnull(prev = strstr(out, want));
		ck_assert(prev < p);
	}
}
END_TEST

START_TEST(test_stats_series)
{
	stats_fill();
	render(2);
	ck_assert_msg(has_line(out, series_lines[_i]), "no line %s in\n%s",
	    series_lines[_i], out);
}
END_TEST

/* Only workers 1..n are rendered. */
START_TEST(test_stats_workers)
{
	const char	*p;
	size_t		 n;

	stats_fill();
	render(2);
	ck_assert_ptr_null(strstr(out, "worker=\"0\""));
	ck_assert_ptr_null(strstr(out, "worker=\"3\""));
	ck_assert_ptr_null(strstr(out, " 77\n"));
	ck_assert_ptr_null(strstr(out, " 88\n"));

	/* 9 families of one line per worker, 14 histogram lines each. */
	for (n = 0, p = out; (p = strstr(p, "worker=\"2\"")) != NULL; p++)
		n++;
	ck_assert_uint_eq(n, 9 + STATS_FANOUT_BUCKETS + 3);

	render(0);
	ck_assert_ptr_null(strstr(out, "worker="));
	ck_assert_ptr_nonnull(strstr(out, "# TYPE ssehub_fanout_seconds "
	    "histogram\n"));

	render(3);
	ck_assert(has_line(out, "ssehub_subscribers{worker=\"3\"} 88"));
}
END_TEST

START_TEST(test_stats_fanout)
{
	struct stats_worker	*w;

	w = stats_slot(1);
	stats_fanout(w, 50);
	stats_fanout(w, 700);
	stats_fanout(w, 30000);
	ck_assert_uint_eq(w->fanout_count, 3);
	ck_assert_uint_eq(w->fanout_sum_us, 30750);
	ck_assert_uint_eq(stats_slot(2)->fanout_count, 0);

	render(2);
	ck_assert_msg(has_line(out, fanout_lines[_i]), "no line %s in\n%s",
	    fanout_lines[_i], out);
}
END_TEST

/* Bounds are inclusive; past the last one only +Inf counts. */
START_TEST(test_stats_fanout_bounds)
{
	struct stats_worker	*w;
	size_t			 i;

	w = stats_slot(1);
	stats_fanout(w, 100);
	ck_assert_uint_eq(w->fanout_le[0], 1);
	stats_fanout(w, 101);
	ck_assert_uint_eq(w->fanout_le[0], 1);
	ck_assert_uint_eq(w->fanout_le[1], 2);
	stats_fanout(w, 250001);
	ck_assert_uint_eq(w->fanout_count, 3);
	ck_assert_uint_eq(w->fanout_le[STATS_FANOUT_BUCKETS - 1], 2);
	stats_fanout(w, 0);
	for (i = 1; i < STATS_FANOUT_BUCKETS; i++)
		ck_assert_uint_ge(w->fanout_le[i], w->fanout_le[i - 1]);

	render(1);
	ck_assert(has_line(out,
	    "ssehub_fanout_seconds_bucket{worker=\"1\",le=\"0.0001\"} 2"));
	ck_assert(has_line(out,
	    "ssehub_fanout_seconds_bucket{worker=\"1\",le=\"0.25\"} 3"));
	ck_assert(has_line(out,
	    "ssehub_fanout_seconds_bucket{worker=\"1\",le=\"+Inf\"} 4"));
	ck_assert(has_line(out, "ssehub_fanout_seconds_count{worker=\"1\"} 4"));
}
END_TEST

/* Rendered buckets never decrease, whatever the samples. */
START_TEST(test_stats_cumulative)
{
	static const char	 prefix[] =
	    "ssehub_fanout_seconds_bucket{worker=\"1\",le=\"";
	struct stats_worker	*w;
	const char		*p;
	unsigned long long	 v, prev;
	uint32_t		 x;
	int			 i, nbuckets;

	w = stats_slot(1);
	x = 12345;
	for (i = 0; i < 500; i++) {
		x = x * 1103515245 + 12345;
		stats_fanout(w, (x >> 8) % 300000);
	}

	render(1);
	prev = 0;
	nbuckets = 0;
	for (p = out; (p = strstr(p, prefix)) != NULL; p++) {
		ck_assert_ptr_nonnull(p = strstr(p, "} "));
		ck_assert_int_eq(sscanf(p + 2, "%llu", &v), 1);
		ck_assert_uint_ge(v, prev);
		prev = v;
		nbuckets++;
	}
	ck_assert_int_eq(nbuckets, STATS_FANOUT_BUCKETS + 1);
	ck_assert_uint_eq(prev, 500);			/* +Inf */
	ck_assert_uint_lt(w->fanout_le[0], 500);	/* some past 100us */
	ck_assert_uint_gt(w->fanout_le[STATS_FANOUT_BUCKETS - 1],
	    w->fanout_le[0]);
}
END_TEST

/* A buffer one byte short (no room for the NUL) gives 0, not a cut. */
START_TEST(test_stats_too_small)
{
	char	*small;
	size_t	 len;

	stats_fill();
	stats_fanout(stats_slot(1), 700);
	len = render(2);

	ck_assert_ptr_nonnull(small = malloc(len + 1));
	ck_assert_uint_eq(stats_render(small, len + 1, 2), len);
	ck_assert_mem_eq(small, out, len + 1);
	ck_assert_uint_eq(stats_render(small, len, 2), 0);
	ck_assert_uint_eq(stats_render(small, len / 2, 2), 0);
	ck_assert_uint_eq(stats_render(small, 10, 2), 0);
	ck_assert_uint_eq(stats_render(small, 1, 2), 0);
	ck_assert_uint_eq(stats_render(small, 0, 2), 0);
	free(small);
}
END_TEST

Suite *
stats_suite(void)
{
	Suite	*s;
	TCase	*tc;

	s = suite_create("stats");
	tc = tcase_create("render");
	tcase_add_checked_fixture(tc, stats_setup, stats_teardown);
	tcase_add_test(tc, test_stats_slots);
	tcase_add_test(tc, test_stats_shared);
	tcase_add_loop_test(tc, test_stats_families, 0, nitems(family_cases));
	tcase_add_loop_test(tc, test_stats_series, 0, nitems(series_lines));
	tcase_add_test(tc, test_stats_workers);
	tcase_add_loop_test(tc, test_stats_fanout, 0, nitems(fanout_lines));
	tcase_add_test(tc, test_stats_fanout_bounds);
	tcase_add_test(tc, test_stats_cumulative);
	tcase_add_test(tc, test_stats_too_small);
	suite_add_tcase(s, tc);

	return (s);
}

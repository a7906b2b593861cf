/*
 * stats: shared counters and their Prometheus rendering.
 */

#include <sys/mman.h>

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>

#include "result.h"
#include "stats.h"

struct stats_out {
	char		*p;
	size_t		left;
	int		full;
};

static void	stats_printf(struct stats_out *, const char *, ...)
		    __attribute__((format(printf, 2, 3)));
struct stats_series {
	const char	*name;
	const char	*type;
	const char	*help;
	size_t		off;
};

static void	stats_counter(struct stats_out *, const struct stats_series *,
		    unsigned int);
static void	stats_histogram(struct stats_out *, unsigned int);

/* Upper bounds of the fan-out histogram, in microseconds. */
static const uint64_t	stats_bounds[STATS_FANOUT_BUCKETS] = {
	100, 250, 500, 1000, 2500, 5000, 10000, 25000, 50000, 100000, 250000
};

static struct stats_worker	*stats_slots;

#define STATS_FIELD(f)	offsetof(struct stats_worker, f)

static const struct stats_series	stats_series[] = {
	{ "ssehub_subscribers", "gauge", "Open event streams.",
	    STATS_FIELD(subscribers) },
	{ "ssehub_queued_bytes", "gauge",
	    "Bytes waiting in subscriber send queues.",
	    STATS_FIELD(queued_bytes) },
	{ "ssehub_events_published_total", "counter",
	    "Events committed through this server's /publish and ticker.",
	    STATS_FIELD(published) },
	{ "ssehub_frames_delivered_total", "counter",
	    "Live frames and replay batches queued to subscriber sockets.",
	    STATS_FIELD(delivered) },
	{ "ssehub_events_replayed_total", "counter",
	    "Event frames sent from history after a reconnect.",
	    STATS_FIELD(replayed) },
	{ "ssehub_slow_disconnects_total", "counter",
	    "Subscribers cut off for exceeding the queue cap.",
	    STATS_FIELD(slow_disconnects) },
	{ "ssehub_db_errors_total", "counter", "Failed database operations.",
	    STATS_FIELD(db_errors) },
	{ "ssehub_bus_carried_events_total", "counter",
	    "Live events taken from their commit's notification.",
	    STATS_FIELD(bus_carried) },
	{ "ssehub_bus_read_events_total", "counter",
	    "Live events read back from the table.",
	    STATS_FIELD(bus_read) },
};

int
stats_init(void)
{
	stats_slots = mmap(NULL, sizeof(*stats_slots) * STATS_WORKERS_MAX,
	    PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (stats_slots == MAP_FAILED) {
		stats_slots = NULL;
		return (RESULT_ERROR);
	}
	return (RESULT_OK);
}

/* Worker ids start at 1 in Kore; the keymgr and others share slot 0. */
struct stats_worker *
stats_slot(unsigned int worker)
{
	return (&stats_slots[worker % STATS_WORKERS_MAX]);
}

void
stats_fanout(struct stats_worker *w, uint64_t us)
{
	size_t		i;

	w->fanout_count++;
	w->fanout_sum_us += us;
	for (i = 0; i < STATS_FANOUT_BUCKETS; i++) {
		if (us <= stats_bounds[i])
			w->fanout_le[i]++;
	}
}

size_t
stats_render(char *dst, size_t len, unsigned int nworkers)
{
	struct stats_out	o;
	size_t			i;

	o.p = dst;
	o.left = len;
	o.full = 0;

	for (i = 0; i < sizeof(stats_series) / sizeof(stats_series[0]); i++)
		stats_counter(&o, &stats_series[i], nworkers);
	stats_histogram(&o, nworkers);

	return (o.full ? 0 : len - o.left);
}

static void
stats_printf(struct stats_out *o, const char *fmt, ...)
{
	va_list		ap;
	int		n;

	if (o->full)
		return;

	va_start(ap, fmt);
	n = vsnprintf(o->p, o->left, fmt, ap);
	va_end(ap);

	if (n < 0 || (size_t)n >= o->left) {
		o->full = 1;
		return;
	}
	o->p += n;
	o->left -= (size_t)n;
}

/* One series per worker plus no total: Prometheus sums with sum(). */
static void
stats_counter(struct stats_out *o, const struct stats_series *s,
    unsigned int nworkers)
{
	unsigned int	w;
	uint64_t	v;

	stats_printf(o, "# HELP %s %s\n# TYPE %s %s\n", s->name, s->help,
	    s->name, s->type);
	for (w = 1; w <= nworkers; w++) {
		v = *(uint64_t *)((char *)stats_slot(w) + s->off);
		stats_printf(o, "%s{worker=\"%u\"} %" PRIu64 "\n", s->name,
		    w, v);
	}
}

static void
stats_histogram(struct stats_out *o, unsigned int nworkers)
{
	struct stats_worker	*s;
	unsigned int		w;
	size_t			i;
	const char		*n = "ssehub_fanout_seconds";

	stats_printf(o, "# HELP %s Time from an event's arrival in a worker "
	    "to its last socket write.\n# TYPE %s histogram\n", n, n);
	for (w = 1; w <= nworkers; w++) {
		s = stats_slot(w);
		for (i = 0; i < STATS_FANOUT_BUCKETS; i++) {
			stats_printf(o, "%s_bucket{worker=\"%u\",le=\"%g\"} %"
			    PRIu64 "\n", n, w, stats_bounds[i] / 1e6,
			    s->fanout_le[i]);
		}
		stats_printf(o, "%s_bucket{worker=\"%u\",le=\"+Inf\"} %" PRIu64
		    "\n%s_sum{worker=\"%u\"} %g\n%s_count{worker=\"%u\"} %"
		    PRIu64 "\n", n, w, s->fanout_count, n, w,
		    s->fanout_sum_us / 1e6, n, w, s->fanout_count);
	}
}

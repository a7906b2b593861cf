/*
 * stats: counters for /metrics, one slot per worker in memory shared by
 * the parent and every worker (mapped before the fork), so whichever
 * worker answers a scrape reports the whole server. Each worker writes
 * only its own slot. Pure: no Kore.
 */
#ifndef SSEHUB_STATS_H
#define SSEHUB_STATS_H

#include <stddef.h>
#include <stdint.h>

#define STATS_WORKERS_MAX	64
#define STATS_FANOUT_BUCKETS	11

struct stats_worker {
	uint64_t	subscribers;		/* gauge */
	uint64_t	queued_bytes;		/* gauge */
	uint64_t	published;		/* events acknowledged here */
	uint64_t	delivered;		/* frames queued to sockets */
	uint64_t	replayed;		/* frames sent from history */
	uint64_t	slow_disconnects;
	uint64_t	db_errors;
	uint64_t	bus_carried;		/* events from their NOTIFY */
	uint64_t	bus_read;		/* events read from the table */
	uint64_t	fanout_count;
	uint64_t	fanout_sum_us;
	uint64_t	fanout_le[STATS_FANOUT_BUCKETS];
};

/* Maps the shared slots. Returns RESULT_ERROR when mmap fails. */
int			stats_init(void);
struct stats_worker	*stats_slot(unsigned int worker);
void			stats_fanout(struct stats_worker *, uint64_t us);

/*
 * Prometheus text exposition of all slots into dst. Returns the length,
 * or 0 when dst is too small.
 */
size_t			stats_render(char *dst, size_t len, unsigned int nworkers);

#endif

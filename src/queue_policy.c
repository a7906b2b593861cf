/*
 * Back-pressure for slow subscribers. Rather than buffer without bound, a
 * subscriber that falls too far behind is cut off; it reconnects with
 * Last-Event-ID and replays from the store.
 */

#include <stddef.h>

#include "queue_policy.h"

int
queue_policy_decide(size_t queued, size_t len, size_t cap)
{
	if (cap == 0 || queued == 0)
		return (QUEUE_SEND);

	/* Not queued + len > cap, which could wrap. */
	if (queued > cap || len > cap - queued)
		return (QUEUE_CUTOFF);

	return (QUEUE_SEND);
}

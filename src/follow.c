/*
 * follow: one target at a time. When the log is seen ahead of head, that
 * point becomes the target; reaching it clears it, and the next sighting
 * sets a new one. A worker that is slow but moving keeps reaching its
 * targets; one that stopped misses the first within FOLLOW_STALE_MS.
 */

#include <stdint.h>

#include "follow.h"

void
follow_heard(struct follow *f, uint64_t now_ms, uint64_t last)
{
	f->heard_ms = now_ms;
	if (last > f->head && f->target == 0) {
		f->target = last;
		f->target_ms = now_ms;
	}
}

void
follow_moved(struct follow *f, uint64_t head)
{
	f->head = head;
	if (f->target != 0 && head >= f->target)
		f->target = 0;
}

int
follow_ok(const struct follow *f, uint64_t now_ms)
{
	if (f->heard_ms == 0 || now_ms - f->heard_ms > FOLLOW_STALE_MS)
		return (0);
	return (f->target == 0 || now_ms - f->target_ms <= FOLLOW_STALE_MS);
}

/*
 * follow: is a worker keeping up with the log? Pure bookkeeping for
 * bus.c and /healthz, so it is unit-tested: under a steady stream of
 * events a worker is always a little behind, so "behind" cannot mean
 * unhealthy; not reaching a point it once saw, within a deadline, does.
 */
#ifndef SSEHUB_FOLLOW_H
#define SSEHUB_FOLLOW_H

#include <stdint.h>

#define FOLLOW_STALE_MS		5000

struct follow {
	uint64_t	head;		/* last id handed on */
	uint64_t	heard_ms;	/* last answer from the log */
	uint64_t	target;		/* an id seen in the log, 0: none */
	uint64_t	target_ms;	/* when it was seen */
};

/* The log answered at now_ms, and it goes at least to last. */
void	follow_heard(struct follow *, uint64_t now_ms, uint64_t last);
/* Everything up to head was handed on. */
void	follow_moved(struct follow *, uint64_t head);
/* 1 when the log answered lately and every point seen was reached. */
int	follow_ok(const struct follow *, uint64_t now_ms);

#endif

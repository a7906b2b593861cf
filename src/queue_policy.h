/*
 * What to do with a frame for a subscriber whose socket has bytes queued.
 * Pure: the hub asks, the policy answers; Kore is not involved.
 */
#ifndef SSEHUB_QUEUE_POLICY_H
#define SSEHUB_QUEUE_POLICY_H

#include <stddef.h>

#define QUEUE_SEND	1	/* queue the frame */
#define QUEUE_CUTOFF	2	/* over the cap: close, client replays */

/*
 * queued: bytes already waiting for this subscriber; len: the frame;
 * cap: the limit in bytes (0 = no limit). A single frame larger than the
 * cap is still sent to a subscriber whose queue is empty, so a large
 * event cannot cut every subscriber off.
 */
int	queue_policy_decide(size_t queued, size_t len, size_t cap);

#endif

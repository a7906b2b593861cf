/*
 * window: a ring of the last N frames. It holds the ids (after, head];
 * pushing past N slots drops the oldest and moves "after" up.
 */

#include <sys/types.h>

#include <kore/kore.h>

#include <stdlib.h>

#include "frame.h"
#include "window.h"

static struct frame	**window_slots;
static size_t		window_size;
static u_int64_t	window_after;
static u_int64_t	window_last;

void
window_init(size_t slots)
{
	window_slots = kore_calloc(slots, sizeof(*window_slots));
	window_size = slots;
}

void
window_restart(u_int64_t head)
{
	size_t		i;

	for (i = 0; i < window_size; i++) {
		if (window_slots[i] != NULL)
			frame_unref(window_slots[i]);
		window_slots[i] = NULL;
	}
	window_after = head;
	window_last = head;
}

void
window_push(u_int64_t id, struct frame *f)
{
	struct frame	**slot;

	if (id != window_last + 1) {
		kore_log(LOG_ERR, "window: id %llu after %llu",
		    (unsigned long long)id, (unsigned long long)window_last);
		abort();
	}

	slot = &window_slots[id % window_size];
	if (*slot != NULL)
		frame_unref(*slot);
	if (f != NULL)
		f->refs++;
	*slot = f;

	window_last = id;
	if (window_last - window_after > window_size)
		window_after = window_last - window_size;
}

u_int64_t
window_head(void)
{
	return (window_last);
}

int
window_covers(u_int64_t cursor)
{
	return (cursor >= window_after && cursor <= window_last);
}

struct frame *
window_get(u_int64_t id)
{
	if (id <= window_after || id > window_last)
		return (NULL);
	return (window_slots[id % window_size]);
}

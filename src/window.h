/*
 * window: the most recent frames of the log, by id, so that a subscriber
 * a little behind catches up from memory instead of the store. Ids in
 * the log are consecutive, so the frame of an id is found in O(1).
 */
#ifndef SSEHUB_WINDOW_H
#define SSEHUB_WINDOW_H

#include <sys/types.h>

struct frame;

void		window_init(size_t slots);
/* Empty, at head: after a start, or a gap in the log. */
void		window_restart(u_int64_t head);
/* The next id (head + 1); f may be NULL (unframable): a reference is taken. */
void		window_push(u_int64_t id, struct frame *f);
u_int64_t	window_head(void);
/* 1 when every id in (cursor, head] is in the window. */
int		window_covers(u_int64_t cursor);
/* The frame of id, or NULL when id is not held or could not be framed. */
struct frame	*window_get(u_int64_t id);

#endif

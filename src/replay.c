/*
 * replay: brings a subscriber from its cursor to the worker's head, from
 * the in-memory window of recent frames when it covers the cursor, else
 * from the store a page at a time, then hands it to live delivery.
 *
 * A subscriber turns LIVE only when its cursor has reached the head, and
 * a live frame is sent only when its id is above the cursor, so the
 * hand-over loses and repeats nothing. Catch-up runs from the event loop
 * (not a request handler), writes at most half the queue cap ahead of the
 * client and resumes when the socket drains: a client far behind is
 * paced, never cut off by its own replay.
 */

#include <sys/types.h>
#include <sys/queue.h>

#include <kore/kore.h>

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "cursor.h"
#include "hub_private.h"
#include "settings.h"
#include "stats.h"
#include "store.h"

#define REPLAY_PAGE		500

/* replay_window() */
#define REPLAY_DONE		1	/* caught up to the head */
#define REPLAY_MORE		2	/* paused until the queue drains */
#define REPLAY_MISS		3	/* cursor older than the window */

static int	replay_window(struct hub_sub *);
static void	replay_batch_send(struct hub_sub *, struct kore_buf *);
static int	replay_full(struct hub_sub *, size_t);
static void	replay_pump_run(void *, u_int64_t);
static void	replay_advance(struct hub_sub *);
static void	replay_bounds(int, u_int64_t, u_int64_t, void *);
static void	replay_reset(struct hub_sub *, u_int64_t, u_int64_t);
static void	replay_page(const struct store_rows *, void *);

static struct hub_frame		**replay_ring;	/* recent frames */
static size_t			replay_ring_next;
static u_int64_t		replay_ring_after; /* ring holds (after, head] */
static TAILQ_HEAD(, hub_sub)	replay_pumped =
    TAILQ_HEAD_INITIALIZER(replay_pumped);
static struct kore_timer	*replay_pump_timer;

void
replay_init(void)
{
	replay_ring = kore_calloc(settings.ring_size, sizeof(*replay_ring));
}

void
replay_start(u_int64_t head)
{
	replay_ring_after = head;
}

/* sub's queue drained a little: resume a catch-up that waits for it. */
void
replay_drained(struct hub_sub *sub)
{
	if (sub->draining && !replay_full(sub, 0))
		replay_later(sub);
}

/* sub is going away: it must not be pumped. */
void
replay_forget(struct hub_sub *sub)
{
	if (sub->pumped)
		TAILQ_REMOVE(&replay_pumped, sub, pump_list);
	sub->pumped = 0;
}

void
replay_ring_push(struct hub_frame *f)
{
	struct hub_frame	*old;

	if ((old = replay_ring[replay_ring_next]) != NULL) {
		replay_ring_after = old->id;
		hub_frame_unref(old);
	}

	replay_ring[replay_ring_next] = f;
	replay_ring_next = (replay_ring_next + 1) % settings.ring_size;
}

/*
 * Replays (cursor, head] from the window when it covers the cursor, until
 * the socket's queue is full (then it resumes from the cursor once the
 * queue drains). Returns REPLAY_*.
 */
static int
replay_window(struct hub_sub *sub)
{
	struct hub_frame	*f;
	struct kore_buf		batch;
	size_t			i, n, slot;
	int			ret;

	if (sub->cursor < replay_ring_after)
		return (REPLAY_MISS);

	kore_buf_init(&batch, 4096);
	ret = REPLAY_DONE;
	n = settings.ring_size;
	for (i = 0; i < n; i++) {
		slot = (replay_ring_next + i) % n;
		if ((f = replay_ring[slot]) == NULL || f->id <= sub->cursor)
			continue;
		if (replay_full(sub, batch.offset)) {
			ret = REPLAY_MORE;
			break;
		}
		sub->cursor = f->id;
		if (hub_sub_wants(sub, f->topic)) {
			hub_stats->replayed++;
			kore_buf_append(&batch, f->data, f->len);
		}
	}
	replay_batch_send(sub, &batch);

	if (ret == REPLAY_DONE && sub->cursor < hub_head)
		sub->cursor = hub_head;
	return (ret);
}

/*
 * A replay goes out as one buffer, not a write per event: a thousand
 * clients catching up at once then cost a few writes each.
 */
static void
replay_batch_send(struct hub_sub *sub, struct kore_buf *batch)
{
	struct hub_frame	*f;

	if (batch->offset > 0) {
		f = kore_malloc(sizeof(*f) + batch->offset);
		f->refs = 1;
		f->id = sub->cursor;
		f->len = batch->offset;
		f->topic[0] = '\0';
		memcpy(f->data, batch->data, batch->offset);
		hub_sub_send(sub, f);
		hub_frame_unref(f);
	}
	kore_buf_cleanup(batch);
}

/*
 * A catch-up writes at most half the queue cap ahead of the client, then
 * waits for the socket to drain: a client far behind is paced, never cut
 * off by its own replay. Live frames are held to the full cap.
 */
static int
replay_full(struct hub_sub *sub, size_t pending)
{
	if (sub->queued + pending < settings.queue_cap / 2)
		return (0);
	sub->draining = 1;
	return (1);
}

/* Run sub's catch-up from the loop, soon, once. */
void
replay_later(struct hub_sub *sub)
{
	if (sub->pumped)
		return;
	sub->pumped = 1;
	TAILQ_INSERT_TAIL(&replay_pumped, sub, pump_list);
	if (replay_pump_timer == NULL) {
		replay_pump_timer = kore_timer_add(replay_pump_run, 0, NULL,
		    KORE_TIMER_ONESHOT);
	}
}

static void
replay_pump_run(void *arg, u_int64_t now)
{
	struct hub_sub		*sub;

	(void)arg;
	(void)now;

	replay_pump_timer = NULL;
	while ((sub = TAILQ_FIRST(&replay_pumped)) != NULL) {
		TAILQ_REMOVE(&replay_pumped, sub, pump_list);
		sub->pumped = 0;
		sub->draining = 0;
		replay_kick(sub);
	}
}

/*
 * Moves sub towards LIVE. Runs again after each store answer; a store
 * that is down leaves sub in CATCHUP and the heartbeat sweep retries.
 */
static void
replay_advance(struct hub_sub *sub)
{
	if (!hub_started || sub->querying)
		return;

	if (sub->cursor_kind == CURSOR_NONE) {
		sub->cursor = hub_head;
		sub->cursor_kind = CURSOR_VALID;
		sub->checked = 1;
	}

	/* Only the store knows what is kept and how far the log goes. */
	if (!sub->checked && (sub->cursor_kind == CURSOR_MALFORMED ||
	    sub->cursor > hub_head || sub->cursor < replay_ring_after ||
	    sub->cursor < hub_trim)) {
		sub->querying = store_bounds(replay_bounds, sub);
		return;
	}
	sub->checked = 1;

	if (sub->cursor >= hub_head) {
		sub->state = HUB_SUB_LIVE;
		return;
	}
	if (sub->draining || replay_full(sub, 0))
		return;

	switch (replay_window(sub)) {
	case REPLAY_DONE:
		sub->state = HUB_SUB_LIVE;
		return;
	case REPLAY_MORE:
		return;
	}

	sub->query_head = hub_head;
	sub->querying = store_fetch(sub->cursor, sub->topics_lit, REPLAY_PAGE,
	    replay_page, sub);
}

static void
replay_bounds(int ok, u_int64_t last, u_int64_t trimmed, void *arg)
{
	struct hub_sub		*sub = arg;

	sub->querying = 0;
	if (sub->gone) {
		hub_sub_free(sub);
		return;
	}

	if (!ok) {
		hub_stats->db_errors++;
		return;
	}

	sub->checked = 1;
	if (sub->cursor_kind == CURSOR_MALFORMED || sub->cursor > last ||
	    sub->cursor < trimmed)
		replay_reset(sub, last, trimmed);
	else
		sub->cursor_kind = CURSOR_VALID;

	replay_kick(sub);
}

/*
 * The cursor cannot be honoured: say so with an "event: reset" frame
 * whose data is the oldest id kept, and whose id moves the client's
 * cursor just before it. Then everything kept follows.
 */
static void
replay_reset(struct hub_sub *sub, u_int64_t last, u_int64_t trimmed)
{
	struct hub_frame	*f;
	char			oldest[24];
	int			len;

	len = snprintf(oldest, sizeof(oldest), "%" PRIu64,
	    last > trimmed ? trimmed + 1 : last + 1);
	f = hub_frame_alloc(trimmed, "", "reset", oldest, (size_t)len);

	sub->cursor_kind = CURSOR_VALID;
	sub->cursor = trimmed;
	if (f != NULL) {
		hub_sub_send(sub, f);
		hub_frame_unref(f);
	}
}

static void
replay_page(const struct store_rows *rows, void *arg)
{
	struct hub_sub		*sub = arg;
	struct hub_frame	*f;
	struct store_event	ev;
	struct kore_buf		batch;
	size_t			i, n;

	sub->querying = 0;
	if (sub->gone) {
		hub_sub_free(sub);
		return;
	}

	if (rows == NULL) {
		hub_stats->db_errors++;
		return;
	}

	kore_buf_init(&batch, 4096);
	n = store_rows_count(rows);
	for (i = 0; i < n && !replay_full(sub, batch.offset); i++) {
		store_rows_get(rows, i, &ev);
		sub->cursor = ev.id;
		if (!hub_sub_wants(sub, ev.topic))
			continue;
		if ((f = hub_frame_alloc(ev.id, ev.topic, ev.event, ev.data,
		    ev.data_len)) == NULL)
			continue;
		hub_stats->replayed++;
		kore_buf_append(&batch, f->data, f->len);
		hub_frame_unref(f);
	}
	replay_batch_send(sub, &batch);

	/* A short page, all sent: nothing more up to query_head. */
	if (i == n && n < REPLAY_PAGE && sub->cursor < sub->query_head)
		sub->cursor = sub->query_head;

	replay_kick(sub);
}

/* Advance, then write what that queued. */
void
replay_kick(struct hub_sub *sub)
{
	replay_advance(sub);
	if (sub->c != NULL && !net_send_flush(sub->c))
		kore_connection_disconnect(sub->c);
}

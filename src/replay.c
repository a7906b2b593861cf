/*
 * replay: catch-up as moves of the subscriber state machine (sub.h).
 *
 * Subscribers to step are queued on replay_runq and stepped from a
 * zero-delay timer, never from a request handler (Kore gives handlers
 * 10 ms a pass, so replays in a storm of reconnects would trickle out)
 * and never from inside Kore's socket write. Those whose store call
 * failed wait on replay_waitq and are stepped again after
 * REPLAY_RETRY_MS.
 *
 * No gap, no duplicate: every id up to the cursor was sent or passed
 * over (not of the subscriber's topics), the cursor only moves up, and a
 * subscriber turns LIVE only with its cursor at the head, after which
 * fan-out sends only ids above the cursor. Rows that retention removed
 * above the cursor are announced with a reset frame: each page says how
 * far the store was trimmed, in the same snapshot as its rows.
 */

#include <sys/types.h>
#include <sys/queue.h>

#include <kore/kore.h>

#include "cursor.h"
#include "frame.h"
#include "reader.h"
#include "replay.h"
#include "stats.h"
#include "store.h"
#include "sub.h"
#include "window.h"

#define REPLAY_PAGE		500
#define REPLAY_RETRY_MS		500
/*
 * What one worker spends on catch-ups, whatever clients do: bytes of
 * replay copies waiting in socket queues (12,000 streams that replay
 * and never read would otherwise hold half a queue cap each), and store
 * calls in flight. Over either, catch-ups wait their turn, in order.
 */
#define REPLAY_BUDGET		(32 * 1024 * 1024)
#define REPLAY_QUERIES		16

TAILQ_HEAD(sub_queue, sub);

static void	replay_to(struct sub *, enum sub_state);
static void	replay_list(struct sub *, struct sub_queue *);
static void	replay_run(void *, u_int64_t);
static void	replay_retry(void *, u_int64_t);
static void	replay_step(struct sub *);
static void	replay_check(struct sub *);
static void	replay_checked(int, u_int64_t, u_int64_t, void *);
static void	replay_reset(struct sub *, u_int64_t);
static void	replay_last(struct sub *);
static void	replay_lasted(int, u_int64_t, u_int64_t, void *);
static void	replay_window(struct sub *);
static void	replay_fetch(struct sub *);
static void	replay_page(const struct store_rows *, void *);
static void	replay_batch(struct sub *, struct kore_buf *);
static size_t	replay_room(const struct sub *);
static int	replay_query_slot(struct sub *);
static void	replay_query_done(void);
static int	replay_answered(struct sub *, int);

static struct sub_queue		replay_runq =
    TAILQ_HEAD_INITIALIZER(replay_runq);
static struct sub_queue		replay_waitq =
    TAILQ_HEAD_INITIALIZER(replay_waitq);
static struct sub_queue		replay_roomq =	/* PAUSED for budget */
    TAILQ_HEAD_INITIALIZER(replay_roomq);
static struct sub_queue		replay_queryq =	/* WAITING for a slot */
    TAILQ_HEAD_INITIALIZER(replay_queryq);
static int			replay_queries;
static struct kore_timer	*replay_run_timer;
static struct kore_timer	*replay_retry_timer;
static int			replay_head_known;

void
replay_init(void)
{
	TAILQ_INIT(&replay_runq);
	TAILQ_INIT(&replay_waitq);
	TAILQ_INIT(&replay_roomq);
	TAILQ_INIT(&replay_queryq);
}

void
replay_start(void)
{
	struct sub	*sub;

	replay_head_known = 1;
	while ((sub = TAILQ_FIRST(&replay_waitq)) != NULL)
		replay_to(sub, SUB_REPLAYING);
}

/*
 * A stream from the head goes LIVE at once, so that it misses nothing
 * published after its headers went out; a replay runs from the loop.
 */
void
replay_begin(struct sub *sub)
{
	if (sub->cursor_kind == CURSOR_NONE && replay_head_known) {
		sub->cursor_kind = CURSOR_VALID;
		sub_cursor_set(sub, window_head());
		sub_set_state(sub, SUB_REPLAYING);
		sub_set_state(sub, SUB_LIVE);
		return;
	}
	if (replay_head_known)
		replay_to(sub, SUB_REPLAYING);
	else
		replay_list(sub, &replay_waitq);	/* replay_start() */
}

void
replay_drained(struct sub *sub)
{
	if (sub->state != SUB_PAUSED)
		return;
	if (replay_room(sub) > 0)
		replay_to(sub, SUB_REPLAYING);
	else if (sub_room(sub) > 0)
		replay_list(sub, &replay_roomq);	/* now the budget */
}

/* A frame was sent or dropped: the budget may let a catch-up go on. */
void
replay_budget(void)
{
	struct sub	*sub;

	while ((sub = TAILQ_FIRST(&replay_roomq)) != NULL &&
	    replay_room(sub) > 0)
		replay_to(sub, SUB_REPLAYING);
}

/* Room for sub's catch-up: its own queue's, within the worker's budget. */
static size_t
replay_room(const struct sub *sub)
{
	size_t		used = frame_batch_bytes();

	if (used >= REPLAY_BUDGET)
		return (0);
	return (MIN(sub_room(sub), REPLAY_BUDGET - used));
}

/*
 * A store call for sub, or a place in line for one: 0 means sub now
 * waits (WAITING) until another call ends.
 */
static int
replay_query_slot(struct sub *sub)
{
	if (replay_queries < REPLAY_QUERIES) {
		replay_queries++;
		return (1);
	}
	sub_set_state(sub, SUB_WAITING);
	replay_list(sub, &replay_queryq);
	return (0);
}

static void
replay_query_done(void)
{
	struct sub	*sub;

	replay_queries--;
	if ((sub = TAILQ_FIRST(&replay_queryq)) != NULL)
		replay_to(sub, SUB_REPLAYING);
}

void
replay_forget(struct sub *sub)
{
	replay_list(sub, NULL);
}

/* Every move of replay's goes here: REPLAYING and WAITING are queued. */
static void
replay_to(struct sub *sub, enum sub_state to)
{
	sub_set_state(sub, to);
	switch (to) {
	case SUB_REPLAYING:
		replay_list(sub, &replay_runq);
		if (replay_run_timer == NULL) {
			replay_run_timer = kore_timer_add(replay_run, 0, NULL,
			    KORE_TIMER_ONESHOT);
		}
		break;
	case SUB_PAUSED:
		/* Its own queue wakes it (replay_drained), else the budget. */
		replay_list(sub, sub_room(sub) > 0 ? &replay_roomq : NULL);
		break;
	case SUB_WAITING:
		replay_list(sub, &replay_waitq);
		if (replay_retry_timer == NULL) {
			replay_retry_timer = kore_timer_add(replay_retry,
			    REPLAY_RETRY_MS, NULL, KORE_TIMER_ONESHOT);
		}
		break;
	default:
		replay_list(sub, NULL);
		break;
	}
}

static void
replay_list(struct sub *sub, struct sub_queue *q)
{
	if (sub->run_on == q)
		return;
	if (sub->run_on != NULL)
		TAILQ_REMOVE(sub->run_on, sub, run_list);
	sub->run_on = q;
	if (q != NULL)
		TAILQ_INSERT_TAIL(q, sub, run_list);
}

/* Each subscriber queued now takes one step; new ones wait a pass. */
static void
replay_run(void *arg, u_int64_t now)
{
	struct sub_queue	batch;
	struct sub		*sub;

	(void)arg;
	(void)now;

	replay_run_timer = NULL;
	TAILQ_INIT(&batch);
	TAILQ_CONCAT(&batch, &replay_runq, run_list);
	TAILQ_FOREACH(sub, &batch, run_list)
		sub->run_on = &batch;

	while ((sub = TAILQ_FIRST(&batch)) != NULL) {
		replay_list(sub, NULL);
		replay_step(sub);
		if (sub->c != NULL)
			sub_flush(sub);
	}
}

static void
replay_retry(void *arg, u_int64_t now)
{
	struct sub	*sub;

	(void)arg;
	(void)now;

	replay_retry_timer = NULL;
	if (!replay_head_known)
		return;
	while ((sub = TAILQ_FIRST(&replay_waitq)) != NULL)
		replay_to(sub, SUB_REPLAYING);
}

/* One move from REPLAYING. */
static void
replay_step(struct sub *sub)
{
	u_int64_t	head = window_head();

	if (sub->cursor_kind == CURSOR_NONE) {
		sub->cursor_kind = CURSOR_VALID;
		sub_cursor_set(sub, head);
	}

	/*
	 * The window holds frames as every other subscriber gets them: an
	 * envelope stream's are encoded from the store's rows.
	 */
	if (sub->cursor_kind == CURSOR_LAST)
		replay_last(sub);
	else if (sub->cursor_kind == CURSOR_MALFORMED || sub->cursor > head)
		replay_check(sub);
	else if (sub->cursor == head)
		replay_to(sub, SUB_LIVE);
	else if (replay_room(sub) == 0)
		replay_to(sub, SUB_PAUSED);
	else if (!sub->envelope && window_covers(sub->cursor))
		replay_window(sub);
	else
		replay_fetch(sub);
}

/*
 * last=N becomes a cursor: the id just below the N-th last event of the
 * stream's topics, found by the store in one snapshot. From there the
 * catch-up is the one every cursor gets, so the hand-over to live has
 * the same guarantees: no gap, no duplicate.
 */
static void
replay_last(struct sub *sub)
{
	char		*priv = NULL, *allow = NULL;
	int		ok;

	if (!replay_query_slot(sub))
		return;
	replay_to(sub, SUB_CHECKING);
	if (sub->ntopics == 0)
		reader_literals(sub->rule, &priv, &allow);
	ok = store_last_cursor(sub->topics_lit, sub->last, priv, allow,
	    replay_lasted, sub);
	kore_free(priv);
	kore_free(allow);
	if (!ok) {
		replay_to(sub, SUB_WAITING);
		replay_query_done();
	}
}

/*
 * A store call for sub came back (ok: it worked). 1 when sub goes on
 * from its answer; 0 when it was closed meanwhile (freed here) or must
 * wait and ask again.
 */
static int
replay_answered(struct sub *sub, int ok)
{
	replay_query_done();
	if (sub->state == SUB_CLOSED) {
		sub_free(sub);
		return (0);
	}
	if (!ok) {
		stats_slot(worker->id)->db_errors++;
		replay_to(sub, SUB_WAITING);
		return (0);
	}
	return (1);
}

static void
replay_lasted(int ok, u_int64_t head, u_int64_t cursor, void *arg)
{
	struct sub	*sub = arg;

	(void)head;
	if (!replay_answered(sub, ok))
		return;

	sub->cursor_kind = CURSOR_VALID;
	sub_cursor_reset(sub, cursor);
	replay_to(sub, SUB_REPLAYING);
}

/* Only the store knows whether a cursor above our head exists. */
static void
replay_check(struct sub *sub)
{
	if (!replay_query_slot(sub))
		return;
	replay_to(sub, SUB_CHECKING);
	if (!store_bounds(STORE_READ, replay_checked, sub)) {
		replay_to(sub, SUB_WAITING);
		replay_query_done();
	}
}

static void
replay_checked(int ok, u_int64_t last, u_int64_t trimmed, void *arg)
{
	struct sub	*sub = arg;

	if (!replay_answered(sub, ok))
		return;

	if (sub->cursor_kind == CURSOR_MALFORMED || sub->cursor > last) {
		/* Unknown: start again from the oldest event kept. */
		sub->cursor_kind = CURSOR_VALID;
		sub_cursor_reset(sub, trimmed);
		replay_reset(sub, trimmed);
		replay_to(sub, SUB_REPLAYING);
		return;
	}

	/*
	 * The log goes that far. Still above our head: LIVE, fan-out skips
	 * what the client has. But the bus may have passed the cursor while
	 * we asked (those frames passed a non-LIVE subscriber by, and so did
	 * any gap's reset): then catch up as from any other cursor.
	 */
	replay_to(sub, sub->cursor > window_head() ? SUB_LIVE : SUB_REPLAYING);
}

/*
 * Everything up to trimmed is gone: say so with a reset frame whose id
 * moves the client's cursor there and whose data is the oldest id kept.
 */
static void
replay_reset(struct sub *sub, u_int64_t trimmed)
{
	struct frame	*f;

	sub_cursor_set(sub, trimmed);
	if ((f = frame_reset(trimmed, trimmed + 1)) != NULL) {
		(void)sub_send(sub, f);
		frame_unref(f);
	}
}

/* From memory, as far as the room allows; then LIVE or PAUSED. */
static void
replay_window(struct sub *sub)
{
	struct kore_buf		batch;
	struct frame		*f;
	u_int64_t		id, head = window_head();
	size_t			room = replay_room(sub);

	kore_buf_init(&batch, 4096);
	for (id = sub->cursor + 1; id <= head && batch.offset < room; id++) {
		sub_cursor_set(sub, id);
		if ((f = window_get(id)) == NULL || !sub_wants(sub, f->topic))
			continue;
		stats_slot(worker->id)->replayed++;
		kore_buf_append(&batch, f->data, f->len);
	}
	replay_batch(sub, &batch);

	replay_to(sub, sub->cursor == head ? SUB_LIVE : SUB_PAUSED);
}

static void
replay_fetch(struct sub *sub)
{
	if (!replay_query_slot(sub))
		return;
	replay_to(sub, SUB_FETCHING);
	if (!store_fetch(STORE_READ, sub->cursor, sub->topics_lit, REPLAY_PAGE,
	    replay_page, sub)) {
		replay_to(sub, SUB_WAITING);
		replay_query_done();
	}
}

static void
replay_page(const struct store_rows *rows, void *arg)
{
	struct sub		*sub = arg;
	struct store_event	ev;
	struct kore_buf		batch;
	struct frame		*f;
	size_t			i, n, room;

	if (!replay_answered(sub, rows != NULL))
		return;

	if (store_rows_trimmed(rows) > sub->cursor)
		replay_reset(sub, store_rows_trimmed(rows));

	kore_buf_init(&batch, 4096);
	room = replay_room(sub);
	n = store_rows_count(rows);
	for (i = 0; i < n && batch.offset < room; i++) {
		store_rows_get(rows, i, &ev);
		sub_cursor_set(sub, ev.id);
		if (!sub_wants(sub, ev.topic) ||
		    (f = frame_event(&ev, sub->envelope)) == NULL)
			continue;
		stats_slot(worker->id)->replayed++;
		kore_buf_append(&batch, f->data, f->len);
		frame_unref(f);
	}
	replay_batch(sub, &batch);

	/* A short page, all sent: no more of its topics up to the head. */
	if (i == n && n < REPLAY_PAGE && store_rows_head(rows) > sub->cursor)
		sub_cursor_set(sub, store_rows_head(rows));

	replay_to(sub, SUB_REPLAYING);
}

/*
 * A replay goes out as one buffer, not a write per event: a thousand
 * clients catching up at once then cost a few writes each.
 */
static void
replay_batch(struct sub *sub, struct kore_buf *batch)
{
	struct frame	*f;

	if (batch->offset > 0) {
		f = frame_batch(sub->cursor, batch->data, batch->offset);
		(void)sub_send(sub, f);
		frame_unref(f);
	}
	kore_buf_cleanup(batch);
}

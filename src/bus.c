/*
 * bus: LISTEN/NOTIFY as the wake-up, the table as the history.
 *
 * A commit's NOTIFY carries its events (store_notice): a worker whose
 * head is just below them hands them on as they are, and reads the
 * table only when it is not (a gap in what it heard, an event too large
 * to carry, a restart, a lost wake-up). Both ways go through the same
 * rule, "the next id or nothing", so an event is handed on once and in
 * order whichever way it came.
 *
 * Nothing waits for a NOTIFY alone: a tick every BUS_TICK_MS asks the
 * store for its head (so a lost wake-up or a failed read is retried
 * while the connection stays up) and drains the outbox.
 */

#include <sys/types.h>

#include <kore/kore.h>

#include <inttypes.h>
#include <stdint.h>

#include "bus.h"
#include "follow.h"
#include "hub.h"
#include "revoke_feed.h"
#include "settings.h"
#include "stats.h"
#include "store.h"

#define BUS_PAGE	1000
#define BUS_TICK_MS	1000
/*
 * Notices wait here while a read of the table is under way (what they
 * carry may follow the page); past this, the oldest go, and the table
 * is read for them instead.
 */
#define BUS_HELD_MAX	(4 * 1024 * 1024)

static void	bus_ready(void);
static void	bus_tick(void *, u_int64_t);
static void	bus_ask(void);
static void	bus_bounds(int, uint64_t, uint64_t, void *);
static void	bus_woken(uint64_t);
static void	bus_knows(uint64_t);
static void	bus_kick(void);
static void	bus_rows(const struct store_rows *, void *);
static void	bus_gap(uint64_t);
static void	bus_announced(struct store_notice *);
static void	bus_apply(void);
static void	bus_apply_one(struct store_notice *);
static void	bus_drop(struct store_notice *);
static void	bus_forget(uint64_t);
static uint64_t	bus_last(const struct store_notice *);
static void	bus_outbox(void);
static void	bus_drain(void);
static void	bus_drained(int, uint64_t, void *);

static struct follow	bus_log;	/* .head: last event to the hub */
static uint64_t		bus_known;	/* highest id the log vouched for */
static uint64_t		bus_hint;	/* from a bare wake-up, or 0 */
static uint64_t		bus_heard;	/* notices heard so far */
static uint64_t		bus_heard_read;	/* ... when the last read was sent */
static int		bus_started;
static int		bus_asking;
static int		bus_pulling;
static int		bus_draining;
static int		bus_drain_again;
static TAILQ_HEAD(, store_notice) bus_held = TAILQ_HEAD_INITIALIZER(bus_held);
static size_t		bus_held_bytes;

void
bus_init(void)
{
	struct store_hooks	h;

	h.ready = bus_ready;
	h.appended = bus_woken;
	h.announced = bus_announced;
	h.outbox = bus_outbox;
	h.revoked = revoke_feed_pull;
	store_init(settings.db, &h, worker->id == 1);
	kore_timer_add(bus_tick, BUS_TICK_MS, NULL, 0);
}

int
bus_following(void)
{
	return (bus_started && store_ready() &&
	    follow_ok(&bus_log, kore_time_ms()));
}

/*
 * The log connection is (back) up and listening. NOTIFYs sent while it
 * was away are lost: ask where the log is and read up to there.
 */
static void
bus_ready(void)
{
	revoke_feed_pull();
	bus_ask();
	bus_outbox();
}

static void
bus_tick(void *arg, u_int64_t now)
{
	(void)arg;
	(void)now;

	revoke_feed_pull();
	bus_ask();
	bus_outbox();
}

static void
bus_ask(void)
{
	if (!bus_asking)
		bus_asking = store_bounds(STORE_LOG, bus_bounds, NULL);
}

static void
bus_bounds(int ok, uint64_t last, uint64_t trimmed, void *arg)
{
	(void)trimmed;
	(void)arg;

	bus_asking = 0;
	if (!ok)
		return;

	if (!bus_started) {
		follow_moved(&bus_log, last);
		bus_known = last;
		bus_started = 1;
		hub_start(last);
		bus_apply();
		hub_flush();
	}
	follow_heard(&bus_log, kore_time_ms(), last);
	bus_knows(last);
	bus_kick();
}

/*
 * A NOTIFY on ssehub: a commit's last id, from a commit that could not
 * carry its events, or from anyone (it proves nothing). It only makes
 * the worker read the table once; it never becomes a target, or a
 * forged id far ahead would keep the worker reading for ever.
 */
static void
bus_woken(uint64_t last)
{
	if (last > bus_log.head) {
		if (last > bus_hint)
			bus_hint = last;
		bus_kick();
	}
}

/* The log's own answers and keyed notices: ids that exist. */
static void
bus_knows(uint64_t last)
{
	if (last > bus_known)
		bus_known = last;
}

/* Reads the table from head when something there is not handed on yet. */
static void
bus_kick(void)
{
	if (!bus_started || bus_pulling ||
	    (bus_known <= bus_log.head && bus_hint <= bus_log.head))
		return;
	bus_hint = 0;
	bus_heard_read = bus_heard;
	bus_pulling = store_fetch(STORE_LOG, bus_log.head, NULL, BUS_PAGE,
	    bus_rows, NULL);
}

static void
bus_rows(const struct store_rows *rows, void *arg)
{
	struct store_event	ev;
	size_t			i, n;

	(void)arg;
	bus_pulling = 0;
	if (rows == NULL) {
		stats_slot(worker->id)->db_errors++;
		return;
	}

	/*
	 * Everything above our head may be gone, with no row left to show
	 * the hole (age retention, after this worker fell behind).
	 */
	if (store_rows_trimmed(rows) > bus_log.head)
		bus_gap(store_rows_trimmed(rows));

	n = store_rows_count(rows);
	for (i = 0; i < n; i++) {
		store_rows_get(rows, i, &ev);
		if (ev.id != bus_log.head + 1)
			bus_gap(ev.id - 1);
		hub_publish(&ev);
		follow_moved(&bus_log, ev.id);
	}
	stats_slot(worker->id)->bus_read += n;
	bus_forget(store_rows_head(rows));
	/* What was heard meanwhile may follow the page: in the same flush. */
	bus_apply();
	/* The page goes out as one write per subscriber. */
	hub_flush();

	follow_heard(&bus_log, kore_time_ms(), store_rows_head(rows));
	bus_kick();
}

/*
 * A commit's events, heard. They are applied at once unless the table is
 * being read (the page may hold some of them, or end below them) or the
 * log's head is not known yet: then they wait for that to finish.
 */
static void
bus_announced(struct store_notice *n)
{
	bus_knows(bus_last(n));
	n->heard = ++bus_heard;
	TAILQ_INSERT_TAIL(&bus_held, n, list);
	bus_held_bytes += n->size;
	while (bus_held_bytes > BUS_HELD_MAX)
		bus_drop(TAILQ_FIRST(&bus_held));

	if (bus_started && !bus_pulling) {
		bus_apply();
		hub_flush();
	}
	bus_kick();
}

/*
 * Hands on what the held notices carry from head + 1, in id order, and
 * drops what is at or below head. Stops at the first id it cannot hand
 * on (not carried, or not heard): bus_kick() then reads the table
 * from there. The caller flushes the hub.
 */
static void
bus_apply(void)
{
	struct store_notice	*n;

	while ((n = TAILQ_FIRST(&bus_held)) != NULL) {
		if (n->gen != store_log_generation()) {
			bus_drop(n);
			continue;
		}
		if (n->first > bus_log.head + 1)
			break;
		bus_apply_one(n);
		if (bus_last(n) > bus_log.head)
			break;
		bus_drop(n);
	}
}

static void
bus_apply_one(struct store_notice *n)
{
	const struct store_event	*ev;
	size_t				i;

	for (i = bus_log.head + 1 - n->first; i < n->count; i++) {
		ev = &n->ev[i];
		if (ev->topic == NULL)
			break;
		hub_publish(ev);
		follow_moved(&bus_log, ev->id);
		store_saw(ev->id);
		stats_slot(worker->id)->bus_carried++;
	}
}

static void
bus_drop(struct store_notice *n)
{
	TAILQ_REMOVE(&bus_held, n, list);
	bus_held_bytes -= n->size;
	store_notice_free(n);
}

/*
 * A read saw the log up to head. A notice heard before the read was sent
 * is of a commit that read's snapshot sees: if it goes past head, it is
 * of another database (a failover's old primary), not this log's, and
 * waiting for it would keep the worker reading for ever. What is left
 * held, and the read, is what the log is known to hold.
 */
static void
bus_forget(uint64_t head)
{
	struct store_notice	*n, *next;

	bus_known = head;
	for (n = TAILQ_FIRST(&bus_held); n != NULL; n = next) {
		next = TAILQ_NEXT(n, list);
		if (n->gen != store_log_generation() ||
		    (n->heard <= bus_heard_read && bus_last(n) > head)) {
			kore_log(LOG_WARNING, "log: a notice of ids %" PRIu64
			    "-%" PRIu64 " is not this log's (head %" PRIu64
			    "): dropped", n->first, bus_last(n), head);
			bus_drop(n);
			continue;
		}
		bus_knows(bus_last(n));
	}
}

static uint64_t
bus_last(const struct store_notice *n)
{
	return (n->first + n->count - 1);
}

/* (head, last] were removed before this worker read them. */
static void
bus_gap(uint64_t last)
{
	kore_log(LOG_NOTICE, "log: %" PRIu64 "-%" PRIu64 " removed before "
	    "this worker read them", bus_log.head + 1, last);
	hub_gap(last);
	follow_moved(&bus_log, last);
}

/*
 * Applications committed events into the outbox. Every worker of every
 * node tries (the first one to get the head lock moves the rows, in
 * commit order; see ssehub.drain_outbox()).
 */
static void
bus_outbox(void)
{
	if (bus_draining)
		bus_drain_again = 1;
	else
		bus_drain();
}

static void
bus_drain(void)
{
	bus_drain_again = 0;
	bus_draining = store_drain_outbox(bus_drained, NULL);
}

static void
bus_drained(int ok, uint64_t moved, void *arg)
{
	(void)arg;
	bus_draining = 0;
	if (!ok)
		stats_slot(worker->id)->db_errors++;
	/* A commit may have landed after this drain's snapshot. */
	if ((ok && moved > 0) || bus_drain_again)
		bus_drain();
}

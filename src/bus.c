/*
 * bus: LISTEN/NOTIFY as the wake-up, the table as the history.
 */

#include <sys/types.h>

#include <kore/kore.h>

#include <stdint.h>

#include "bus.h"
#include "hub.h"
#include "settings.h"
#include "store.h"

#define BUS_PAGE	1000

static void	bus_ready(void);
static void	bus_appended(uint64_t);
static void	bus_outbox(void);
static void	bus_bounds(int, uint64_t, uint64_t, void *);
static void	bus_pull(void);
static void	bus_rows(const struct store_rows *, void *);
static void	bus_drain(void);
static void	bus_drained(int, uint64_t, void *);

static uint64_t		bus_head;	/* last event handed to the hub */
static uint64_t		bus_known;	/* highest id announced */
static int		bus_started;
static int		bus_pulling;
static int		bus_draining;
static int		bus_drain_again;

void
bus_init(void)
{
	struct store_hooks	h;

	h.ready = bus_ready;
	h.appended = bus_appended;
	h.outbox = bus_outbox;
	h.trimmed = hub_trimmed;
	store_init(settings.db, &h);
}

/*
 * The log connection is (back) up and listening. The first time, start
 * at the head; after a reconnect, NOTIFYs sent while we were away are
 * lost, so read everything above what we have.
 */
static void
bus_ready(void)
{
	if (!bus_started)
		(void)store_bounds(bus_bounds, NULL);
	else
		bus_pull();
	bus_outbox();
}

static void
bus_bounds(int ok, uint64_t last, uint64_t trimmed, void *arg)
{
	(void)trimmed;
	(void)arg;

	if (!ok)
		return;

	bus_head = last;
	bus_known = last;
	bus_started = 1;
	hub_start(last);
	bus_pull();
}

static void
bus_appended(uint64_t last)
{
	if (last > bus_known)
		bus_known = last;
	if (bus_started && bus_known > bus_head)
		bus_pull();
}

static void
bus_pull(void)
{
	if (bus_pulling)
		return;
	bus_pulling = store_fetch(bus_head, NULL, BUS_PAGE, bus_rows, NULL);
}

static void
bus_rows(const struct store_rows *rows, void *arg)
{
	struct store_event	ev;
	size_t			i, n;

	(void)arg;
	bus_pulling = 0;
	if (rows == NULL)
		return;

	n = store_rows_count(rows);
	for (i = 0; i < n; i++) {
		store_rows_get(rows, i, &ev);
		hub_publish(&ev);
		bus_head = ev.id;
	}

	if (bus_head > bus_known)
		bus_known = bus_head;
	if (n == BUS_PAGE || bus_known > bus_head)
		bus_pull();
}

/*
 * Applications committed events into the outbox. Every worker of every
 * node tries; SKIP LOCKED in ssehub.drain_outbox() shares the rows out,
 * and ssehub.append() numbers them in commit order.
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
	/* A commit may have landed after this drain's snapshot. */
	if ((ok && moved > 0) || bus_drain_again)
		bus_drain();
}

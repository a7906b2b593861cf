/*
 * retention: worker 1 of each node keeps the store bounded, on its own
 * connection so that neither publishers nor streams wait on it.
 *
 * Events: once a second, when SSEHUB_RETAIN_EVENTS or _SECONDS is set,
 * old events go in batches of RETENTION_BATCH (ssehub.trim_events, which
 * takes its batch from here), one short transaction each. Several nodes
 * may trim at once: the row lock on ssehub.trim serialises them and the
 * batches never overlap. A batch
 * that was full is followed at once by another. After every
 * RETENTION_VACUUM removed events it runs VACUUM, so the freed space is
 * reused and the table stays bounded.
 *
 * Idempotency keys: once a minute, keys past their window
 * (STORE_KEY_WINDOW) go, in batches of the same size, whether retention
 * is on or not.
 */

#include <sys/types.h>

#include <kore/kore.h>

#include "retention.h"
#include "settings.h"
#include "stats.h"
#include "store.h"

#define RETENTION_PERIOD	1000
#define RETENTION_BATCH		1000
#define RETENTION_VACUUM	10000
#define RETENTION_KEYS_EVERY	60	/* periods */

static void	retention_tick(void *, u_int64_t);
static void	retention_run(void);
static void	retention_done(int, uint64_t, void *);
static void	retention_keys_done(int, uint64_t, void *);

static int	retention_busy;
static int	retention_keys_busy;
static uint64_t	retention_since_vacuum;
static u_int32_t retention_ticks;

void
retention_init(void)
{
	if (worker->id == 1)
		kore_timer_add(retention_tick, RETENTION_PERIOD, NULL, 0);
}

static void
retention_tick(void *arg, u_int64_t now)
{
	(void)arg;
	(void)now;

	if (!retention_busy &&
	    (settings.retain_events > 0 || settings.retain_seconds > 0))
		retention_run();

	if (++retention_ticks % RETENTION_KEYS_EVERY == 0 &&
	    !retention_keys_busy) {
		retention_keys_busy = store_purge_keys(RETENTION_BATCH,
		    retention_keys_done, NULL);
	}
}

static void
retention_run(void)
{
	retention_busy = store_trim(settings.retain_events,
	    settings.retain_seconds, RETENTION_BATCH, retention_done, NULL);
}

static void
retention_done(int ok, uint64_t removed, void *arg)
{
	(void)arg;

	retention_busy = 0;
	if (!ok) {
		stats_slot(worker->id)->db_errors++;
		return;
	}

	retention_since_vacuum += removed;
	if (removed == RETENTION_BATCH) {
		retention_run();
		return;
	}

	if (retention_since_vacuum >= RETENTION_VACUUM &&
	    store_vacuum())
		retention_since_vacuum = 0;
}

static void
retention_keys_done(int ok, uint64_t removed, void *arg)
{
	(void)arg;

	retention_keys_busy = 0;
	if (!ok)
		stats_slot(worker->id)->db_errors++;
	else if (removed == RETENTION_BATCH)
		retention_keys_busy = store_purge_keys(RETENTION_BATCH,
		    retention_keys_done, NULL);
}

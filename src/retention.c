/*
 * retention: once a second, worker 1 of each node removes old events in
 * batches of 1000 (ssehub.trim_events), one short transaction each, so
 * neither publishers nor streams wait on it. Several nodes may trim at
 * once: the row lock on ssehub.trim serialises them and the batches
 * never overlap. A batch that was full is followed at once by another.
 * After every RETENTION_VACUUM removed events it runs VACUUM, so the
 * freed space is reused and the table stays bounded.
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

static void	retention_tick(void *, u_int64_t);
static void	retention_run(void);
static void	retention_done(int, uint64_t, void *);

static int	retention_busy;
static uint64_t	retention_since_vacuum;

void
retention_init(void)
{
	if (worker->id != 1 ||
	    (settings.retain_events == 0 && settings.retain_seconds == 0))
		return;
	kore_timer_add(retention_tick, RETENTION_PERIOD, NULL, 0);
}

static void
retention_tick(void *arg, u_int64_t now)
{
	(void)arg;
	(void)now;

	if (!retention_busy)
		retention_run();
}

static void
retention_run(void)
{
	retention_busy = store_trim(settings.retain_events,
	    settings.retain_seconds, retention_done, NULL);
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

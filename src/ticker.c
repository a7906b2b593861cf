/*
 * ticker: every SSEHUB_TICK_MS, one event on topic "system" whose data
 * is like the original demo's ("14:30:05 - System update"). It goes
 * through the same group commit as /publish: stored, then delivered.
 * Only worker 1 ticks, so there is one tick per period per node.
 */

#include <sys/types.h>

#include <kore/kore.h>

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "commit.h"
#include "settings.h"
#include "ticker.h"

static void	ticker_tick(void *, u_int64_t);
static void	ticker_done(struct commit_job *);

void
ticker_init(void)
{
	if (settings.tick_ms == 0 || worker->id != 1)
		return;
	kore_timer_add(ticker_tick, settings.tick_ms, NULL, 0);
}

static void
ticker_tick(void *arg, u_int64_t now)
{
	struct commit_job	*job;
	struct publish_event	*ev;
	struct tm		tm;
	time_t			t;

	(void)arg;
	(void)now;

	job = kore_calloc(1, sizeof(*job));
	ev = calloc(1, sizeof(*ev));
	if (ev == NULL)
		fatal("ticker: out of memory");

	t = time(NULL);
	(void)localtime_r(&t, &tm);
	(void)kore_strlcpy(ev->topic, "system", sizeof(ev->topic));
	(void)kore_strlcpy(ev->event, "message", sizeof(ev->event));
	if ((ev->data = malloc(32)) == NULL)
		fatal("ticker: out of memory");
	ev->data_len = strftime(ev->data, 32, "%H:%M:%S - System update", &tm);

	job->body.events = ev;
	job->body.count = 1;
	job->done = ticker_done;
	commit_submit(job);
}

/* publish_body_free() owns events/data: they come from malloc. */
static void
ticker_done(struct commit_job *job)
{
	publish_body_free(&job->body);
	kore_free(job);
}

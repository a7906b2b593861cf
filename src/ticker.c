/*
 * ticker: every SSEHUB_TICK_MS, one event on topic "system" whose data
 * is like the original demo's ("14:30:05 - System update"). It goes
 * through the same group commit as /publish: stored, then delivered.
 * Only worker 1 ticks, so there is one tick per period per node.
 */

#include <sys/types.h>

#include <kore/kore.h>

#include <string.h>
#include <time.h>

#include "commit.h"
#include "result.h"
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

/*
 * The event is written as a publish body and read back by the publish
 * body module, which then owns its memory (publish_body_free()): the
 * ticker allocates only the job, with Kore's allocator.
 */
static void
ticker_tick(void *arg, u_int64_t now)
{
	struct commit_job	*job;
	struct tm		tm;
	time_t			t;
	char			body[96], err[64];

	(void)arg;
	(void)now;

	t = time(NULL);
	(void)localtime_r(&t, &tm);
	(void)strftime(body, sizeof(body), "{\"topic\":\"system\","
	    "\"data\":\"%H:%M:%S - System update\"}", &tm);

	job = kore_calloc(1, sizeof(*job));
	if (publish_body_parse(body, strlen(body), &job->body, err,
	    sizeof(err)) != RESULT_OK)
		fatal("ticker: %s", err);
	job->done = ticker_done;
	commit_submit(job);
}

static void
ticker_done(struct commit_job *job)
{
	publish_body_free(&job->body);
	kore_free(job);
}

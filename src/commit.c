/*
 * commit: batches publishes into single ssehub.append() calls.
 */

#include <sys/types.h>
#include <sys/queue.h>

#include <kore/kore.h>

#include <string.h>

#include "commit.h"
#include "pg_array.h"
#include "settings.h"
#include "stats.h"
#include "store.h"

/*
 * Bounds one transaction, which holds the head lock while it runs: in
 * events, and in bytes of data (a request body is at most 64 KiB, so
 * a batch stays near 4 MiB).
 */
#define COMMIT_BATCH_EVENTS	5000
#define COMMIT_BATCH_BYTES	(4 * 1024 * 1024)

TAILQ_HEAD(commit_jobs, commit_job);

struct commit_batch {
	struct commit_jobs	jobs;
	size_t			count;
	size_t			bytes;
};

static void	commit_flush(void);
static void	commit_once_done(const struct store_once *, void *);
static char	*commit_literal(struct commit_batch *, int);
static int	commit_fits(struct commit_batch *, struct commit_job *);
static size_t	commit_bytes(struct commit_job *);
static void	commit_done(int, uint64_t, void *);
static void	commit_finish(struct commit_batch *, int, uint64_t);

static struct commit_jobs	commit_pending =
    TAILQ_HEAD_INITIALIZER(commit_pending);
static int			commit_inflight;

void
commit_submit(struct commit_job *job)
{
	job->status = COMMIT_PENDING;
	TAILQ_INSERT_TAIL(&commit_pending, job, list);

	if (!commit_inflight)
		commit_flush();
}

/* Take what waits (up to the batch bound) into one transaction. */
static void
commit_flush(void)
{
	struct commit_batch	*b;
	struct commit_job	*job;
	char			*lit[3];
	int			i, ok;

	if (TAILQ_EMPTY(&commit_pending))
		return;

	b = kore_calloc(1, sizeof(*b));
	TAILQ_INIT(&b->jobs);
	while ((job = TAILQ_FIRST(&commit_pending)) != NULL) {
		if (b->count > 0 && !commit_fits(b, job))
			break;
		TAILQ_REMOVE(&commit_pending, job, list);
		TAILQ_INSERT_TAIL(&b->jobs, job, list);
		b->count += job->body.count;
		b->bytes += commit_bytes(job);
		if (job->key != NULL)
			break;
	}

	for (i = 0; i < 3; i++)
		lit[i] = commit_literal(b, i);

	/* A keyed job is alone in its batch: ssehub.append_once(). */
	job = TAILQ_FIRST(&b->jobs);
	if (job->key != NULL) {
		ok = store_append_once(job->key, job->hash, lit[0], lit[1],
		    lit[2], commit_once_done, b);
	} else {
		ok = store_append(lit[0], lit[1], lit[2], commit_done, b);
	}
	for (i = 0; i < 3; i++)
		kore_free(lit[i]);

	if (ok) {
		commit_inflight = 1;
		return;
	}

	commit_finish(b, 0, 0);
	commit_flush();
}

/* A keyed job goes alone; the first job of a batch always fits. */
static int
commit_fits(struct commit_batch *b, struct commit_job *job)
{
	if (job->key != NULL)
		return (0);
	return (b->count + job->body.count <= COMMIT_BATCH_EVENTS &&
	    b->bytes + commit_bytes(job) <= COMMIT_BATCH_BYTES);
}

static size_t
commit_bytes(struct commit_job *job)
{
	size_t		i, n = 0;

	for (i = 0; i < job->body.count; i++)
		n += job->body.events[i].data_len;
	return (n);
}

static void
commit_once_done(const struct store_once *r, void *arg)
{
	struct commit_batch	*b = arg;
	struct commit_job	*job = TAILQ_FIRST(&b->jobs);

	commit_inflight = 0;
	if (!r->ok || (!r->conflict && !r->replayed)) {
		commit_finish(b, r->ok, r->last);
	} else {
		/* Answered from the key: nothing was appended now. */
		TAILQ_REMOVE(&b->jobs, job, list);
		job->status = r->conflict ? COMMIT_CONFLICT : COMMIT_OK;
		job->replayed = !r->conflict;
		job->first = r->last - r->count + 1;
		job->done(job);
		kore_free(b);
	}
	commit_flush();
}

/* field 0: topics, 1: event names, 2: data, as one text[] literal. */
static char *
commit_literal(struct commit_batch *b, int field)
{
	struct commit_job	*job;
	struct publish_event	*ev;
	const char		**v;
	size_t			*lens, i, n, len;
	char			*lit;

	v = kore_calloc(b->count, sizeof(*v));
	lens = kore_calloc(b->count, sizeof(*lens));

	n = 0;
	TAILQ_FOREACH(job, &b->jobs, list) {
		for (i = 0; i < job->body.count; i++, n++) {
			ev = &job->body.events[i];
			v[n] = field == 0 ? ev->topic :
			    field == 1 ? ev->event : ev->data;
			lens[n] = field == 2 ? ev->data_len : strlen(v[n]);
		}
	}

	len = pg_array_size(v, lens, n);
	lit = kore_malloc(len + 1);
	lit[pg_array_encode(lit, v, lens, n)] = '\0';

	kore_free(v);
	kore_free(lens);

	return (lit);
}

static void
commit_done(int ok, uint64_t last, void *arg)
{
	commit_inflight = 0;
	commit_finish(arg, ok, last);
	commit_flush();
}

/* The batch's ids are consecutive and end at last, in job order. */
static void
commit_finish(struct commit_batch *b, int ok, uint64_t last)
{
	struct commit_job	*job;
	uint64_t		next;

	if (ok)
		stats_slot(worker->id)->published += b->count;
	else
		stats_slot(worker->id)->db_errors++;

	next = last - b->count + 1;
	while ((job = TAILQ_FIRST(&b->jobs)) != NULL) {
		TAILQ_REMOVE(&b->jobs, job, list);
		job->status = ok ? COMMIT_OK : COMMIT_FAILED;
		job->first = next;
		next += job->body.count;
		job->done(job);
	}

	kore_free(b);
}

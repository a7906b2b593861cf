/*
 * presence_sync: one statement a second (ssehub.presence_put) writes
 * this node's heartbeat and the counts that changed, and reads the sums
 * of every other node seen within the last few seconds. Only changes
 * travel, so a node with thousands of quiet topics writes one row a
 * second. A failed write is followed by a full one: what was marked
 * written may not have been.
 */

#include <sys/types.h>

#include <kore/kore.h>

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "pg_array.h"
#include "presence.h"
#include "presence_sync.h"
#include "stats.h"
#include "store.h"

#define PRESENCE_SYNC_MS	1000

/* The changed topics and their counts, as text[] literals. */
struct presence_batch {
	struct kore_buf		topics;
	struct kore_buf		counts;
	size_t			n;
};

static void	presence_sync_tick(void *, u_int64_t);
static void	presence_sync_add(const char *, uint32_t, void *);
static void	presence_sync_done(const struct store_rows *, void *);

static int	presence_sync_busy;
static int	presence_sync_full = 1;	/* a new worker 1 writes all */

void
presence_sync_init(void)
{
	if (worker->id == 1)
		kore_timer_add(presence_sync_tick, PRESENCE_SYNC_MS, NULL, 0);
}

/* worker_count includes the keymgr and acme slots. */
uint64_t
presence_sync_streams(void)
{
	uint64_t	n = 0;
	u_int16_t	w;

	for (w = 1; w <= worker_count - 2; w++)
		n += stats_slot(w)->subscribers;
	return (n);
}

static void
presence_sync_tick(void *arg, u_int64_t now)
{
	struct presence_batch	b;

	(void)arg;
	(void)now;
	if (presence_sync_busy)
		return;

	kore_buf_init(&b.topics, 256);
	kore_buf_init(&b.counts, 64);
	b.n = 0;
	kore_buf_append(&b.topics, "{", 1);
	kore_buf_append(&b.counts, "{", 1);
	(void)presence_changes(presence_sync_full, presence_sync_add, &b);
	kore_buf_append(&b.topics, "}", 2);	/* and the NUL */
	kore_buf_append(&b.counts, "}", 2);

	presence_sync_busy = store_presence_put(presence_node(),
	    presence_sync_streams(), presence_sync_full,
	    (const char *)b.topics.data, (const char *)b.counts.data,
	    presence_sync_done, NULL);
	presence_sync_full = !presence_sync_busy;
	kore_buf_cleanup(&b.topics);
	kore_buf_cleanup(&b.counts);
}

static void
presence_sync_add(const char *topic, uint32_t n, void *arg)
{
	struct presence_batch	*b = arg;
	size_t			len = strlen(topic), size;
	char			*lit;

	size = pg_array_size(&topic, &len, 1);
	lit = kore_malloc(size);
	(void)pg_array_encode(lit, &topic, &len, 1);
	/* One element's literal is "{"x"}": keep what is between. */
	if (b->n > 0) {
		kore_buf_append(&b->topics, ",", 1);
		kore_buf_append(&b->counts, ",", 1);
	}
	kore_buf_append(&b->topics, lit + 1, size - 2);
	kore_buf_appendf(&b->counts, "%u", n);
	kore_free(lit);
	b->n++;
}

static void
presence_sync_done(const struct store_rows *rows, void *arg)
{
	const char	**topics;
	uint64_t	*counts, n, streams = 0;
	size_t		i, k, count;

	(void)arg;
	presence_sync_busy = 0;
	if (rows == NULL) {
		stats_slot(worker->id)->db_errors++;
		presence_sync_full = 1;
		return;
	}

	count = store_presence_count(rows);
	topics = kore_calloc(count + 1, sizeof(*topics));
	counts = kore_calloc(count + 1, sizeof(*counts));
	for (i = 0, k = 0; i < count; i++) {
		store_presence_get(rows, i, &topics[k], &n);
		if (topics[k] == NULL) {
			streams = n;
			continue;
		}
		counts[k++] = n;
	}
	presence_remote(topics, counts, k, streams, kore_time_ms());
	kore_free(topics);
	kore_free(counts);
}

/*
 * topics: chained hashing (FNV-1a), doubled when the table holds more
 * than two entries a bucket on average, so chains stay short whatever
 * clients subscribe to.
 */

#include <sys/types.h>
#include <sys/queue.h>

#include <kore/kore.h>

#include <stdint.h>
#include <string.h>

#include "fnv.h"
#include "topics.h"

#define TOPICS_BUCKETS_MIN	256

LIST_HEAD(topic_chain, topic);

static uint32_t		topics_hash(const char *);
static void		topics_grow(void);

static struct topic_chain	*topics_table;
static size_t			topics_buckets;
static size_t			topics_count;

void
topics_init(void)
{
	topics_buckets = TOPICS_BUCKETS_MIN;
	topics_table = kore_calloc(topics_buckets, sizeof(*topics_table));
}

static uint32_t
topics_hash(const char *s)
{
	return (fnv_string(FNV_SEED, s));
}

struct topic *
topics_get(const char *name, int create)
{
	struct topic_chain	*chain;
	struct topic		*t;

	chain = &topics_table[topics_hash(name) & (topics_buckets - 1)];
	LIST_FOREACH(t, chain, chain) {
		if (strcmp(t->name, name) == 0)
			return (t);
	}

	if (!create)
		return (NULL);

	t = kore_calloc(1, sizeof(*t));
	TAILQ_INIT(&t->links);
	(void)kore_strlcpy(t->name, name, sizeof(t->name));
	LIST_INSERT_HEAD(chain, t, chain);
	if (++topics_count > topics_buckets * 2)
		topics_grow();

	return (t);
}

void
topics_tidy(struct topic *t)
{
	if (!TAILQ_EMPTY(&t->links))
		return;
	LIST_REMOVE(t, chain);
	topics_count--;
	kore_free(t);
}

static void
topics_grow(void)
{
	struct topic_chain	*old = topics_table;
	struct topic		*t;
	size_t			i, n = topics_buckets;

	topics_buckets = n * 2;
	topics_table = kore_calloc(topics_buckets, sizeof(*topics_table));
	for (i = 0; i < n; i++) {
		while ((t = LIST_FIRST(&old[i])) != NULL) {
			LIST_REMOVE(t, chain);
			LIST_INSERT_HEAD(&topics_table[topics_hash(t->name) &
			    (topics_buckets - 1)], t, chain);
		}
	}
	kore_free(old);
}

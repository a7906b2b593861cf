/*
 * batch: runs found by a linear search that starts at the previous
 * add's run: a burst is usually of one topic, or a few, and a batch
 * holds at most one page of the log (bus.c).
 */

#include <stdlib.h>
#include <string.h>

#include "batch.h"

static void	batch_push(struct batch_run *, void *);

void
batch_init(struct batch *b)
{
	memset(b, 0, sizeof(*b));
}

static void
batch_push(struct batch_run *r, void *item)
{
	void	**items;
	size_t	cap;

	if (r->n == r->cap) {
		cap = r->cap ? r->cap * 2 : 16;
		if ((items = realloc(r->items, cap * sizeof(*items))) == NULL)
			abort();
		r->items = items;
		r->cap = cap;
	}
	r->items[r->n++] = item;
}

struct batch_run *
batch_run_of(struct batch *b, const void *key)
{
	size_t	i, at;

	for (i = 0; i < b->nruns; i++) {
		at = (b->last + i) % b->nruns;
		if (b->runs[at].key == key) {
			b->last = at;
			return (&b->runs[at]);
		}
	}
	return (NULL);
}

void
batch_add(struct batch *b, void *item, const void *key)
{
	struct batch_run	*r, *runs;
	size_t			cap;

	batch_push(&b->all, item);
	if ((r = batch_run_of(b, key)) == NULL) {
		if (b->nruns == b->cap) {
			cap = b->cap ? b->cap * 2 : 4;
			runs = realloc(b->runs, cap * sizeof(*runs));
			if (runs == NULL)
				abort();
			/* New runs start empty, with no items array yet. */
			memset(runs + b->cap, 0, (cap - b->cap) * sizeof(*runs));
			b->runs = runs;
			b->cap = cap;
		}
		b->last = b->nruns++;
		r = &b->runs[b->last];
		r->key = key;
	}
	batch_push(r, item);
}

void
batch_clear(struct batch *b)
{
	size_t	i;

	b->all.n = 0;
	b->all.joined = NULL;
	for (i = 0; i < b->cap; i++) {
		b->runs[i].n = 0;
		b->runs[i].key = NULL;
		b->runs[i].joined = NULL;
	}
	b->nruns = 0;
	b->last = 0;
}

void
batch_cleanup(struct batch *b)
{
	size_t	i;

	for (i = 0; i < b->cap; i++)
		free(b->runs[i].items);
	free(b->runs);
	free(b->all.items);
	batch_init(b);
}

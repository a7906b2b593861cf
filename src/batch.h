/*
 * batch: the frames a worker learned of at once (one read of the log),
 * in id order and grouped by topic, so that fan-out can give each
 * subscriber all of its frames in one write instead of one per frame.
 * Pure bookkeeping (no Kore), so it is unit-tested: items and keys are
 * opaque here (hub.c: frames and topic entries).
 */
#ifndef SSEHUB_BATCH_H
#define SSEHUB_BATCH_H

#include <stddef.h>

/* The items of one key, in the order they were added. */
struct batch_run {
	const void	*key;
	void		**items;
	size_t		n;
	size_t		cap;
	void		*joined;	/* the caller's, for all of items */
};

struct batch {
	struct batch_run	all;	/* every item, key NULL */
	struct batch_run	*runs;	/* one per distinct key */
	size_t			nruns;
	size_t			cap;
	size_t			last;	/* run of the previous add */
};

void		batch_init(struct batch *);
/* Appends item to the whole batch and to key's run. */
void		batch_add(struct batch *, void *item, const void *key);
/* key's run, or NULL when no item of key was added. */
struct batch_run *batch_run_of(struct batch *, const void *key);
/* Empties the batch; the runs' memory is kept for the next one. */
void		batch_clear(struct batch *);
/* Frees that memory too. */
void		batch_cleanup(struct batch *);

#endif

/*
 * prealloc: Kore 4.1 sizes a worker's connection and netbuf pools (and
 * its header, cookie and body-path pools, a tenth of that) from
 * worker_max_connections when the worker starts, and writes a free-list
 * link into every element, so every slot is resident whether a
 * connection ever uses it or not: at 12,000 about 9 MiB per worker,
 * most of an idle server's memory. The same variable is also the
 * worker's connection cap, read at each accept. So the parent lowers it
 * to PREALLOC_SLOTS before the workers start (kore.c runs the parent
 * hook after the configuration, before kore_worker_init()), and each
 * worker puts the configured cap back once its pools exist (worker.c
 * calls kore_worker_configure() after net_init(), kore_connection_init()
 * and http_init()). Kore's pools grow by a quarter of their first size
 * whenever one runs out (pool.c), so a worker pays for the connections
 * it has had at once, not for the cap. A respawned worker is forked
 * from the parent again and does the same.
 */

#include <sys/types.h>

#include <kore/kore.h>

#include "prealloc.h"

/* What a worker starts with: a burst of new connections finds room. */
#define PREALLOC_SLOTS		512

static u_int32_t	prealloc_cap;

void
prealloc_parent(void)
{
	prealloc_cap = worker_max_connections;
	if (worker_max_connections > PREALLOC_SLOTS)
		worker_max_connections = PREALLOC_SLOTS;
}

void
prealloc_worker(void)
{
	worker_max_connections = prealloc_cap;
}

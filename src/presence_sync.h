/*
 * presence_sync: worker 1 of each node shares the node's watcher counts
 * with the other nodes through PostgreSQL, once a second, and brings
 * theirs back into the shared table (presence.h).
 */
#ifndef SSEHUB_PRESENCE_SYNC_H
#define SSEHUB_PRESENCE_SYNC_H

#include <stdint.h>

void		presence_sync_init(void);
/* Open streams on this node, all workers. */
uint64_t	presence_sync_streams(void);

#endif

/*
 * presence: how many streams watch each topic, over every worker of
 * this node (exact: counted at subscribe and disconnect) plus the other
 * nodes sharing the database (as worker 1 last read them, at most a few
 * seconds old). Memory shared by the parent and every worker, mapped
 * before the fork, guarded by a robust process-shared mutex; each worker
 * counts in its own column, zeroed when a worker with that number starts
 * again, so a killed worker's streams leave the count with it. Pure.
 *
 * Streams of every topic count in the total only (hub.c's
 * ssehub_subscribers), not under each topic.
 */
#ifndef SSEHUB_PRESENCE_H
#define SSEHUB_PRESENCE_H

#include <stddef.h>
#include <stdint.h>

#define PRESENCE_WORKERS	64
#define PRESENCE_SLOTS		4096	/* distinct topics per node */
#define PRESENCE_NODE_LEN	32
#define PRESENCE_STALE_MS	5000	/* other nodes' counts expire */

/* Maps the table; node names this node to the others (parent). */
int		presence_init(const char *node);
const char	*presence_node(void);
/* This process is worker n: its counts start from zero. */
void		presence_worker_start(unsigned int n);

/* A stream of this worker starts or stops watching topic. */
/*
 * 1 when the stream was counted; 0 when the table is full: then it must
 * not call presence_leave(), which would take away another's count.
 */
int		presence_enter(const char *topic);
void		presence_leave(const char *topic);

/* topic's watchers: this node's, and the others' if fresh at now_ms. */
uint64_t	presence_count(const char *topic, uint64_t now_ms);
/* Streams on the other nodes (0 once stale). */
uint64_t	presence_remote_streams(uint64_t now_ms);

/* Each topic watched anywhere, with its count; under the lock. */
void		presence_foreach(uint64_t now_ms,
		    void (*cb)(const char *, uint64_t, void *), void *arg);

/*
 * Worker 1, writing this node's counts to the database: cb for each
 * topic whose count changed since the last call (full: every topic with
 * watchers), which then counts as written. Returns how many.
 */
size_t		presence_changes(int full,
		    void (*cb)(const char *, uint32_t, void *), void *arg);

/* Worker 1: the other nodes' counts, read at now_ms, replace the old. */
void		presence_remote(const char *const *topics,
		    const uint64_t *counts, size_t n, uint64_t streams,
		    uint64_t now_ms);

#endif

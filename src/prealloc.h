/*
 * prealloc: Kore's per-worker pools sized for the connections a worker
 * has, not for the most it may ever have.
 */
#ifndef SSEHUB_PREALLOC_H
#define SSEHUB_PREALLOC_H

/* kore_parent_configure(): before any worker starts. */
void	prealloc_parent(void);
/* kore_worker_configure(): once the worker's pools exist. */
void	prealloc_worker(void);

#endif

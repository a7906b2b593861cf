/*
 * quota: resource limits that must hold across all workers, so their
 * counters live in memory shared by the parent and every worker (mapped
 * before the fork), guarded by a robust process-shared mutex: streams per
 * client address, and publish rate per token. Pure: no Kore.
 */
#ifndef SSEHUB_QUOTA_H
#define SSEHUB_QUOTA_H

#include <stddef.h>
#include <stdint.h>

#define QUOTA_ADDR_LEN		16	/* IPv6; IPv4 is zero-padded */
#define QUOTA_WORKERS		64	/* columns of stream counts */

/* Maps the shared tables; ntokens publish tokens. */
int	quota_init(size_t ntokens);
/*
 * This process is worker n: its stream counts start from zero. restarted:
 * a worker died in this column and left counts behind (Kore respawned it).
 */
void	quota_worker_start(unsigned int n, int restarted);

/*
 * Counts one more stream from addr, unless max (0: no limit) are open.
 * Returns RESULT_OK when admitted; *counted says whether it was counted
 * (not when max is 0 or the table is full), and only a counted stream
 * must call quota_stream_leave later.
 */
int	quota_stream_enter(const uint8_t addr[QUOTA_ADDR_LEN], uint32_t max,
	    int *counted);
void	quota_stream_leave(const uint8_t addr[QUOTA_ADDR_LEN]);

/*
 * A token bucket per publish token: rate events per second (0: no
 * limit), holding at most one second's worth. Takes n events at now_ms
 * and returns RESULT_OK, or RESULT_ERROR with *retry_s, the whole
 * seconds until n fit (a batch larger than the bucket never fits: 0).
 */
int	quota_publish(size_t token, uint32_t n, uint32_t rate,
	    uint64_t now_ms, uint32_t *retry_s);

#endif

/*
 * quota: shared counters. A worker can die anywhere (SIGKILL, a crash),
 * so the lock is a robust process-shared mutex (the next locker takes it
 * over from a dead owner), and each worker counts its streams in its own
 * column, zeroed when a worker with that number starts again: a dead
 * worker's streams are gone with it, and so are its counts.
 *
 * The table of addresses is open-addressed with
 * linear probing; a slot keeps its address at count 0 (so probe chains
 * stay intact) and is reused for a new address only after a probe found
 * no live slot for it. When every slot holds a live address the table
 * admits without counting: limiting is a defence, not a reason to refuse
 * service.
 */

#include <sys/mman.h>

#include <errno.h>
#include <pthread.h>
#include <string.h>

#include "fnv.h"
#include "quota.h"
#include "result.h"

#define QUOTA_SLOTS		16384
#define QUOTA_PROBE		64

struct quota_addr {
	uint8_t		addr[QUOTA_ADDR_LEN];
	uint8_t		used;
	uint16_t	count[QUOTA_WORKERS];	/* streams per worker */
};

struct quota_bucket {
	double		level;		/* events that may still go */
	uint64_t	last_ms;
};

struct quota_shared {
	pthread_mutex_t		lock;
	struct quota_addr	addrs[QUOTA_SLOTS];
	struct quota_bucket	buckets[];
};

static void			quota_lock(void);
static void			quota_unlock(void);
static struct quota_addr	*quota_find(const uint8_t *, int);
static uint32_t			quota_hash(const uint8_t *);
static uint32_t			quota_count(const struct quota_addr *);

static struct quota_shared	*quota;
static size_t			quota_ntokens;
static unsigned int		quota_worker;	/* this process's column */

int
quota_init(size_t ntokens)
{
	pthread_mutexattr_t	attr;
	size_t			len;
	int			ok;

	len = sizeof(*quota) + ntokens * sizeof(struct quota_bucket);
	quota = mmap(NULL, len, PROT_READ | PROT_WRITE,
	    MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (quota == MAP_FAILED) {
		quota = NULL;
		return (RESULT_ERROR);
	}
	quota_ntokens = ntokens;

	ok = pthread_mutexattr_init(&attr) == 0 &&
	    pthread_mutexattr_setpshared(&attr, PTHREAD_PROCESS_SHARED) == 0 &&
	    pthread_mutexattr_setrobust(&attr, PTHREAD_MUTEX_ROBUST) == 0 &&
	    pthread_mutex_init(&quota->lock, &attr) == 0;
	(void)pthread_mutexattr_destroy(&attr);

	return (ok ? RESULT_OK : RESULT_ERROR);
}

/*
 * A worker starts (or starts again after its predecessor died): its
 * column of stream counts starts from zero.
 */
void
quota_worker_start(unsigned int worker, int restarted)
{
	size_t		i;

	quota_worker = worker % QUOTA_WORKERS;

	/*
	 * A first start finds its column zero, as mmap made it: clearing it
	 * would write every page of the table (2.3 MiB) into each worker's
	 * memory for nothing.
	 */
	if (!restarted)
		return;
	quota_lock();
	for (i = 0; i < QUOTA_SLOTS; i++)
		quota->addrs[i].count[quota_worker] = 0;
	quota_unlock();
}

/*
 * The owner died holding it: what it guarded is a few counters, each
 * written whole, so the state is taken over as it is.
 */
static void
quota_lock(void)
{
	if (pthread_mutex_lock(&quota->lock) == EOWNERDEAD)
		(void)pthread_mutex_consistent(&quota->lock);
}

static void
quota_unlock(void)
{
	(void)pthread_mutex_unlock(&quota->lock);
}

static uint32_t
quota_count(const struct quota_addr *s)
{
	uint32_t	n = 0;
	size_t		i;

	for (i = 0; i < QUOTA_WORKERS; i++)
		n += s->count[i];
	return (n);
}

static uint32_t
quota_hash(const uint8_t *a)
{
	return (fnv_bytes(FNV_SEED, a, QUOTA_ADDR_LEN));
}

/* The live slot of a, or (create) a free one for it, or NULL. */
static struct quota_addr *
quota_find(const uint8_t *a, int create)
{
	struct quota_addr	*s, *spare;
	uint32_t		h;
	size_t			i;

	spare = NULL;
	h = quota_hash(a);
	for (i = 0; i < QUOTA_PROBE; i++) {
		s = &quota->addrs[(h + i) % QUOTA_SLOTS];
		if (s->used && memcmp(s->addr, a, QUOTA_ADDR_LEN) == 0)
			return (s);
		if (spare == NULL && (!s->used || quota_count(s) == 0))
			spare = s;
		if (!s->used)
			break;
	}

	if (!create || spare == NULL)
		return (NULL);

	memcpy(spare->addr, a, QUOTA_ADDR_LEN);
	spare->used = 1;
	memset(spare->count, 0, sizeof(spare->count));
	return (spare);
}

int
quota_stream_enter(const uint8_t addr[QUOTA_ADDR_LEN], uint32_t max,
    int *counted)
{
	struct quota_addr	*s;
	int			ok;

	*counted = 0;
	if (max == 0)
		return (RESULT_OK);

	quota_lock();
	ok = RESULT_OK;
	if ((s = quota_find(addr, 1)) != NULL) {
		if (quota_count(s) >= max ||
		    s->count[quota_worker] == UINT16_MAX) {
			ok = RESULT_ERROR;
		} else {
			s->count[quota_worker]++;
			*counted = 1;
		}
	}
	quota_unlock();

	return (ok);
}

void
quota_stream_leave(const uint8_t addr[QUOTA_ADDR_LEN])
{
	struct quota_addr	*s;

	quota_lock();
	if ((s = quota_find(addr, 0)) != NULL && s->count[quota_worker] > 0)
		s->count[quota_worker]--;
	quota_unlock();
}

int
quota_publish(size_t token, uint32_t n, uint32_t rate, uint64_t now_ms,
    uint32_t *retry_s)
{
	struct quota_bucket	*b;
	double			need;
	int			ok;

	*retry_s = 0;
	if (rate == 0 || token >= quota_ntokens)
		return (RESULT_OK);
	if (n > rate)
		return (RESULT_ERROR);

	quota_lock();
	b = &quota->buckets[token];
	/* Two workers may pass in their clocks out of order: never rewind. */
	if (b->last_ms == 0) {
		b->level = rate;
		b->last_ms = now_ms;
	} else if (now_ms > b->last_ms) {
		b->level += (double)(now_ms - b->last_ms) * rate / 1000.0;
		b->last_ms = now_ms;
	}
	if (b->level > rate)
		b->level = rate;

	if (b->level >= n) {
		b->level -= n;
		ok = RESULT_OK;
	} else {
		need = (n - b->level) / rate;
		*retry_s = (uint32_t)need;
		if (*retry_s < need)
			(*retry_s)++;
		ok = RESULT_ERROR;
	}
	quota_unlock();

	return (ok);
}

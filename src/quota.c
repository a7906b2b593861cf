/*
 * quota: shared counters. The table of addresses is open-addressed with
 * linear probing; a slot keeps its address at count 0 (so probe chains
 * stay intact) and is reused for a new address only after a probe found
 * no live slot for it. When every slot holds a live address the table
 * admits without counting: limiting is a defence, not a reason to refuse
 * service.
 */

#include <sys/mman.h>

#include <string.h>

#include "quota.h"
#include "result.h"

#define QUOTA_SLOTS		16384
#define QUOTA_PROBE		64

struct quota_addr {
	uint8_t		addr[QUOTA_ADDR_LEN];
	uint32_t	count;
	uint8_t		used;
};

struct quota_bucket {
	double		level;		/* events that may still go */
	uint64_t	last_ms;
};

struct quota_shared {
	int			lock;
	struct quota_addr	addrs[QUOTA_SLOTS];
	struct quota_bucket	buckets[];
};

static void			quota_lock(void);
static void			quota_unlock(void);
static struct quota_addr	*quota_find(const uint8_t *, int);
static uint32_t			quota_hash(const uint8_t *);

static struct quota_shared	*quota;
static size_t			quota_ntokens;

int
quota_init(size_t ntokens)
{
	size_t		len;

	len = sizeof(*quota) + ntokens * sizeof(struct quota_bucket);
	quota = mmap(NULL, len, PROT_READ | PROT_WRITE,
	    MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (quota == MAP_FAILED) {
		quota = NULL;
		return (RESULT_ERROR);
	}
	quota_ntokens = ntokens;
	return (RESULT_OK);
}

static void
quota_lock(void)
{
	while (__atomic_exchange_n(&quota->lock, 1, __ATOMIC_ACQUIRE))
		;
}

static void
quota_unlock(void)
{
	__atomic_store_n(&quota->lock, 0, __ATOMIC_RELEASE);
}

static uint32_t
quota_hash(const uint8_t *a)
{
	uint32_t	h = 2166136261u;	/* FNV-1a */
	size_t		i;

	for (i = 0; i < QUOTA_ADDR_LEN; i++)
		h = (h ^ a[i]) * 16777619u;
	return (h);
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
		if (spare == NULL && (!s->used || s->count == 0))
			spare = s;
		if (!s->used)
			break;
	}

	if (!create || spare == NULL)
		return (NULL);

	memcpy(spare->addr, a, QUOTA_ADDR_LEN);
	spare->used = 1;
	spare->count = 0;
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
		if (s->count >= max) {
			ok = RESULT_ERROR;
		} else {
			s->count++;
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
	if ((s = quota_find(addr, 0)) != NULL && s->count > 0)
		s->count--;
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

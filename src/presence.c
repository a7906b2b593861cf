/*
 * presence: the shared table of topics and their watchers. Open
 * addressing with linear probing, as quota.c: a slot keeps its name
 * while it may still matter (watched here or elsewhere, or not yet
 * written to the database as zero), so probe chains stay intact, and is
 * reused for another name only after a probe found no slot for it. A
 * full table counts nothing more: presence is information, not a limit.
 */

#include <sys/mman.h>

#include <errno.h>
#include <pthread.h>
#include <string.h>

#include "fnv.h"
#include "presence.h"
#include "topic.h"
#include "result.h"

#define PRESENCE_PROBE		64

struct presence_slot {
	char		name[TOPIC_MAX + 1];
	uint8_t		used;
	uint32_t	written;	/* worker 1: last count sent */
	uint64_t	remote;		/* other nodes' watchers */
	uint32_t	count[PRESENCE_WORKERS];
};

struct presence_shared {
	pthread_mutex_t		lock;
	char			node[PRESENCE_NODE_LEN + 1];
	uint64_t		remote_streams;
	uint64_t		remote_at;	/* ms; 0: never read */
	struct presence_slot	slots[PRESENCE_SLOTS];
};

static void			presence_lock(void);
static void			presence_unlock(void);
static struct presence_slot	*presence_find(const char *, int);
static uint32_t			presence_local(const struct presence_slot *);
static int			presence_fresh(uint64_t);

static struct presence_shared	*presence;
static unsigned int		presence_worker;

int
presence_init(const char *node)
{
	pthread_mutexattr_t	attr;
	int			ok;

	presence = mmap(NULL, sizeof(*presence), PROT_READ | PROT_WRITE,
	    MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (presence == MAP_FAILED) {
		presence = NULL;
		return (RESULT_ERROR);
	}
	(void)strncpy(presence->node, node, PRESENCE_NODE_LEN);

	ok = pthread_mutexattr_init(&attr) == 0 &&
	    pthread_mutexattr_setpshared(&attr, PTHREAD_PROCESS_SHARED) == 0 &&
	    pthread_mutexattr_setrobust(&attr, PTHREAD_MUTEX_ROBUST) == 0 &&
	    pthread_mutex_init(&presence->lock, &attr) == 0;
	(void)pthread_mutexattr_destroy(&attr);

	return (ok ? RESULT_OK : RESULT_ERROR);
}

const char *
presence_node(void)
{
	return (presence->node);
}

void
presence_worker_start(unsigned int n)
{
	size_t		i;

	presence_worker = n % PRESENCE_WORKERS;
	presence_lock();
	for (i = 0; i < PRESENCE_SLOTS; i++)
		presence->slots[i].count[presence_worker] = 0;
	presence_unlock();
}

/* A dead owner left whole counters behind: take them as they are. */
static void
presence_lock(void)
{
	if (pthread_mutex_lock(&presence->lock) == EOWNERDEAD)
		(void)pthread_mutex_consistent(&presence->lock);
}

static void
presence_unlock(void)
{
	(void)pthread_mutex_unlock(&presence->lock);
}

static uint32_t
presence_local(const struct presence_slot *s)
{
	uint32_t	n = 0;
	size_t		i;

	for (i = 0; i < PRESENCE_WORKERS; i++)
		n += s->count[i];
	return (n);
}

static int
presence_fresh(uint64_t now_ms)
{
	return (presence->remote_at != 0 &&
	    now_ms - presence->remote_at <= PRESENCE_STALE_MS);
}

/* The slot of topic, or (create) a free one for it, or NULL. */
static struct presence_slot *
presence_find(const char *topic, int create)
{
	struct presence_slot	*s, *spare;
	uint32_t		h = fnv_string(FNV_SEED, topic);
	size_t			i;

	spare = NULL;
	for (i = 0; i < PRESENCE_PROBE; i++) {
		s = &presence->slots[(h + i) % PRESENCE_SLOTS];
		if (s->used && strcmp(s->name, topic) == 0)
			return (s);
		if (spare == NULL && (!s->used || (presence_local(s) == 0 &&
		    s->remote == 0 && s->written == 0)))
			spare = s;
		if (!s->used)
			break;
	}

	if (!create || spare == NULL ||
	    strlen(topic) > TOPIC_MAX)
		return (NULL);

	memset(spare, 0, sizeof(*spare));
	(void)strcpy(spare->name, topic);
	spare->used = 1;
	return (spare);
}

int
presence_enter(const char *topic)
{
	struct presence_slot	*s;

	presence_lock();
	if ((s = presence_find(topic, 1)) != NULL)
		s->count[presence_worker]++;
	presence_unlock();
	return (s != NULL);
}

void
presence_leave(const char *topic)
{
	struct presence_slot	*s;

	presence_lock();
	if ((s = presence_find(topic, 0)) != NULL &&
	    s->count[presence_worker] > 0)
		s->count[presence_worker]--;
	presence_unlock();
}

uint64_t
presence_count(const char *topic, uint64_t now_ms)
{
	struct presence_slot	*s;
	uint64_t		n = 0;

	presence_lock();
	if ((s = presence_find(topic, 0)) != NULL) {
		n = presence_local(s);
		if (presence_fresh(now_ms))
			n += s->remote;
	}
	presence_unlock();

	return (n);
}

uint64_t
presence_remote_streams(uint64_t now_ms)
{
	uint64_t	n;

	presence_lock();
	n = presence_fresh(now_ms) ? presence->remote_streams : 0;
	presence_unlock();

	return (n);
}

void
presence_foreach(uint64_t now_ms, void (*cb)(const char *, uint64_t,
    void *), void *arg)
{
	struct presence_slot	*s;
	uint64_t		n;
	int			fresh;
	size_t			i;

	presence_lock();
	fresh = presence_fresh(now_ms);
	for (i = 0; i < PRESENCE_SLOTS; i++) {
		s = &presence->slots[i];
		if (!s->used)
			continue;
		n = presence_local(s) + (fresh ? s->remote : 0);
		if (n > 0)
			cb(s->name, n, arg);
	}
	presence_unlock();
}

size_t
presence_changes(int full, void (*cb)(const char *, uint32_t, void *),
    void *arg)
{
	struct presence_slot	*s;
	uint32_t		n;
	size_t			i, changed = 0;

	presence_lock();
	for (i = 0; i < PRESENCE_SLOTS; i++) {
		s = &presence->slots[i];
		if (!s->used)
			continue;
		n = presence_local(s);
		if (full ? n == 0 : n == s->written) {
			s->written = n;
			continue;
		}
		cb(s->name, n, arg);
		s->written = n;
		changed++;
	}
	presence_unlock();

	return (changed);
}

void
presence_remote(const char *const *topics, const uint64_t *counts,
    size_t n, uint64_t streams, uint64_t now_ms)
{
	struct presence_slot	*s;
	size_t			i;

	presence_lock();
	for (i = 0; i < PRESENCE_SLOTS; i++)
		presence->slots[i].remote = 0;
	for (i = 0; i < n; i++) {
		if ((s = presence_find(topics[i], 1)) != NULL)
			s->remote = counts[i];
	}
	presence->remote_streams = streams;
	presence->remote_at = now_ms != 0 ? now_ms : 1;
	presence_unlock();
}

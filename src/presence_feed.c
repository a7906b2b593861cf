/*
 * presence_feed: one timer a second walks the streams that asked for
 * presence. Each topic's count is read once a tick (topic->presence_*),
 * and a stream gets a frame for a topic only when the count differs
 * from the last one it was sent, so a new stream gets one at once and
 * then only changes. Only LIVE streams: a catch-up is written in big
 * batches, and a count from before it ended would be old news.
 */

#include <sys/types.h>
#include <sys/queue.h>

#include <kore/kore.h>

#include <inttypes.h>
#include <stdio.h>

#include "frame.h"
#include "presence.h"
#include "presence_feed.h"
#include "sub.h"
#include "topics.h"

#define PRESENCE_FEED_MS	1000

static void	presence_feed_tick(void *, u_int64_t);
static int	presence_feed_send(struct sub *, struct sub_link *,
		    u_int64_t);

static TAILQ_HEAD(, sub)	presence_feed_subs =
    TAILQ_HEAD_INITIALIZER(presence_feed_subs);
static u_int64_t		presence_feed_ticks;

void
presence_feed_init(void)
{
	kore_timer_add(presence_feed_tick, PRESENCE_FEED_MS, NULL, 0);
}

void
presence_feed_add(struct sub *sub)
{
	int		i;

	for (i = 0; i < sub->ntopics; i++)
		sub->links[i].presence_sent = UINT64_MAX;
	TAILQ_INSERT_TAIL(&presence_feed_subs, sub, presence_list);
}

void
presence_feed_remove(struct sub *sub)
{
	TAILQ_REMOVE(&presence_feed_subs, sub, presence_list);
}

static void
presence_feed_tick(void *arg, u_int64_t now)
{
	struct sub	*sub, *next;
	int		i;

	(void)arg;
	presence_feed_ticks++;
	for (sub = TAILQ_FIRST(&presence_feed_subs); sub != NULL;
	    sub = next) {
		/* A cut-off removes only sub itself from the list. */
		next = TAILQ_NEXT(sub, presence_list);
		if (sub->state != SUB_LIVE)
			continue;
		for (i = 0; i < sub->ntopics; i++) {
			if (!presence_feed_send(sub, &sub->links[i], now))
				break;
		}
	}
}

/* Returns 0 when sub was closed meanwhile. */
static int
presence_feed_send(struct sub *sub, struct sub_link *l, u_int64_t now)
{
	struct topic	*t = l->topic;
	struct frame	*f;
	char		data[128];
	int		len;

	if (t->presence_tick != presence_feed_ticks) {
		t->presence_tick = presence_feed_ticks;
		t->presence_count = presence_count(t->name, now);
	}
	if (l->presence_sent == t->presence_count)
		return (1);
	l->presence_sent = t->presence_count;

	len = snprintf(data, sizeof(data), "{\"topic\":\"%s\","
	    "\"subscribers\":%" PRIu64 "}", t->name, t->presence_count);
	if ((f = frame_notice("presence", data, (size_t)len)) == NULL)
		return (1);
	(void)sub_send(sub, f);
	frame_unref(f);

	return (sub->c != NULL);
}

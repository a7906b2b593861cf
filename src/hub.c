/*
 * hub: the subscribers of one worker, their topics, the fan-out of
 * frames, heartbeats, and their lifetime with Kore's connections.
 *
 * A subscriber is in one of two states. CATCHUP: replay.c is bringing it
 * from its cursor to the worker's head and live frames pass it by. LIVE:
 * it gets every frame of its topics above its cursor as it arrives.
 *
 * Timers: one heartbeat sweep per worker walks the subscriber list (Kore's
 * timer list is O(n) per insert; field notes, defect 6).
 */

#include <sys/types.h>
#include <sys/queue.h>

#include <kore/kore.h>
#include <kore/http.h>

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "acl.h"
#include "cursor.h"
#include "hub_private.h"
#include "pg_array.h"
#include "queue_policy.h"
#include "settings.h"
#include "sse_frame.h"
#include "stats.h"

#define HUB_TIDY_MS		250

static int		hub_frame_sent(struct netbuf *);
static struct hub_topic	*hub_topic_get(const char *, int);
static void		hub_sub_link(struct hub_sub *, const struct hub_request *);
static void		hub_sub_unlink(struct hub_sub *);
static void		hub_reap(void);
static void		hub_tidy(void *, u_int64_t);
static u_int64_t	hub_now_us(void);
static u_int32_t	hub_retry_ms(void);
static void		hub_disconnect(struct connection *);
static void		hub_heartbeat(void *, u_int64_t);
static char		*hub_topics_literal(const struct hub_request *);

static TAILQ_HEAD(, hub_sub)	hub_subs;
static TAILQ_HEAD(, hub_sub)	hub_dead;
static TAILQ_HEAD(, hub_sub)	hub_fresh;
static TAILQ_HEAD(, hub_topic)	hub_topics;
static struct hub_links		hub_wildcard;

u_int64_t			hub_head;
u_int64_t			hub_trim;
int				hub_started;
static struct hub_frame		*hub_beat;
struct stats_worker		*hub_stats;

void
hub_init(void)
{
	static const char	beat[] = "heartbeat";
	size_t			len;

	TAILQ_INIT(&hub_subs);
	TAILQ_INIT(&hub_dead);
	TAILQ_INIT(&hub_fresh);
	TAILQ_INIT(&hub_topics);
	TAILQ_INIT(&hub_wildcard);

	replay_init();
	hub_stats = stats_slot(worker->id);

	/* One heartbeat frame for every stream, never freed. */
	hub_beat = kore_calloc(1, sizeof(*hub_beat) + sizeof(beat) + 4);
	len = sse_comment_encode(hub_beat->data, sizeof(beat) + 4, beat);
	hub_beat->len = len;
	hub_beat->refs = 1;

	kore_timer_add(hub_heartbeat, settings.heartbeat_ms, NULL, 0);
	kore_timer_add(hub_tidy, HUB_TIDY_MS, NULL, 0);
}

void
hub_start(u_int64_t head)
{
	struct hub_sub		*sub, *next;

	hub_head = head;
	replay_start(head);
	hub_started = 1;

	for (sub = TAILQ_FIRST(&hub_subs); sub != NULL; sub = next) {
		next = TAILQ_NEXT(sub, list);
		replay_kick(sub);
	}
}

/*
 * The window may still hold events retention removed from the store; a
 * cursor below the trim point must get its reset from the store check.
 */
void
hub_trimmed(u_int64_t id)
{
	if (id > hub_trim)
		hub_trim = id;
}

/*
 * Takes over c, whose response headers have been queued: from here on
 * the hub owns its lifetime (c->hdlr_extra, c->disconnect).
 */
int
hub_subscribe(struct connection *c, const struct hub_request *r)
{
	struct hub_sub		*sub;
	char			buf[32];
	size_t			len;

	sub = kore_calloc(1, sizeof(*sub) +
	    sizeof(struct hub_link) * (r->ntopics ? r->ntopics : 1));
	sub->c = c;
	sub->state = HUB_SUB_CATCHUP;
	sub->cursor_kind = r->cursor_kind;
	sub->cursor = r->cursor;
	sub->topics_lit = hub_topics_literal(r);
	sub->rule = r->rule;
	sub->counted = r->counted;
	memcpy(sub->addr, r->addr, sizeof(sub->addr));

	c->hdlr_extra = sub;
	c->disconnect = hub_disconnect;

	TAILQ_INSERT_TAIL(&hub_subs, sub, list);
	TAILQ_INSERT_TAIL(&hub_fresh, sub, fresh_list);
	sub->fresh = 1;
	hub_sub_link(sub, r);
	hub_stats->subscribers++;

	len = sse_retry_encode(buf, sizeof(buf), hub_retry_ms());
	net_send_queue(c, buf, len);

	/*
	 * A stream from the head goes live at once. A replay runs from the
	 * event loop, not here: Kore gives handlers 10 ms a pass
	 * (http_request_ms) and then sleeps until the next timer, so
	 * replays in a storm of reconnects would trickle out.
	 */
	hub_reap();
	if (r->cursor_kind == CURSOR_NONE)
		replay_kick(sub);
	else if (!net_send_flush(c))
		kore_connection_disconnect(c);
	else
		replay_later(sub);

	return (KORE_RESULT_OK);
}

/*
 * The next event of the log. Encoded once; the window keeps a reference,
 * and each subscriber's queued netbuf another.
 */
void
hub_publish(const struct store_event *ev)
{
	struct hub_frame	*f;
	struct hub_topic	*t;
	struct hub_link		*l, *next;
	u_int64_t		start;

	hub_reap();
	start = hub_now_us();
	f = hub_frame_alloc(ev->id, ev->topic, ev->event, ev->data,
	    ev->data_len);
	if (f == NULL) {
		/* Only possible for rows that bypassed the CHECKs. */
		kore_log(LOG_ERR, "event %" PRIu64 " cannot be framed", ev->id);
		hub_head = ev->id;
		return;
	}

	hub_head = ev->id;
	replay_ring_push(f);

	if ((t = hub_topic_get(ev->topic, 0)) != NULL) {
		for (l = TAILQ_FIRST(&t->links); l != NULL; l = next) {
			next = TAILQ_NEXT(l, list);
			if (l->sub->state == HUB_SUB_LIVE &&
			    f->id > l->sub->cursor)
				hub_sub_send(l->sub, f);
		}
	}

	for (l = TAILQ_FIRST(&hub_wildcard); l != NULL; l = next) {
		next = TAILQ_NEXT(l, list);
		if (l->sub->state == HUB_SUB_LIVE && f->id > l->sub->cursor &&
		    (acl.nprivate == 0 || hub_sub_wants(l->sub, f->topic)))
			hub_sub_send(l->sub, f);
	}

	stats_fanout(hub_stats, hub_now_us() - start);
}

/*
 * Each stream gets its own retry, spread from half to one and a half
 * times SSEHUB_RETRY_MS, so after a restart or crash thousands of
 * clients do not all come back in the same millisecond.
 */
static u_int32_t
hub_retry_ms(void)
{
	return (settings.retry_ms / 2 + arc4random_uniform(settings.retry_ms));
}

/*
 * The worker is stopping (SIGTERM): tell every stream when to come back,
 * spread out, and write what is queued. Kore closes the sockets next and
 * clients resume with Last-Event-ID.
 */
void
hub_shutdown(void)
{
	struct hub_sub		*sub;
	char			buf[32];
	size_t			len;

	TAILQ_FOREACH(sub, &hub_subs, list) {
		len = sse_retry_encode(buf, sizeof(buf), hub_retry_ms());
		net_send_queue(sub->c, buf, len);
		(void)net_send_flush(sub->c);
	}
}

static u_int64_t
hub_now_us(void)
{
	struct timespec		ts;

	(void)clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((u_int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000);
}

struct hub_frame *
hub_frame_alloc(u_int64_t id, const char *topic, const char *event,
    const char *data, size_t len)
{
	struct hub_frame	*f;
	size_t			size;

	if ((size = sse_frame_size(id, event, data, len)) == 0)
		return (NULL);

	f = kore_malloc(sizeof(*f) + size);
	f->refs = 1;
	f->id = id;
	(void)kore_strlcpy(f->topic, topic, sizeof(f->topic));
	if (!sse_frame_encode(f->data, size, id, event, data, len, &f->len)) {
		kore_free(f);
		return (NULL);
	}

	return (f);
}

void
hub_frame_unref(struct hub_frame *f)
{
	if (--f->refs == 0)
		kore_free(f);
}

/* Kore calls this when a frame's netbuf is sent or its connection dies. */
static int
hub_frame_sent(struct netbuf *nb)
{
	struct hub_frame	*f;
	struct hub_sub		*sub;

	f = (struct hub_frame *)((char *)nb->buf -
	    offsetof(struct hub_frame, data));

	/* hdlr_extra is NULL once hub_disconnect() freed the subscriber. */
	if ((sub = nb->owner->hdlr_extra) != NULL) {
		sub->queued -= nb->b_len;
		hub_stats->queued_bytes -= nb->b_len;
		/* Not from here: Kore is in the middle of writing to it. */
		replay_drained(sub);
	}

	hub_frame_unref(f);
	return (KORE_RESULT_OK);
}












/*
 * Queue f on sub's socket without copying it. The first frame on an
 * empty queue is written at once; behind a backlog the cap decides.
 */
void
hub_sub_send(struct hub_sub *sub, struct hub_frame *f)
{
	struct connection	*c = sub->c;
	int			empty;

	if (f->id > sub->cursor)
		sub->cursor = f->id;

	if (sub->state == HUB_SUB_LIVE && queue_policy_decide(sub->queued,
	    f->len, settings.queue_cap) == QUEUE_CUTOFF) {
		hub_stats->slow_disconnects++;
		kore_log(LOG_NOTICE, "subscriber cut off: %zu bytes queued",
		    sub->queued);
		kore_connection_disconnect(c);
		return;
	}

	empty = TAILQ_EMPTY(&c->send_queue);
	f->refs++;
	sub->queued += f->len;
	hub_stats->queued_bytes += f->len;
	hub_stats->delivered++;
	net_send_stream(c, f->data, f->len, hub_frame_sent, NULL);

	if (!empty || sub->state != HUB_SUB_LIVE)
		return;

	if (!net_send_flush(c))
		kore_connection_disconnect(c);
}

int
hub_sub_wants(struct hub_sub *sub, const char *topic)
{
	int		i;

	/* Named topics were authorised when the stream was opened. */
	if (sub->ntopics == 0)
		return (acl_can_read(&acl, sub->rule, topic));
	for (i = 0; i < sub->ntopics; i++) {
		if (strcmp(sub->links[i].topic->name, topic) == 0)
			return (1);
	}
	return (0);
}

static void
hub_sub_link(struct hub_sub *sub, const struct hub_request *r)
{
	struct hub_link		*l;
	int			i;

	if (r->ntopics == 0) {
		l = &sub->links[0];
		l->sub = sub;
		l->topic = NULL;
		TAILQ_INSERT_TAIL(&hub_wildcard, l, list);
		return;
	}

	for (i = 0; i < r->ntopics; i++) {
		l = &sub->links[i];
		l->sub = sub;
		l->topic = hub_topic_get(r->topics[i], 1);
		TAILQ_INSERT_TAIL(&l->topic->links, l, list);
	}
	sub->ntopics = r->ntopics;
}

/* Topics without subscribers are deleted, so the list stays short. */
static void
hub_sub_unlink(struct hub_sub *sub)
{
	struct hub_link		*l;
	int			i;

	if (sub->ntopics == 0) {
		TAILQ_REMOVE(&hub_wildcard, &sub->links[0], list);
		return;
	}

	for (i = 0; i < sub->ntopics; i++) {
		l = &sub->links[i];
		TAILQ_REMOVE(&l->topic->links, l, list);
		if (TAILQ_EMPTY(&l->topic->links)) {
			TAILQ_REMOVE(&hub_topics, l->topic, list);
			kore_free(l->topic);
		}
	}
}

/*
 * Topics are found by a linear walk: a worker carries few distinct
 * topics at a time and the walk happens once per event, not per
 * subscriber.
 */
static struct hub_topic *
hub_topic_get(const char *name, int create)
{
	struct hub_topic	*t;

	TAILQ_FOREACH(t, &hub_topics, list) {
		if (strcmp(t->name, name) == 0)
			return (t);
	}

	if (!create)
		return (NULL);

	t = kore_calloc(1, sizeof(*t));
	TAILQ_INIT(&t->links);
	(void)kore_strlcpy(t->name, name, sizeof(t->name));
	TAILQ_INSERT_TAIL(&hub_topics, t, list);

	return (t);
}

static char *
hub_topics_literal(const struct hub_request *r)
{
	size_t		lens[HUB_TOPICS_MAX];
	char		*lit;
	size_t		len;
	int		i;

	if (r->ntopics == 0)
		return (NULL);

	for (i = 0; i < r->ntopics; i++)
		lens[i] = strlen(r->topics[i]);

	len = pg_array_size(r->topics, lens, r->ntopics);
	lit = kore_malloc(len + 1);
	lit[pg_array_encode(lit, r->topics, lens, r->ntopics)] = '\0';

	return (lit);
}

/*
 * Kore calls this synchronously when the connection goes (field notes:
 * it frees c->hdlr_extra later, so it must be NULL by then). A pending
 * store call still points at sub: it frees sub when it returns.
 */
static void
hub_disconnect(struct connection *c)
{
	struct hub_sub		*sub = c->hdlr_extra;

	c->hdlr_extra = NULL;
	TAILQ_REMOVE(&hub_subs, sub, list);
	if (sub->fresh)
		TAILQ_REMOVE(&hub_fresh, sub, fresh_list);
	replay_forget(sub);
	hub_sub_unlink(sub);
	hub_stats->subscribers--;
	hub_stats->queued_bytes -= sub->queued;
	if (sub->counted)
		quota_stream_leave(sub->addr);
	sub->c = NULL;

	/*
	 * Callers up the stack may still hold sub (a cut-off inside a
	 * fan-out loop), so it is freed later by hub_reap(), or by the
	 * store callback that holds it.
	 */
	if (sub->querying)
		sub->gone = 1;
	else
		TAILQ_INSERT_TAIL(&hub_dead, sub, list);
}

static void
hub_reap(void)
{
	struct hub_sub		*sub;

	while ((sub = TAILQ_FIRST(&hub_dead)) != NULL) {
		TAILQ_REMOVE(&hub_dead, sub, list);
		hub_sub_free(sub);
	}
}

/*
 * A stream never reads another request, yet Kore keeps each connection's
 * header buffer (http_header_max bytes) for one: the largest part of a
 * subscriber's memory. Freed here, once the request that parsed into it
 * is gone (Kore frees it after the handler returns); with no buffer Kore
 * reads nothing more, and a peer's close still arrives as RDHUP.
 */
static void
hub_tidy(void *arg, u_int64_t now)
{
	struct hub_sub		*sub;
	struct netbuf		*rnb;

	(void)arg;
	(void)now;

	while ((sub = TAILQ_FIRST(&hub_fresh)) != NULL) {
		TAILQ_REMOVE(&hub_fresh, sub, fresh_list);
		sub->fresh = 0;
		if ((rnb = sub->c->rnb) == NULL || !TAILQ_EMPTY(
		    &sub->c->http_requests))
			continue;
		kore_free(rnb->buf);
		rnb->buf = NULL;
		rnb->b_len = rnb->m_len = rnb->s_off = 0;
	}
}

void
hub_sub_free(struct hub_sub *sub)
{
	kore_free(sub->topics_lit);
	kore_free(sub);
}

/*
 * Every stream gets a comment so proxies keep it open; a stream whose
 * queue has drained gets its idle timer restarted, so only a client
 * that stopped reading runs out of time. Stalled catch-ups retry here.
 */
static void
hub_heartbeat(void *arg, u_int64_t now)
{
	struct hub_sub		*sub, *next;
	struct connection	*c;

	(void)arg;
	(void)now;

	hub_reap();
	for (sub = TAILQ_FIRST(&hub_subs); sub != NULL; sub = next) {
		next = TAILQ_NEXT(sub, list);
		c = sub->c;
		if (TAILQ_EMPTY(&c->send_queue))
			kore_connection_start_idletimer(c);
		if (sub->state == HUB_SUB_CATCHUP)
			replay_kick(sub);
		if (sub->c == NULL)
			continue;
		hub_beat->refs++;
		sub->queued += hub_beat->len;
		hub_stats->queued_bytes += hub_beat->len;
		net_send_stream(c, hub_beat->data, hub_beat->len,
		    hub_frame_sent, NULL);
		if (!net_send_flush(c))
			kore_connection_disconnect(c);
	}
}

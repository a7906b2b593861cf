/*
 * hub: the subscribers of one worker, their topics, the fan-out of new
 * frames to LIVE subscribers, heartbeats, and their lifetime with Kore's
 * connections. Catch-up is replay.c's; both move subscribers only
 * through sub.h.
 *
 * Timers: one heartbeat sweep per worker walks the subscriber list (Kore's
 * timer list is O(n) per insert; docs/kore-4.1.md, "Timers").
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

#include "access.h"
#include "acl.h"
#include "batch.h"
#include "cursor.h"
#include "frame.h"
#include "grant.h"
#include "hub.h"
#include "pg_array.h"
#include "presence.h"
#include "presence_feed.h"
#include "publish_body.h"
#include "replay.h"
#include "revoke.h"
#include "settings.h"
#include "sse_frame.h"
#include "stats.h"
#include "sub.h"
#include "topics.h"
#include "window.h"

#define HUB_EXPIRE_MS		1000

/* One event for the envelope streams: its frame, and theirs once made. */
struct hub_out {
	const struct store_event	*ev;
	struct frame			*f;
	struct frame			*env;
};

static void		hub_fanout(void);
static struct batch_run	*hub_first_run(struct sub *);
static void		hub_deliver_run(struct sub *, struct batch_run *, int);
static void		hub_deliver_joined(struct sub *, struct frame *,
			    size_t);
static void		hub_deliver(struct sub *, struct frame *);
static int		hub_join_fits(const struct sub *, size_t, int);
static void		hub_envelope_fanout(struct hub_out *);
static void		hub_envelope_deliver(struct sub *, struct hub_out *);
static void		hub_sub_link(struct sub *, const struct hub_request *);
static void		hub_sub_unlink(struct sub *);
static void		hub_reap(void);
static u_int64_t	hub_now_us(void);
static u_int32_t	hub_retry_ms(void);
static void		hub_disconnect(struct connection *);
static void		hub_heartbeat(void *, u_int64_t);
static void		hub_expire(void *, u_int64_t);
static void		hub_end(struct sub *, const char *, int);
static char		*hub_topics_literal(const struct hub_request *);

static TAILQ_HEAD(, sub)	hub_subs = TAILQ_HEAD_INITIALIZER(hub_subs);
static TAILQ_HEAD(, sub)	hub_dead = TAILQ_HEAD_INITIALIZER(hub_dead);
/* Streams opened with a JWT: they end when it expires or is revoked. */
static TAILQ_HEAD(, sub)	hub_granted = TAILQ_HEAD_INITIALIZER(hub_granted);
static TAILQ_HEAD(, sub_link)	hub_wildcard =
    TAILQ_HEAD_INITIALIZER(hub_wildcard);
static u_int32_t		hub_envelopes;	/* open envelope=1 streams */
static struct frame		*hub_beat;
static struct stats_worker	*hub_stats;
static struct batch		hub_batch;	/* frames not fanned out yet */
static u_int64_t		hub_batch_us;	/* when the first arrived */
static struct frame		**hub_mine;	/* one subscriber's share */
static size_t			hub_mine_cap;

void
hub_init(void)
{
	sub_init();
	topics_init();
	batch_init(&hub_batch);
	window_init(settings.ring_size);
	replay_init();
	/* A worker that died left its gauges and stream counts behind. */
	hub_stats = stats_slot(worker->id);
	hub_stats->subscribers = 0;
	hub_stats->queued_bytes = 0;
	quota_worker_start(worker->id, worker->restarted);
	presence_worker_start(worker->id);
	presence_feed_init();

	/* One heartbeat frame for every stream, never freed. */
	hub_beat = frame_comment("heartbeat");

	kore_timer_add(hub_heartbeat, settings.heartbeat_ms, NULL, 0);
	if (access_jwt_on())
		kore_timer_add(hub_expire, HUB_EXPIRE_MS, NULL, 0);
}

void
hub_start(u_int64_t head)
{
	window_restart(head);
	replay_start();
}

/*
 * Takes over c, whose response headers have been queued: from here on
 * the hub owns its lifetime (c->hdlr_extra, c->disconnect).
 */
int
hub_subscribe(struct connection *c, const struct hub_request *r)
{
	struct sub	*sub;
	char		buf[32];
	size_t		len;

	hub_reap();
	sub = sub_alloc(c, r->ntopics);
	sub->cursor_kind = r->cursor_kind;
	sub->cursor = r->cursor_kind == CURSOR_VALID ? r->cursor : 0;
	sub->last = r->last;
	if ((sub->envelope = r->envelope != 0))
		hub_envelopes++;
	sub->presence = r->presence != 0;
	sub->topics_lit = hub_topics_literal(r);
	sub->rule = r->rule;
	if ((sub->grant = r->grant) != NULL)
		TAILQ_INSERT_TAIL(&hub_granted, sub, grant_list);
	sub->counted = r->counted;
	memcpy(sub->addr, r->addr, sizeof(sub->addr));

	c->hdlr_extra = sub;
	c->disconnect = hub_disconnect;

	TAILQ_INSERT_TAIL(&hub_subs, sub, list);
	hub_sub_link(sub, r);
	hub_stats->subscribers++;

	len = sse_retry_encode(buf, sizeof(buf), hub_retry_ms());
	net_send_queue(c, buf, len);
	sub_flush(sub);
	if (sub->c != NULL)
		replay_begin(sub);

	return (KORE_RESULT_OK);
}

/*
 * The next event of the log. Encoded once; the window keeps a reference,
 * the batch another until hub_flush() fans it out.
 */
void
hub_publish(const struct store_event *ev)
{
	struct frame	*f;
	struct hub_out	o;

	hub_reap();
	if (hub_batch.all.n == 0)
		hub_batch_us = hub_now_us();
	if ((f = frame_event(ev, 0)) == NULL) {
		/* Only possible for rows that bypassed the CHECKs. */
		kore_log(LOG_ERR, "event %" PRIu64 " cannot be framed", ev->id);
	}
	window_push(ev->id, f);
	if (f == NULL)
		return;
	if (hub_envelopes > 0) {
		o.ev = ev;
		o.f = f;
		o.env = NULL;
		hub_envelope_fanout(&o);
		if (o.env != NULL)
			frame_unref(o.env);
	}
	batch_add(&hub_batch, f, topics_get(f->topic, 0));
}

/*
 * bus.c read a page of the log: every LIVE subscriber gets its frames of
 * it in one write (one send() per subscriber, not one per event), each
 * subscriber's in id order. Nothing else runs between hub_publish() and
 * here, so no subscriber changed state in between.
 */
void
hub_flush(void)
{
	struct batch_run	*r;
	u_int64_t		us;
	size_t			i;

	if (hub_batch.all.n == 0)
		return;
	if (hub_mine_cap < hub_batch.all.n) {
		hub_mine_cap = hub_batch.all.n;
		hub_mine = kore_realloc(hub_mine,
		    hub_mine_cap * sizeof(*hub_mine));
	}

	hub_fanout();

	us = hub_now_us() - hub_batch_us;
	for (i = 0; i < hub_batch.nruns; i++) {
		r = &hub_batch.runs[i];
		if (r->joined != NULL)
			frame_unref(r->joined);
	}
	if (hub_batch.all.joined != NULL)
		frame_unref(hub_batch.all.joined);
	for (i = 0; i < hub_batch.all.n; i++) {
		stats_fanout(hub_stats, us);
		frame_unref(hub_batch.all.items[i]);
	}
	batch_clear(&hub_batch);
}

/*
 * Each subscriber is visited once: on a topic's list when it reads that
 * topic alone, on the list of its first topic in the batch when it reads
 * several (then its frames of every topic, merged in id order), on the
 * wildcard list when it reads all. A topic is looked up again by name,
 * not kept from hub_publish(): a cut-off may have deleted it since.
 */
static void
hub_fanout(void)
{
	struct batch_run	*r;
	struct topic		*t;
	struct sub_link		*l, *next;
	struct frame		*f;
	size_t			i;

	for (i = 0; i < hub_batch.nruns; i++) {
		r = &hub_batch.runs[i];
		f = r->items[0];
		/* No key: topics nobody here reads, several in one run. */
		if (r->key == NULL || (t = topics_get(f->topic, 0)) == NULL)
			continue;
		for (l = TAILQ_FIRST(&t->links); l != NULL; l = next) {
			next = TAILQ_NEXT(l, list);
			if (l->sub->ntopics == 1)
				hub_deliver_run(l->sub, r, 1);
			else if (hub_first_run(l->sub) == r)
				hub_deliver_run(l->sub, &hub_batch.all, 0);
		}
	}

	for (l = TAILQ_FIRST(&hub_wildcard); l != NULL; l = next) {
		next = TAILQ_NEXT(l, list);
		hub_deliver_run(l->sub, &hub_batch.all, acl.nprivate == 0);
	}
}

static struct batch_run *
hub_first_run(struct sub *sub)
{
	struct batch_run	*r;
	int			i;

	for (i = 0; i < sub->ntopics; i++) {
		if ((r = batch_run_of(&hub_batch, sub->links[i].topic)) != NULL)
			return (r);
	}
	return (NULL);
}

/*
 * sub's frames of run r (all of them when wants_all, else those of its
 * topics), above its cursor, in one write: r's shared join when that is
 * every frame of r, else a join of its own; a single frame as it is.
 */
static void
hub_deliver_run(struct sub *sub, struct batch_run *r, int wants_all)
{
	struct frame	*f;
	size_t		i, n = 0;

	if (sub->state != SUB_LIVE || sub->envelope)
		return;
	for (i = 0; i < r->n; i++) {
		f = r->items[i];
		if (f->id > sub->cursor &&
		    (wants_all || sub_wants(sub, f->topic)))
			hub_mine[n++] = f;
	}

	if (n > 1 && !hub_join_fits(sub, n, n == r->n)) {
		for (i = 0; i < n; i++)
			hub_deliver(sub, hub_mine[i]);
	} else if (n == 1) {
		hub_deliver(sub, hub_mine[0]);
	} else if (n == r->n) {
		if (r->joined == NULL)
			r->joined = frame_join((struct frame **)r->items, n);
		hub_deliver_joined(sub, r->joined, n);
	} else if (n > 1) {
		f = frame_join(hub_mine, n);
		hub_deliver_joined(sub, f, n);
		frame_unref(f);
	}
}

/*
 * Whether sub's n frames (hub_mine) may go as one join. Not when they
 * would take its queue over the cap: frame by frame, the cap cuts it off
 * where it always did, not a page later. And a join of its own (a copy)
 * only onto an empty queue, where it is written at once: a stream with a
 * backlog gains nothing from it, and copies held by streams that stopped
 * reading would add up; the shared frames cost nothing more.
 */
static int
hub_join_fits(const struct sub *sub, size_t n, int shared)
{
	size_t		i, len;

	if (!shared && !TAILQ_EMPTY(&sub->c->send_queue))
		return (0);
	for (i = 0, len = sub->queued; i < n; i++)
		len += hub_mine[i]->len;
	return (len <= settings.queue_cap);
}

/* f carries n frames: the delivered counter counts frames, not writes. */
static void
hub_deliver_joined(struct sub *sub, struct frame *f, size_t n)
{
	sub_cursor_set(sub, f->id);
	if (sub_send(sub, f) == KORE_RESULT_OK)
		hub_stats->delivered += n - 1;
}

/* Catch-up subscribers let it pass: replay brings them to it. */
static void
hub_deliver(struct sub *sub, struct frame *f)
{
	if (sub->state != SUB_LIVE || f->id <= sub->cursor)
		return;
	sub_cursor_set(sub, f->id);
	(void)sub_send(sub, f);
}

/*
 * Envelope streams (few) get each event as it is read, in its envelope
 * frame, made once for the first of them; hub_flush() skips them. Their
 * frames go out in id order all the same: hub_publish() runs in id order.
 */
static void
hub_envelope_fanout(struct hub_out *o)
{
	struct topic		*t;
	struct sub_link		*l, *next;

	if ((t = topics_get(o->f->topic, 0)) != NULL) {
		for (l = TAILQ_FIRST(&t->links); l != NULL; l = next) {
			next = TAILQ_NEXT(l, list);
			hub_envelope_deliver(l->sub, o);
		}
	}

	for (l = TAILQ_FIRST(&hub_wildcard); l != NULL; l = next) {
		next = TAILQ_NEXT(l, list);
		if (acl.nprivate == 0 || sub_wants(l->sub, o->f->topic))
			hub_envelope_deliver(l->sub, o);
	}
}

static void
hub_envelope_deliver(struct sub *sub, struct hub_out *o)
{
	if (!sub->envelope || sub->state != SUB_LIVE ||
	    o->f->id <= sub->cursor)
		return;
	if (o->env == NULL && (o->env = frame_event(o->ev, 1)) == NULL)
		return;
	sub_cursor_set(sub, o->f->id);
	(void)sub_send(sub, o->env);
}

/*
 * Retention removed (..., last] before this worker read it: LIVE
 * subscribers below it are told with a reset frame, never left with a
 * silent gap. Catch-ups learn it from their next store page.
 */
void
hub_gap(u_int64_t last)
{
	struct sub	*sub, *next;
	struct frame	*f;

	/* What came before the hole goes first. */
	hub_flush();
	hub_reap();
	window_restart(last);
	if ((f = frame_reset(last, last + 1)) == NULL)
		return;
	for (sub = TAILQ_FIRST(&hub_subs); sub != NULL; sub = next) {
		next = TAILQ_NEXT(sub, list);
		if (sub->state != SUB_LIVE || sub->cursor >= last)
			continue;
		sub_cursor_set(sub, last);
		(void)sub_send(sub, f);
	}
	frame_unref(f);
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
	struct sub	*sub;
	char		buf[32];
	size_t		len;

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

static void
hub_sub_link(struct sub *sub, const struct hub_request *r)
{
	struct sub_link		*l;
	struct topic		*t;
	int			i;

	if (r->ntopics == 0) {
		l = &sub->links[0];
		l->sub = sub;
		TAILQ_INSERT_TAIL(&hub_wildcard, l, list);
		return;
	}

	for (i = 0; i < r->ntopics; i++) {
		t = topics_get(r->topics[i], 1);
		l = &sub->links[i];
		l->sub = sub;
		l->topic = t;
		l->name = t->name;
		TAILQ_INSERT_TAIL(&t->links, l, list);
		l->presence_counted = presence_enter(t->name);
	}
	if (sub->presence)
		presence_feed_add(sub);
}

static void
hub_sub_unlink(struct sub *sub)
{
	struct topic	*t;
	int		i;

	if (sub->ntopics == 0) {
		TAILQ_REMOVE(&hub_wildcard, &sub->links[0], list);
		return;
	}

	if (sub->presence)
		presence_feed_remove(sub);
	for (i = 0; i < sub->ntopics; i++) {
		t = sub->links[i].topic;
		if (sub->links[i].presence_counted)
			presence_leave(t->name);
		TAILQ_REMOVE(&t->links, &sub->links[i], list);
		sub->links[i].name = NULL;
		topics_tidy(t);
	}
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
 * Kore calls this synchronously when the connection goes, and frees
 * c->hdlr_extra later, so it must be NULL by then. Callers up the stack
 * may still hold sub (a cut-off inside a fan-out loop): it is freed by
 * hub_reap(), or by the store call that holds it (sub_close()).
 */
static void
hub_disconnect(struct connection *c)
{
	struct sub	*sub = c->hdlr_extra;

	c->hdlr_extra = NULL;
	TAILQ_REMOVE(&hub_subs, sub, list);
	if (sub->grant != NULL)
		TAILQ_REMOVE(&hub_granted, sub, grant_list);
	if (sub->envelope)
		hub_envelopes--;
	replay_forget(sub);
	hub_sub_unlink(sub);
	hub_stats->subscribers--;
	if (sub->counted)
		quota_stream_leave(sub->addr);
	if (sub_close(sub))
		TAILQ_INSERT_TAIL(&hub_dead, sub, list);
}

static void
hub_reap(void)
{
	struct sub	*sub;

	while ((sub = TAILQ_FIRST(&hub_dead)) != NULL) {
		TAILQ_REMOVE(&hub_dead, sub, list);
		sub_free(sub);
	}
}

/*
 * Every stream gets a comment so proxies keep it open; a stream whose
 * queue has drained gets its idle timer restarted, so only a client
 * that stopped reading runs out of time.
 */
static void
hub_heartbeat(void *arg, u_int64_t now)
{
	struct sub		*sub, *next;
	struct connection	*c;

	(void)arg;
	(void)now;

	hub_reap();
	for (sub = TAILQ_FIRST(&hub_subs); sub != NULL; sub = next) {
		next = TAILQ_NEXT(sub, list);
		c = sub->c;
		if (TAILQ_EMPTY(&c->send_queue))
			kore_connection_start_idletimer(c);
		sub_comment(sub, hub_beat);
	}
}

/* A stream ends when exp (plus leeway) passes: it comes back with a new token. */
static void
hub_expire(void *arg, u_int64_t now)
{
	struct sub	*sub, *next;
	int64_t		wall = (int64_t)time(NULL);

	(void)arg;
	(void)now;

	for (sub = TAILQ_FIRST(&hub_granted); sub != NULL; sub = next) {
		next = TAILQ_NEXT(sub, grant_list);
		if (sub->grant->expires != 0 && wall >= sub->grant->expires)
			hub_end(sub, "token expired", 1);
	}
}

void
hub_revoked(void)
{
	struct sub	*sub, *next;
	int64_t		wall = (int64_t)time(NULL);

	for (sub = TAILQ_FIRST(&hub_granted); sub != NULL; sub = next) {
		next = TAILQ_NEXT(sub, grant_list);
		if (revoke_matches(sub->grant, wall))
			hub_end(sub, "token revoked", 0);
	}
}

/*
 * Ends a stream with a comment saying why (and, when it may come back
 * with a fresh token, when), written at once if the socket takes it.
 */
static void
hub_end(struct sub *sub, const char *why, int retry)
{
	struct connection	*c = sub->c;
	char			buf[64];
	size_t			len;

	len = 0;
	if (retry)
		len = sse_retry_encode(buf, sizeof(buf), hub_retry_ms());
	len += (size_t)snprintf(buf + len, sizeof(buf) - len, ": %s\n\n", why);
	net_send_queue(c, buf, len);
	(void)net_send_flush(c);
	kore_connection_disconnect(c);
}

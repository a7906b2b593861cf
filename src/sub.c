/*
 * sub: a subscriber's state, cursor, socket queue and lifetime. hub.c
 * (fan-out) and replay.c (catch-up) both move subscribers through the
 * states in sub.h, only through sub_set_state(), which refuses a move
 * the diagram does not have: a bug in either shows up at once, in the
 * log, not as a duplicate or a gap on some client days later.
 */

#include <sys/types.h>
#include <sys/queue.h>

#include <kore/kore.h>
#include <kore/http.h>

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "access.h"
#include "acl.h"
#include "debug.h"
#include "frame.h"
#include "queue_policy.h"
#include "replay.h"
#include "settings.h"
#include "stats.h"
#include "sub.h"

static void			sub_queue(struct sub *, struct frame *);
static void			sub_fail(const struct sub *, const char *,
				    u_int64_t);
static int			sub_sent(struct netbuf *);

static struct stats_worker	*sub_stats;

void
sub_init(void)
{
	sub_stats = stats_slot(worker->id);
}

/* The caller links the topics and sets the rest; sub starts WAITING. */
struct sub *
sub_alloc(struct connection *c, int ntopics)
{
	struct sub	*sub;

	sub = kore_calloc(1, sizeof(*sub) +
	    sizeof(struct sub_link) * (ntopics ? ntopics : 1));
	sub->c = c;
	sub->state = SUB_WAITING;
	sub->ntopics = ntopics;

	return (sub);
}

void
sub_set_state(struct sub *sub, enum sub_state to)
{
	if (!sub_state_can(sub->state, to))
		sub_fail(sub, sub_state_name(to), sub->cursor);
	DEBUG("subscriber %p: %s -> %s at %" PRIu64, (void *)sub,
	    sub_state_name(sub->state), sub_state_name(to), sub->cursor);
	sub->state = to;
}

/*
 * A move the state machine does not have is a bug that would otherwise
 * show as a duplicate or a gap on some client: stop this worker at once
 * (Kore starts another; its clients resume by cursor). abort(), not
 * fatalx(): a worker's fatalx() takes the whole server down.
 */
static void
sub_fail(const struct sub *sub, const char *what, u_int64_t id)
{
	kore_log(LOG_ERR, "subscriber %p: %s -> %s at %" PRIu64 " (cursor %"
	    PRIu64 ") is not a move it can make", (const void *)sub,
	    sub_state_name(sub->state), what, id, sub->cursor);
	abort();
}

/* The cursor never goes back: an id sent twice is a duplicate. */
void
sub_cursor_set(struct sub *sub, u_int64_t id)
{
	if (id < sub->cursor)
		sub_fail(sub, "a lower cursor", id);
	sub->cursor = id;
}

/*
 * The store said the claimed cursor is unknown (malformed, or beyond the
 * log), or placed a last=N stream's: nothing of the log was sent yet, so
 * it may start again lower.
 */
void
sub_cursor_reset(struct sub *sub, u_int64_t id)
{
	if (sub->state != SUB_CHECKING)
		sub_fail(sub, "a reset", id);
	DEBUG("subscriber %p: cursor reset from %" PRIu64 " to %" PRIu64,
	    (void *)sub, sub->cursor, id);
	sub->cursor = id;
}

int
sub_wants(const struct sub *sub, const char *topic)
{
	int		i;

	/* Named topics were authorised when the stream was opened. */
	if (sub->ntopics == 0)
		return (acl_can_read(&acl, sub->rule, topic));
	for (i = 0; i < sub->ntopics; i++) {
		if (strcmp(sub->links[i].name, topic) == 0)
			return (1);
	}
	return (0);
}

/*
 * What catch-up may queue now: at most half the cap ahead of the client,
 * so a client far behind is paced by its socket, never cut off by its
 * own replay. Live frames are held to the full cap (sub_send).
 */
size_t
sub_room(const struct sub *sub)
{
	size_t		half = settings.queue_cap / 2;

	return (sub->queued < half ? half - sub->queued : 0);
}

static void
sub_queue(struct sub *sub, struct frame *f)
{
	f->refs++;
	sub->queued += f->len;
	sub_stats->queued_bytes += f->len;
	net_send_stream(sub->c, f->data, f->len, sub_sent, NULL);
}

/*
 * Queue f on sub's socket without copying it (a reference is taken).
 * A live subscriber over the cap is cut off: it reconnects and resumes
 * from the store. Returns KORE_RESULT_ERROR when sub was closed.
 */
int
sub_send(struct sub *sub, struct frame *f)
{
	struct connection	*c = sub->c;
	int			empty;

	if (sub->state == SUB_LIVE && queue_policy_decide(sub->queued,
	    f->len, settings.queue_cap) == QUEUE_CUTOFF) {
		sub_stats->slow_disconnects++;
		kore_log(LOG_NOTICE, "subscriber cut off: %zu bytes queued",
		    sub->queued);
		kore_connection_disconnect(c);
		return (KORE_RESULT_ERROR);
	}

	empty = TAILQ_EMPTY(&c->send_queue);
	sub_stats->delivered++;
	sub_queue(sub, f);

	/* Behind a backlog Kore writes when the socket allows. */
	if (empty && sub->state == SUB_LIVE)
		sub_flush(sub);

	return (sub->c != NULL ? KORE_RESULT_OK : KORE_RESULT_ERROR);
}

/* A comment (heartbeat): never cut off for it, written at once. */
void
sub_comment(struct sub *sub, struct frame *f)
{
	sub_queue(sub, f);
	sub_flush(sub);
}

void
sub_flush(struct sub *sub)
{
	if (!net_send_flush(sub->c))
		kore_connection_disconnect(sub->c);
}

/* Kore calls this when a frame's netbuf is sent or its connection dies. */
static int
sub_sent(struct netbuf *nb)
{
	struct frame	*f;
	struct sub	*sub;

	f = (struct frame *)((char *)nb->buf - offsetof(struct frame, data));

	/* hdlr_extra is NULL once the hub saw the connection go. */
	if ((sub = nb->owner->hdlr_extra) != NULL) {
		sub->queued -= nb->b_len;
		sub_stats->queued_bytes -= nb->b_len;
		replay_drained(sub);
	}

	frame_unref(f);
	replay_budget();
	return (KORE_RESULT_OK);
}

/*
 * The connection is gone. Returns 1 when sub may be freed once the
 * caller's stack lets go of it, 0 when a store call holds it: that
 * call's answer frees it.
 */
int
sub_close(struct sub *sub)
{
	enum sub_state	was = sub->state;

	sub_stats->queued_bytes -= sub->queued;
	sub->queued = 0;
	sub->c = NULL;
	sub_set_state(sub, SUB_CLOSED);

	return (was != SUB_CHECKING && was != SUB_FETCHING);
}

/* The one place a subscriber is freed. */
void
sub_free(struct sub *sub)
{
	if (sub->state != SUB_CLOSED)
		sub_fail(sub, "freed", sub->cursor);
	access_grant_free(sub->grant);
	kore_free(sub->topics_lit);
	kore_free(sub);
}

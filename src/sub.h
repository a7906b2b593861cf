/*
 * sub: one subscriber (an open /stream) and its life as a state machine.
 *
 *   WAITING ---> REPLAYING <---> PAUSED         (catch-up: replay.c)
 *      ^          |  ^  |
 *      |          v  |  v
 *      +------ CHECKING  FETCHING
 *                 |  \      |
 *                 v   `-> LIVE                   (fan-out: hub.c)
 *   any state ---> CLOSED
 *
 * WAITING: the head of the log is not known yet, or the store failed;
 * retried. REPLAYING: catch-up may send its next part. CHECKING and
 * FETCHING: a store call holds the subscriber. PAUSED: its socket must
 * drain first. LIVE: every new frame of its topics goes out as it
 * arrives; a subscriber never leaves LIVE except to close. CLOSED: the
 * connection is gone; freed by sub_free() once nothing holds it.
 *
 * The cursor is the last id sent or passed over; it only moves forward,
 * except once, when the store says a claimed cursor is unknown (reset).
 */
#ifndef SSEHUB_SUB_H
#define SSEHUB_SUB_H

#include <sys/types.h>
#include <sys/queue.h>

#include "quota.h"
#include "sub_state.h"

struct connection;
struct acl_rule;
struct grant;
struct frame;
struct sub;
struct sub_queue;

/* A subscriber on one topic's list (hub.c owns the lists). */
struct sub_link {
	TAILQ_ENTRY(sub_link)	list;
	struct sub		*sub;
	void			*topic;		/* hub.c's entry */
	const char		*name;		/* kept by that entry */
	u_int64_t		presence_sent;	/* presence_feed.c */
	u_int8_t		presence_counted; /* presence_enter() took it */
};

struct sub {
	TAILQ_ENTRY(sub)	list;		/* hub.c: open, or to reap */
	TAILQ_ENTRY(sub)	run_list;	/* replay.c: to run or retry */
	TAILQ_ENTRY(sub)	presence_list;	/* presence_feed.c */
	TAILQ_ENTRY(sub)	grant_list;	/* hub.c: has a grant */
	struct sub_queue	*run_on;	/* which replay list, or NULL */
	struct connection	*c;		/* NULL once CLOSED */
	enum sub_state		state;
	int			cursor_kind;	/* CURSOR_* */
	u_int64_t		cursor;
	u_int32_t		last;		/* CURSOR_LAST: how many */
	u_int8_t		envelope;	/* data as a JSON object */
	u_int8_t		presence;	/* presence frames */
	size_t			queued;		/* bytes in Kore's queue */
	int			counted;	/* leaves quota on close */
	u_int8_t		addr[QUOTA_ADDR_LEN];
	char			*topics_lit;	/* text[] literal; NULL: all */
	const struct acl_rule	*rule;		/* for private topics */
	struct grant		*grant;		/* a JWT's, owned; or NULL */
	int			ntopics;	/* 0: every topic */
	struct sub_link		links[];
};

void		sub_init(void);
struct sub	*sub_alloc(struct connection *, int ntopics);
void		sub_set_state(struct sub *, enum sub_state);
void		sub_cursor_set(struct sub *, u_int64_t);
void		sub_cursor_reset(struct sub *, u_int64_t);
int		sub_wants(const struct sub *, const char *topic);
size_t		sub_room(const struct sub *);
int		sub_send(struct sub *, struct frame *);
void		sub_comment(struct sub *, struct frame *);
void		sub_flush(struct sub *);
int		sub_close(struct sub *);
void		sub_free(struct sub *);

#endif

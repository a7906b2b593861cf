/*
 * hub_private.h: what hub.c (subscribers, fan-out, heartbeats) and
 * replay.c (bringing a subscriber from its cursor to the head) share.
 * Not for the rest of ssehub: they see hub.h only.
 */
#ifndef SSEHUB_HUB_PRIVATE_H
#define SSEHUB_HUB_PRIVATE_H

#include <sys/queue.h>

#include "hub.h"
#include "publish_body.h"
#include "quota.h"

#define HUB_SUB_CATCHUP		1
#define HUB_SUB_LIVE		2


struct hub_frame {
	u_int32_t		refs;
	u_int64_t		id;
	size_t			len;
	char			topic[PUBLISH_TOPIC_MAX + 1];
	char			data[];
};

struct hub_sub;

struct hub_link {
	TAILQ_ENTRY(hub_link)	list;
	struct hub_sub		*sub;
	struct hub_topic	*topic;
};

TAILQ_HEAD(hub_links, hub_link);

struct hub_topic {
	TAILQ_ENTRY(hub_topic)	list;
	struct hub_links	links;
	char			name[PUBLISH_TOPIC_MAX + 1];
};

struct hub_sub {
	TAILQ_ENTRY(hub_sub)	list;
	TAILQ_ENTRY(hub_sub)	fresh_list;
	TAILQ_ENTRY(hub_sub)	pump_list;
	struct connection	*c;
	u_int64_t		cursor;		/* last id sent or passed */
	u_int64_t		query_head;	/* head when the page was asked */
	size_t			queued;		/* bytes in Kore's queue */
	u_int8_t		state;
	u_int8_t		querying;	/* a store call holds us */
	u_int8_t		gone;		/* closed while querying */
	u_int8_t		checked;	/* cursor checked for reset */
	u_int8_t		fresh;		/* on hub_fresh, not tidied */
	u_int8_t		draining;	/* catch-up waits for drain */
	u_int8_t		pumped;		/* on replay's pump list */
	int			cursor_kind;
	char			*topics_lit;	/* text[] literal, or NULL */
	const struct acl_rule	*rule;		/* for private topics */
	int			counted;	/* leave limits on close */
	u_int8_t		addr[QUOTA_ADDR_LEN];
	int			ntopics;
	struct hub_link		links[];
};

extern u_int64_t		hub_head;	/* last event of the log seen */
extern u_int64_t		hub_trim;	/* retention removed <= this */
extern int			hub_started;	/* hub_head is known */
extern struct stats_worker	*hub_stats;

/* hub.c */
struct hub_frame	*hub_frame_alloc(u_int64_t, const char *, const char *,
			    const char *, size_t);
void			hub_frame_unref(struct hub_frame *);
void			hub_sub_send(struct hub_sub *, struct hub_frame *);
int			hub_sub_wants(struct hub_sub *, const char *);
void			hub_sub_free(struct hub_sub *);

/* replay.c */
void			replay_init(void);
void			replay_start(u_int64_t);
void			replay_ring_push(struct hub_frame *);
void			replay_kick(struct hub_sub *);
void			replay_later(struct hub_sub *);
void			replay_drained(struct hub_sub *);
void			replay_forget(struct hub_sub *);

#endif

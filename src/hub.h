/*
 * hub: the subscribers of one worker, their topics, and the fan-out of
 * each new event of the log to the LIVE ones (sub.h); catch-up is
 * replay.c's. Events enter in id order from bus.c; each is encoded once
 * into a reference-counted frame that every matching subscriber's socket
 * queue points at, and the window of recent frames keeps one more.
 */
#ifndef SSEHUB_HUB_H
#define SSEHUB_HUB_H

#include <stdint.h>

#include "args.h"
#include "quota.h"
#include "store.h"
#include "topic.h"

#define HUB_TOPICS_MAX		TOPIC_STREAM_MAX

struct connection;
struct acl_rule;
struct grant;

struct hub_request {
	int		ntopics;		/* 0: every topic */
	const char	*topics[HUB_TOPICS_MAX];
	int		cursor_kind;		/* CURSOR_* */
	uint64_t	cursor;
	uint32_t	last;			/* CURSOR_LAST: how many */
	int		envelope;		/* data as a JSON object */
	int		presence;		/* presence frames */
	const struct acl_rule *rule;		/* may read private topics */
	struct grant	*grant;			/* a JWT's: the hub takes it */
	int		counted;		/* in quota_stream_enter */
	uint8_t		addr[QUOTA_ADDR_LEN];
};

void		hub_init(void);
int		hub_subscribe(struct connection *, const struct hub_request *);
void		hub_shutdown(void);

/* bus.c: the log is readable and its head is known. */
void		hub_start(uint64_t head);
/* bus.c: the next event of the log, id = the previous one + 1. */
void		hub_publish(const struct store_event *);
/* bus.c: fan out what hub_publish() took since the last flush. */
void		hub_flush(void);
/* bus.c: the ids up to last were removed before this worker read them. */
void		hub_gap(uint64_t last);
/* revoke_feed.c: new revocations are known; their streams end. */
void		hub_revoked(void);

#endif

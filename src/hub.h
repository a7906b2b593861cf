/*
 * hub: the subscribers of one worker and the fan-out of frames to them.
 *
 * Events enter in id order from bus.c; each is encoded once into a
 * reference-counted frame that every matching subscriber's socket queue
 * points at (no copy per subscriber). A window of recent frames serves
 * replays near the head from memory; older cursors page through the
 * store.
 */
#ifndef SSEHUB_HUB_H
#define SSEHUB_HUB_H

#include <stdint.h>

#include "quota.h"
#include "store.h"

#define HUB_TOPICS_MAX		16

struct connection;
struct acl_rule;

struct hub_request {
	int		ntopics;		/* 0: every topic */
	const char	*topics[HUB_TOPICS_MAX];
	int		cursor_kind;		/* CURSOR_* */
	uint64_t	cursor;
	const struct acl_rule *rule;		/* may read private topics */
	int		counted;		/* in quota_stream_enter */
	uint8_t		addr[QUOTA_ADDR_LEN];
};

void		hub_init(void);
int		hub_subscribe(struct connection *, const struct hub_request *);
void		hub_shutdown(void);

/* bus.c: the log is readable and its head is known. */
void		hub_start(uint64_t head);
/* bus.c: retention removed every event up to id. */
void		hub_trimmed(uint64_t id);
/* bus.c: the next event of the log, in strictly increasing id order. */
void		hub_publish(const struct store_event *);

#endif

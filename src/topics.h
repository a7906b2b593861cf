/*
 * topics: the topic index of one worker, name -> its subscribers' links.
 * A hash table that grows with the number of distinct topics, so a
 * client that opens thousands of streams on unique topics makes each
 * event's lookup no slower for anyone (O(1), not a walk of every name).
 */
#ifndef SSEHUB_TOPICS_H
#define SSEHUB_TOPICS_H

#include <sys/queue.h>

#include "topic.h"
#include "sub.h"

struct topic {
	LIST_ENTRY(topic)	chain;
	TAILQ_HEAD(, sub_link)	links;
	u_int64_t		presence_tick;	/* presence_feed.c */
	u_int64_t		presence_count;
	char			name[TOPIC_MAX + 1];
};

void		topics_init(void);
/* The entry for name, or NULL; with create, made when missing. */
struct topic	*topics_get(const char *name, int create);
/* Deletes t when no subscriber is linked to it any more. */
void		topics_tidy(struct topic *);

#endif

/*
 * presence_feed: presence=1 streams get "event: presence" frames (no
 * id) with the watcher count of each of their topics when it changed,
 * at most once a second per topic.
 */
#ifndef SSEHUB_PRESENCE_FEED_H
#define SSEHUB_PRESENCE_FEED_H

struct sub;

void	presence_feed_init(void);
void	presence_feed_add(struct sub *);
void	presence_feed_remove(struct sub *);

#endif

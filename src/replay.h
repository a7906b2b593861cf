/*
 * replay: brings a subscriber from its cursor to the head of the log,
 * from the window of recent frames when it covers the cursor, else from
 * the store a page at a time, then makes it LIVE. It sees subscribers
 * only through sub.h: their state, cursor, topics and sub_send().
 */
#ifndef SSEHUB_REPLAY_H
#define SSEHUB_REPLAY_H

struct sub;

void	replay_init(void);
/* The head of the log is known (window_head()): catch-ups may run. */
void	replay_start(void);
/* A new subscriber, WAITING: bring it to LIVE. */
void	replay_begin(struct sub *);
/* sub's socket queue shrank (from inside Kore's write: only note it). */
void	replay_drained(struct sub *);
/* A frame went (sent, or dropped with its connection). */
void	replay_budget(void);
/* sub is closing: take it off replay's lists. */
void	replay_forget(struct sub *);

#endif

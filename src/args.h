/*
 * args: the query arguments of GET /stream, /events and /topics, parsed
 * in one place so the handlers agree on every name and rule. Pure.
 *
 *	topic=T		repeatable, up to TOPIC_STREAM_MAX distinct
 *	last_event_id=N	the cursor (the Last-Event-ID header wins)
 *	access_token=X	a token, for EventSource (no headers)
 *	last=N		0 .. ARGS_LAST_MAX recent events first
 *	envelope=0|1	data as {"topic","event","data"}
 *	presence=0|1	presence frames of the named topics
 *	after=N		history: ids above N, ascending
 *	before=N	history: ids below N, descending
 *	limit=L		history: 1 .. ARGS_LIMIT_MAX (ARGS_LIMIT_DEFAULT)
 *
 * An argument a handler does not take is ignored; of one given twice,
 * the first counts (topics excepted).
 */
#ifndef SSEHUB_ARGS_H
#define SSEHUB_ARGS_H

#include <stdint.h>

#include "topic.h"
#include "query.h"

#define ARGS_LAST_MAX		1000
#define ARGS_LIMIT_MAX		1000
#define ARGS_LIMIT_DEFAULT	100

/* Which arguments a handler takes (the which of args_parse). */
#define ARGS_TOPIC		0x01
#define ARGS_CURSOR		0x02
#define ARGS_TOKEN		0x04
#define ARGS_LAST		0x08
#define ARGS_ENVELOPE		0x10
#define ARGS_PRESENCE		0x20
#define ARGS_PAGE		0x40	/* after, before, limit */

#define ARGS_FORWARD		0	/* after (or neither) */
#define ARGS_BACKWARD		1	/* before */

struct args {
	int		ntopics;		/* 0: every topic */
	const char	*topics[TOPIC_STREAM_MAX];
	char		names[TOPIC_STREAM_MAX][TOPIC_MAX + 1];
	int		has_cursor;
	char		cursor[QUERY_VALUE_MAX + 1];
	char		token[QUERY_VALUE_MAX + 1];	/* "": none */
	uint32_t	last;			/* 0: none */
	int		envelope;
	int		presence;
	int		direction;		/* ARGS_FORWARD, ... */
	uint64_t	from;			/* after or before */
	uint32_t	limit;
	const char	*error;			/* why RESULT_ERROR */
	unsigned int	taken;			/* first counts */
};

/*
 * Parses the arguments named by which (ARGS_* flags) from qs (may be
 * NULL) into a. Returns RESULT_OK, or RESULT_ERROR with a->error set to
 * a message fit for a 400 answer.
 */
int	args_parse(struct args *a, const char *qs, unsigned int which);

#endif

/*
 * Replay cursors: the Last-Event-ID header or the last_event_id query
 * argument. Pure.
 */
#ifndef SSEHUB_CURSOR_H
#define SSEHUB_CURSOR_H

#include <stdint.h>

#define CURSOR_NONE		0	/* absent or empty: start live */
#define CURSOR_VALID		1	/* *id is set */
#define CURSOR_MALFORMED	2	/* present but not a valid id */
#define CURSOR_LAST		3	/* none, but last=N: the store finds it */

/*
 * Parses a cursor: 1 to 19 ASCII digits whose value fits in a
 * PostgreSQL bigint (0 .. INT64_MAX). No sign, no spaces, no other byte.
 * s may be NULL. Returns one of CURSOR_*.
 */
int	cursor_parse(const char *s, uint64_t *id);

/*
 * The cursor of a request: the header wins when present (even when
 * malformed), else the query value. Either may be NULL.
 */
int	cursor_pick(const char *header, const char *query, uint64_t *id);

#endif

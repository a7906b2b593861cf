/*
 * args: query arguments. Every handler's refusals come from here, so a
 * malformed "last" or "limit" is a 400 with the same words everywhere,
 * and numbers are read by one strict parser (cursor_parse: digits only,
 * no sign, within a bigint), never by atoi's "whatever came first".
 */

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "args.h"
#include "cursor.h"
#include "result.h"

/* One argument: its name, its flag, how its value is read. */
struct args_kind {
	const char	*name;
	unsigned int	which;
	unsigned int	bit;		/* in a->taken */
	int		(*read)(struct args *, const char *, size_t);
};

/* a->taken bits of the page arguments. */
#define ARGS_TAKEN_AFTER	0x040

struct args_walk {
	struct args		*a;
	const struct args_kind	*kind;
};

static int	args_one(const char *, size_t, void *);
static int	args_topic(struct args *, const char *, size_t);
static int	args_cursor(struct args *, const char *, size_t);
static int	args_token(struct args *, const char *, size_t);
static int	args_last(struct args *, const char *, size_t);
static int	args_envelope(struct args *, const char *, size_t);
static int	args_presence(struct args *, const char *, size_t);
static int	args_after(struct args *, const char *, size_t);
static int	args_before(struct args *, const char *, size_t);
static int	args_limit(struct args *, const char *, size_t);
static int	args_number(const char *, uint64_t, uint64_t, uint64_t *);
static int	args_flag(const char *, int *);

static const struct args_kind	args_kinds[] = {
	{ "topic",	  ARGS_TOPIC,	 0x001, args_topic },
	{ "last_event_id", ARGS_CURSOR,	 0x002, args_cursor },
	{ "access_token",  ARGS_TOKEN,	 0x004, args_token },
	{ "last",	  ARGS_LAST,	 0x008, args_last },
	{ "envelope",	  ARGS_ENVELOPE, 0x010, args_envelope },
	{ "presence",	  ARGS_PRESENCE, 0x020, args_presence },
	{ "after",	  ARGS_PAGE,	 ARGS_TAKEN_AFTER, args_after },
	{ "before",	  ARGS_PAGE,	 0x080, args_before },
	{ "limit",	  ARGS_PAGE,	 0x100, args_limit },
};

int
args_parse(struct args *a, const char *qs, unsigned int which)
{
	struct args_walk	w;
	size_t			i;

	memset(a, 0, sizeof(*a));
	a->limit = ARGS_LIMIT_DEFAULT;
	w.a = a;

	for (i = 0; i < sizeof(args_kinds) / sizeof(args_kinds[0]); i++) {
		if ((args_kinds[i].which & which) == 0)
			continue;
		w.kind = &args_kinds[i];
		if (query_foreach(qs, w.kind->name, args_one, &w) !=
		    RESULT_OK) {
			if (a->error == NULL)
				a->error = "malformed query string";
			return (RESULT_ERROR);
		}
	}

	return (RESULT_OK);
}

/* The first value of each argument counts; topics add up. */
static int
args_one(const char *v, size_t len, void *arg)
{
	struct args_walk	*w = arg;

	if (w->kind->read != args_topic && (w->a->taken & w->kind->bit))
		return (RESULT_OK);
	w->a->taken |= w->kind->bit;

	return (w->kind->read(w->a, v, len));
}

/* Repeated topics are kept once; at most TOPIC_STREAM_MAX distinct. */
static int
args_topic(struct args *a, const char *v, size_t len)
{
	int		i;

	if (!topic_valid(v, len)) {
		a->error = "topic must match " TOPIC_PATTERN;
		return (RESULT_ERROR);
	}

	for (i = 0; i < a->ntopics; i++) {
		if (strcmp(a->names[i], v) == 0)
			return (RESULT_OK);
	}

	if (a->ntopics == TOPIC_STREAM_MAX) {
		a->error = "at most " TOPIC_XSTR(TOPIC_STREAM_MAX) " topics per request";
		return (RESULT_ERROR);
	}

	memcpy(a->names[i], v, len + 1);
	a->topics[i] = a->names[i];
	a->ntopics++;

	return (RESULT_OK);
}

/* Kept as text: a malformed cursor is not an error but a reset (sub.h). */
static int
args_cursor(struct args *a, const char *v, size_t len)
{
	memcpy(a->cursor, v, len + 1);
	a->has_cursor = 1;
	return (RESULT_OK);
}

static int
args_token(struct args *a, const char *v, size_t len)
{
	memcpy(a->token, v, len + 1);
	return (RESULT_OK);
}

static int
args_last(struct args *a, const char *v, size_t len)
{
	uint64_t	n;

	(void)len;
	if (!args_number(v, 0, ARGS_LAST_MAX, &n)) {
		a->error = "last must be a number from 0 to 1000";
		return (RESULT_ERROR);
	}
	a->last = (uint32_t)n;
	return (RESULT_OK);
}

static int
args_envelope(struct args *a, const char *v, size_t len)
{
	(void)len;
	if (!args_flag(v, &a->envelope)) {
		a->error = "envelope must be 0 or 1";
		return (RESULT_ERROR);
	}
	return (RESULT_OK);
}

static int
args_presence(struct args *a, const char *v, size_t len)
{
	(void)len;
	if (!args_flag(v, &a->presence)) {
		a->error = "presence must be 0 or 1";
		return (RESULT_ERROR);
	}
	return (RESULT_OK);
}

/* after and before are exclusive: the walk meets after first. */
static int
args_after(struct args *a, const char *v, size_t len)
{
	(void)len;
	if (!args_number(v, 0, INT64_MAX, &a->from)) {
		a->error = "after must be an event id";
		return (RESULT_ERROR);
	}
	a->direction = ARGS_FORWARD;
	return (RESULT_OK);
}

static int
args_before(struct args *a, const char *v, size_t len)
{
	(void)len;
	if (a->taken & ARGS_TAKEN_AFTER) {
		a->error = "after and before cannot be combined";
		return (RESULT_ERROR);
	}
	if (!args_number(v, 0, INT64_MAX, &a->from)) {
		a->error = "before must be an event id";
		return (RESULT_ERROR);
	}
	a->direction = ARGS_BACKWARD;
	return (RESULT_OK);
}

static int
args_limit(struct args *a, const char *v, size_t len)
{
	uint64_t	n;

	(void)len;
	if (!args_number(v, 1, ARGS_LIMIT_MAX, &n)) {
		a->error = "limit must be a number from 1 to 1000";
		return (RESULT_ERROR);
	}
	a->limit = (uint32_t)n;
	return (RESULT_OK);
}

/* Digits only (cursor_parse), min .. max. */
static int
args_number(const char *v, uint64_t min, uint64_t max, uint64_t *out)
{
	uint64_t	n;

	if (cursor_parse(v, &n) != CURSOR_VALID || n < min || n > max)
		return (0);
	*out = n;
	return (1);
}

static int
args_flag(const char *v, int *out)
{
	if (strcmp(v, "0") != 0 && strcmp(v, "1") != 0)
		return (0);
	*out = v[0] == '1';
	return (1);
}

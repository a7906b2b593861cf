/*
 * revoke: a chained hash table of revocations. It is read on every
 * connection with a token, and an application may revoke many tokens (a
 * user's sessions on a password change), so a lookup must not walk them
 * all.
 */

#include <sys/queue.h>

#include <stdlib.h>
#include <string.h>

#include "fnv.h"
#include "grant.h"
#include "result.h"
#include "revoke.h"

#define REVOKE_BUCKETS		1024

struct revoke_entry {
	LIST_ENTRY(revoke_entry) list;
	int			kind;
	int64_t			at;
	int64_t			until;
	char			id[];
};

static LIST_HEAD(, revoke_entry)	revoke_table[REVOKE_BUCKETS];
static size_t				revoke_n;

static size_t	revoke_bucket(int, const char *);
static int	revoke_hit(int, const char *, int64_t, int64_t);

int
revoke_add(int kind, const char *id, int64_t at, int64_t until)
{
	struct revoke_entry	*e;
	size_t			len = strlen(id);

	if ((e = malloc(sizeof(*e) + len + 1)) == NULL)
		return (RESULT_ERROR);
	e->kind = kind;
	e->at = at;
	e->until = until;
	memcpy(e->id, id, len + 1);
	LIST_INSERT_HEAD(&revoke_table[revoke_bucket(kind, id)], e, list);
	revoke_n++;
	return (RESULT_OK);
}

int
revoke_matches(const struct grant *g, int64_t now)
{
	return ((g->jti[0] != '\0' &&
	    revoke_hit(REVOKE_JTI, g->jti, -1, now)) ||
	    (g->subject[0] != '\0' &&
	    revoke_hit(REVOKE_SUBJECT, g->subject, g->issued, now)));
}

/*
 * A subject may have several entries, a later one covering more of its
 * tokens; issued is -1 for a jti, or a token that does not say.
 */
static int
revoke_hit(int kind, const char *id, int64_t issued, int64_t now)
{
	const struct revoke_entry	*e;

	LIST_FOREACH(e, &revoke_table[revoke_bucket(kind, id)], list) {
		if (e->kind != kind || strcmp(e->id, id) != 0 || e->until <= now)
			continue;
		if (kind == REVOKE_JTI || issued == -1 || issued <= e->at)
			return (1);
	}
	return (0);
}

void
revoke_expire(int64_t now)
{
	struct revoke_entry	*e, *next;
	size_t			i;

	for (i = 0; i < REVOKE_BUCKETS; i++) {
		for (e = LIST_FIRST(&revoke_table[i]); e != NULL; e = next) {
			next = LIST_NEXT(e, list);
			if (e->until > now)
				continue;
			LIST_REMOVE(e, list);
			free(e);
			revoke_n--;
		}
	}
}

size_t
revoke_count(void)
{
	return (revoke_n);
}

void
revoke_clear(void)
{
	revoke_expire(INT64_MAX);
}

static size_t
revoke_bucket(int kind, const char *id)
{
	return (fnv_string(FNV_SEED ^ (uint32_t)kind, id) % REVOKE_BUCKETS);
}

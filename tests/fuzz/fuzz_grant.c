/*
 * libFuzzer harness for token claims (grant.c) and the patterns they
 * carry. The first byte picks the use (subscribe or publish) and whether
 * aud and iss are checked; the rest is the claims text. A grant that is
 * taken must hold only valid patterns, at most ACL_PATTERNS_MAX, ids of
 * at most GRANT_ID_MAX bytes, an expiry after now; each prefix pattern
 * must match a topic made from it. One that is refused says why and
 * holds nothing. grant_free runs either way, for LeakSanitizer.
 */

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "acl.h"
#include "grant.h"
#include "topic.h"

#define FUZZ_NOW	1800000000

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static void	fuzz_check(const struct grant *, int);
static void	fuzz_assert(int);

int
LLVMFuzzerTestOneInput(const uint8_t *in, size_t size)
{
	struct grant_policy	p = { NULL, NULL, 5 };
	struct grant		g;
	const char		*why;
	char			*claims;
	int			kind, ok;

	if (size == 0)
		return (0);
	kind = (in[0] & 1) ? ACL_PUBLISH : ACL_SUBSCRIBE;
	if (in[0] & 2) {
		p.audience = "hub";
		p.issuer = "app";
	}
	if ((claims = malloc(size)) == NULL)
		abort();
	memcpy(claims, in + 1, size - 1);
	claims[size - 1] = '\0';

	why = NULL;
	ok = grant_parse(&g, kind, claims, &p, FUZZ_NOW, &why);
	if (ok)
		fuzz_check(&g, kind);
	else
		fuzz_assert(why != NULL && g.rule.npatterns == 0);
	grant_free(&g);
	free(claims);
	return (0);
}

static void
fuzz_check(const struct grant *g, int kind)
{
	char		topic[TOPIC_MAX + 2];
	size_t		i, len;

	fuzz_assert(g->rule.kind == kind);
	fuzz_assert(g->rule.npatterns <= ACL_PATTERNS_MAX);
	fuzz_assert(strlen(g->jti) <= GRANT_ID_MAX);
	fuzz_assert(strlen(g->subject) <= GRANT_ID_MAX);
	fuzz_assert(g->expires == 0 || g->expires > FUZZ_NOW);
	fuzz_assert(kind != ACL_SUBSCRIBE || g->expires != 0);

	for (i = 0; i < g->rule.npatterns; i++) {
		fuzz_assert(acl_pattern_valid(g->rule.patterns[i]));
		len = strlen(g->rule.patterns[i]);
		if (g->rule.patterns[i][len - 1] != '*') {
			fuzz_assert(acl_allows(&g->rule, g->rule.patterns[i]));
			continue;
		}
		/* "chat.*" matches "chat.x"; "*" matches "x". */
		memcpy(topic, g->rule.patterns[i], len - 1);
		memcpy(topic + len - 1, "x", 2);
		if (topic_valid(topic, strlen(topic)))
			fuzz_assert(acl_allows(&g->rule, topic));
	}
}

static void
fuzz_assert(int ok)
{
	if (!ok)
		abort();
}

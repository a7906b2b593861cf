/*
 * access: static tokens first (compared in constant time, each of them),
 * then a JWT. A token never reaches a log line: refusals say why, not
 * what was presented.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "access.h"
#include "acl.h"
#include "fnv.h"
#include "grant.h"
#include "jwt_verify.h"
#include "result.h"
#include "revoke.h"
#include "settings.h"

static struct jwt_key		access_key;
static struct grant_policy	access_policy;

int
access_init(const struct settings *s, char *err, size_t errlen)
{
	access_policy.audience = s->jwt_audience[0] ? s->jwt_audience : NULL;
	access_policy.issuer = s->jwt_issuer[0] ? s->jwt_issuer : NULL;
	access_policy.leeway = s->jwt_leeway;
	jwt_key_free(&access_key);

	if (s->jwt_secret[0] != '\0')
		return (jwt_key_secret(&access_key, s->jwt_secret, err, errlen));
	if (s->jwt_key[0] != '\0')
		return (jwt_key_pem(&access_key, s->jwt_key, err, errlen));
	return (RESULT_OK);
}

int
access_jwt_on(void)
{
	return (access_key.algs != 0);
}

const char *
access_jwt_kind(void)
{
	return (access_key.kind);
}

int
access_check(struct access *a, int kind, const char *token, int64_t now)
{
	struct grant	*g;
	char		*claims;

	memset(a, 0, sizeof(*a));
	if (token == NULL)
		return (RESULT_OK);
	if ((a->rule = acl_find(&acl, kind, token)) != NULL)
		return (RESULT_OK);

	if (!access_jwt_on()) {
		a->why = "unknown access token";
		return (RESULT_ERROR);
	}
	if (!jwt_verify(&access_key, token, &claims, &a->why))
		return (RESULT_ERROR);

	if ((g = malloc(sizeof(*g))) == NULL) {
		free(claims);
		a->why = "out of memory";
		return (RESULT_ERROR);
	}
	if (!grant_parse(g, kind, claims, &access_policy, now, &a->why)) {
		free(claims);
		free(g);
		return (RESULT_ERROR);
	}
	free(claims);

	if (revoke_matches(g, now)) {
		access_grant_free(g);
		a->why = "token revoked";
		return (RESULT_ERROR);
	}
	a->grant = g;
	a->rule = &g->rule;
	return (RESULT_OK);
}

void
access_grant_free(struct grant *g)
{
	if (g == NULL)
		return;
	grant_free(g);
	free(g);
}

/*
 * A JWT's subject is the publisher: its refreshed tokens keep the same
 * idempotency keys and rate. Static tokens are their own identity, as
 * they were before JWTs (stored keys stay valid across an upgrade).
 */
void
access_identity(const struct access *a, const char *token, char *dst,
    size_t len)
{
	if (a->grant != NULL && a->grant->subject[0] != '\0')
		(void)snprintf(dst, len, "jwt-sub:%s", a->grant->subject);
	else
		(void)snprintf(dst, len, "%s", token);
}

size_t
access_bucket(const struct access *a, const char *identity)
{
	if (a->grant == NULL)
		return (acl_index(&acl, a->rule));
	return (acl.nrules + 1 +
	    fnv_string(FNV_SEED, identity) % ACCESS_JWT_BUCKETS);
}

size_t
access_buckets(void)
{
	return (acl.nrules + 1 + ACCESS_JWT_BUCKETS);
}

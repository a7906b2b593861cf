/*
 * grant: the claims of a token, read with jansson. A claim of the wrong
 * type is an error, never a default: a token is written by a program,
 * and one that says something we do not understand is not trusted.
 */

#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "grant.h"
#include "result.h"

static int	grant_times(struct grant *, json_t *, int,
		    const struct grant_policy *, int64_t, const char **);
static int	grant_time(json_t *, const char *, int64_t *);
static int	grant_audience(json_t *, const struct grant_policy *);
static int	grant_issuer(json_t *, const struct grant_policy *);
static int	grant_id(json_t *, const char *, char *);
static int	grant_patterns(struct grant *, json_t *, int);

int
grant_parse(struct grant *g, int kind, const char *claims,
    const struct grant_policy *p, int64_t now, const char **why)
{
	json_t		*root;
	int		ok;

	memset(g, 0, sizeof(*g));
	g->rule.kind = kind;
	if ((root = json_loads(claims, JSON_REJECT_DUPLICATES, NULL)) == NULL ||
	    !json_is_object(root)) {
		json_decref(root);
		*why = "malformed token claims";
		return (RESULT_ERROR);
	}

	ok = RESULT_ERROR;
	if (!grant_times(g, root, kind, p, now, why))
		;
	else if (!grant_audience(root, p))
		*why = "token audience not accepted";
	else if (!grant_issuer(root, p))
		*why = "token issuer not accepted";
	else if (!grant_id(root, "jti", g->jti) ||
	    !grant_id(root, "sub", g->subject))
		*why = "token jti or sub not a string of 1 to 128 bytes";
	else if (!grant_patterns(g, root, kind))
		*why = "malformed ssehub claim";
	else
		ok = RESULT_OK;

	json_decref(root);
	if (!ok)
		grant_free(g);
	return (ok);
}

void
grant_free(struct grant *g)
{
	size_t		i;

	for (i = 0; i < g->rule.npatterns; i++)
		free(g->rule.patterns[i]);
	g->rule.npatterns = 0;
}

static int
grant_times(struct grant *g, json_t *root, int kind,
    const struct grant_policy *p, int64_t now, const char **why)
{
	int64_t		exp, nbf;

	*why = "token exp, nbf or iat not a number";
	if (!grant_time(root, "exp", &exp) || !grant_time(root, "nbf", &nbf) ||
	    !grant_time(root, "iat", &g->issued))
		return (RESULT_ERROR);

	if (exp == -1 && kind == ACL_SUBSCRIBE) {
		*why = "token has no exp";
		return (RESULT_ERROR);
	}
	if (exp != -1 && exp + p->leeway <= now) {
		*why = "token expired";
		return (RESULT_ERROR);
	}
	if ((nbf != -1 && nbf - p->leeway > now) ||
	    (g->issued != -1 && g->issued - p->leeway > now)) {
		*why = "token not yet valid";
		return (RESULT_ERROR);
	}
	g->expires = (exp == -1) ? 0 : exp + p->leeway;
	return (RESULT_OK);
}

/* A NumericDate (RFC 7519): seconds, possibly with a fraction. -1: absent. */
static int
grant_time(json_t *root, const char *name, int64_t *t)
{
	json_t		*v;
	double		d;

	*t = -1;
	if ((v = json_object_get(root, name)) == NULL)
		return (RESULT_OK);
	if (!json_is_number(v))
		return (RESULT_ERROR);
	d = json_number_value(v);
	/* Year 1970 to year 5138: anything else is not a date. */
	if (!(d >= 0 && d < 1e11))
		return (RESULT_ERROR);
	*t = (int64_t)d;
	return (RESULT_OK);
}

/* aud is a string or an array of strings; one must be ours. */
static int
grant_audience(json_t *root, const struct grant_policy *p)
{
	json_t		*aud, *v;
	size_t		i;

	if (p->audience == NULL)
		return (1);
	if ((aud = json_object_get(root, "aud")) == NULL)
		return (0);
	if (json_is_string(aud))
		return (strcmp(json_string_value(aud), p->audience) == 0);
	if (!json_is_array(aud))
		return (0);
	json_array_foreach(aud, i, v) {
		if (json_is_string(v) &&
		    strcmp(json_string_value(v), p->audience) == 0)
			return (1);
	}
	return (0);
}

static int
grant_issuer(json_t *root, const struct grant_policy *p)
{
	json_t		*iss;

	if (p->issuer == NULL)
		return (1);
	iss = json_object_get(root, "iss");
	return (json_is_string(iss) &&
	    strcmp(json_string_value(iss), p->issuer) == 0);
}

static int
grant_id(json_t *root, const char *name, char *dst)
{
	json_t		*v;
	size_t		len;

	if ((v = json_object_get(root, name)) == NULL)
		return (RESULT_OK);
	if (!json_is_string(v))
		return (RESULT_ERROR);
	/* jansson refuses \u0000 when it reads: a string has no NUL. */
	len = json_string_length(v);
	if (len == 0 || len > GRANT_ID_MAX)
		return (RESULT_ERROR);
	memcpy(dst, json_string_value(v), len + 1);
	return (RESULT_OK);
}

/*
 * The list for kind, from "ssehub": absent means no rights. Both lists
 * are checked, so a token is either understood whole or refused.
 */
static int
grant_patterns(struct grant *g, json_t *root, int kind)
{
	json_t		*claim, *list, *v;
	const char	*names[] = { "subscribe", "publish" };
	int		kinds[] = { ACL_SUBSCRIBE, ACL_PUBLISH };
	size_t		i, j;

	if ((claim = json_object_get(root, "ssehub")) == NULL)
		return (RESULT_OK);
	if (!json_is_object(claim))
		return (RESULT_ERROR);

	for (j = 0; j < 2; j++) {
		if ((list = json_object_get(claim, names[j])) == NULL)
			continue;
		if (!json_is_array(list) ||
		    json_array_size(list) > ACL_PATTERNS_MAX)
			return (RESULT_ERROR);
		json_array_foreach(list, i, v) {
			if (!json_is_string(v) ||
			    !acl_pattern_valid(json_string_value(v)))
				return (RESULT_ERROR);
			if (kinds[j] != kind)
				continue;
			g->rule.patterns[g->rule.npatterns] =
			    strdup(json_string_value(v));
			if (g->rule.patterns[g->rule.npatterns] == NULL)
				return (RESULT_ERROR);
			g->rule.npatterns++;
		}
	}
	return (RESULT_OK);
}

/*
 * reader: authorization of readers, shared by every handler that
 * hands out events or counts, so that /events and /topics can never be
 * more permissive than /stream.
 */

#include <sys/types.h>

#include <kore/kore.h>
#include <kore/http.h>

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "access.h"
#include "acl.h"
#include "auth.h"
#include "cookie.h"
#include "reader.h"
#include "http_reply.h"
#include "pg_array.h"

static const char	*reader_bearer(struct http_request *, struct reader *,
			    const char *, const char **);
static void		reader_unauthorized(struct http_request *,
			    const char *);
static char		*reader_literal(char *const *, size_t);

/*
 * Named private topics must all be readable; a request for every topic
 * silently skips the private ones it may not read (the caller filters:
 * sub_wants() for streams, ssehub.readable() for the store). A JWT's
 * grant stays with the caller: a stream ends when it expires.
 */
int
reader_authorize(struct http_request *req, struct reader *r,
    const char *query_token, const char *const *topics, int ntopics)
{
	struct access	access;
	const char	*token, *why = NULL;
	char		msg[128];
	int		i;

	r->rule = NULL;
	r->grant = NULL;
	if ((token = reader_bearer(req, r, query_token, &why)) == NULL &&
	    why != NULL) {
		reader_unauthorized(req, why);
		return (KORE_RESULT_ERROR);
	}
	if (!access_check(&access, ACL_SUBSCRIBE, token,
	    (int64_t)time(NULL))) {
		reader_unauthorized(req, access.why);
		return (KORE_RESULT_ERROR);
	}

	for (i = 0; i < ntopics; i++) {
		if (acl_can_read(&acl, access.rule, topics[i]))
			continue;
		access_grant_free(access.grant);
		(void)snprintf(msg, sizeof(msg), "topic %s is private",
		    topics[i]);
		http_reply_error(req, 403, msg);
		return (KORE_RESULT_ERROR);
	}

	r->rule = access.rule;
	r->grant = access.grant;
	return (KORE_RESULT_OK);
}

/*
 * The token, first found of: Authorization (not for EventSource, which
 * cannot set headers), the ssehub_token cookie (EventSource with
 * credentials, on the application's own site), the access_token query
 * argument (which proxies log). NULL for none, or with *why set for
 * one that cannot be a token.
 */
static const char *
reader_bearer(struct http_request *req, struct reader *r,
    const char *query_token, const char **why)
{
	const char	*hdr, *v;
	size_t		len;

	if (http_request_header(req, "authorization", &hdr) &&
	    (v = auth_bearer_token(hdr)) != NULL && *v != '\0')
		return (v);

	if (http_request_header(req, "cookie", &hdr) &&
	    (v = cookie_find(hdr, "ssehub_token", &len)) != NULL && len > 0) {
		if (len > JWT_TOKEN_MAX) {
			*why = "token over 8192 bytes";
			return (NULL);
		}
		memcpy(r->cookie, v, len);
		r->cookie[len] = '\0';
		return (r->cookie);
	}

	return (query_token[0] != '\0' ? query_token : NULL);
}

static void
reader_unauthorized(struct http_request *req, const char *why)
{
	http_response_header(req, "www-authenticate",
	    "Bearer realm=\"ssehub\", error=\"invalid_token\"");
	http_reply_error(req, 401, why);
}

void
reader_literals(const struct acl_rule *rule, char **priv,
    char **allow)
{
	*priv = reader_literal(acl.private, acl.nprivate);
	*allow = rule != NULL ?
	    reader_literal(rule->patterns, rule->npatterns) :
	    reader_literal(NULL, 0);
}

static char *
reader_literal(char *const *v, size_t n)
{
	size_t		*lens, i, len;
	char		*lit;

	/* acl.private has no fixed bound: sized to what there is. */
	lens = kore_calloc(n > 0 ? n : 1, sizeof(*lens));
	for (i = 0; i < n; i++)
		lens[i] = strlen(v[i]);

	len = pg_array_size((const char *const *)v, lens, n);
	lit = kore_malloc(len + 1);
	lit[pg_array_encode(lit, (const char *const *)v, lens, n)] = '\0';
	kore_free(lens);

	return (lit);
}

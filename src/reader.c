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

#include "acl.h"
#include "auth.h"
#include "reader.h"
#include "http_reply.h"
#include "pg_array.h"

static char	*reader_literal(char *const *, size_t);

/*
 * EventSource cannot set headers, hence the query token. Named private
 * topics must all be readable; a request for every topic silently skips
 * the private ones it may not read (the caller filters).
 */
int
reader_authorize(struct http_request *req, const char *query_token,
    const char *const *topics, int ntopics, const struct acl_rule **rule)
{
	const char	*hdr, *token;
	char		msg[128];
	int		i;

	if (!http_request_header(req, "authorization", &hdr))
		hdr = NULL;
	if ((token = auth_bearer_token(hdr)) == NULL && query_token[0] != '\0')
		token = query_token;

	*rule = acl_find(&acl, ACL_SUBSCRIBE, token);
	if (token != NULL && *rule == NULL) {
		http_reply_error(req, 401, "unknown access token");
		return (KORE_RESULT_ERROR);
	}

	for (i = 0; i < ntopics; i++) {
		if (acl_can_read(&acl, *rule, topics[i]))
			continue;
		(void)snprintf(msg, sizeof(msg), "topic %s is private",
		    topics[i]);
		http_reply_error(req, 403, msg);
		return (KORE_RESULT_ERROR);
	}

	return (KORE_RESULT_OK);
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

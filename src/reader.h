/*
 * reader: who is reading. /stream, /events and /topics authorize their
 * caller here, the same way (static tokens and JSON Web Tokens, from the
 * Authorization header, the ssehub_token cookie or the access_token
 * query argument), and the store is told what a reader of every topic
 * may see. The one place to change when tokens change.
 */
#ifndef SSEHUB_READER_H
#define SSEHUB_READER_H

#include "jwt_verify.h"

struct http_request;
struct acl_rule;
struct grant;

struct reader {
	const struct acl_rule	*rule;	/* NULL: no token given */
	struct grant		*grant;	/* a JWT's, holding rule; or NULL */
	char			cookie[JWT_TOKEN_MAX + 1];
};

/*
 * Authorizes the caller of req to read topics (ntopics named; 0: every
 * topic, the private ones to be skipped by the caller). query_token is
 * the access_token argument ("" for none). A token that is not valid is
 * answered 401, a named topic it may not read 403 (the answer is sent,
 * nothing is left to free). On KORE_RESULT_OK, r->grant is the caller's
 * (access_grant_free(), or handed to the hub with a stream).
 */
int	reader_authorize(struct http_request *, struct reader *r,
	    const char *query_token, const char *const *topics, int ntopics);

/*
 * text[] literals for ssehub.readable(): the private patterns, and the
 * patterns rule (may be NULL) may read. Both kore_malloc()ed.
 */
void	reader_literals(const struct acl_rule *rule, char **priv,
	    char **allow);

#endif

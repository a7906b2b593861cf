/*
 * reader: who is reading. /stream, /events and /topics authorize
 * their caller here, the same way, and the store is told what a reader
 * of every topic may see. The one place to change when tokens change.
 */
#ifndef SSEHUB_READER_H
#define SSEHUB_READER_H

struct http_request;
struct acl_rule;

/*
 * The caller's token: the Authorization header, else query_token (the
 * access_token argument; "" for none). A token that is not known is
 * answered 401, a named topic it may not read 403 (the answer is sent).
 * Returns KORE_RESULT_OK and sets *rule (NULL: no token).
 */
int	reader_authorize(struct http_request *, const char *query_token,
	    const char *const *topics, int ntopics,
	    const struct acl_rule **rule);

/*
 * text[] literals for ssehub.readable(): the private patterns, and the
 * patterns rule (may be NULL) may read. Both kore_malloc()ed.
 */
void	reader_literals(const struct acl_rule *rule, char **priv,
	    char **allow);

#endif

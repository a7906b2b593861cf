/* Bearer tokens (RFC 6750). Pure. */
#ifndef SSEHUB_AUTH_H
#define SSEHUB_AUTH_H

/*
 * 1 when header (an Authorization value, may be NULL) is "Bearer <t>"
 * (scheme case-insensitive, one or more spaces) and t equals token.
 * The comparison of t and token takes time that depends only on their
 * lengths, not on where they differ.
 */
int	auth_bearer_ok(const char *header, const char *token);

/* The token of a "Bearer <t>" header, or NULL. Points into header. */
const char	*auth_bearer_token(const char *header);

/* 1 when a equals b; the time taken does not depend on where they differ. */
int	auth_equal(const char *a, const char *b);

#endif

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

#endif

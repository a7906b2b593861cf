/* Bearer tokens (RFC 6750). Pure. */
#ifndef SSEHUB_AUTH_H
#define SSEHUB_AUTH_H

/* The token of a "Bearer <t>" header, or NULL. Points into header. */
const char	*auth_bearer_token(const char *header);

/* 1 when a equals b; the time taken does not depend on where they differ. */
int	auth_equal(const char *a, const char *b);

#endif

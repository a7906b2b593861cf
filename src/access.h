/*
 * access: who the bearer of a token is, for one use (ACL_SUBSCRIBE or
 * ACL_PUBLISH). A token of the ACL file (or SSEHUB_TOKEN) is used as
 * such; any other, when a JWT key is configured, must be a valid JSON
 * Web Token that is not revoked. Pure: no Kore.
 */
#ifndef SSEHUB_ACCESS_H
#define SSEHUB_ACCESS_H

#include <stddef.h>
#include <stdint.h>

struct acl_rule;
struct grant;
struct settings;

/* A publisher's identity: its static token, a JWT's sub, or the JWT. */
#define ACCESS_IDENTITY_MAX	(8192 + 1)
/* Rate limit buckets shared by JWT publishers, by identity. */
#define ACCESS_JWT_BUCKETS	256

struct access {
	const struct acl_rule	*rule;	/* NULL: no token given */
	struct grant		*grant;	/* a JWT's, holding rule; or NULL */
	const char		*why;	/* why a token was refused (401) */
};

/* The JWT key and checks from settings; loaded once, in the parent. */
int		access_init(const struct settings *, char *err, size_t errlen);
int		access_jwt_on(void);
const char	*access_jwt_kind(void);

/*
 * RESULT_OK with a->rule (NULL for no token) and, for a JWT, a->grant,
 * which the caller owns (access_grant_free). RESULT_ERROR with a->why.
 */
int		access_check(struct access *, int kind, const char *token,
		    int64_t now);
void		access_grant_free(struct grant *);

/* Who published (for idempotency scopes), from a->rule and token. */
void		access_identity(const struct access *, const char *token,
		    char *dst, size_t len);
/* The rate limit bucket of a publisher: one per static token. */
size_t		access_bucket(const struct access *, const char *identity);
/* How many buckets there are (quota_init). */
size_t		access_buckets(void);

#endif

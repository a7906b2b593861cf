/*
 * grant: what a verified JSON Web Token lets its bearer do, from its
 * claims (jwt_verify.c checked the signature):
 *
 *	{"exp": ..., "nbf": ..., "iat": ..., "sub": "42", "jti": "...",
 *	 "aud": ..., "iss": ...,
 *	 "ssehub": {"subscribe": ["user.42", "orders.42.*"],
 *	            "publish": ["chat.*"]}}
 *
 * Patterns are the ACL file's (acl.h). Pure: no Kore.
 */
#ifndef SSEHUB_GRANT_H
#define SSEHUB_GRANT_H

#include <stdint.h>

#include "acl.h"

#define GRANT_ID_MAX		128

struct grant_policy {
	const char	*audience;	/* NULL: aud is not checked */
	const char	*issuer;	/* NULL: iss is not checked */
	int64_t		leeway;		/* seconds, for exp, nbf and iat */
};

struct grant {
	struct acl_rule	rule;		/* patterns of the use asked for */
	int64_t		expires;	/* exp + leeway; 0: never */
	int64_t		issued;		/* iat; -1: not given */
	char		jti[GRANT_ID_MAX + 1];
	char		subject[GRANT_ID_MAX + 1];
};

/*
 * Fills g from the claims (JSON) for kind, ACL_SUBSCRIBE (exp required)
 * or ACL_PUBLISH, at now (unix seconds). RESULT_ERROR with *why, in
 * words fit for a client, when the token may not be used; g holds
 * nothing to free then.
 */
int	grant_parse(struct grant *, int kind, const char *claims,
	    const struct grant_policy *, int64_t now, const char **why);
void	grant_free(struct grant *);

#endif

/*
 * acl: who may publish to and read which topics, from SSEHUB_ACL, a
 * file of lines (blank lines and # comments ignored):
 *
 *	publish   <token> <pattern> [<pattern> ...]
 *	subscribe <token> <pattern> [<pattern> ...]
 *	private   <pattern> [<pattern> ...]
 *	origin    <origin> [<origin> ...]	(CORS allowlist, exact)
 *
 * A pattern is a topic name, a prefix ending in '*' ("chat.*"), or "*".
 * Topics that match a private pattern need a subscribe token whose
 * patterns match them; all other topics are public. SSEHUB_TOKEN stays
 * the administrator's token: it publishes and reads everything.
 * Pure: no Kore; loaded once in the parent.
 */
#ifndef SSEHUB_ACL_H
#define SSEHUB_ACL_H

#include <stddef.h>

#define ACL_PUBLISH		1
#define ACL_SUBSCRIBE		2
#define ACL_PATTERNS_MAX	16

struct acl_rule {
	int		kind;
	char		*token;
	size_t		npatterns;
	char		*patterns[ACL_PATTERNS_MAX];
};

struct acl {
	struct acl_rule	*rules;
	size_t		nrules;
	char		**private;
	size_t		nprivate;
	char		**origins;
	size_t		norigins;
	struct acl_rule	admin;		/* SSEHUB_TOKEN, pattern "*" */
};

extern struct acl	acl;

/* Reads path (NULL: no rules). admin is SSEHUB_TOKEN. */
int		acl_load(struct acl *, const char *path, const char *admin,
		    char *err, size_t errlen);
void		acl_free(struct acl *);

/* The rule of kind for token (constant-time compares), or NULL. */
const struct acl_rule	*acl_find(const struct acl *, int kind,
			    const char *token);
/* 1 when a pattern of rule (may be NULL) matches topic. */
int		acl_allows(const struct acl_rule *, const char *topic);
int		acl_private(const struct acl *, const char *topic);
/* 1 when rule may read topic: it is public, or rule allows it. */
int		acl_can_read(const struct acl *, const struct acl_rule *,
		    const char *topic);
int		acl_pattern_match(const char *pattern, const char *topic);
/* 1 when p is a topic name, a prefix ending in '*', or "*". */
int		acl_pattern_valid(const char *p);
/* A small number per token, for per-token counters: 0 is the admin. */
size_t		acl_index(const struct acl *, const struct acl_rule *);
/* 1 when origin is on the CORS allowlist (exact, case-sensitive). */
int		acl_origin_ok(const struct acl *, const char *origin);

#endif

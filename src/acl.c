/*
 * acl: rules file parsing and topic matching.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "acl.h"
#include "auth.h"
#include "topic.h"
#include "result.h"

#define ACL_LINE_MAX	4096

struct acl	acl;

static int	acl_line(struct acl *, char *, char *, size_t);
static int	acl_add_rule(struct acl *, int, char **, size_t, char *,
		    size_t);
static int	acl_add_private(struct acl *, char **, size_t, char *,
		    size_t);
static int	acl_add_words(char ***, size_t *, char **, size_t);
static size_t	acl_split(char *, char **, size_t);

int
acl_load(struct acl *a, const char *path, const char *admin, char *err,
    size_t errlen)
{
	FILE		*fp;
	char		line[ACL_LINE_MAX];
	int		n, ok;

	memset(a, 0, sizeof(*a));
	a->admin.kind = ACL_PUBLISH | ACL_SUBSCRIBE;
	a->admin.token = strdup(admin);
	a->admin.patterns[0] = strdup("*");
	a->admin.npatterns = 1;
	if (a->admin.token == NULL || a->admin.patterns[0] == NULL)
		return (RESULT_ERROR);

	if (path == NULL)
		return (RESULT_OK);

	if ((fp = fopen(path, "r")) == NULL) {
		(void)snprintf(err, errlen, "SSEHUB_ACL: cannot open %s", path);
		return (RESULT_ERROR);
	}

	ok = RESULT_OK;
	for (n = 1; ok && fgets(line, sizeof(line), fp) != NULL; n++) {
		if (strchr(line, '\n') == NULL && !feof(fp)) {
			(void)snprintf(err, errlen, "line too long");
			ok = RESULT_ERROR;
		} else if (!acl_line(a, line, err, errlen)) {
			ok = RESULT_ERROR;
		}
	}
	if (ok && ferror(fp)) {
		(void)fclose(fp);
		(void)snprintf(err, errlen, "SSEHUB_ACL: cannot read %s",
		    path);
		return (RESULT_ERROR);
	}
	(void)fclose(fp);

	if (!ok) {
		/* Prefix the reason with where it was found. */
		(void)snprintf(line, sizeof(line), "%s:%d: %s", path, n - 1,
		    err);
		(void)snprintf(err, errlen, "%s", line);
	}

	return (ok);
}

static int
acl_line(struct acl *a, char *line, char *err, size_t errlen)
{
	char		*w[ACL_PATTERNS_MAX + 2];
	size_t		n, rule;

	if ((n = acl_split(line, w, ACL_PATTERNS_MAX + 2)) == 0 ||
	    w[0][0] == '#')
		return (RESULT_OK);

	/* publish and subscribe have a token before their patterns. */
	rule = strcmp(w[0], "publish") == 0 || strcmp(w[0], "subscribe") == 0;
	if (n > ACL_PATTERNS_MAX + 1 + rule) {
		(void)snprintf(err, errlen, "at most %d patterns a line",
		    ACL_PATTERNS_MAX);
		return (RESULT_ERROR);
	}

	if (strcmp(w[0], "publish") == 0)
		return (acl_add_rule(a, ACL_PUBLISH, w + 1, n - 1, err, errlen));
	if (strcmp(w[0], "subscribe") == 0) {
		return (acl_add_rule(a, ACL_SUBSCRIBE, w + 1, n - 1, err,
		    errlen));
	}
	if (n < 2 && (strcmp(w[0], "private") == 0 ||
	    strcmp(w[0], "origin") == 0)) {
		(void)snprintf(err, errlen, "%s needs a value", w[0]);
		return (RESULT_ERROR);
	}
	if (strcmp(w[0], "private") == 0)
		return (acl_add_private(a, w + 1, n - 1, err, errlen));
	if (strcmp(w[0], "origin") == 0)
		return (acl_add_words(&a->origins, &a->norigins, w + 1, n - 1));

	(void)snprintf(err, errlen, "unknown rule '%.32s'", w[0]);
	return (RESULT_ERROR);
}

/* Splits on white space in place; returns the number of words seen. */
static size_t
acl_split(char *s, char **w, size_t max)
{
	size_t		n;
	char		*tok, *save;

	n = 0;
	for (tok = strtok_r(s, " \t\r\n", &save); tok != NULL;
	    tok = strtok_r(NULL, " \t\r\n", &save)) {
		if (n < max)
			w[n] = tok;
		n++;
	}
	return (n);
}

static int
acl_add_rule(struct acl *a, int kind, char **w, size_t n, char *err,
    size_t errlen)
{
	struct acl_rule		*r;
	size_t			i;

	if (n < 2 || strlen(w[0]) < 8) {
		(void)snprintf(err, errlen, "a rule needs a token of 8 or "
		    "more characters and a pattern");
		return (RESULT_ERROR);
	}

	/* Two lines with one token: which would win is not for a file to hide. */
	for (i = 0; i < a->nrules; i++) {
		if (a->rules[i].kind == kind &&
		    strcmp(a->rules[i].token, w[0]) == 0) {
			(void)snprintf(err, errlen, "the token of this %s rule "
			    "is on an earlier line: put its patterns there",
			    kind == ACL_PUBLISH ? "publish" : "subscribe");
			return (RESULT_ERROR);
		}
	}

	r = realloc(a->rules, (a->nrules + 1) * sizeof(*r));
	if (r == NULL)
		return (RESULT_ERROR);
	a->rules = r;
	r = &a->rules[a->nrules++];
	memset(r, 0, sizeof(*r));
	r->kind = kind;
	r->token = strdup(w[0]);

	for (i = 1; i < n; i++) {
		if (!acl_pattern_valid(w[i])) {
			(void)snprintf(err, errlen, "bad pattern '%.70s'", w[i]);
			return (RESULT_ERROR);
		}
		r->patterns[r->npatterns++] = strdup(w[i]);
	}

	return (RESULT_OK);
}

static int
acl_add_private(struct acl *a, char **w, size_t n, char *err, size_t errlen)
{
	size_t		i;

	for (i = 0; i < n; i++) {
		if (!acl_pattern_valid(w[i])) {
			(void)snprintf(err, errlen, "bad pattern '%.70s'", w[i]);
			return (RESULT_ERROR);
		}
	}
	return (acl_add_words(&a->private, &a->nprivate, w, n));
}

static int
acl_add_words(char ***list, size_t *count, char **w, size_t n)
{
	char		**p;
	size_t		i;

	for (i = 0; i < n; i++) {
		p = realloc(*list, (*count + 1) * sizeof(*p));
		if (p == NULL)
			return (RESULT_ERROR);
		*list = p;
		if ((p[*count] = strdup(w[i])) == NULL)
			return (RESULT_ERROR);
		(*count)++;
	}
	return (RESULT_OK);
}

/* A topic name, optionally ending in '*' (then possibly empty before). */
int
acl_pattern_valid(const char *p)
{
	size_t		len = strlen(p);

	if (len > 0 && p[len - 1] == '*')
		len--;
	if (len == 0)
		return (p[0] == '*');
	return (topic_valid(p, len));
}

void
acl_free(struct acl *a)
{
	size_t		i, j;

	for (i = 0; i < a->nrules; i++) {
		free(a->rules[i].token);
		for (j = 0; j < a->rules[i].npatterns; j++)
			free(a->rules[i].patterns[j]);
	}
	for (i = 0; i < a->nprivate; i++)
		free(a->private[i]);
	for (i = 0; i < a->norigins; i++)
		free(a->origins[i]);
	free(a->rules);
	free(a->private);
	free(a->origins);
	free(a->admin.token);
	free(a->admin.patterns[0]);
	memset(a, 0, sizeof(*a));
}

/*
 * Every rule's token is compared, match or not, so the time taken says
 * nothing about which token is close.
 */
const struct acl_rule *
acl_find(const struct acl *a, int kind, const char *token)
{
	const struct acl_rule	*found;
	size_t			i;

	if (token == NULL || token[0] == '\0')
		return (NULL);

	found = NULL;
	if (auth_equal(token, a->admin.token))
		found = &a->admin;
	for (i = 0; i < a->nrules; i++) {
		if (auth_equal(token, a->rules[i].token) &&
		    (a->rules[i].kind & kind) && found == NULL)
			found = &a->rules[i];
	}

	return (found);
}

int
acl_pattern_match(const char *pattern, const char *topic)
{
	size_t		len = strlen(pattern);

	if (len > 0 && pattern[len - 1] == '*')
		return (strncmp(pattern, topic, len - 1) == 0);
	return (strcmp(pattern, topic) == 0);
}

int
acl_allows(const struct acl_rule *r, const char *topic)
{
	size_t		i;

	if (r == NULL)
		return (0);
	for (i = 0; i < r->npatterns; i++) {
		if (acl_pattern_match(r->patterns[i], topic))
			return (1);
	}
	return (0);
}

int
acl_private(const struct acl *a, const char *topic)
{
	size_t		i;

	for (i = 0; i < a->nprivate; i++) {
		if (acl_pattern_match(a->private[i], topic))
			return (1);
	}
	return (0);
}

int
acl_can_read(const struct acl *a, const struct acl_rule *r,
    const char *topic)
{
	return (!acl_private(a, topic) || acl_allows(r, topic));
}

int
acl_origin_ok(const struct acl *a, const char *origin)
{
	size_t		i;

	if (origin == NULL)
		return (0);
	for (i = 0; i < a->norigins; i++) {
		if (strcmp(a->origins[i], origin) == 0)
			return (1);
	}
	return (0);
}

size_t
acl_index(const struct acl *a, const struct acl_rule *r)
{
	if (r == &a->admin)
		return (0);
	return ((size_t)(r - a->rules) + 1);
}

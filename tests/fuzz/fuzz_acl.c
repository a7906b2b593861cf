/*
 * libFuzzer harness for the access rules file. Each input is written to
 * one temporary file and loaded with acl_load. A file that is taken must
 * hold only what acl.h allows (tokens of 8 or more bytes, 1 to
 * ACL_PATTERNS_MAX patterns without white space), and every token and
 * origin must be found again; one that is refused must name the file.
 * acl_free runs either way, so LeakSanitizer sees anything left behind.
 */

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "acl.h"
#include "result.h"

#define FUZZ_ADMIN	"fuzz-admin-token"

int	LLVMFuzzerInitialize(int *, char ***);
int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static void	fuzz_cleanup(void);
static void	fuzz_check(const struct acl *);
static void	fuzz_assert(int);

static char	fuzz_path[] = "/tmp/ssehub-fuzz-acl.XXXXXX";
static int	fuzz_fd = -1;

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;

	fuzz_assert((fuzz_fd = mkstemp(fuzz_path)) != -1);
	fuzz_assert(atexit(fuzz_cleanup) == 0);
	return (0);
}

int
LLVMFuzzerTestOneInput(const uint8_t *in, size_t size)
{
	struct acl	a;
	char		err[512];
	size_t		plen;

	fuzz_assert(ftruncate(fuzz_fd, 0) == 0);
	fuzz_assert(pwrite(fuzz_fd, in, size, 0) == (ssize_t)size);

	memset(err, 0, sizeof(err));
	if (acl_load(&a, fuzz_path, FUZZ_ADMIN, err, sizeof(err))) {
		fuzz_check(&a);
	} else {
		plen = strlen(fuzz_path);
		fuzz_assert(strncmp(err, fuzz_path, plen) == 0 ||
		    strncmp(err, "SSEHUB_ACL: ", 12) == 0);
		fuzz_assert(memchr(err, '\0', sizeof(err)) != NULL);
	}
	acl_free(&a);

	return (0);
}

static void
fuzz_check(const struct acl *a)
{
	const struct acl_rule	*r, *found;
	const char		*p;
	char			 topic[128];
	size_t			 i, j, len;

	fuzz_assert(acl_find(a, ACL_PUBLISH, FUZZ_ADMIN) == &a->admin);
	fuzz_assert(acl_find(a, ACL_SUBSCRIBE, FUZZ_ADMIN) == &a->admin);

	for (i = 0; i < a->nrules; i++) {
		r = &a->rules[i];
		fuzz_assert(r->kind == ACL_PUBLISH || r->kind == ACL_SUBSCRIBE);
		fuzz_assert(r->token != NULL && strlen(r->token) >= 8);
		fuzz_assert(strpbrk(r->token, " \t\r\n") == NULL);
		fuzz_assert(r->npatterns >= 1 &&
		    r->npatterns <= ACL_PATTERNS_MAX);

		/* The first rule of that kind with this token, or admin. */
		found = acl_find(a, r->kind, r->token);
		fuzz_assert(found != NULL && (found->kind & r->kind) &&
		    strcmp(found->token, r->token) == 0);

		for (j = 0; j < r->npatterns; j++) {
			p = r->patterns[j];
			len = strlen(p);
			fuzz_assert(len > 0 && len < sizeof(topic));
			fuzz_assert(strpbrk(p, " \t\r\n") == NULL);
			/* A pattern matches the topic it names (less '*'). */
			memcpy(topic, p, len + 1);
			if (topic[len - 1] == '*')
				topic[len - 1] = '\0';
			fuzz_assert(acl_pattern_match(p, topic));
			fuzz_assert(acl_allows(r, topic));
		}
	}

	for (i = 0; i < a->nprivate; i++) {
		p = a->private[i];
		len = strlen(p);
		fuzz_assert(len > 0 && len < sizeof(topic));
		memcpy(topic, p, len + 1);
		if (topic[len - 1] == '*')
			topic[len - 1] = '\0';
		fuzz_assert(acl_private(a, topic));
		fuzz_assert(!acl_can_read(a, NULL, topic));
		fuzz_assert(acl_can_read(a, &a->admin, topic));
	}

	for (i = 0; i < a->norigins; i++) {
		fuzz_assert(a->origins[i][0] != '\0');
		fuzz_assert(acl_origin_ok(a, a->origins[i]));
	}
}

static void
fuzz_cleanup(void)
{
	if (fuzz_fd != -1)
		(void)close(fuzz_fd);
	(void)unlink(fuzz_path);
}

static void
fuzz_assert(int ok)
{
	if (!ok)
		abort();
}

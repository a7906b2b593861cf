/*
 * libFuzzer harness for the cursor parser. The input, cut at its first
 * NUL as a C string is, is checked against a slower reference: strtoull()
 * on a string already known to be 1 to 19 digits.
 */

#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cursor.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static int	fuzz_reference(const char *, uint64_t *);
static void	fuzz_assert(int);

int
LLVMFuzzerTestOneInput(const uint8_t *in, size_t size)
{
	char		*s;
	uint64_t	 id, want;
	int		 rc;

	fuzz_assert((s = strndup((const char *)in, size)) != NULL);

	rc = cursor_parse(s, &id);
	fuzz_assert(rc == fuzz_reference(s, &want));
	if (rc == CURSOR_VALID)
		fuzz_assert(id == want && id <= INT64_MAX);

	/* The header wins whenever it is there, the query otherwise. */
	fuzz_assert(cursor_pick(s, "1", &id) == rc);
	fuzz_assert(cursor_pick(NULL, s, &id) == rc);
	fuzz_assert(cursor_pick(NULL, NULL, &id) == CURSOR_NONE);

	free(s);
	return (0);
}

static int
fuzz_reference(const char *s, uint64_t *id)
{
	size_t		len;

	len = strlen(s);
	if (len == 0)
		return (CURSOR_NONE);
	if (len > 19 || strspn(s, "0123456789") != len)
		return (CURSOR_MALFORMED);

	/* 19 digits always fit in 64 bits unsigned. */
	errno = 0;
	*id = strtoull(s, NULL, 10);
	fuzz_assert(errno == 0);

	return (*id <= INT64_MAX ? CURSOR_VALID : CURSOR_MALFORMED);
}

static void
fuzz_assert(int ok)
{
	if (!ok)
		abort();
}

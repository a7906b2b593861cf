/*
 * libFuzzer harness for the query string parser. Input: the name to look
 * for, a LF, then the query string (without a LF, the name is "topic").
 * Values must come out as C strings no longer than QUERY_VALUE_MAX, and a
 * failing callback must stop the walk at once.
 */

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "query.h"
#include "result.h"

struct fuzz_calls {
	size_t	count;
	int	fail;		/* callback returns RESULT_ERROR */
};

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static int	fuzz_cb(const char *, size_t, void *);
static void	fuzz_assert(int);

int
LLVMFuzzerTestOneInput(const uint8_t *in, size_t size)
{
	struct fuzz_calls	 ok = { 0, 0 }, fail = { 0, 1 };
	char			*s, *qs;
	const char		*name;
	int			 rc;

	fuzz_assert((s = strndup((const char *)in, size)) != NULL);
	name = "topic";
	if ((qs = strchr(s, '\n')) != NULL) {
		*qs++ = '\0';
		name = s;
	} else
		qs = s;

	rc = query_foreach(qs, name, fuzz_cb, &ok);
	fuzz_assert(query_foreach(qs, name, fuzz_cb, &fail) ==
	    (ok.count > 0 ? RESULT_ERROR : rc));
	fuzz_assert(fail.count == (ok.count > 0));

	free(s);
	return (0);
}

static int
fuzz_cb(const char *value, size_t len, void *arg)
{
	struct fuzz_calls	*calls = arg;

	fuzz_assert(len == strlen(value) && len <= QUERY_VALUE_MAX);
	calls->count++;

	return (calls->fail ? RESULT_ERROR : RESULT_OK);
}

static void
fuzz_assert(int ok)
{
	if (!ok)
		abort();
}

/*
 * libFuzzer harness for the query arguments of /stream, /events and
 * /topics (args.c). Input: one byte of ARGS_* flags, then the query
 * string. Whatever comes in, a success must leave only values the
 * handlers may use without checking again (topics valid and distinct,
 * numbers in range), and a failure must say why. The same bytes go
 * through json_out_string() (history pages echo such values back): the
 * measured length is the written one, and no control byte is left raw.
 */

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "args.h"
#include "json_out.h"
#include "result.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static void	fuzz_check(const struct args *);
static void	fuzz_json(const uint8_t *, size_t);
static void	fuzz_assert(int);

int
LLVMFuzzerTestOneInput(const uint8_t *in, size_t size)
{
	struct args	a;
	char		*qs;
	unsigned int	which;

	if (size == 0)
		return (0);
	which = in[0];
	fuzz_assert((qs = strndup((const char *)in + 1, size - 1)) != NULL);

	if (args_parse(&a, qs, which) == RESULT_OK)
		fuzz_check(&a);
	else
		fuzz_assert(a.error != NULL && a.error[0] != '\0');

	free(qs);
	fuzz_json(in, size);
	return (0);
}

static void
fuzz_json(const uint8_t *in, size_t size)
{
	char		*out;
	size_t		n, i;

	n = json_out_string(NULL, 0, (const char *)in, size);
	fuzz_assert(n >= size + 2);
	fuzz_assert((out = malloc(n)) != NULL);
	fuzz_assert(json_out_string(out, n, (const char *)in, size) == n);
	fuzz_assert(out[0] == '"' && out[n - 1] == '"');
	for (i = 0; i < n; i++)
		fuzz_assert((unsigned char)out[i] >= 0x20);
	free(out);
}

static void
fuzz_check(const struct args *a)
{
	int		i, j;

	fuzz_assert(a->error == NULL);
	fuzz_assert(a->ntopics >= 0 && a->ntopics <= TOPIC_STREAM_MAX);
	for (i = 0; i < a->ntopics; i++) {
		fuzz_assert(a->topics[i] == a->names[i]);
		fuzz_assert(topic_valid(a->topics[i],
		    strlen(a->topics[i])));
		for (j = 0; j < i; j++)
			fuzz_assert(strcmp(a->topics[i], a->topics[j]) != 0);
	}
	fuzz_assert(a->last <= ARGS_LAST_MAX);
	fuzz_assert(a->limit >= 1 && a->limit <= ARGS_LIMIT_MAX);
	fuzz_assert(a->from <= INT64_MAX);
	fuzz_assert(a->envelope == 0 || a->envelope == 1);
	fuzz_assert(a->presence == 0 || a->presence == 1);
	fuzz_assert(a->direction == ARGS_FORWARD ||
	    a->direction == ARGS_BACKWARD);
	fuzz_assert(strlen(a->cursor) <= QUERY_VALUE_MAX);
	fuzz_assert(strlen(a->token) <= QUERY_VALUE_MAX);
}

static void
fuzz_assert(int ok)
{
	if (!ok)
		abort();
}

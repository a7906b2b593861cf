/*
 * libFuzzer harness for Cookie headers (cookie.c). A value found must
 * lie inside the header, hold no ';', and follow "ssehub_token=" (or
 * its opening quote); the first cookie of that name wins.
 */

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cookie.h"

#define FUZZ_NAME	"ssehub_token"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static void	fuzz_assert(int);

int
LLVMFuzzerTestOneInput(const uint8_t *in, size_t size)
{
	const char	*v, *eq;
	char		*h;
	size_t		len, hlen;

	if ((h = malloc(size + 1)) == NULL)
		abort();
	memcpy(h, in, size);
	h[size] = '\0';
	hlen = strlen(h);

	if ((v = cookie_find(h, FUZZ_NAME, &len)) != NULL) {
		fuzz_assert(v >= h && v + len <= h + hlen);
		fuzz_assert(memchr(v, ';', len) == NULL);
		eq = (v > h && v[-1] == '"') ? v - 1 : v;
		fuzz_assert(eq - h >= (ptrdiff_t)sizeof(FUZZ_NAME) &&
		    eq[-1] == '=' && memcmp(eq - sizeof(FUZZ_NAME), FUZZ_NAME,
		    sizeof(FUZZ_NAME) - 1) == 0);
	}
	free(h);
	return (0);
}

static void
fuzz_assert(int ok)
{
	if (!ok)
		abort();
}

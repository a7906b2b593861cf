/*
 * libFuzzer harness for the NOTIFY payload decoder (notice.c). The input
 * is a payload's body, signed here so that the fuzzer gets past the mac
 * to the parser. Whatever it accepts must be events it can vouch for:
 * valid topics and event names, data inside the payload, consecutive
 * ids; and encoding them again (as ssehub.announce() does) must decode
 * to the same events. The raw input, unsigned, must never pass.
 */

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "notice.h"
#include "result.h"
#include "sse_frame.h"
#include "topic.h"

#define FUZZ_KEY	"k"
#define FUZZ_ORIGIN	"1 2"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static char			*fuzz_sign(const char *, size_t, size_t *);
static struct store_event	*fuzz_decode(char *, size_t, uint64_t *,
				    size_t *);
static char			*fuzz_encode(uint64_t,
				    const struct store_event *, size_t,
				    size_t *);
static void			 fuzz_assert(int);

int
LLVMFuzzerTestOneInput(const uint8_t *in, size_t size)
{
	struct store_event	*ev, *ev2;
	uint64_t		first, first2;
	size_t			count, count2, i, len, off;
	char			*buf, *again;

	/* A payload is text: no NUL (libpq hands it on as a C string). */
	if (memchr(in, '\0', size) != NULL)
		return (0);
	fuzz_assert((buf = malloc(size + 1)) != NULL);
	memcpy(buf, in, size);
	buf[size] = '\0';
	fuzz_assert(notice_head(buf, size, FUZZ_KEY, FUZZ_ORIGIN, &first, &count,
	    &off) ==
	    RESULT_ERROR);
	again = fuzz_sign(buf, size, &size);
	free(buf);
	buf = again;

	if ((ev = fuzz_decode(buf, size, &first, &count)) == NULL) {
		free(buf);
		return (0);
	}
	for (i = 0; i < count; i++) {
		fuzz_assert(ev[i].id == first + i && ev[i].id <= INT64_MAX);
		if (ev[i].topic == NULL)
			continue;
		fuzz_assert(topic_valid(ev[i].topic, strlen(ev[i].topic)));
		fuzz_assert(sse_field_valid(ev[i].event, strlen(ev[i].event)));
		fuzz_assert(ev[i].data >= buf &&
		    ev[i].data + ev[i].data_len < buf + size + 1);
	}

	again = fuzz_encode(first, ev, count, &len);
	fuzz_assert((ev2 = fuzz_decode(again, len, &first2, &count2)) != NULL);
	fuzz_assert(first2 == first && count2 == count);
	for (i = 0; i < count; i++) {
		fuzz_assert((ev[i].topic == NULL) == (ev2[i].topic == NULL));
		if (ev[i].topic == NULL)
			continue;
		fuzz_assert(strcmp(ev[i].topic, ev2[i].topic) == 0);
		fuzz_assert(strcmp(ev[i].event, ev2[i].event) == 0);
		fuzz_assert(ev[i].data_len == ev2[i].data_len &&
		    memcmp(ev[i].data, ev2[i].data, ev[i].data_len) == 0);
	}

	free(ev2);
	free(again);
	free(ev);
	free(buf);
	return (0);
}

static struct store_event *
fuzz_decode(char *buf, size_t len, uint64_t *first, size_t *count)
{
	struct store_event	*ev;
	size_t			off;

	if (notice_head(buf, len, FUZZ_KEY, FUZZ_ORIGIN, first, count,
	    &off) != RESULT_OK)
		return (NULL);
	fuzz_assert(*count >= 1 && *count <= len - off);
	fuzz_assert((ev = calloc(*count, sizeof(*ev))) != NULL);
	if (notice_items(buf, len, off, *first, ev, *count) != RESULT_OK) {
		free(ev);
		return (NULL);
	}
	return (ev);
}

/* As ssehub.announce() writes it. */
static char *
fuzz_encode(uint64_t first, const struct store_event *ev, size_t count,
    size_t *len)
{
	FILE	*f;
	char	*s, *signed_;
	size_t	i;

	fuzz_assert((f = open_memstream(&s, len)) != NULL);
	fprintf(f, "%llu %zu\n", (unsigned long long)first, count);
	for (i = 0; i < count; i++) {
		if (ev[i].topic == NULL) {
			fputc('\n', f);
			continue;
		}
		fprintf(f, "%s\n%s\n%zu\n", ev[i].topic, ev[i].event,
		    ev[i].data_len);
		fwrite(ev[i].data, 1, ev[i].data_len, f);
		fputc('\n', f);
	}
	fuzz_assert(fclose(f) == 0);
	signed_ = fuzz_sign(s, *len, len);
	free(s);
	return (signed_);
}

/* mac SP body, as a NUL-ended string; its length in *len. */
static char *
fuzz_sign(const char *body, size_t blen, size_t *len)
{
	char	*s;

	*len = NOTICE_MAC_LEN + 1 + blen;
	fuzz_assert((s = malloc(*len + 1)) != NULL);
	fuzz_assert(notice_sign(s, body, blen, FUZZ_KEY, FUZZ_ORIGIN) == RESULT_OK);
	s[NOTICE_MAC_LEN] = ' ';
	memcpy(s + NOTICE_MAC_LEN + 1, body, blen);
	s[*len] = '\0';
	return (s);
}

static void
fuzz_assert(int ok)
{
	if (!ok)
		abort();
}

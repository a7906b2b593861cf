/*
 * libFuzzer harness for the publish body parser. Besides memory errors it
 * checks what the rest of ssehub relies on: every accepted event has a
 * valid topic and event name and UTF-8 data without NUL, and can be
 * framed; every refusal leaves nothing behind and gives a message that is
 * safe to put in a JSON string.
 */

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "publish_body.h"
#include "result.h"
#include "sse_frame.h"
#include "utf8.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static void	fuzz_check_body(const struct publish_body *, const char *,
		    size_t);
static void	fuzz_check_event(const struct publish_event *);
static void	fuzz_check_err(const char *);
static void	fuzz_assert(int);

int
LLVMFuzzerTestOneInput(const uint8_t *in, size_t size)
{
	struct publish_body	body;
	char			err[128];

	memset(err, 'X', sizeof(err));
	if (publish_body_parse((const char *)in, size, &body, err,
	    sizeof(err)) == RESULT_OK) {
		fuzz_check_body(&body, (const char *)in, size);
		publish_body_free(&body);
	} else {
		fuzz_assert(body.events == NULL && body.count == 0);
		fuzz_check_err(err);
	}

	return (0);
}

static void
fuzz_check_body(const struct publish_body *body, const char *in,
    size_t size)
{
	size_t		i;

	/* Not strspn(): the input has no terminating NUL. */
	for (i = 0; i < size && memchr(" \t\r\n", in[i], 4) != NULL; i++)
		;
	fuzz_assert(i < size);
	fuzz_assert(body->is_array == (in[i] == '['));
	fuzz_assert(body->count >= 1 && body->count <= PUBLISH_BATCH_MAX);
	fuzz_assert(body->is_array || body->count == 1);

	for (i = 0; i < body->count; i++)
		fuzz_check_event(&body->events[i]);
}

static void
fuzz_check_event(const struct publish_event *ev)
{
	fuzz_assert(topic_valid(ev->topic, strlen(ev->topic)));
	fuzz_assert(sse_field_valid(ev->event, strlen(ev->event)));
	fuzz_assert(ev->data != NULL && ev->data[ev->data_len] == '\0');
	fuzz_assert(memchr(ev->data, '\0', ev->data_len) == NULL);
	fuzz_assert(utf8_valid(ev->data, ev->data_len));
	fuzz_assert(sse_frame_size(1, ev->topic, ev->event, ev->data,
	    ev->data_len) > ev->data_len);
}

static void
fuzz_check_err(const char *err)
{
	size_t		len, i;

	len = strnlen(err, 128);
	fuzz_assert(len > 0 && len < 128);
	for (i = 0; i < len; i++) {
		fuzz_assert((unsigned char)err[i] >= 0x20 &&
		    (unsigned char)err[i] < 0x7f);
		fuzz_assert(err[i] != '"' && err[i] != '\\');
	}
}

static void
fuzz_assert(int ok)
{
	if (!ok)
		abort();
}

/*
 * json_out: every byte a client parses as JSON passes through here, so
 * the escaping rules live in one place: stored data is any UTF-8 text,
 * with quotes, backslashes and line breaks, and must come out as one
 * JSON string that parses back to exactly what was published.
 */

#include <inttypes.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "json_out.h"

struct json_buf {
	char	*dst;		/* NULL: count only */
	size_t	len;
	size_t	off;		/* bytes produced, may exceed len */
};

static void	json_put(struct json_buf *, const char *, size_t);
static void	json_put_str(struct json_buf *, const char *);
static void	json_put_string(struct json_buf *, const char *, size_t);
static void	json_put_char(struct json_buf *, unsigned char);

size_t
json_out_string(char *dst, size_t dstlen, const char *s, size_t len)
{
	struct json_buf		b = { dst, dstlen, 0 };

	json_put_string(&b, s, len);
	return (b.off);
}

size_t
json_out_event(char *dst, size_t dstlen, const uint64_t *id, const char *topic,
    const char *event, const char *data, size_t len)
{
	struct json_buf		b = { dst, dstlen, 0 };
	char			num[24];

	json_put_str(&b, "{");
	if (id != NULL) {
		(void)snprintf(num, sizeof(num), "%" PRIu64, *id);
		json_put_str(&b, "\"id\":");
		json_put_str(&b, num);
		json_put_str(&b, ",");
	}
	json_put_str(&b, "\"topic\":");
	json_put_string(&b, topic, strlen(topic));
	json_put_str(&b, ",\"event\":");
	json_put_string(&b, event, strlen(event));
	json_put_str(&b, ",\"data\":");
	json_put_string(&b, data, len);
	json_put_str(&b, "}");

	return (b.off);
}

static void
json_put(struct json_buf *b, const char *s, size_t n)
{
	/* Empty data may come as NULL, which memcpy may not be given. */
	if (n == 0)
		return;
	if (b->dst != NULL && n <= b->len && b->off <= b->len - n)
		memcpy(b->dst + b->off, s, n);
	b->off += n;
}

static void
json_put_str(struct json_buf *b, const char *s)
{
	json_put(b, s, strlen(s));
}

/* Runs of plain bytes are copied whole; only specials are escaped. */
static void
json_put_string(struct json_buf *b, const char *s, size_t len)
{
	size_t		i, run;

	json_put_str(b, "\"");
	for (i = 0, run = 0; i < len; i++) {
		if ((unsigned char)s[i] >= 0x20 && s[i] != '"' &&
		    s[i] != '\\')
			continue;
		json_put(b, s + run, i - run);
		json_put_char(b, (unsigned char)s[i]);
		run = i + 1;
	}
	json_put(b, s + run, len - run);
	json_put_str(b, "\"");
}

static void
json_put_char(struct json_buf *b, unsigned char c)
{
	char		esc[8];

	switch (c) {
	case '"':
		json_put_str(b, "\\\"");
		break;
	case '\\':
		json_put_str(b, "\\\\");
		break;
	case '\n':
		json_put_str(b, "\\n");
		break;
	case '\r':
		json_put_str(b, "\\r");
		break;
	case '\t':
		json_put_str(b, "\\t");
		break;
	default:
		(void)snprintf(esc, sizeof(esc), "\\u%04x", c);
		json_put_str(b, esc);
		break;
	}
}

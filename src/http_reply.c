/*
 * http_reply: every answer ssehub writes, errors included, is JSON, so a
 * client can always parse what it got.
 */

#include <sys/types.h>

#include <kore/kore.h>
#include <kore/http.h>

#include <stdio.h>

#include "http_reply.h"

int
http_reply_json(struct http_request *req, int status, const char *body,
    size_t len)
{
	http_response_header(req, "content-type", "application/json");
	http_response_header(req, "cache-control", "no-store");
	http_response(req, status, body, len);
	return (KORE_RESULT_OK);
}

int
http_reply_error(struct http_request *req, int status, const char *msg)
{
	char		buf[512];
	size_t		len;

	len = http_reply_error_text(buf, sizeof(buf), msg);
	return (http_reply_json(req, status, buf, len));
}

size_t
http_reply_error_text(char *buf, size_t size, const char *msg)
{
	int		len;

	len = snprintf(buf, size, "{\"error\":\"%s\"}\n", msg);
	if (len < 0 || (size_t)len >= size)
		len = snprintf(buf, size, "{\"error\":\"error\"}\n");
	return ((size_t)len);
}

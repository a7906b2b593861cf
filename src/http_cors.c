/*
 * http_cors: the listed origin is echoed, never "*", because requests may
 * carry credentials; unlisted origins get no CORS headers at all, so the
 * browser keeps the answer from the page. Last-Event-ID is an allowed
 * request header, so a cross-origin EventSource can resume.
 */

#include <sys/types.h>

#include <kore/kore.h>
#include <kore/http.h>

#include "acl.h"
#include "http_cors.h"
#include "http_reply.h"

int
http_cors(struct http_request *req, const char *methods)
{
	const char	*origin;
	int		allowed;

	if (!http_request_header(req, "origin", &origin))
		origin = NULL;
	allowed = acl_origin_ok(&acl, origin);

	if (allowed) {
		http_response_header(req, "access-control-allow-origin", origin);
		http_response_header(req, "access-control-allow-credentials",
		    "true");
		http_response_header(req, "vary", "Origin");
	}

	if (req->method != HTTP_METHOD_OPTIONS)
		return (0);

	if (!allowed) {
		http_reply_error(req, 403, "origin not allowed");
		return (1);
	}

	http_response_header(req, "access-control-allow-methods", methods);
	http_response_header(req, "access-control-allow-headers",
	    "Authorization, Content-Type, Idempotency-Key, Last-Event-ID");
	http_response_header(req, "access-control-max-age", "600");
	http_response(req, 204, NULL, 0);
	return (1);
}

/* http_cors: cross-origin access for the origins listed in SSEHUB_ACL. */
#ifndef SSEHUB_HTTP_CORS_H
#define SSEHUB_HTTP_CORS_H

struct http_request;

/*
 * For an allowed Origin, adds the CORS headers to the answer. For an
 * OPTIONS preflight, answers it (204, or 403 for an unlisted origin) and
 * returns 1: the handler is done. methods: what the route accepts.
 */
int	http_cors(struct http_request *, const char *methods);

#endif

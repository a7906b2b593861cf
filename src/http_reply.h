/* http_reply: JSON answers shared by the handlers. */
#ifndef SSEHUB_HTTP_REPLY_H
#define SSEHUB_HTTP_REPLY_H

struct http_request;

/* {"error":"msg"}; msg must need no JSON escaping (ssehub's own text). */
int	http_reply_error(struct http_request *, int, const char *);
int	http_reply_json(struct http_request *, int, const char *, size_t);
/* The same body into buf (for answers written without a request). */
size_t	http_reply_error_text(char *, size_t, const char *);

#endif

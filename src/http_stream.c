/*
 * GET /stream: turns the request's connection into an event stream and
 * hands it to the hub.
 *
 * Kore 4.1 closes such a connection in several ways (docs/kore-4.1.md,
 * "Stream timeouts"):
 * the header timeout re-armed by http_response(), the keep-alive idle
 * timer, and CONN_CLOSE_EMPTY for HTTP/1.0 or "Connection: close". Each
 * is undone here; the hub restarts the idle timer whenever the queue
 * drains, so only a client that stops reading times out.
 */

#include <sys/types.h>
#include <sys/socket.h>

#include <netinet/in.h>
#include <netinet/tcp.h>

#include <kore/kore.h>
#include <kore/http.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "access.h"
#include "acl.h"
#include "auth.h"
#include "cookie.h"
#include "cursor.h"
#include "http_cors.h"
#include "http_reply.h"
#include "hub.h"
#include "jwt_verify.h"
#include "quota.h"
#include "query.h"
#include "result.h"
#include "settings.h"
#include "sse_frame.h"
#include "topic.h"

/* Kernel send buffer of a stream (Linux doubles it: 256 KiB). */
#define STREAM_SNDBUF		(128 * 1024)

int	http_stream(struct http_request *);

struct stream_args {
	struct hub_request	hr;
	char			names[HUB_TOPICS_MAX][TOPIC_MAX + 1];
	char			cursor[QUERY_VALUE_MAX + 1];
	int			has_cursor;
	char			query_token[QUERY_VALUE_MAX + 1];
	char			cookie_token[JWT_TOKEN_MAX + 1];
	struct access		access;
	const char		*error;
};

static int	stream_parse(struct http_request *, struct stream_args *);
static int	stream_topic(const char *, size_t, void *);
static int	stream_cursor(const char *, size_t, void *);
static int	stream_token(const char *, size_t, void *);
static int	stream_authorize(struct http_request *, struct stream_args *);
static const char *stream_bearer(struct http_request *, struct stream_args *);
static void	stream_unauthorized(struct http_request *, const char *);
static void	stream_open(struct http_request *);
static void	stream_deadline(struct connection *);
static int	stream_admit(struct http_request *, struct hub_request *);
static void	stream_refuse(struct http_request *);

int
http_stream(struct http_request *req)
{
	struct stream_args	a;
	const char		*hdr;

	if (http_cors(req, "GET"))
		return (KORE_RESULT_OK);

	if (req->method != HTTP_METHOD_GET) {
		http_response_header(req, "allow", "GET");
		return (http_reply_error(req, 405, "use GET"));
	}

	if (!stream_parse(req, &a))
		return (http_reply_error(req, 400, a.error));
	if (!stream_authorize(req, &a))
		return (KORE_RESULT_OK);

	if (!http_request_header(req, "last-event-id", &hdr))
		hdr = NULL;
	a.hr.cursor_kind = cursor_pick(hdr, a.has_cursor ? a.cursor : NULL,
	    &a.hr.cursor);

	stream_open(req);
	if (!stream_admit(req, &a.hr)) {
		access_grant_free(a.hr.grant);
		stream_refuse(req);
		return (KORE_RESULT_OK);
	}
	if (!hub_subscribe(req->owner, &a.hr))
		return (KORE_RESULT_OK);

	/* Let the next worker accept: streams would pile onto this one. */
	kore_worker_make_busy();

	return (KORE_RESULT_OK);
}

static int
stream_parse(struct http_request *req, struct stream_args *a)
{
	memset(a, 0, sizeof(*a));

	if (!query_foreach(req->query_string, "topic", stream_topic, a)) {
		if (a->error == NULL)
			a->error = "malformed query string";
		return (KORE_RESULT_ERROR);
	}

	if (!query_foreach(req->query_string, "last_event_id",
	    stream_cursor, a) ||
	    !query_foreach(req->query_string, "access_token",
	    stream_token, a)) {
		a->error = "malformed query string";
		return (KORE_RESULT_ERROR);
	}

	return (KORE_RESULT_OK);
}

/*
 * Named private topics must all be readable; a stream of every topic
 * silently skips the private ones it may not read (sub_wants() checks
 * each event, replayed or live). A JWT's grant goes to the hub with the
 * stream, which ends it when the token expires or is revoked.
 */
static int
stream_authorize(struct http_request *req, struct stream_args *a)
{
	const char	*token;
	char		msg[128];
	int		i;

	if ((token = stream_bearer(req, a)) == NULL && a->error != NULL) {
		stream_unauthorized(req, a->error);
		return (KORE_RESULT_ERROR);
	}
	if (!access_check(&a->access, ACL_SUBSCRIBE, token,
	    (int64_t)time(NULL))) {
		stream_unauthorized(req, a->access.why);
		return (KORE_RESULT_ERROR);
	}
	a->hr.rule = a->access.rule;
	a->hr.grant = a->access.grant;

	for (i = 0; i < a->hr.ntopics; i++) {
		if (acl_can_read(&acl, a->hr.rule, a->hr.topics[i]))
			continue;
		access_grant_free(a->hr.grant);
		(void)snprintf(msg, sizeof(msg), "topic %s is private",
		    a->hr.topics[i]);
		http_reply_error(req, 403, msg);
		return (KORE_RESULT_ERROR);
	}

	return (KORE_RESULT_OK);
}

/*
 * The token, first found of: Authorization (not for EventSource, which
 * cannot set headers), the ssehub_token cookie (EventSource with
 * credentials, on the application's own site), the access_token query
 * argument (which proxies log). NULL for none, or with a->error set for
 * one that cannot be a token.
 */
static const char *
stream_bearer(struct http_request *req, struct stream_args *a)
{
	const char	*hdr, *v;
	size_t		len;

	if (http_request_header(req, "authorization", &hdr) &&
	    (v = auth_bearer_token(hdr)) != NULL && *v != '\0')
		return (v);

	if (http_request_header(req, "cookie", &hdr) &&
	    (v = cookie_find(hdr, "ssehub_token", &len)) != NULL && len > 0) {
		if (len > JWT_TOKEN_MAX) {
			a->error = "token over 8192 bytes";
			return (NULL);
		}
		memcpy(a->cookie_token, v, len);
		a->cookie_token[len] = '\0';
		return (a->cookie_token);
	}

	return (a->query_token[0] != '\0' ? a->query_token : NULL);
}

static void
stream_unauthorized(struct http_request *req, const char *why)
{
	http_response_header(req, "www-authenticate",
	    "Bearer realm=\"ssehub\", error=\"invalid_token\"");
	http_reply_error(req, 401, why);
}

/* Repeated topics are kept once; at most HUB_TOPICS_MAX distinct. */
static int
stream_topic(const char *v, size_t len, void *arg)
{
	struct stream_args	*a = arg;
	int			i;

	if (!topic_valid(v, len)) {
		a->error = "topic must match " TOPIC_PATTERN;
		return (RESULT_ERROR);
	}

	for (i = 0; i < a->hr.ntopics; i++) {
		if (strcmp(a->names[i], v) == 0)
			return (RESULT_OK);
	}

	if (a->hr.ntopics == HUB_TOPICS_MAX) {
		a->error = "at most " TOPIC_XSTR(HUB_TOPICS_MAX)
		    " topics per stream";
		return (RESULT_ERROR);
	}

	memcpy(a->names[i], v, len + 1);
	a->hr.topics[i] = a->names[i];
	a->hr.ntopics++;

	return (RESULT_OK);
}

static int
stream_token(const char *v, size_t len, void *arg)
{
	struct stream_args	*a = arg;

	memcpy(a->query_token, v, len + 1);
	return (RESULT_OK);
}

/* The first last_event_id counts. */
static int
stream_cursor(const char *v, size_t len, void *arg)
{
	struct stream_args	*a = arg;

	if (!a->has_cursor) {
		memcpy(a->cursor, v, len + 1);
		a->has_cursor = 1;
	}
	return (RESULT_OK);
}

/* SSEHUB_STREAMS_PER_IP, counted over all workers. */
static int
stream_admit(struct http_request *req, struct hub_request *hr)
{
	struct connection	*c = req->owner;

	const struct in6_addr	*a6 = &c->addr.ipv6.sin6_addr;

	/*
	 * IPv6 clients are counted per /64: one host commonly holds a
	 * whole /64, so a per-address limit would not limit anything.
	 */
	memset(hr->addr, 0, sizeof(hr->addr));
	if (c->family == AF_INET6 && IN6_IS_ADDR_V4MAPPED(a6))
		memcpy(hr->addr, &a6->s6_addr[12], 4);
	else if (c->family == AF_INET6)
		memcpy(hr->addr, a6, 8);
	else if (c->family == AF_INET)
		memcpy(hr->addr, &c->addr.ipv4.sin_addr, 4);

	return (quota_stream_enter(hr->addr, settings.streams_per_ip,
	    &hr->counted));
}

/*
 * Over the limit. A 429 or 503 would make a browser's EventSource give up
 * for good, so the 200 stream ends at once with a long retry and a
 * comment saying why; the client comes back later.
 */
static void
stream_refuse(struct http_request *req)
{
	static const char	msg[] = ": too many streams from this address\n\n";
	struct connection	*c = req->owner;
	char			buf[32];
	size_t			len;

	len = sse_retry_encode(buf, sizeof(buf),
	    settings.retry_ms * 5 + arc4random_uniform(settings.retry_ms * 5));
	net_send_queue(c, buf, len);
	net_send_queue(c, msg, sizeof(msg) - 1);
	c->flags |= CONN_CLOSE_EMPTY;
	(void)net_send_flush(c);
}

static void
stream_open(struct http_request *req)
{
	struct connection	*c = req->owner;

	http_response_header(req, "content-type", "text/event-stream");
	http_response_header(req, "cache-control", "no-cache");
	http_response_header(req, "x-accel-buffering", "no");

	req->flags |= HTTP_REQUEST_NO_CONTENT_LENGTH;
	c->flags |= CONN_IS_BUSY;
	http_response(req, 200, NULL, 0);

	c->flags &= ~CONN_CLOSE_EMPTY;
	c->http_timeout = 0;
	/* Two and a half heartbeats: a client that stops reading goes. */
	c->idle_timer.length = settings.heartbeat_ms * 5 / 2;
	kore_connection_start_idletimer(c);
	stream_deadline(c);
}

/*
 * A peer that vanished without a FIN (a dropped network, a sleeping
 * laptop) still lets the kernel take our heartbeats into its buffer, so
 * the idle timer never fires; TCP gives up only after ~15 minutes of
 * retransmissions. Data unacknowledged for two heartbeats ends it, so a
 * vanished peer goes within three heartbeats of its last ACK.
 */
static void
stream_deadline(struct connection *c)
{
	unsigned int	ms = settings.heartbeat_ms * 2;
	int		sndbuf = STREAM_SNDBUF;

	if (setsockopt(c->fd, IPPROTO_TCP, TCP_USER_TIMEOUT, &ms,
	    sizeof(ms)) == -1)
		kore_log(LOG_NOTICE, "TCP_USER_TIMEOUT: %s", errno_s);

	/*
	 * The kernel's send buffer grows to megabytes for a client that
	 * does not read: a catch-up would fill it (kernel memory, and the
	 * worker's time building pages nobody reads) before the queue cap
	 * and the replay budget ever see a byte wait. Fixed, it stops.
	 */
	if (setsockopt(c->fd, SOL_SOCKET, SO_SNDBUF, &sndbuf,
	    sizeof(sndbuf)) == -1)
		kore_log(LOG_NOTICE, "SO_SNDBUF: %s", errno_s);
}

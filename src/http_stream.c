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

#include "access.h"
#include "args.h"
#include "cursor.h"
#include "http_cors.h"
#include "http_reply.h"
#include "hub.h"
#include "quota.h"
#include "reader.h"
#include "result.h"
#include "settings.h"
#include "sse_frame.h"
#include "topic.h"

/* Kernel send buffer of a stream (Linux doubles it: 256 KiB). */
#define STREAM_SNDBUF		(128 * 1024)

int	http_stream(struct http_request *);

struct stream_args {
	struct hub_request	hr;
	struct args		q;
	struct reader		who;
};

static int	stream_parse(struct http_request *, struct stream_args *);
static int	stream_authorize(struct http_request *, struct stream_args *);
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
		return (http_reply_error(req, 400, a.q.error));
	if (!stream_authorize(req, &a))
		return (KORE_RESULT_OK);

	/* A cursor wins over last=N: a reconnect resumes where it was. */
	if (!http_request_header(req, "last-event-id", &hdr))
		hdr = NULL;
	a.hr.cursor_kind = cursor_pick(hdr, a.q.has_cursor ? a.q.cursor :
	    NULL, &a.hr.cursor);
	if (a.hr.cursor_kind == CURSOR_NONE && a.q.last > 0)
		a.hr.cursor_kind = CURSOR_LAST;

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
	int		i;

	memset(&a->hr, 0, sizeof(a->hr));
	if (!args_parse(&a->q, req->query_string, ARGS_TOPIC | ARGS_CURSOR |
	    ARGS_TOKEN | ARGS_LAST | ARGS_ENVELOPE | ARGS_PRESENCE))
		return (KORE_RESULT_ERROR);
	if (a->q.presence && a->q.ntopics == 0) {
		a->q.error = "presence=1 needs at least one topic";
		return (KORE_RESULT_ERROR);
	}

	a->hr.ntopics = a->q.ntopics;
	for (i = 0; i < a->q.ntopics; i++)
		a->hr.topics[i] = a->q.topics[i];
	a->hr.last = a->q.last;
	a->hr.envelope = a->q.envelope;
	a->hr.presence = a->q.presence;

	return (KORE_RESULT_OK);
}

/*
 * Who reads (reader.c): a stream of every topic skips private ones. A
 * JWT's grant goes to the hub with the stream, which ends it when the
 * token expires or is revoked.
 */
static int
stream_authorize(struct http_request *req, struct stream_args *a)
{
	if (!reader_authorize(req, &a->who, a->q.token, a->hr.topics,
	    a->hr.ntopics))
		return (KORE_RESULT_ERROR);
	a->hr.rule = a->who.rule;
	a->hr.grant = a->who.grant;
	return (KORE_RESULT_OK);
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

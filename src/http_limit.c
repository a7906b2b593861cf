/*
 * http_limit: Kore's 413, and a 431 Kore does not send, with a JSON body
 * like every other error.
 *
 * Kore 4.1 reads a whole body before any handler runs, and refuses one
 * over http_body_max from its Content-Length with a 413 of its own, with
 * no body (http.c, http_header_recv). No hook runs in between, so each
 * listener names http_limit_connect as its connection callback (`bind
 * ADDR PORT http_limit_connect`): it sets the connection up for HTTP as
 * Kore would, and puts a look at each request head in front of Kore's
 * parser. A head that announces a body over http_body_max is answered
 * here, in JSON, and the connection closed, before one byte of the body
 * is buffered; so is a head that fills http_header_max without ending
 * (Kore would wait for its header timeout and close without a word);
 * everything else goes to Kore untouched.
 */

#include <sys/types.h>

#include <kore/kore.h>
#include <kore/http.h>

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "http_reply.h"

void	http_limit_connect(struct connection *);

static int	limit_read(struct connection *, size_t *);
static int	limit_header_recv(struct netbuf *);
static int	limit_over(const char *, size_t);
static int	limit_head_full(const struct netbuf *);
static int	limit_target_long(const struct netbuf *);
static void	limit_refuse(struct connection *, int, const char *);
static const char *limit_reason(int);

void
http_limit_connect(struct connection *c)
{
	c->proto = CONN_PROTO_HTTP;
	if (http_keepalive_time != 0)
		c->idle_timer.length = http_keepalive_time * 1000;
	c->read = limit_read;
	net_recv_queue(c, http_header_max, NETBUF_CALL_CB_ALWAYS,
	    limit_header_recv);

	/*
	 * Over TLS Kore calls this once the handshake is done but leaves
	 * the state alone, and the request may have come with the
	 * handshake's last bytes (the socket is edge-triggered).
	 */
	if (c->state == CONN_STATE_TLS_SHAKE) {
		c->state = CONN_STATE_ESTABLISHED;
		if ((c->evt.flags & KORE_EVENT_READ) && !net_recv_flush(c))
			kore_connection_disconnect(c);
	}
}

/*
 * Kore sets http_header_recv again for each request on the connection:
 * every read puts the look in front of it again.
 */
static int
limit_read(struct connection *c, size_t *bytes)
{
	int		ret;

	ret = (c->ssl != NULL) ? net_read_tls(c, bytes) : net_read(c, bytes);
	if (c->rnb != NULL && c->rnb->cb == http_header_recv)
		c->rnb->cb = limit_header_recv;
	return (ret);
}

static int
limit_header_recv(struct netbuf *nb)
{
	char		msg[64];
	int		status;

	status = 0;
	if (limit_over((const char *)nb->buf, nb->s_off)) {
		status = 413;
		(void)snprintf(msg, sizeof(msg), "body over %zu bytes",
		    http_body_max);
	} else if (limit_target_long(nb)) {
		status = 414;
		(void)snprintf(msg, sizeof(msg), "request target over %d bytes",
		    HTTP_URI_LEN - 2);
	} else if (limit_head_full(nb)) {
		status = 431;
		(void)snprintf(msg, sizeof(msg), "request head over %u bytes",
		    http_header_max);
	}
	if (status != 0) {
		limit_refuse(nb->owner, status, msg);
		/* Kore stops reading a connection whose buffer is gone. */
		kore_free(nb->buf);
		nb->buf = NULL;
		nb->m_len = 0;
		return (KORE_RESULT_OK);
	}
	return (http_header_recv(nb));
}

/*
 * Whether a complete head is one Kore would refuse with its 413: a
 * method with a body, and a Content-Length, a number, over the limit.
 * What Kore parses differently (an incomplete head, a bad number) is
 * left to Kore.
 */
static int
limit_over(const char *buf, size_t len)
{
	const char		*end, *line, *next, *v;
	char			*ep, num[32];
	size_t			n;
	unsigned long long	cl;

	if ((end = kore_mem_find((void *)buf, len, "\r\n\r\n", 4)) == NULL)
		return (0);
	if (strncasecmp(buf, "POST ", 5) != 0 &&
	    strncasecmp(buf, "PUT ", 4) != 0 &&
	    strncasecmp(buf, "PATCH ", 6) != 0)
		return (0);

	for (line = buf; line < end; line = next + 2) {
		next = kore_mem_find((void *)line, end - line + 2, "\r\n", 2);
		if (strncasecmp(line, "content-length:", 15) != 0)
			continue;
		for (v = line + 15; *v == ' ' || *v == '\t'; v++)
			;
		if ((n = next - v) == 0 || n >= sizeof(num))
			return (0);
		memcpy(num, v, n);
		num[n] = '\0';
		cl = strtoull(num, &ep, 10);
		return (*ep == '\0' && num[0] >= '0' && num[0] <= '9' &&
		    cl <= LONG_MAX && cl > http_body_max);
	}
	return (0);
}

/*
 * A full buffer with no end of the head in it: Kore would wait for the
 * header timeout and close without a word.
 */
static int
limit_head_full(const struct netbuf *nb)
{
	return (nb->s_off == nb->b_len &&
	    kore_mem_find(nb->buf, nb->s_off, "\r\n\r\n", 4) == NULL &&
	    kore_mem_find(nb->buf, nb->s_off, "\n\n", 2) == NULL);
}

/*
 * A request target Kore refuses (HTTP_URI_LEN, compiled in) with a bare
 * 414: seen as soon as that much of it has arrived without its end.
 */
static int
limit_target_long(const struct netbuf *nb)
{
	const u_int8_t	*sp, *end;
	size_t		left;

	if ((sp = memchr(nb->buf, ' ', nb->s_off)) == NULL)
		return (0);
	sp++;
	left = nb->s_off - (size_t)(sp - nb->buf);
	if ((end = memchr(sp, ' ', left)) == NULL)
		end = memchr(sp, '\r', left);
	if (end == NULL)
		return (left >= HTTP_URI_LEN - 1);
	return ((size_t)(end - sp) >= HTTP_URI_LEN - 1);
}

static void
limit_refuse(struct connection *c, int status, const char *msg)
{
	struct kore_buf	out;
	char		body[128];
	size_t		len;

	len = http_reply_error_text(body, sizeof(body), msg);

	kore_buf_init(&out, 256);
	kore_buf_appendf(&out, "HTTP/1.1 %d %s\r\n"
	    "content-type: application/json\r\n"
	    "cache-control: no-store\r\n"
	    "content-length: %zu\r\n"
	    "connection: close\r\n\r\n", status, limit_reason(status), len);
	kore_buf_append(&out, body, len);
	net_send_queue(c, out.data, out.offset);
	kore_buf_cleanup(&out);

	/* Closed once sent, as Kore closes after its own errors. */
	c->flags |= CONN_CLOSE_EMPTY;
	if (!net_send_flush(c))
		kore_connection_disconnect(c);
}

static const char *
limit_reason(int status)
{
	switch (status) {
	case 413:
		return ("Request Entity Too Large");
	case 414:
		return ("URI Too Long");
	default:
		return ("Request Header Fields Too Large");
	}
}

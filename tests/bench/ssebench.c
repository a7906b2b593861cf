/*
 * ssebench: load generator for Server-Sent Events servers (ssehub, nchan).
 *
 *   ssebench sub --port P --path PATH --conns N [--procs K] --duration S
 *       [--last-event-id X] [--ramp-per-sec R] [--expect-events E]
 *       [--ready-file F] [--src-addrs A] [--no-read] [--unordered]
 *   ssebench pub --target ssehub|nchan --port P --rate R --duration S
 *       [--conns C] [--batch B] [--count N] [--token T] [--topic T]
 *
 * Plain HTTP/1.1 to 127.0.0.1 only, one epoll loop per process.  Event
 * data is "<seq> <publish_unix_time_us>", so a subscriber can measure
 * latency and check ordering without talking to the publisher.  Each
 * mode prints exactly one JSON line on stdout; diagnostics go to stderr.
 *
 * sub fields: connected/failed (got 200 text/event-stream or not),
 * closed (stream ended by the server), frames (SSE events dispatched),
 * events (frames whose data parsed as a bench event), bad (the others),
 * missing/dup/reordered (per-connection sequence checks), min_events and
 * max_events (per connection), lat_* (receive minus publish time),
 * ready_ms (until every connection settled), all_expect_ms (until every
 * connection had --expect-events events, -1 if some never did).
 * Numeric SSE ids (ssehub's, the floor's) are checked too: ids counts
 * the events that had one, id_missing/id_dup/id_reordered compare each
 * with the connection's previous one (ids are consecutive on one topic).
 * --unordered: several publishers, so publish order is not defined and
 * the sequence checks become set checks: dup counts a sequence number
 * seen twice, missing the holes below the highest one seen, reordered
 * is not counted (the id checks say whether order held).
 * SIGTERM or SIGINT ends a run early and still prints the results.
 *
 * In --path, "{i}" becomes the connection's number (0 .. N-1 over all
 * processes), e.g. /stream?topic=u{i} for one topic per stream.
 * --no-read: each connection sends its request and never reads (a 4 KiB
 * receive buffer, so the kernel holds little for it); it counts as
 * connected once the request is out.
 *
 * pub fields: sent/acked are events, errors and requests are requests;
 * acked_per_s is acked events over the sending period.  --count N stops
 * after N events have been sent (a request never exceeds it), e.g. to
 * put exactly N events behind a storm's cursors.
 */

#define _GNU_SOURCE	/* pipe2() */

#include <sys/types.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

/* Stay clear of the 20,000 open-file cap of this environment. */
#define SB_MAX_CONNS_PER_PROC	18900
#define SB_MAX_PROCS		64
/* Connections not yet streaming, per process: keeps the SYN queue sane. */
#define SB_MAX_PENDING		256
#define SB_EPOLL_BATCH		512
#define SB_READ_SIZE		65536
#define SB_MAX_HEAD		16384

/* Latency histogram: 1 us buckets below 10 ms, then 1 ms up to 10 s. */
#define SB_HIST_FINE		10000
#define SB_HIST_COARSE		10000
#define SB_HIST_SIZE		(SB_HIST_FINE + SB_HIST_COARSE)

struct sb_hist {
	uint64_t	count;
	uint64_t	max_us;
	uint64_t	bucket[SB_HIST_SIZE];
};

struct sb_buf {
	char		*p;
	size_t		 len;
	size_t		 cap;
};

/* Options shared by both modes; unused ones stay at their defaults. */
struct sb_opts {
	int		 port;
	const char	*path;
	const char	*target;
	const char	*token;
	const char	*topic;
	const char	*last_event_id;
	const char	*ready_file;
	long		 src_addrs;
	long		 conns;
	long		 procs;
	double		 duration;
	double		 rate;
	double		 ramp;
	long		 batch;
	long		 count;
	long		 expect;
	int		 no_read;
	int		 unordered;
};

/* ---- subscriber side ---- */

enum sub_state {
	SUB_CONNECTING,
	SUB_HEAD,
	SUB_STREAM,
	SUB_DONE
};

enum sub_chunk {
	CH_SIZE,
	CH_EXT,
	CH_DATA,
	CH_CRLF,
	CH_END
};

struct sub_conn {
	int		 fd;
	int		 state;
	int		 chunked;
	int		 ch_state;
	uint64_t	 ch_left;
	int		 saw_cr;
	int		 started;	/* BOM check done */
	int		 ev_has_id;
	size_t		 woff;
	struct sb_buf	 head;
	struct sb_buf	 line;
	struct sb_buf	 data;
	int64_t		 last_seq;
	int64_t		 ev_id;		/* numeric id of this event, or -1 */
	int64_t		 last_id;
	struct sb_buf	 seen;		/* --unordered: bitmap of seqs */
	uint64_t	 events;
	int64_t		 reached_us;
};

/* What a child sends to the parent; the parent adds these up. */
struct sub_result {
	uint64_t	conns;
	uint64_t	connected;
	uint64_t	failed;
	uint64_t	closed;
	uint64_t	frames;
	uint64_t	events;
	uint64_t	with_id;
	uint64_t	comments;
	uint64_t	bad;
	uint64_t	missing;
	uint64_t	dup;
	uint64_t	reordered;
	uint64_t	ids;
	uint64_t	id_missing;
	uint64_t	id_dup;
	uint64_t	id_reordered;
	uint64_t	reached;
	int64_t		reached_us;
	int64_t		ready_us;
	uint64_t	min_events;
	uint64_t	max_events;
	struct sb_hist	lat;
};

struct sub_proc {
	const struct sb_opts	*o;
	struct sub_conn		*c;
	long			 n;
	long			 opened;
	long			 pending;
	long			 settled;
	int			 ep;
	int			 ready_sent;
	int			 wfd;
	char			*req;
	size_t			 reqlen;
	const char		*req_tail;	/* after "{i}" in req, or NULL */
	long			 base;		/* number of this process's first */
	int64_t			 start_mono;
	int64_t			 start_real;
	struct sub_result	 r;
};

/* ---- publisher side ---- */

enum pub_state {
	PUB_CLOSED,
	PUB_CONNECTING,
	PUB_IDLE,
	PUB_BUSY
};

struct pub_conn {
	int		 fd;
	int		 state;
	size_t		 woff;
	struct sb_buf	 out;
	struct sb_buf	 in;
	uint64_t	 nev;
	int64_t		 t0;
	int64_t		 retry_at;
};

struct pub_proc {
	const struct sb_opts	*o;
	struct pub_conn		*c;
	int			 ep;
	int			 nchan;
	uint64_t		 seq;
	uint64_t		 sent;
	uint64_t		 acked;
	uint64_t		 requests;
	uint64_t		 errors;
	uint64_t		 inflight;
	struct sb_hist		 rtt;
};

static void	 sb_usage(void) __attribute__((noreturn));
static void	 sb_on_signal(int);
static void	 sb_signals(void);
static int64_t	 sb_clock_us(clockid_t);
static int64_t	 sb_mono_us(void);
static int64_t	 sb_real_us(void);
static double	 sb_cpu_s(int);
static void	*sb_calloc(size_t, size_t);
static void	 sb_buf_add(struct sb_buf *, const void *, size_t);
static void	 sb_buf_free(struct sb_buf *);
static void	 sb_buf_consume(struct sb_buf *, size_t);
static void	 sb_hist_add(struct sb_hist *, int64_t);
static void	 sb_hist_merge(struct sb_hist *, const struct sb_hist *);
static double	 sb_hist_pct(const struct sb_hist *, double);
static int	 sb_connect(int, long, int);
static int	 sb_sock_error(int);
static int	 sb_epoll_add(int, int, uint32_t);
static int	 sb_write_all(int, const void *, size_t);
static int	 sb_read_all(int, void *, size_t);
static void	 sb_http_headers(const char *, const char *, uint64_t *, int *,
	    int *, int *);
static int	 sb_http_status(const char *, size_t, int *);
static void	 sub_event(struct sub_proc *, struct sub_conn *, int64_t);
static void	 sub_check_seq(struct sub_proc *, struct sub_conn *, uint64_t);
static void	 sub_check_id(struct sub_proc *, struct sub_conn *);
static uint64_t	 sub_holes(const struct sub_conn *);
static int64_t	 sub_numeric_id(const char *, size_t);
static void	 sub_line(struct sub_proc *, struct sub_conn *, const char *,
	    size_t, int64_t);
static void	 sub_sse(struct sub_proc *, struct sub_conn *, const char *,
	    size_t, int64_t);
static int	 sub_hexval(char);
static int	 sub_body(struct sub_proc *, struct sub_conn *, const char *,
	    size_t, int64_t);
static void	 sub_settle(struct sub_proc *);
static void	 sub_close(struct sub_proc *, struct sub_conn *, int);
static void	 sub_head(struct sub_proc *, struct sub_conn *, const char *,
	    size_t, int64_t);
static void	 sub_read(struct sub_proc *, struct sub_conn *);
static void	 sub_write(struct sub_proc *, struct sub_conn *);
static void	 sub_open(struct sub_proc *, struct sub_conn *, long);
static void	 sub_ramp(struct sub_proc *, int64_t);
static void	 sub_build_request(struct sub_proc *);
static int	 sub_finished(struct sub_proc *, int64_t);
static void	 sub_summarize(struct sub_proc *);
static void	 sub_child(const struct sb_opts *, long, long, int, int64_t);
static void	 sub_merge(struct sub_result *, const struct sub_result *);
static void	 sub_print(const struct sb_opts *, const struct sub_result *,
	    long, double);
static int	 sub_collect(const struct sb_opts *, int *, pid_t *, long *,
	    int64_t);
static int	 sub_main(const struct sb_opts *);
static size_t	 pub_chunked_len(const char *, size_t);
static size_t	 pub_response(const struct sb_buf *, int, int *, int *);
static void	 pub_reset(struct pub_proc *, struct pub_conn *, int64_t);
static void	 pub_done(struct pub_proc *, struct pub_conn *, int);
static void	 pub_read(struct pub_proc *, struct pub_conn *);
static void	 pub_flush(struct pub_proc *, struct pub_conn *);
static void	 pub_write(struct pub_proc *, struct pub_conn *);
static void	 pub_body(struct pub_proc *, struct sb_buf *, uint64_t);
static void	 pub_send(struct pub_proc *, struct pub_conn *, uint64_t);
static void	 pub_tick(struct pub_proc *, int64_t, int64_t, int);
static int	 pub_timeout(const struct pub_proc *, int64_t, int64_t);
static int	 pub_main(const struct sb_opts *);
static double	 sb_num(const char *, const char *);
static void	 sb_parse(int, char **, struct sb_opts *);
static void	 sb_fatal(const char *, ...)
		    __attribute__((noreturn, format(printf, 1, 2)));

static const char	*sb_prog = "ssebench";

/*
 * SIGTERM/SIGINT end a run early but still print the results: the parent
 * passes the signal on to its children, which stop and report as usual.
 */
static volatile sig_atomic_t	 sb_stop;
static pid_t			 sb_kids[SB_MAX_PROCS];
static volatile sig_atomic_t	 sb_nkids;

static void
sb_fatal(const char *fmt, ...)
{
	va_list	ap;

	fprintf(stderr, "%s: ", sb_prog);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(2);
}

static void
sb_usage(void)
{
	fprintf(stderr,
	    "usage: ssebench sub --port P --path PATH --conns N [--procs K]\n"
	    "           --duration S [--last-event-id X] [--ramp-per-sec R]\n"
	    "           [--expect-events E] [--ready-file F] [--src-addrs A]\n"
	    "           [--no-read] [--unordered]\n"
	    "       ssebench pub --target ssehub|nchan --port P --rate R\n"
	    "           --duration S [--conns C] [--batch B] [--count N]\n"
	    "           [--token T] [--topic T]\n");
	exit(2);
}

static void
sb_on_signal(int sig)
{
	int	i, saved = errno;

	sb_stop = 1;
	for (i = 0; i < sb_nkids; i++)
		kill(sb_kids[i], sig);
	errno = saved;
}

static void
sb_signals(void)
{
	struct sigaction	sa;

	memset(&sa, 0, sizeof(sa));
	sigemptyset(&sa.sa_mask);
	sa.sa_handler = sb_on_signal;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sa.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &sa, NULL);
}

static int64_t
sb_clock_us(clockid_t id)
{
	struct timespec	ts;

	clock_gettime(id, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static int64_t
sb_mono_us(void)
{
	return sb_clock_us(CLOCK_MONOTONIC);
}

/* Wall clock, because publisher and subscriber compare timestamps. */
static int64_t
sb_real_us(void)
{
	return sb_clock_us(CLOCK_REALTIME);
}

/*
 * CPU seconds used by this process or its reaped children: the load
 * tool shares the cores with the server, so its cost is reported too.
 */
static double
sb_cpu_s(int who)
{
	struct rusage	ru;

	if (getrusage(who, &ru) == -1)
		return -1;
	return (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
	    (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

static void *
sb_calloc(size_t n, size_t size)
{
	void	*p;

	if ((p = calloc(n, size)) == NULL)
		sb_fatal("out of memory");
	return p;
}

static void
sb_buf_add(struct sb_buf *b, const void *p, size_t n)
{
	size_t	 cap;
	char	*np;

	if (b->len + n + 1 > b->cap) {
		cap = b->cap ? b->cap : 128;
		while (cap < b->len + n + 1)
			cap *= 2;
		if ((np = realloc(b->p, cap)) == NULL)
			sb_fatal("out of memory");
		b->p = np;
		b->cap = cap;
	}
	memcpy(b->p + b->len, p, n);
	b->len += n;
	b->p[b->len] = '\0';
}

static void
sb_buf_free(struct sb_buf *b)
{
	free(b->p);
	memset(b, 0, sizeof(*b));
}

static void
sb_buf_consume(struct sb_buf *b, size_t n)
{
	memmove(b->p, b->p + n, b->len - n);
	b->len -= n;
	b->p[b->len] = '\0';
}

static void
sb_hist_add(struct sb_hist *h, int64_t us)
{
	uint64_t	v, i;

	/* Clocks of one host, but stay sane if they ever step back. */
	v = us < 0 ? 0 : (uint64_t)us;
	if (v < SB_HIST_FINE)
		i = v;
	else
		i = SB_HIST_FINE + (v - SB_HIST_FINE) / 1000;
	if (i >= SB_HIST_SIZE)
		i = SB_HIST_SIZE - 1;
	h->bucket[i]++;
	h->count++;
	if (v > h->max_us)
		h->max_us = v;
}

static void
sb_hist_merge(struct sb_hist *dst, const struct sb_hist *src)
{
	size_t	i;

	for (i = 0; i < SB_HIST_SIZE; i++)
		dst->bucket[i] += src->bucket[i];
	dst->count += src->count;
	if (src->max_us > dst->max_us)
		dst->max_us = src->max_us;
}

/* Percentile in ms; the bucket's lower bound, so at most 1 ms low. */
static double
sb_hist_pct(const struct sb_hist *h, double pct)
{
	uint64_t	want, seen;
	size_t		i;

	if (h->count == 0)
		return -1;
	want = (uint64_t)(pct / 100.0 * (double)h->count + 0.999999);
	if (want == 0)
		want = 1;
	for (i = 0, seen = 0; i < SB_HIST_SIZE; i++) {
		seen += h->bucket[i];
		if (seen >= want)
			break;
	}
	if (i >= SB_HIST_SIZE)
		i = SB_HIST_SIZE - 1;
	if (i < SB_HIST_FINE)
		return (double)i / 1000.0;
	return (double)(SB_HIST_FINE + (i - SB_HIST_FINE) * 1000) / 1000.0;
}

/*
 * Connects to 127.0.0.1:port from 127.0.0.<src>, or from wherever the
 * kernel likes when src is 0.  Beyond about 14,000 connections to one
 * address the kernel's search for a free ephemeral port gets slow (it
 * tries one parity of the range first); other loopback sources give
 * every port again.
 */
static int
sb_connect(int port, long src, int rcvbuf)
{
	struct sockaddr_in	sin;
	int			fd, one = 1;

	fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd == -1)
		return -1;
	if (rcvbuf > 0)
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
	/* Small requests must not wait for Nagle. */
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	if (src > 0) {
		/* Leave the port to connect(), which knows the peer. */
		setsockopt(fd, IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &one,
		    sizeof(one));
		sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK + (uint32_t)src -
		    1);
		if (bind(fd, (struct sockaddr *)&sin, sizeof(sin)) == -1) {
			close(fd);
			return -1;
		}
	}
	sin.sin_port = htons((uint16_t)port);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (connect(fd, (struct sockaddr *)&sin, sizeof(sin)) == -1 &&
	    errno != EINPROGRESS) {
		close(fd);
		return -1;
	}
	return fd;
}

static int
sb_sock_error(int fd)
{
	int		err = 0;
	socklen_t	len = sizeof(err);

	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) == -1)
		return errno;
	return err;
}

static int
sb_epoll_add(int ep, int fd, uint32_t idx)
{
	struct epoll_event	ev;

	/* Edge triggered: every handler drains until EAGAIN. */
	memset(&ev, 0, sizeof(ev));
	ev.events = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET;
	ev.data.u32 = idx;
	return epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
}

static int
sb_write_all(int fd, const void *p, size_t n)
{
	const char	*s = p;
	ssize_t		 w;

	while (n > 0) {
		if ((w = write(fd, s, n)) == -1) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		s += w;
		n -= (size_t)w;
	}
	return 0;
}

static int
sb_read_all(int fd, void *p, size_t n)
{
	char	*s = p;
	ssize_t	 r;

	while (n > 0) {
		if ((r = read(fd, s, n)) == -1) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		if (r == 0)
			return -1;
		s += r;
		n -= (size_t)r;
	}
	return 0;
}

/*
 * Walks the header lines of a response head (status line excluded) and
 * reports the few headers this tool acts on.
 */
static void
sb_http_headers(const char *p, const char *end, uint64_t *clen,
    int *chunked, int *closeit, int *evstream)
{
	const char	*eol, *colon, *v;
	size_t		 nlen;

	if ((p = memchr(p, '\n', (size_t)(end - p))) == NULL)
		return;
	for (p++; p < end; p = eol + 1) {
		if ((eol = memchr(p, '\n', (size_t)(end - p))) == NULL)
			break;
		if ((colon = memchr(p, ':', (size_t)(eol - p))) == NULL)
			continue;
		nlen = (size_t)(colon - p);
		for (v = colon + 1; v < eol && (*v == ' ' || *v == '\t'); v++)
			;
		if (nlen == 14 && strncasecmp(p, "Content-Length", 14) == 0)
			*clen = strtoull(v, NULL, 10);
		else if (nlen == 17 &&
		    strncasecmp(p, "Transfer-Encoding", 17) == 0)
			*chunked = strncasecmp(v, "chunked", 7) == 0;
		else if (nlen == 10 && strncasecmp(p, "Connection", 10) == 0)
			*closeit = strncasecmp(v, "close", 5) == 0;
		else if (nlen == 12 && strncasecmp(p, "Content-Type", 12) == 0)
			*evstream = strncasecmp(v, "text/event-stream",
			    17) == 0;
	}
}

/* Status code of "HTTP/1.x NNN ...", or -1. */
static int
sb_http_status(const char *p, size_t n, int *http10)
{
	if (n < 12 || strncmp(p, "HTTP/1.", 7) != 0 || p[8] != ' ')
		return -1;
	*http10 = p[7] == '0';
	if (p[9] < '1' || p[9] > '5')
		return -1;
	return (int)strtol(p + 9, NULL, 10);
}

/* ---- SSE parsing (WHATWG "event stream interpretation") ---- */

static void
sub_event(struct sub_proc *sp, struct sub_conn *c, int64_t now_real)
{
	struct sub_result	*r = &sp->r;
	char			*end;
	unsigned long long	 seq, us;

	r->frames++;
	if (c->ev_has_id)
		r->with_id++;
	/* The data buffer ends in a LF that dispatch strips. */
	c->data.p[--c->data.len] = '\0';
	errno = 0;
	seq = strtoull(c->data.p, &end, 10);
	if (end == c->data.p || *end != ' ' || errno != 0) {
		r->bad++;
		return;
	}
	us = strtoull(end + 1, &end, 10);
	if (*end != '\0' || errno != 0) {
		r->bad++;
		return;
	}
	r->events++;
	c->events++;
	sb_hist_add(&r->lat, now_real - (int64_t)us);
	sub_check_seq(sp, c, seq);
	sub_check_id(sp, c);
	if (sp->o->expect > 0 && c->events == (uint64_t)sp->o->expect) {
		c->reached_us = now_real - sp->start_real;
		r->reached++;
	}
}

/* The publisher's sequence: in order, or as a set (--unordered). */
static void
sub_check_seq(struct sub_proc *sp, struct sub_conn *c, uint64_t seq)
{
	struct sub_result	*r = &sp->r;
	size_t			 byte = seq / 8;
	uint8_t			 bit = 1 << (seq % 8);

	if (sp->o->unordered) {
		if (byte >= c->seen.len) {
			while (c->seen.len <= byte)
				sb_buf_add(&c->seen, "\0", 1);
		}
		if (c->seen.p[byte] & bit)
			r->dup++;
		c->seen.p[byte] |= bit;
		if ((int64_t)seq > c->last_seq)
			c->last_seq = (int64_t)seq;
		return;
	}
	if (c->last_seq < 0 || (int64_t)seq == c->last_seq + 1)
		c->last_seq = (int64_t)seq;
	else if ((int64_t)seq > c->last_seq + 1) {
		r->missing += seq - (uint64_t)c->last_seq - 1;
		c->last_seq = (int64_t)seq;
	} else if ((int64_t)seq == c->last_seq)
		r->dup++;
	else
		r->reordered++;
}

/* The server's ids, when numeric: each one more than the last. */
static void
sub_check_id(struct sub_proc *sp, struct sub_conn *c)
{
	struct sub_result	*r = &sp->r;

	if (c->ev_id < 0)
		return;
	r->ids++;
	if (c->last_id >= 0 && c->ev_id > c->last_id + 1)
		r->id_missing += (uint64_t)(c->ev_id - c->last_id - 1);
	else if (c->last_id >= 0 && c->ev_id == c->last_id)
		r->id_dup++;
	else if (c->last_id >= 0 && c->ev_id < c->last_id)
		r->id_reordered++;
	if (c->ev_id > c->last_id)
		c->last_id = c->ev_id;
}

/* --unordered: sequence numbers from 1 to the highest seen, not seen. */
static uint64_t
sub_holes(const struct sub_conn *c)
{
	uint64_t	seq, holes = 0;

	for (seq = 1; (int64_t)seq < c->last_seq; seq++) {
		if (seq / 8 >= c->seen.len ||
		    !(c->seen.p[seq / 8] & (1 << (seq % 8))))
			holes++;
	}
	return holes;
}

static int64_t
sub_numeric_id(const char *v, size_t n)
{
	int64_t	id = 0;
	size_t	i;

	if (n == 0 || n > 18)
		return -1;
	for (i = 0; i < n; i++) {
		if (v[i] < '0' || v[i] > '9')
			return -1;
		id = id * 10 + (v[i] - '0');
	}
	return id;
}

static void
sub_line(struct sub_proc *sp, struct sub_conn *c, const char *p, size_t n,
    int64_t now)
{
	const char	*colon, *v;
	size_t		 flen, vlen;

	if (n == 0) {
		/* Blank line: dispatch, unless no data field was seen. */
		if (c->data.len > 0)
			sub_event(sp, c, now);
		c->data.len = 0;
		c->ev_has_id = 0;
		c->ev_id = -1;
		return;
	}
	if (p[0] == ':') {
		sp->r.comments++;
		return;
	}
	if ((colon = memchr(p, ':', n)) != NULL) {
		flen = (size_t)(colon - p);
		v = colon + 1;
		vlen = n - flen - 1;
		if (vlen > 0 && *v == ' ') {
			v++;
			vlen--;
		}
	} else {
		flen = n;
		v = p + n;
		vlen = 0;
	}
	if (flen == 4 && memcmp(p, "data", 4) == 0) {
		sb_buf_add(&c->data, v, vlen);
		sb_buf_add(&c->data, "\n", 1);
	} else if (flen == 2 && memcmp(p, "id", 2) == 0) {
		/* An id containing NUL is ignored, as in browsers. */
		if (memchr(v, '\0', vlen) == NULL)
			c->ev_has_id = 1;
		c->ev_id = sub_numeric_id(v, vlen);
	}
	/* "event" and "retry" do not matter for the measurement. */
}

/* Splits the stream into lines ended by CRLF, LF or a lone CR. */
static void
sub_sse(struct sub_proc *sp, struct sub_conn *c, const char *p, size_t n,
    int64_t now)
{
	size_t	i, start;

	if (!c->started && n > 0) {
		c->started = 1;
		if (n >= 3 && memcmp(p, "\xef\xbb\xbf", 3) == 0) {
			p += 3;
			n -= 3;
		}
	}
	for (i = 0, start = 0; i < n; i++) {
		if (c->saw_cr && p[i] == '\n' && i == start) {
			/* Second half of a CRLF split over two reads. */
			c->saw_cr = 0;
			start = i + 1;
			continue;
		}
		c->saw_cr = 0;
		if (p[i] != '\r' && p[i] != '\n')
			continue;
		if (c->line.len == 0)
			sub_line(sp, c, p + start, i - start, now);
		else {
			sb_buf_add(&c->line, p + start, i - start);
			sub_line(sp, c, c->line.p, c->line.len, now);
			c->line.len = 0;
		}
		if (p[i] == '\r') {
			if (i + 1 < n && p[i + 1] == '\n')
				i++;
			else
				c->saw_cr = 1;
		}
		start = i + 1;
	}
	if (start < n)
		sb_buf_add(&c->line, p + start, n - start);
}

static int
sub_hexval(char ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	if (ch >= 'a' && ch <= 'f')
		return ch - 'a' + 10;
	if (ch >= 'A' && ch <= 'F')
		return ch - 'A' + 10;
	return -1;
}

/* Undoes chunked transfer coding; returns -1 once the body has ended. */
static int
sub_body(struct sub_proc *sp, struct sub_conn *c, const char *p, size_t n,
    int64_t now)
{
	size_t	take;
	int	v;

	if (!c->chunked) {
		sub_sse(sp, c, p, n, now);
		return 0;
	}
	while (n > 0) {
		switch (c->ch_state) {
		case CH_SIZE:
			if ((v = sub_hexval(*p)) >= 0)
				c->ch_left = c->ch_left * 16 + (uint64_t)v;
			else
				c->ch_state = CH_EXT;
			if (*p == '\n')
				continue;	/* let CH_EXT end the line */
			p++;
			n--;
			break;
		case CH_EXT:
			if (*p == '\n')
				c->ch_state = c->ch_left ? CH_DATA : CH_END;
			p++;
			n--;
			break;
		case CH_DATA:
			take = n < c->ch_left ? n : (size_t)c->ch_left;
			sub_sse(sp, c, p, take, now);
			p += take;
			n -= take;
			if ((c->ch_left -= take) == 0)
				c->ch_state = CH_CRLF;
			break;
		case CH_CRLF:
			if (*p == '\n') {
				c->ch_state = CH_SIZE;
				c->ch_left = 0;
			}
			p++;
			n--;
			break;
		default:
			return -1;
		}
	}
	return c->ch_state == CH_END ? -1 : 0;
}

static void
sub_settle(struct sub_proc *sp)
{
	sp->pending--;
	sp->settled++;
	if (!sp->ready_sent && sp->settled == sp->n) {
		sp->r.ready_us = sb_real_us() - sp->start_real;
		/* Tell the parent that this process is fully connected. */
		if (sb_write_all(sp->wfd, "R", 1) == 0)
			sp->ready_sent = 1;
	}
}

static void
sub_close(struct sub_proc *sp, struct sub_conn *c, int failed)
{
	if (c->state == SUB_DONE)
		return;
	if (c->state != SUB_STREAM) {
		sp->r.failed++;
		sub_settle(sp);
	} else if (failed)
		sp->r.closed++;
	if (c->fd != -1)
		close(c->fd);
	c->fd = -1;
	c->state = SUB_DONE;
	sb_buf_free(&c->head);
	sb_buf_free(&c->line);
}

/* Collects the response head; the rest of the read is stream body. */
static void
sub_head(struct sub_proc *sp, struct sub_conn *c, const char *p, size_t n,
    int64_t now)
{
	const char	*end;
	uint64_t	 clen = 0;
	size_t		 hlen, old = c->head.len;
	int		 status, http10, closeit = 0, evs = 0;

	sb_buf_add(&c->head, p, n);
	if ((end = strstr(c->head.p, "\r\n\r\n")) == NULL) {
		if (c->head.len > SB_MAX_HEAD)
			sub_close(sp, c, 1);
		return;
	}
	hlen = (size_t)(end - c->head.p) + 4;
	status = sb_http_status(c->head.p, c->head.len, &http10);
	sb_http_headers(c->head.p, end + 2, &clen, &c->chunked, &closeit,
	    &evs);
	if (status != 200 || !evs) {
		if (sp->r.failed == 0)
			fprintf(stderr, "%s: subscribe refused: %.*s\n",
			    sb_prog, (int)strcspn(c->head.p, "\r\n"),
			    c->head.p);
		sub_close(sp, c, 1);
		return;
	}
	c->state = SUB_STREAM;
	sp->r.connected++;
	sub_settle(sp);
	if (hlen - old < n &&
	    sub_body(sp, c, p + (hlen - old), n - (hlen - old), now) == -1)
		sub_close(sp, c, 1);
	sb_buf_free(&c->head);
}

static void
sub_read(struct sub_proc *sp, struct sub_conn *c)
{
	static char	buf[SB_READ_SIZE];
	ssize_t		r;
	int64_t		now;

	while (c->state == SUB_HEAD || c->state == SUB_STREAM) {
		if ((r = read(c->fd, buf, sizeof(buf))) == -1) {
			if (errno == EINTR)
				continue;
			if (errno != EAGAIN)
				sub_close(sp, c, 1);
			return;
		}
		if (r == 0) {
			sub_close(sp, c, 1);
			return;
		}
		now = sb_real_us();
		if (c->state == SUB_HEAD)
			sub_head(sp, c, buf, (size_t)r, now);
		else if (sub_body(sp, c, buf, (size_t)r, now) == -1)
			sub_close(sp, c, 1);
	}
}

/* The request of connection c: sp->req, or with "{i}" filled in. */
static const char *
sub_request(struct sub_proc *sp, struct sub_conn *c, size_t *len)
{
	static char	buf[4096];
	int		n;

	if (sp->req_tail == NULL) {
		*len = sp->reqlen;
		return sp->req;
	}
	n = snprintf(buf, sizeof(buf), "%.*s%ld%s",
	    (int)(strstr(sp->req, "{i}") - sp->req), sp->req,
	    sp->base + (long)(c - sp->c), sp->req_tail);
	*len = n < 0 || (size_t)n >= sizeof(buf) ? 0 : (size_t)n;
	return buf;
}

static void
sub_write(struct sub_proc *sp, struct sub_conn *c)
{
	const char	*req;
	size_t		 reqlen;
	ssize_t		 w;

	if (c->state == SUB_CONNECTING) {
		if (sb_sock_error(c->fd) != 0) {
			sub_close(sp, c, 1);
			return;
		}
		c->state = SUB_HEAD;
	}
	req = sub_request(sp, c, &reqlen);
	while (c->state == SUB_HEAD && c->woff < reqlen) {
		w = send(c->fd, req + c->woff, reqlen - c->woff,
		    MSG_NOSIGNAL);
		if (w == -1) {
			if (errno == EINTR)
				continue;
			if (errno != EAGAIN)
				sub_close(sp, c, 1);
			return;
		}
		c->woff += (size_t)w;
	}
	if (sp->o->no_read && c->state == SUB_HEAD && c->woff == reqlen) {
		/* Out of epoll for good: the socket is never read. */
		(void)epoll_ctl(sp->ep, EPOLL_CTL_DEL, c->fd, NULL);
		c->state = SUB_STREAM;
		sp->r.connected++;
		sub_settle(sp);
	}
}

static void
sub_open(struct sub_proc *sp, struct sub_conn *c, long idx)
{
	sp->pending++;
	c->last_seq = -1;
	c->last_id = -1;
	c->ev_id = -1;
	c->reached_us = -1;
	if ((c->fd = sb_connect(sp->o->port, sp->o->src_addrs > 1 ?
	    1 + idx % sp->o->src_addrs : 0, sp->o->no_read ? 4096 : 0)) ==
	    -1 ||
	    sb_epoll_add(sp->ep, c->fd, (uint32_t)idx) == -1) {
		if (sp->r.failed == 0)
			fprintf(stderr, "%s: connect: %s\n", sb_prog,
			    strerror(errno));
		c->state = SUB_CONNECTING;
		sub_close(sp, c, 1);
		return;
	}
	c->state = SUB_CONNECTING;
}

/* Opens what the ramp and the pending cap allow right now. */
static void
sub_ramp(struct sub_proc *sp, int64_t now)
{
	double	allowed;

	allowed = (double)sp->n;
	if (sp->o->ramp > 0) {
		allowed = 1 + (double)(now - sp->start_mono) / 1e6 *
		    sp->o->ramp / (double)sp->o->procs;
	}
	while (sp->opened < sp->n && sp->opened < allowed &&
	    sp->pending < SB_MAX_PENDING) {
		sub_open(sp, &sp->c[sp->opened], sp->opened);
		sp->opened++;
	}
}

static void
sub_build_request(struct sub_proc *sp)
{
	const struct sb_opts	*o = sp->o;
	struct sb_buf		 b;
	char			 line[512];

	memset(&b, 0, sizeof(b));
	snprintf(line, sizeof(line), "GET %s HTTP/1.1\r\nHost: 127.0.0.1:%d"
	    "\r\nAccept: text/event-stream\r\nCache-Control: no-cache\r\n",
	    o->path, o->port);
	sb_buf_add(&b, line, strlen(line));
	if (o->last_event_id != NULL) {
		snprintf(line, sizeof(line), "Last-Event-ID: %s\r\n",
		    o->last_event_id);
		sb_buf_add(&b, line, strlen(line));
	}
	sb_buf_add(&b, "\r\n", 2);
	sb_buf_add(&b, "", 1);	/* a string, for sub_request */
	sp->req = b.p;
	sp->reqlen = b.len - 1;
	if ((sp->req_tail = strstr(sp->req, "{i}")) != NULL)
		sp->req_tail += 3;
}

static int
sub_finished(struct sub_proc *sp, int64_t now)
{
	if (sb_stop ||
	    now - sp->start_mono >= (int64_t)(sp->o->duration * 1e6))
		return 1;
	/* In a storm run there is nothing left to see once all got E. */
	return sp->o->expect > 0 && sp->settled == sp->n &&
	    sp->r.reached + sp->r.failed + sp->r.closed >= (uint64_t)sp->n;
}

static void
sub_summarize(struct sub_proc *sp)
{
	struct sub_result	*r = &sp->r;
	struct sub_conn		*c;
	long			 i;

	r->conns = (uint64_t)sp->n;
	r->min_events = UINT64_MAX;
	for (i = 0; i < sp->n; i++) {
		c = &sp->c[i];
		if (c->reached_us > r->reached_us)
			r->reached_us = c->reached_us;
		if (c->state == SUB_STREAM || c->events > 0) {
			if (c->events < r->min_events)
				r->min_events = c->events;
			if (c->events > r->max_events)
				r->max_events = c->events;
		}
		if (c->state == SUB_STREAM)
			close(c->fd);
		if (sp->o->unordered)
			r->missing += sub_holes(c);
	}
	if (r->min_events == UINT64_MAX)
		r->min_events = 0;
}

static void
sub_child(const struct sb_opts *o, long n, long base, int wfd,
    int64_t start_real)
{
	struct epoll_event	 evs[SB_EPOLL_BATCH];
	struct sub_proc		 sp;
	struct sub_conn		*c;
	int64_t			 now;
	int			 i, nev, tmo;

	memset(&sp, 0, sizeof(sp));
	sp.o = o;
	sp.n = n;
	sp.base = base;
	sp.wfd = wfd;
	sp.start_real = start_real;
	sp.start_mono = sb_mono_us();
	sp.c = sb_calloc((size_t)n, sizeof(*sp.c));
	sp.r.reached_us = -1;
	if ((sp.ep = epoll_create1(EPOLL_CLOEXEC)) == -1)
		sb_fatal("epoll_create1: %s", strerror(errno));
	sub_build_request(&sp);
	for (;;) {
		now = sb_mono_us();
		if (sub_finished(&sp, now))
			break;
		sub_ramp(&sp, now);
		tmo = sp.opened < sp.n ? 5 : 100;
		nev = epoll_wait(sp.ep, evs, SB_EPOLL_BATCH, tmo);
		for (i = 0; i < nev; i++) {
			c = &sp.c[evs[i].data.u32];
			if (evs[i].events & (EPOLLOUT | EPOLLERR))
				sub_write(&sp, c);
			if (evs[i].events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP |
			    EPOLLERR))
				sub_read(&sp, c);
		}
	}
	sub_summarize(&sp);
	if (!sp.ready_sent) {
		sp.r.ready_us = -1;
		sb_write_all(wfd, "R", 1);
	}
	sb_write_all(wfd, "X", 1);
	sb_write_all(wfd, &sp.r, sizeof(sp.r));
	_exit(0);
}

static void
sub_merge(struct sub_result *t, const struct sub_result *r)
{
	t->conns += r->conns;
	t->connected += r->connected;
	t->failed += r->failed;
	t->closed += r->closed;
	t->frames += r->frames;
	t->events += r->events;
	t->with_id += r->with_id;
	t->comments += r->comments;
	t->bad += r->bad;
	t->missing += r->missing;
	t->dup += r->dup;
	t->reordered += r->reordered;
	t->ids += r->ids;
	t->id_missing += r->id_missing;
	t->id_dup += r->id_dup;
	t->id_reordered += r->id_reordered;
	t->reached += r->reached;
	if (r->reached_us > t->reached_us)
		t->reached_us = r->reached_us;
	if (r->ready_us < 0 || t->ready_us < 0)
		t->ready_us = -1;
	else if (r->ready_us > t->ready_us)
		t->ready_us = r->ready_us;
	if (r->conns > 0 && r->min_events < t->min_events)
		t->min_events = r->min_events;
	if (r->max_events > t->max_events)
		t->max_events = r->max_events;
	sb_hist_merge(&t->lat, &r->lat);
}

static void
sub_print(const struct sb_opts *o, const struct sub_result *t, long lost,
    double elapsed)
{
	int64_t	all_us;

	all_us = o->expect > 0 && t->reached == t->conns ? t->reached_us : -1;
	printf("{\"mode\":\"sub\",\"conns\":%ld,\"procs\":%ld,"
	    "\"connected\":%" PRIu64 ",\"failed\":%" PRIu64 ","
	    "\"closed\":%" PRIu64 ",\"lost_procs\":%ld,"
	    "\"frames\":%" PRIu64 ",\"events\":%" PRIu64 ","
	    "\"with_id\":%" PRIu64 ",\"comments\":%" PRIu64 ","
	    "\"bad\":%" PRIu64 ",\"missing\":%" PRIu64 ",\"dup\":%" PRIu64
	    ",\"reordered\":%" PRIu64 ",\"ids\":%" PRIu64 ","
	    "\"id_missing\":%" PRIu64 ",\"id_dup\":%" PRIu64 ","
	    "\"id_reordered\":%" PRIu64 ",\"min_events\":%" PRIu64 ","
	    "\"max_events\":%" PRIu64 ",\"lat_p50_ms\":%.3f,"
	    "\"lat_p99_ms\":%.3f,\"lat_max_ms\":%.3f,\"ready_ms\":%.1f,"
	    "\"expect\":%ld,\"reached\":%" PRIu64 ",\"all_expect_ms\":%.1f,"
	    "\"elapsed_s\":%.3f,\"client_cpu_s\":%.2f}\n",
	    o->conns, o->procs, t->connected, t->failed, t->closed, lost,
	    t->frames, t->events, t->with_id, t->comments, t->bad,
	    t->missing, t->dup, t->reordered, t->ids, t->id_missing,
	    t->id_dup, t->id_reordered, t->min_events, t->max_events,
	    sb_hist_pct(&t->lat, 50), sb_hist_pct(&t->lat, 99),
	    t->lat.count ? (double)t->lat.max_us / 1000.0 : -1.0,
	    t->ready_us < 0 ? -1.0 : (double)t->ready_us / 1000.0,
	    o->expect, t->reached, all_us < 0 ? -1.0 : all_us / 1000.0,
	    elapsed, sb_cpu_s(RUSAGE_SELF) + sb_cpu_s(RUSAGE_CHILDREN));
	fflush(stdout);
}

/* Parent: waits for every child's "ready", then merges the results. */
static int
sub_collect(const struct sb_opts *o, int *rfd, pid_t *pid, long *share,
    int64_t start_mono)
{
	struct sub_result	*t, *r;
	long			 i, lost = 0;
	char			 tag;
	int			 fd, rc, ok[SB_MAX_PROCS];

	t = sb_calloc(1, sizeof(*t));
	r = sb_calloc(1, sizeof(*r));
	t->min_events = UINT64_MAX;
	t->reached_us = -1;
	for (i = 0; i < o->procs; i++)
		ok[i] = sb_read_all(rfd[i], &tag, 1) == 0 && tag == 'R';
	fprintf(stderr, "%s: all processes settled after %.1f s\n", sb_prog,
	    (double)(sb_mono_us() - start_mono) / 1e6);
	if (o->ready_file != NULL &&
	    (fd = open(o->ready_file, O_WRONLY | O_CREAT | O_TRUNC, 0644)) !=
	    -1)
		close(fd);
	for (i = 0; i < o->procs; i++) {
		if (!ok[i] || sb_read_all(rfd[i], &tag, 1) == -1 ||
		    tag != 'X' || sb_read_all(rfd[i], r, sizeof(*r)) == -1) {
			/* A dead child's connections count as failed. */
			lost++;
			memset(r, 0, sizeof(*r));
			r->conns = r->failed = (uint64_t)share[i];
			r->ready_us = -1;
		}
		sub_merge(t, r);
		close(rfd[i]);
		waitpid(pid[i], NULL, 0);
	}
	if (t->min_events == UINT64_MAX)
		t->min_events = 0;
	sub_print(o, t, lost, (double)(sb_mono_us() - start_mono) / 1e6);
	rc = t->connected == 0 ? 1 : 0;
	free(r);
	free(t);
	return rc;
}

static int
sub_main(const struct sb_opts *o)
{
	pid_t	pid[SB_MAX_PROCS];
	long	share[SB_MAX_PROCS];
	int	rfd[SB_MAX_PROCS], p[2];
	int64_t	start_real, start_mono;
	long	i, base = 0;

	if (o->conns < 1 || o->procs < 1 || o->procs > SB_MAX_PROCS ||
	    o->path == NULL || o->port <= 0 || o->duration <= 0 ||
	    o->src_addrs > 254)
		sb_usage();
	if ((o->conns + o->procs - 1) / o->procs > SB_MAX_CONNS_PER_PROC)
		sb_fatal("more than %d connections per process; raise --procs",
		    SB_MAX_CONNS_PER_PROC);
	start_real = sb_real_us();
	start_mono = sb_mono_us();
	for (i = 0; i < o->procs; i++) {
		share[i] = o->conns / o->procs + (i < o->conns % o->procs);
		if (pipe2(p, O_CLOEXEC) == -1)
			sb_fatal("pipe: %s", strerror(errno));
		fflush(NULL);
		if ((pid[i] = fork()) == -1)
			sb_fatal("fork: %s", strerror(errno));
		if (pid[i] == 0) {
			sb_nkids = 0;
			close(p[0]);
			sub_child(o, share[i], base, p[1], start_real);
		}
		base += share[i];
		close(p[1]);
		rfd[i] = p[0];
		sb_kids[i] = pid[i];
		sb_nkids = (int)i + 1;
	}
	return sub_collect(o, rfd, pid, share, start_mono);
}

/* ---- publisher ---- */

/*
 * Length of a complete chunked body at p, or 0 while it is incomplete.
 */
static size_t
pub_chunked_len(const char *p, size_t n)
{
	const char	*nl;
	size_t		 pos = 0, size;

	for (;;) {
		if ((nl = memchr(p + pos, '\n', n - pos)) == NULL)
			return 0;
		size = strtoul(p + pos, NULL, 16);
		pos = (size_t)(nl - p) + 1;
		if (size == 0)
			break;
		if (pos + size + 2 > n)
			return 0;
		pos += size + 2;
	}
	/* Trailer lines, if any, end with an empty line. */
	for (;;) {
		if ((nl = memchr(p + pos, '\n', n - pos)) == NULL)
			return 0;
		if (nl == p + pos || (nl == p + pos + 1 && p[pos] == '\r'))
			return (size_t)(nl - p) + 1;
		pos = (size_t)(nl - p) + 1;
	}
}

/*
 * Length of the complete response at the head of the buffer, 0 if more
 * input is needed.  Sets the status and whether the server closes.
 */
static size_t
pub_response(const struct sb_buf *b, int eof, int *status, int *closeit)
{
	const char	*end;
	uint64_t	 clen = UINT64_MAX;
	size_t		 hlen, blen;
	int		 chunked = 0, http10 = 0, evs = 0;

	if (b->len == 0 || (end = strstr(b->p, "\r\n\r\n")) == NULL)
		return 0;
	hlen = (size_t)(end - b->p) + 4;
	*status = sb_http_status(b->p, b->len, &http10);
	*closeit = http10;
	sb_http_headers(b->p, end + 2, &clen, &chunked, closeit, &evs);
	if (chunked) {
		blen = pub_chunked_len(b->p + hlen, b->len - hlen);
		return blen ? hlen + blen : 0;
	}
	if (clen != UINT64_MAX)
		return b->len - hlen >= clen ? hlen + (size_t)clen : 0;
	/* No length: the body runs until the server closes. */
	*closeit = 1;
	return eof ? b->len : 0;
}

static void
pub_reset(struct pub_proc *pp, struct pub_conn *c, int64_t now)
{
	if (c->state == PUB_BUSY) {
		pp->errors++;
		pp->inflight--;
	}
	if (c->fd != -1)
		close(c->fd);
	c->fd = -1;
	c->state = PUB_CLOSED;
	c->in.len = 0;
	/* Back off a little so a dead server is not hammered. */
	c->retry_at = now + 10000;
}

static void
pub_done(struct pub_proc *pp, struct pub_conn *c, int status)
{
	int	ok;

	ok = pp->nchan ? status == 201 || status == 202 : status == 201;
	pp->requests++;
	pp->inflight--;
	if (ok)
		pp->acked += c->nev;
	else if (pp->errors++ == 0)
		fprintf(stderr, "%s: publish answered %d\n", sb_prog, status);
	sb_hist_add(&pp->rtt, sb_mono_us() - c->t0);
	c->state = PUB_IDLE;
}

static void
pub_read(struct pub_proc *pp, struct pub_conn *c)
{
	char	buf[8192];
	ssize_t	r;
	size_t	used;
	int	eof = 0, status = 0, closeit = 0;

	for (;;) {
		if ((r = read(c->fd, buf, sizeof(buf))) == -1) {
			if (errno == EINTR)
				continue;
			if (errno != EAGAIN) {
				pub_reset(pp, c, sb_mono_us());
				return;
			}
			break;
		}
		if (r == 0) {
			eof = 1;
			break;
		}
		sb_buf_add(&c->in, buf, (size_t)r);
	}
	if (c->state == PUB_BUSY &&
	    (used = pub_response(&c->in, eof, &status, &closeit)) > 0) {
		pub_done(pp, c, status);
		sb_buf_consume(&c->in, used);
		if (closeit)
			eof = 1;
	}
	if (eof)
		pub_reset(pp, c, sb_mono_us());
}

static void
pub_flush(struct pub_proc *pp, struct pub_conn *c)
{
	ssize_t	w;

	while (c->woff < c->out.len) {
		w = send(c->fd, c->out.p + c->woff, c->out.len - c->woff,
		    MSG_NOSIGNAL);
		if (w == -1) {
			if (errno == EINTR)
				continue;
			if (errno != EAGAIN)
				pub_reset(pp, c, sb_mono_us());
			return;
		}
		c->woff += (size_t)w;
	}
}

static void
pub_write(struct pub_proc *pp, struct pub_conn *c)
{
	if (c->state == PUB_CONNECTING) {
		if (sb_sock_error(c->fd) != 0) {
			if (pp->errors++ == 0)
				fprintf(stderr, "%s: publisher connect "
				    "failed\n", sb_prog);
			pub_reset(pp, c, sb_mono_us());
			return;
		}
		c->state = PUB_IDLE;
	}
	if (c->state == PUB_BUSY)
		pub_flush(pp, c);
}

static void
pub_body(struct pub_proc *pp, struct sb_buf *b, uint64_t nev)
{
	char		item[256];
	uint64_t	i;
	int64_t		us;

	us = sb_real_us();
	if (pp->nchan) {
		snprintf(item, sizeof(item), "%" PRIu64 " %" PRId64,
		    ++pp->seq, us);
		sb_buf_add(b, item, strlen(item));
		return;
	}
	if (nev > 1)
		sb_buf_add(b, "[", 1);
	for (i = 0; i < nev; i++) {
		snprintf(item, sizeof(item), "%s{\"topic\":\"%s\",\"data\":\""
		    "%" PRIu64 " %" PRId64 "\"}", i ? "," : "", pp->o->topic,
		    ++pp->seq, us);
		sb_buf_add(b, item, strlen(item));
	}
	if (nev > 1)
		sb_buf_add(b, "]", 1);
}

static void
pub_send(struct pub_proc *pp, struct pub_conn *c, uint64_t nev)
{
	const struct sb_opts	*o = pp->o;
	struct sb_buf		 body;
	char			 head[1024];

	memset(&body, 0, sizeof(body));
	pub_body(pp, &body, nev);
	if (pp->nchan)
		snprintf(head, sizeof(head), "POST /pub?id=%s HTTP/1.1\r\n"
		    "Host: 127.0.0.1:%d\r\nContent-Type: text/plain\r\n"
		    "Content-Length: %zu\r\n\r\n", o->topic, o->port,
		    body.len);
	else
		snprintf(head, sizeof(head), "POST /publish HTTP/1.1\r\n"
		    "Host: 127.0.0.1:%d\r\nAuthorization: Bearer %s\r\n"
		    "Content-Type: application/json\r\n"
		    "Content-Length: %zu\r\n\r\n", o->port, o->token,
		    body.len);
	c->out.len = 0;
	sb_buf_add(&c->out, head, strlen(head));
	sb_buf_add(&c->out, body.p, body.len);
	sb_buf_free(&body);
	c->woff = 0;
	c->nev = nev;
	c->t0 = sb_mono_us();
	c->state = PUB_BUSY;
	pp->sent += nev;
	pp->inflight++;
	pub_flush(pp, c);
}

/* Sends on idle connections whatever the schedule says is due. */
static void
pub_tick(struct pub_proc *pp, int64_t now, int64_t start, int sending)
{
	const struct sb_opts	*o = pp->o;
	struct pub_conn		*c;
	double			 due;
	uint64_t		 nev;
	long			 i;

	for (i = 0; i < o->conns; i++) {
		c = &pp->c[i];
		if (c->state == PUB_CLOSED && sending && now >= c->retry_at) {
			if ((c->fd = sb_connect(o->port, 0, 0)) == -1 ||
			    sb_epoll_add(pp->ep, c->fd, (uint32_t)i) == -1) {
				pub_reset(pp, c, now);
				pp->errors++;
				continue;
			}
			c->state = PUB_CONNECTING;
		}
		if (c->state != PUB_IDLE || !sending)
			continue;
		nev = (uint64_t)o->batch;
		if (o->count > 0) {
			if (pp->sent >= (uint64_t)o->count)
				continue;
			if (nev > (uint64_t)o->count - pp->sent)
				nev = (uint64_t)o->count - pp->sent;
		}
		due = o->rate > 0 ? (double)(now - start) / 1e6 * o->rate :
		    1e18;
		if ((double)pp->sent < due)
			pub_send(pp, c, nev);
	}
}

static int
pub_timeout(const struct pub_proc *pp, int64_t now, int64_t start)
{
	double	next_us;

	if (pp->o->rate <= 0)
		return 100;
	next_us = (double)pp->sent / pp->o->rate * 1e6 -
	    (double)(now - start);
	if (next_us <= 0)
		return 1;
	return next_us > 100000 ? 100 : (int)(next_us / 1000) + 1;
}

static int
pub_main(const struct sb_opts *o)
{
	struct epoll_event	 evs[SB_EPOLL_BATCH];
	struct pub_proc		 pp;
	struct pub_conn		*c;
	int64_t			 start, now, stop, drain;
	double			 secs;
	int			 i, nev;

	if (o->target == NULL || o->port <= 0 || o->duration <= 0 ||
	    o->conns < 1 || o->batch < 1 || o->rate < 0)
		sb_usage();
	memset(&pp, 0, sizeof(pp));
	pp.o = o;
	if (strcmp(o->target, "nchan") == 0)
		pp.nchan = 1;
	else if (strcmp(o->target, "ssehub") != 0)
		sb_usage();
	if (pp.nchan && o->batch != 1)
		sb_fatal("nchan takes one message per request (--batch 1)");
	if (!pp.nchan && o->token == NULL)
		sb_fatal("--token is required for ssehub");
	pp.c = sb_calloc((size_t)o->conns, sizeof(*pp.c));
	for (i = 0; i < o->conns; i++)
		pp.c[i].fd = -1;
	if ((pp.ep = epoll_create1(EPOLL_CLOEXEC)) == -1)
		sb_fatal("epoll_create1: %s", strerror(errno));
	start = sb_mono_us();
	stop = start + (int64_t)(o->duration * 1e6);
	/* Answers still in flight at the end get two seconds. */
	drain = stop + 2000000;
	for (now = start; now < drain; now = sb_mono_us()) {
		if (sb_stop && stop > now) {
			stop = now;
			drain = now + 2000000;
		}
		if ((now >= stop || (o->count > 0 &&
		    pp.sent >= (uint64_t)o->count)) && pp.inflight == 0)
			break;
		pub_tick(&pp, now, start, now < stop);
		nev = epoll_wait(pp.ep, evs, SB_EPOLL_BATCH,
		    pub_timeout(&pp, now, start));
		for (i = 0; i < nev; i++) {
			c = &pp.c[evs[i].data.u32];
			if (evs[i].events & (EPOLLOUT | EPOLLERR))
				pub_write(&pp, c);
			if (c->fd != -1 && evs[i].events & (EPOLLIN |
			    EPOLLRDHUP | EPOLLHUP | EPOLLERR))
				pub_read(&pp, c);
		}
	}
	secs = (double)(stop < now ? stop - start : now - start) / 1e6;
	printf("{\"mode\":\"pub\",\"target\":\"%s\",\"conns\":%ld,"
	    "\"batch\":%ld,\"rate\":%.1f,\"sent\":%" PRIu64 ","
	    "\"acked\":%" PRIu64 ",\"errors\":%" PRIu64 ","
	    "\"requests\":%" PRIu64 ",\"unanswered\":%" PRIu64 ","
	    "\"duration_s\":%.3f,\"acked_per_s\":%.1f,\"req_p50_ms\":%.3f,"
	    "\"req_p99_ms\":%.3f,\"client_cpu_s\":%.2f}\n", o->target,
	    o->conns, o->batch, o->rate,
	    pp.sent, pp.acked, pp.errors, pp.requests, pp.inflight, secs,
	    secs > 0 ? (double)pp.acked / secs : 0.0,
	    sb_hist_pct(&pp.rtt, 50), sb_hist_pct(&pp.rtt, 99),
	    sb_cpu_s(RUSAGE_SELF));
	return pp.acked > 0 ? 0 : 1;
}

/* ---- command line ---- */

static double
sb_num(const char *s, const char *name)
{
	char	*end;
	double	 v;

	errno = 0;
	v = strtod(s, &end);
	if (end == s || *end != '\0' || errno != 0 || v < 0)
		sb_fatal("bad value for --%s: %s", name, s);
	return v;
}

static void
sb_parse(int argc, char **argv, struct sb_opts *o)
{
	static const struct option	lopts[] = {
		{ "port", required_argument, NULL, 'p' },
		{ "path", required_argument, NULL, 'P' },
		{ "conns", required_argument, NULL, 'c' },
		{ "procs", required_argument, NULL, 'k' },
		{ "duration", required_argument, NULL, 'd' },
		{ "last-event-id", required_argument, NULL, 'l' },
		{ "ramp-per-sec", required_argument, NULL, 'r' },
		{ "expect-events", required_argument, NULL, 'e' },
		{ "ready-file", required_argument, NULL, 'f' },
		{ "src-addrs", required_argument, NULL, 's' },
		{ "no-read", no_argument, NULL, 'N' },
		{ "unordered", no_argument, NULL, 'U' },
		{ "target", required_argument, NULL, 't' },
		{ "rate", required_argument, NULL, 'R' },
		{ "batch", required_argument, NULL, 'b' },
		{ "count", required_argument, NULL, 'n' },
		{ "token", required_argument, NULL, 'T' },
		{ "topic", required_argument, NULL, 'o' },
		{ NULL, 0, NULL, 0 }
	};
	int	ch;

	while ((ch = getopt_long(argc, argv, "", lopts, NULL)) != -1) {
		switch (ch) {
		case 'p':
			o->port = (int)sb_num(optarg, "port");
			break;
		case 'P':
			o->path = optarg;
			break;
		case 'c':
			o->conns = (long)sb_num(optarg, "conns");
			break;
		case 'k':
			o->procs = (long)sb_num(optarg, "procs");
			break;
		case 'd':
			o->duration = sb_num(optarg, "duration");
			break;
		case 'l':
			o->last_event_id = optarg;
			break;
		case 'r':
			o->ramp = sb_num(optarg, "ramp-per-sec");
			break;
		case 'e':
			o->expect = (long)sb_num(optarg, "expect-events");
			break;
		case 'f':
			o->ready_file = optarg;
			break;
		case 's':
			o->src_addrs = (long)sb_num(optarg, "src-addrs");
			break;
		case 'N':
			o->no_read = 1;
			break;
		case 'U':
			o->unordered = 1;
			break;
		case 't':
			o->target = optarg;
			break;
		case 'R':
			o->rate = sb_num(optarg, "rate");
			break;
		case 'b':
			o->batch = (long)sb_num(optarg, "batch");
			break;
		case 'n':
			o->count = (long)sb_num(optarg, "count");
			break;
		case 'T':
			o->token = optarg;
			break;
		case 'o':
			o->topic = optarg;
			break;
		default:
			sb_usage();
		}
	}
	if (optind != argc)
		sb_usage();
}

int
main(int argc, char **argv)
{
	struct sb_opts	o;
	const char	*mode;

	if (argc < 2)
		sb_usage();
	mode = argv[1];
	memset(&o, 0, sizeof(o));
	o.conns = 1;
	o.procs = 1;
	o.batch = 1;
	o.topic = "bench";
	o.rate = -1;
	sb_signals();
	sb_parse(argc - 1, argv + 1, &o);
	if (strcmp(mode, "sub") == 0)
		return sub_main(&o);
	if (strcmp(mode, "pub") == 0)
		return pub_main(&o);
	sb_usage();
}

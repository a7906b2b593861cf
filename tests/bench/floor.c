/*
 * floor: the least an SSE broadcaster can do on this machine, as the
 * benchmark's yardstick (issue 16). No framework: epoll, one process per
 * worker, each frame encoded once and the same bytes sent to every
 * stream with one send() per stream per batch.
 *
 *   floor --port P [--workers W]
 *
 * Any GET is a stream: the answer is the SSE headers, then frames.
 * POST /emit?rate=R&batch=B&count=N starts N events at R events/s in
 * batches of B frames ("id: <n>" and "data: <n> <unix us>", the load
 * tool's format, n counting from 1); the answer, once all are out, is
 * {"acked":N,"acked_per_s":X}. Every worker emits the same events on the
 * same schedule: the order reaches them through a shared page, so a
 * stream sees the same ids whichever worker it landed on.
 *
 * Streams that cannot take a whole batch keep the rest in their own
 * buffer until the socket drains (no limit: the floor is for the load
 * tool, which reads).
 */

#define _GNU_SOURCE	/* accept4() */

#include <sys/types.h>
#include <sys/epoll.h>
#include <sys/mman.h>
#include <sys/param.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define FL_MAX_WORKERS	16
#define FL_EPOLL_BATCH	512
#define FL_FRAME_MAX	96

static const char	fl_head[] = "HTTP/1.1 200 OK\r\n"
    "Content-Type: text/event-stream\r\nCache-Control: no-cache\r\n\r\n";

/* The order to emit, shared by every worker (MAP_SHARED before fork). */
struct fl_order {
	volatile uint64_t	gen;		/* bumped last, when complete */
	int64_t			start_mono;
	int64_t			start_real;
	double			rate;
	long			batch;
	long			count;
};

enum fl_kind {
	FL_NEW,		/* request not read yet */
	FL_STREAM,
	FL_EMIT		/* POST /emit: answered when the order is done */
};

struct fl_conn {
	int		 fd;
	int		 kind;
	int		 eoh;		/* how much of CRLFCRLF was seen */
	char		 line[128];	/* start of the request */
	size_t		 linelen;
	char		*out;		/* bytes a full socket did not take */
	size_t		 outlen;
	size_t		 outcap;
	struct fl_conn	*next;		/* streams */
	struct fl_conn	**prevp;
};

struct fl_worker {
	int		 ep;
	int		 lfd;
	struct fl_conn	*streams;
	struct fl_conn	*emitter;	/* who placed the running order */
	uint64_t	 gen;
	struct fl_order	 run;		/* this worker's copy */
	long		 sent;
	char		*batch;
};

static struct fl_order	*fl_shared;
static volatile sig_atomic_t fl_stop;

static void
fl_fatal(const char *what)
{
	fprintf(stderr, "floor: %s: %s\n", what, strerror(errno));
	exit(1);
}

static int64_t
fl_clock_us(clockid_t id)
{
	struct timespec	ts;

	clock_gettime(id, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static void
fl_on_signal(int sig)
{
	(void)sig;
	fl_stop = 1;
}

static int
fl_listen(int port)
{
	struct sockaddr_in	sin;
	int			fd, on = 1;

	if ((fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0)) == -1)
		fl_fatal("socket");
	/* Each worker its own queue, so the kernel spreads the streams. */
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on));
	setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &on, sizeof(on));
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons((uint16_t)port);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(fd, (struct sockaddr *)&sin, sizeof(sin)) == -1)
		fl_fatal("bind");
	if (listen(fd, 4096) == -1)
		fl_fatal("listen");
	return fd;
}

static void
fl_close(struct fl_worker *w, struct fl_conn *c)
{
	if (c->kind == FL_STREAM) {
		*c->prevp = c->next;
		if (c->next != NULL)
			c->next->prevp = c->prevp;
	}
	if (w->emitter == c)
		w->emitter = NULL;
	close(c->fd);
	free(c->out);
	free(c);
}

static void
fl_keep(struct fl_conn *c, const char *p, size_t n)
{
	if (c->outlen + n > c->outcap) {
		c->outcap = (c->outlen + n) * 2;
		if ((c->out = realloc(c->out, c->outcap)) == NULL)
			fl_fatal("realloc");
	}
	memcpy(c->out + c->outlen, p, n);
	c->outlen += n;
}

/* Writes what c holds back; 0 when the connection is gone. */
static int
fl_drain(struct fl_worker *w, struct fl_conn *c)
{
	ssize_t	n;

	while (c->outlen > 0) {
		n = send(c->fd, c->out, c->outlen, MSG_NOSIGNAL);
		if (n == -1 && errno == EAGAIN)
			return 1;
		if (n <= 0) {
			fl_close(w, c);
			return 0;
		}
		memmove(c->out, c->out + n, c->outlen - (size_t)n);
		c->outlen -= (size_t)n;
	}
	return 1;
}

/* One send() of the same bytes per stream; a short write keeps the rest. */
static void
fl_send(struct fl_worker *w, struct fl_conn *c, const char *p, size_t n)
{
	ssize_t	sent = 0;

	if (c->outlen == 0) {
		sent = send(c->fd, p, n, MSG_NOSIGNAL);
		if (sent == -1 && errno != EAGAIN) {
			fl_close(w, c);
			return;
		}
		if (sent == -1)
			sent = 0;
	}
	if ((size_t)sent < n)
		fl_keep(c, p + sent, n - (size_t)sent);
}

static void
fl_stream(struct fl_worker *w, struct fl_conn *c)
{
	struct epoll_event	ev;

	c->kind = FL_STREAM;
	c->next = w->streams;
	c->prevp = &w->streams;
	if (w->streams != NULL)
		w->streams->prevp = &c->next;
	w->streams = c;
	/* From now on only EOF and a full socket matter. */
	ev.events = EPOLLIN | EPOLLOUT | EPOLLET | EPOLLRDHUP;
	ev.data.ptr = c;
	epoll_ctl(w->ep, EPOLL_CTL_MOD, c->fd, &ev);
	fl_send(w, c, fl_head, sizeof(fl_head) - 1);
}

static double
fl_param(const char *line, const char *name, double dflt)
{
	const char	*p;
	size_t		 n = strlen(name);

	for (p = line; (p = strstr(p, name)) != NULL; p += n) {
		if ((p[-1] == '?' || p[-1] == '&') && p[n] == '=')
			return strtod(p + n + 1, NULL);
	}
	return dflt;
}

/* The order goes to every worker; gen last, so it is read whole. */
static void
fl_order(struct fl_worker *w, struct fl_conn *c)
{
	struct fl_order	*o = fl_shared;

	c->kind = FL_EMIT;
	w->emitter = c;
	o->rate = fl_param(c->line, "rate", 10);
	o->batch = (long)fl_param(c->line, "batch", 1);
	o->count = (long)fl_param(c->line, "count", 100);
	if (o->batch < 1)
		o->batch = 1;
	/* A few ms ahead, so every worker starts on the same schedule. */
	o->start_mono = fl_clock_us(CLOCK_MONOTONIC) + 5000;
	o->start_real = fl_clock_us(CLOCK_REALTIME) + 5000;
	__sync_synchronize();
	o->gen++;
}

static void
fl_read(struct fl_worker *w, struct fl_conn *c, uint32_t events)
{
	char	buf[4096];
	ssize_t	n;
	size_t	i, take;

	for (;;) {
		n = read(c->fd, buf, sizeof(buf));
		if (n == -1 && errno == EAGAIN)
			break;
		if (n <= 0) {
			fl_close(w, c);
			return;
		}
		if (c->kind != FL_NEW)
			continue;
		take = MIN(sizeof(c->line) - 1 - c->linelen, (size_t)n);
		memcpy(c->line + c->linelen, buf, take);
		c->linelen += take;
		c->line[c->linelen] = '\0';
		for (i = 0; i < (size_t)n && c->eoh < 4; i++)
			c->eoh = buf[i] == "\r\n\r\n"[c->eoh] ? c->eoh + 1 :
			    buf[i] == '\r';
		if (c->eoh < 4)
			continue;
		if (strncmp(c->line, "POST /emit", 10) == 0)
			fl_order(w, c);
		else
			fl_stream(w, c);
	}
	if (events & (EPOLLRDHUP | EPOLLHUP | EPOLLERR))
		fl_close(w, c);
}

static void
fl_accept(struct fl_worker *w)
{
	struct epoll_event	 ev;
	struct fl_conn		*c;
	int			 fd, on = 1;

	while ((fd = accept4(w->lfd, NULL, NULL, SOCK_NONBLOCK)) != -1) {
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof(on));
		if ((c = calloc(1, sizeof(*c))) == NULL)
			fl_fatal("calloc");
		c->fd = fd;
		ev.events = EPOLLIN | EPOLLRDHUP;
		ev.data.ptr = c;
		if (epoll_ctl(w->ep, EPOLL_CTL_ADD, fd, &ev) == -1)
			fl_fatal("epoll_ctl");
	}
}

static void
fl_answer(struct fl_worker *w)
{
	char	body[128], msg[256];
	double	secs;
	int	n, len;

	if (w->emitter == NULL)
		return;
	secs = (double)(fl_clock_us(CLOCK_MONOTONIC) - w->run.start_mono) /
	    1e6;
	n = snprintf(body, sizeof(body), "{\"acked\":%ld,\"acked_per_s\":"
	    "%.1f}\n", w->run.count, secs > 0 ? w->run.count / secs : 0.0);
	len = snprintf(msg, sizeof(msg), "HTTP/1.1 200 OK\r\nContent-Type: "
	    "application/json\r\nContent-Length: %d\r\n\r\n%s", n, body);
	fl_send(w, w->emitter, msg, (size_t)len);
	w->emitter = NULL;
}

/* Encodes the batches that are due once, and sends each to every stream. */
static void
fl_emit(struct fl_worker *w, int64_t now)
{
	struct fl_conn	*c, *next;
	long		 due, n, i;
	size_t		 len;
	int64_t		 us;

	if (w->gen != fl_shared->gen) {
		__sync_synchronize();
		w->gen = fl_shared->gen;
		w->run = *fl_shared;
		w->sent = 0;
		free(w->batch);
		if ((w->batch = malloc((size_t)w->run.batch * FL_FRAME_MAX)) ==
		    NULL)
			fl_fatal("malloc");
	}
	while (w->sent < w->run.count) {
		due = (long)((double)(now - w->run.start_mono) / 1e6 *
		    w->run.rate) + 1;
		if (due <= w->sent)
			return;
		n = MIN(w->run.batch, w->run.count - w->sent);
		/* A batch goes when its first event is due. */
		us = w->run.start_real + (int64_t)((double)w->sent /
		    w->run.rate * 1e6);
		for (i = 0, len = 0; i < n; i++) {
			len += (size_t)snprintf(w->batch + len, FL_FRAME_MAX,
			    "id: %ld\ndata: %ld %" PRId64 "\n\n",
			    w->sent + i + 1, w->sent + i + 1, us);
		}
		w->sent += n;
		for (c = w->streams; c != NULL; c = next) {
			next = c->next;
			fl_send(w, c, w->batch, len);
		}
	}
	fl_answer(w);
}

/*
 * Milliseconds until the next batch is due; a new order is looked for at
 * least every 10 ms.
 */
static int
fl_timeout(const struct fl_worker *w, int64_t now)
{
	double	next_us;

	if (w->sent >= w->run.count)
		return 10;
	next_us = (double)w->sent / w->run.rate * 1e6 -
	    (double)(now - w->run.start_mono);
	if (next_us <= 0)
		return 0;
	return next_us >= 10000 ? 10 : (int)(next_us / 1000) + 1;
}

static void
fl_worker(int lfd)
{
	struct epoll_event	 evs[FL_EPOLL_BATCH], ev;
	struct fl_worker	 w;
	struct fl_conn		*c;
	int			 i, n;

	memset(&w, 0, sizeof(w));
	w.lfd = lfd;
	w.gen = fl_shared->gen;
	if ((w.ep = epoll_create1(0)) == -1)
		fl_fatal("epoll_create1");
	ev.events = EPOLLIN;
	ev.data.ptr = NULL;
	epoll_ctl(w.ep, EPOLL_CTL_ADD, lfd, &ev);
	while (!fl_stop) {
		n = epoll_wait(w.ep, evs, FL_EPOLL_BATCH,
		    fl_timeout(&w, fl_clock_us(CLOCK_MONOTONIC)));
		for (i = 0; i < n; i++) {
			if ((c = evs[i].data.ptr) == NULL) {
				fl_accept(&w);
				continue;
			}
			if ((evs[i].events & EPOLLOUT) && !fl_drain(&w, c))
				continue;
			if (evs[i].events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP |
			    EPOLLERR))
				fl_read(&w, c, evs[i].events);
		}
		fl_emit(&w, fl_clock_us(CLOCK_MONOTONIC));
	}
	exit(0);
}

int
main(int argc, char **argv)
{
	static const struct option	lopts[] = {
		{ "port", required_argument, NULL, 'p' },
		{ "workers", required_argument, NULL, 'w' },
		{ NULL, 0, NULL, 0 }
	};
	pid_t	pids[FL_MAX_WORKERS];
	int	ch, i, port = 0, workers = 2;

	while ((ch = getopt_long(argc, argv, "", lopts, NULL)) != -1) {
		if (ch == 'p')
			port = atoi(optarg);
		else if (ch == 'w')
			workers = atoi(optarg);
		else
			goto usage;
	}
	if (port <= 0 || workers < 1 || workers > FL_MAX_WORKERS)
		goto usage;
	fl_shared = mmap(NULL, sizeof(*fl_shared), PROT_READ | PROT_WRITE,
	    MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (fl_shared == MAP_FAILED)
		fl_fatal("mmap");
	memset(fl_shared, 0, sizeof(*fl_shared));
	signal(SIGTERM, fl_on_signal);
	signal(SIGINT, fl_on_signal);
	signal(SIGPIPE, SIG_IGN);
	for (i = 0; i < workers; i++) {
		/* Bound before the fork, so the port answers once we return. */
		int	lfd = fl_listen(port);

		if ((pids[i] = fork()) == -1)
			fl_fatal("fork");
		if (pids[i] == 0)
			fl_worker(lfd);
		close(lfd);
	}
	while (!fl_stop)
		pause();
	for (i = 0; i < workers; i++)
		kill(pids[i], SIGTERM);
	for (i = 0; i < workers; i++)
		waitpid(pids[i], NULL, 0);
	return 0;

usage:
	fprintf(stderr, "usage: floor --port P [--workers W]\n");
	return 2;
}

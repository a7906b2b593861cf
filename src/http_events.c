/*
 * GET /events: a page of stored history, as JSON, for pages that want
 * the recent past without a stream (a "load earlier events" control),
 * forwards from after=N or backwards from before=M.
 *
 * The request sleeps while its page is read (the store's "read"
 * connection, shared with catch-ups) and Kore runs the handler again
 * when it is woken; the page is written into the answer inside the
 * store's callback, since its rows live only there.
 */

#include <sys/types.h>

#include <kore/kore.h>
#include <kore/http.h>

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "access.h"
#include "args.h"
#include "http_cors.h"
#include "http_reply.h"
#include "json_out.h"
#include "pg_array.h"
#include "reader.h"
#include "stats.h"
#include "store.h"

#define EVENTS_PENDING		0
#define EVENTS_DONE		1
#define EVENTS_FAILED		2

/* A page's body: large events make shorter pages, never larger bodies. */
#define EVENTS_BODY_MAX		(4 * 1024 * 1024)
/* {"events":[ ... ],"next":N,"trimmed":T}\n around the rows. */
#define EVENTS_PAGE_FRAME	80

int	http_events(struct http_request *);

/* Outlives the request when the client goes first. */
struct events_call {
	struct http_request	*req;		/* NULL: nobody waits */
	int			status;
	uint32_t		limit;
	uint64_t		from;
	int			backward;
	int			every;		/* every topic: a bounded scan */
	struct kore_buf		body;
};

struct events_state {
	struct events_call	*call;
};

static int	events_start(struct http_request *);
static int	events_authorize(struct http_request *, struct args *,
		    struct reader *);
static int	events_query(struct events_call *, const struct args *,
		    const struct acl_rule *);
static void	events_page(const struct store_rows *, void *);
static size_t	events_fit(struct events_call *, const struct store_rows *,
		    size_t);
static uint64_t	events_scan_end(const struct events_call *,
		    const struct store_rows *);
static void	events_row(struct kore_buf *, const struct store_event *);
static void	events_onfree(struct http_request *);
static void	events_call_free(struct events_call *);

int
http_events(struct http_request *req)
{
	struct events_state	*st;
	struct events_call	*call;

	if ((st = http_state_get(req)) == NULL)
		return (events_start(req));

	call = st->call;
	if (call->status == EVENTS_PENDING) {
		http_request_sleep(req);
		return (KORE_RESULT_RETRY);
	}

	if (call->status == EVENTS_DONE) {
		http_reply_json(req, 200, (const char *)call->body.data,
		    call->body.offset);
	} else {
		http_response_header(req, "retry-after", "2");
		http_reply_error(req, 503, "database unavailable");
	}
	/* The answer is copied out; onfree no longer sees the state. */
	st->call = NULL;
	events_call_free(call);
	http_state_cleanup(req);

	return (KORE_RESULT_OK);
}

static int
events_start(struct http_request *req)
{
	struct events_state	*st;
	struct events_call	*call;
	struct reader		who;
	struct args		a;
	int			ok;

	if (http_cors(req, "GET"))
		return (KORE_RESULT_OK);
	if (req->method != HTTP_METHOD_GET) {
		http_response_header(req, "allow", "GET");
		return (http_reply_error(req, 405, "use GET"));
	}

	if (!args_parse(&a, req->query_string, ARGS_TOPIC | ARGS_TOKEN |
	    ARGS_PAGE))
		return (http_reply_error(req, 400, a.error));
	if (!events_authorize(req, &a, &who))
		return (KORE_RESULT_OK);

	call = kore_calloc(1, sizeof(*call));
	call->req = req;
	call->limit = a.limit;
	call->from = a.from;
	call->backward = a.direction == ARGS_BACKWARD;
	call->every = a.ntopics == 0;
	kore_buf_init(&call->body, 1024);
	ok = events_query(call, &a, who.rule);
	access_grant_free(who.grant);
	if (!ok) {
		events_call_free(call);
		http_response_header(req, "retry-after", "2");
		return (http_reply_error(req, 503, "database unavailable"));
	}

	st = http_state_create(req, sizeof(*st), events_onfree);
	st->call = call;

	/* Runs again from the top: sleeps until the page is in. */
	return (http_events(req));
}

/* Like /stream (reader.c): a query of every topic skips private ones. */
static int
events_authorize(struct http_request *req, struct args *a,
    struct reader *who)
{
	return (reader_authorize(req, who, a->token, a->topics,
	    a->ntopics));
}

static int
events_query(struct events_call *call, const struct args *a,
    const struct acl_rule *rule)
{
	size_t		lens[TOPIC_STREAM_MAX];
	char		*topics, *priv, *allow;
	int		i, ok;

	topics = priv = allow = NULL;
	if (a->ntopics > 0) {
		for (i = 0; i < a->ntopics; i++)
			lens[i] = strlen(a->topics[i]);
		topics = kore_malloc(pg_array_size(a->topics, lens,
		    a->ntopics) + 1);
		topics[pg_array_encode(topics, a->topics, lens,
		    a->ntopics)] = '\0';
	} else {
		reader_literals(rule, &priv, &allow);
	}

	ok = store_history(a->direction == ARGS_BACKWARD, a->from, topics,
	    (int)a->limit, priv, allow, events_page, call);
	kore_free(topics);
	kore_free(priv);
	kore_free(allow);

	return (ok);
}

/*
 * {"events":[...],"next":N|null,"trimmed":T}. next: where the following
 * page starts (a full page, or one cut at EVENTS_BODY_MAX, may have more
 * behind it); trimmed: every id up to it is gone (retention), so a
 * reader paging from below it knows.
 */
static void
events_page(const struct store_rows *rows, void *arg)
{
	struct events_call	*call = arg;
	struct store_event	ev;
	size_t			i, n, take;

	if (rows == NULL) {
		stats_slot(worker->id)->db_errors++;
		call->status = EVENTS_FAILED;
	} else {
		n = store_rows_count(rows);
		take = events_fit(call, rows, n);
		kore_buf_append(&call->body, "{\"events\":[", 11);
		for (i = 0; i < take; i++) {
			store_rows_get(rows, i, &ev);
			if (i > 0)
				kore_buf_append(&call->body, ",", 1);
			events_row(&call->body, &ev);
		}
		if (take > 0 && (take < n || n == call->limit))
			kore_buf_appendf(&call->body, "],\"next\":%" PRIu64,
			    ev.id);
		else if (events_scan_end(call, rows) != 0)
			kore_buf_appendf(&call->body, "],\"next\":%" PRIu64,
			    events_scan_end(call, rows));
		else
			kore_buf_appendf(&call->body, "],\"next\":null");
		kore_buf_appendf(&call->body, ",\"trimmed\":%" PRIu64 "}\n",
		    store_rows_trimmed(rows));
		call->status = EVENTS_DONE;
	}

	if (call->req == NULL)
		events_call_free(call);
	else
		http_request_wakeup(call->req);
}

/*
 * A short page of every topic may only mean that the scan's span
 * (STORE_SCAN_SPAN ids, store.c) ended: where the next page starts, or 0
 * when the log ends within it.
 */
static uint64_t
events_scan_end(const struct events_call *call, const struct store_rows *rows)
{
	uint64_t	lo, trimmed = store_rows_trimmed(rows);

	if (!call->every)
		return (0);
	if (call->backward) {
		lo = call->from > STORE_SCAN_SPAN ? call->from - STORE_SCAN_SPAN :
		    0;
		return (lo > trimmed ? lo + 1 : 0);
	}
	lo = (call->from > trimmed ? call->from : trimmed) + STORE_SCAN_SPAN;
	return (lo < store_rows_head(rows) ? lo : 0);
}

/*
 * How many of the n rows go in the page: as many as fit EVENTS_BODY_MAX
 * (at least one). The body is sized for them at once: Kore's buffers
 * grow by what is appended, copying everything each time, which made a
 * page of large events cost seconds of this worker's time.
 */
static size_t
events_fit(struct events_call *call, const struct store_rows *rows,
    size_t n)
{
	struct store_event	ev;
	size_t			i, len, total;

	total = EVENTS_PAGE_FRAME;
	for (i = 0; i < n; i++) {
		store_rows_get(rows, i, &ev);
		len = json_out_event(NULL, 0, &ev.id, ev.topic, ev.event,
		    ev.data, ev.data_len) + 1;
		if (i > 0 && total + len > EVENTS_BODY_MAX)
			break;
		total += len;
	}
	kore_buf_cleanup(&call->body);
	kore_buf_init(&call->body, total);
	return (i);
}

/* Written in place: events_fit() made the room. */
static void
events_row(struct kore_buf *b, const struct store_event *ev)
{
	size_t		len;

	len = json_out_event((char *)b->data + b->offset,
	    b->length - b->offset, &ev->id, ev->topic, ev->event, ev->data,
	    ev->data_len);
	/* Not written (json_out writes only what fits): a bug of events_fit. */
	if (len > b->length - b->offset) {
		kore_log(LOG_ERR, "events: a row of %zu bytes, %zu left", len,
		    b->length - b->offset);
		abort();
	}
	b->offset += len;
}

/* The request is gone: a pending page frees its call when it comes. */
static void
events_onfree(struct http_request *req)
{
	struct events_state	*st = http_state_get(req);

	if (st == NULL || st->call == NULL)
		return;
	if (st->call->status == EVENTS_PENDING)
		st->call->req = NULL;
	else
		events_call_free(st->call);
	st->call = NULL;
}

static void
events_call_free(struct events_call *call)
{
	kore_buf_cleanup(&call->body);
	kore_free(call);
}

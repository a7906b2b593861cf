/*
 * Operations endpoints: GET /healthz and GET /metrics.
 */

#include <sys/types.h>

#include <kore/kore.h>
#include <kore/http.h>

#include <inttypes.h>
#include <stdio.h>

#include "bus.h"
#include "http_reply.h"
#include "presence.h"
#include "presence_sync.h"
#include "stats.h"
#include "store.h"

#define OPS_METRICS_MAX		(128 * 1024)

int	http_healthz(struct http_request *);
int	http_metrics(struct http_request *);

static size_t	ops_presence(char *, size_t, size_t);
static void	ops_presence_topic(const char *, uint64_t, void *);

/*
 * Healthy when this worker's database connections are up (each is torn
 * down, and retried, on the first failed read or query) and it follows
 * the log: it would deliver an event published now.
 */
int
http_healthz(struct http_request *req)
{
	if (req->method != HTTP_METHOD_GET)
		return (http_reply_error(req, 405, "use GET"));

	if (!store_ready()) {
		http_response_header(req, "retry-after", "2");
		return (http_reply_error(req, 503, "database unavailable"));
	}
	if (!bus_following()) {
		http_response_header(req, "retry-after", "2");
		return (http_reply_error(req, 503, "not following the log"));
	}

	return (http_reply_json(req, 200, "{\"status\":\"ok\"}\n", 16));
}

int
http_metrics(struct http_request *req)
{
	char		*buf;
	size_t		len;

	if (req->method != HTTP_METHOD_GET)
		return (http_reply_error(req, 405, "use GET"));

	buf = kore_malloc(OPS_METRICS_MAX);
	/* worker_count includes the keymgr and acme slots. */
	len = stats_render(buf, OPS_METRICS_MAX, worker_count - 2);
	if (len > 0)
		len = ops_presence(buf, len, OPS_METRICS_MAX);
	http_response_header(req, "content-type",
	    "text/plain; version=0.0.4");
	http_response(req, len ? 200 : 500, buf, len);
	kore_free(buf);

	return (KORE_RESULT_OK);
}

/*
 * The totals of GET /topics, over every node: one series each, never
 * one per topic (topics are unbounded; a scrape must not be).
 */
static size_t
ops_presence(char *buf, size_t len, size_t max)
{
	u_int64_t	now = kore_time_ms(), topics = 0;
	int		n;

	presence_foreach(now, ops_presence_topic, &topics);
	n = snprintf(buf + len, max - len,
	    "# HELP ssehub_presence_subscribers Open streams on every node "
	    "sharing the database (GET /topics).\n"
	    "# TYPE ssehub_presence_subscribers gauge\n"
	    "ssehub_presence_subscribers %" PRIu64 "\n"
	    "# HELP ssehub_presence_topics Topics with at least one stream, "
	    "over every node.\n"
	    "# TYPE ssehub_presence_topics gauge\n"
	    "ssehub_presence_topics %" PRIu64 "\n",
	    presence_sync_streams() + presence_remote_streams(now), topics);
	if (n < 0 || (size_t)n >= max - len)
		return (0);
	return (len + (size_t)n);
}

static void
ops_presence_topic(const char *name, uint64_t count, void *arg)
{
	(void)name;
	(void)count;
	(*(u_int64_t *)arg)++;
}

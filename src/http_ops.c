/*
 * Operations endpoints: GET /healthz and GET /metrics.
 */

#include <sys/types.h>

#include <kore/kore.h>
#include <kore/http.h>

#include <stdio.h>

#include "bus.h"
#include "http_reply.h"
#include "stats.h"
#include "store.h"

#define OPS_METRICS_MAX		(128 * 1024)

int	http_healthz(struct http_request *);
int	http_metrics(struct http_request *);

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
	http_response_header(req, "content-type",
	    "text/plain; version=0.0.4");
	http_response(req, len ? 200 : 500, buf, len);
	kore_free(buf);

	return (KORE_RESULT_OK);
}

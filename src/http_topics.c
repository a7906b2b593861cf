/*
 * GET /topics: who is listening. Every topic with at least one stream
 * on it, over every node sharing the database, with the total of open
 * streams; private topics only for a token that may read them. Served
 * from the shared table (presence.h): no database round trip.
 */

#include <sys/types.h>

#include <kore/kore.h>
#include <kore/http.h>

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "acl.h"
#include "access.h"
#include "args.h"
#include "http_cors.h"
#include "http_reply.h"
#include "presence.h"
#include "presence_sync.h"
#include "topic.h"
#include "reader.h"

int	http_topics(struct http_request *);

struct topics_entry {
	char		name[TOPIC_MAX + 1];
	uint64_t	count;
};

struct topics_list {
	const struct acl_rule	*rule;
	struct topics_entry	*v;
	size_t			n;
};

static int	topics_authorize(struct http_request *, struct args *,
		    struct reader *);
static void	topics_add(const char *, uint64_t, void *);
static int	topics_cmp(const void *, const void *);

int
http_topics(struct http_request *req)
{
	struct topics_list	l;
	struct reader		who;
	struct kore_buf		out;
	struct args		a;
	u_int64_t		now = kore_time_ms();
	size_t			i;

	if (http_cors(req, "GET"))
		return (KORE_RESULT_OK);
	if (req->method != HTTP_METHOD_GET) {
		http_response_header(req, "allow", "GET");
		return (http_reply_error(req, 405, "use GET"));
	}
	if (!args_parse(&a, req->query_string, ARGS_TOKEN))
		return (http_reply_error(req, 400, a.error));
	if (!topics_authorize(req, &a, &who))
		return (KORE_RESULT_OK);

	l.rule = who.rule;
	l.v = kore_calloc(PRESENCE_SLOTS, sizeof(*l.v));
	l.n = 0;
	presence_foreach(now, topics_add, &l);
	access_grant_free(who.grant);
	qsort(l.v, l.n, sizeof(*l.v), topics_cmp);

	/* Topic names are [A-Za-z0-9._-]: nothing to escape. */
	kore_buf_init(&out, 64 + l.n * 48);
	kore_buf_appendf(&out, "{\"topics\":[");
	for (i = 0; i < l.n; i++) {
		kore_buf_appendf(&out, "%s{\"topic\":\"%s\",\"subscribers\":%"
		    PRIu64 "}", i ? "," : "", l.v[i].name, l.v[i].count);
	}
	kore_buf_appendf(&out, "],\"subscribers\":%" PRIu64 "}\n",
	    presence_sync_streams() + presence_remote_streams(now));
	http_reply_json(req, 200, (const char *)out.data, out.offset);
	kore_buf_cleanup(&out);
	kore_free(l.v);

	return (KORE_RESULT_OK);
}

/* Like /stream (reader.c): private topics only for their readers. */
static int
topics_authorize(struct http_request *req, struct args *a,
    struct reader *who)
{
	return (reader_authorize(req, who, a->token, NULL, 0));
}

/* Under presence's lock: copy only. */
static void
topics_add(const char *name, uint64_t count, void *arg)
{
	struct topics_list	*l = arg;

	if (l->n == PRESENCE_SLOTS || !acl_can_read(&acl, l->rule, name))
		return;
	(void)kore_strlcpy(l->v[l->n].name, name, sizeof(l->v[l->n].name));
	l->v[l->n].count = count;
	l->n++;
}

static int
topics_cmp(const void *a, const void *b)
{
	return (strcmp(((const struct topics_entry *)a)->name,
	    ((const struct topics_entry *)b)->name));
}

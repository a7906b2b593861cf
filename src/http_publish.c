/*
 * POST /publish: authenticate, validate, commit, then answer 201.
 *
 * The request sleeps while its events are in a group commit (commit.c)
 * and Kore runs the handler again when it is woken. If the client goes
 * away meanwhile, the events still commit; nobody is told.
 */

#include <sys/types.h>

#include <kore/kore.h>
#include <kore/http.h>

#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <openssl/sha.h>

#include "access.h"
#include "acl.h"
#include "auth.h"
#include "commit.h"
#include "http_cors.h"
#include "http_reply.h"
#include "quota.h"
#include "publish_body.h"
#include "settings.h"
#include "store.h"

#define PUBLISH_KEY_MAX		128
#define PUBLISH_SCOPE_LEN	8	/* bytes of the token digest */

int	http_publish(struct http_request *);

struct publish_state {
	struct commit_job	*job;
};

static int	publish_auth(struct http_request *, struct access *,
		    char *, size_t);
static int	publish_topics_ok(struct http_request *,
		    const struct acl_rule *, const struct publish_body *);
static int	publish_rate_ok(struct http_request *, const struct access *,
		    const char *, size_t);
static struct commit_job *publish_prepare(struct http_request *,
		    const struct access *, const char *);

static int	publish_check(struct http_request *);
static int	publish_read(struct http_request *, struct kore_buf *);
static int	publish_start(struct http_request *);
static int	publish_answer(struct http_request *, struct commit_job *);
static void	publish_done(struct commit_job *);
static void	publish_onfree(struct http_request *);
static void	publish_job_free(struct commit_job *);
static int	publish_content_type_ok(const char *);
static int	publish_key(struct http_request *, struct commit_job *,
		    const struct kore_buf *, const char *);

int
http_publish(struct http_request *req)
{
	struct publish_state	*st;
	struct commit_job	*job;

	if ((st = http_state_get(req)) == NULL)
		return (publish_start(req));

	if (st->job->status == COMMIT_PENDING) {
		http_request_sleep(req);
		return (KORE_RESULT_RETRY);
	}

	job = st->job;
	st->job = NULL;
	publish_answer(req, job);
	publish_job_free(job);
	http_state_cleanup(req);

	return (KORE_RESULT_OK);
}

static int
publish_start(struct http_request *req)
{
	struct publish_state	*st;
	struct commit_job	*job;
	struct access		acc;
	char			who[ACCESS_IDENTITY_MAX];

	if (http_cors(req, "POST"))
		return (KORE_RESULT_OK);
	if (!publish_check(req) || !publish_auth(req, &acc, who, sizeof(who)))
		return (KORE_RESULT_OK);

	job = publish_prepare(req, &acc, who);
	access_grant_free(acc.grant);
	if (job == NULL)
		return (KORE_RESULT_OK);

	if (!store_append_ready()) {
		publish_job_free(job);
		http_response_header(req, "retry-after", "2");
		return (http_reply_error(req, 503, "database unavailable"));
	}

	st = http_state_create(req, sizeof(*st), publish_onfree);
	st->job = job;
	job->arg = req;
	job->done = publish_done;
	commit_submit(job);

	/* Runs again from the top: answers now or sleeps. */
	return (http_publish(req));
}

/* The events of the body, if the publisher may send them now; or NULL. */
static struct commit_job *
publish_prepare(struct http_request *req, const struct access *acc,
    const char *who)
{
	struct commit_job	*job;
	struct kore_buf		body;
	char			err[128];
	int			ok;

	kore_buf_init(&body, 1024);
	if (!publish_read(req, &body)) {
		kore_buf_cleanup(&body);
		http_reply_error(req, 400, "cannot read body");
		return (NULL);
	}

	job = kore_calloc(1, sizeof(*job));
	ok = publish_body_parse((const char *)body.data, body.offset,
	    &job->body, err, sizeof(err));
	if (ok && !publish_key(req, job, &body, who)) {
		(void)kore_strlcpy(err, "Idempotency-Key must be 1 to 128 "
		    "printable ASCII characters", sizeof(err));
		ok = 0;
	}
	kore_buf_cleanup(&body);
	if (!ok) {
		publish_job_free(job);
		http_reply_error(req, 400, err);
		return (NULL);
	}

	if (!publish_topics_ok(req, acc->rule, &job->body) ||
	    !publish_rate_ok(req, acc, who, job->body.count)) {
		publish_job_free(job);
		return (NULL);
	}
	return (job);
}

/* Everything that can be refused before the body is read. */
static int
publish_check(struct http_request *req)
{
	const char	*hdr;
	char		 msg[64];

	if (req->method != HTTP_METHOD_POST) {
		http_response_header(req, "allow", "POST");
		http_reply_error(req, 405, "use POST");
		return (KORE_RESULT_ERROR);
	}

	if (!http_request_header(req, "content-type", &hdr) ||
	    !publish_content_type_ok(hdr)) {
		http_reply_error(req, 415, "content-type must be "
		    "application/json");
		return (KORE_RESULT_ERROR);
	}

	/* http_limit.c answers first; this holds should a listener lack it. */
	if (req->content_length > http_body_max) {
		(void)snprintf(msg, sizeof(msg), "body over %zu bytes",
		    http_body_max);
		http_reply_error(req, 413, msg);
		return (KORE_RESULT_ERROR);
	}

	return (KORE_RESULT_OK);
}

/*
 * The optional Idempotency-Key, and the SHA-256 of the body it covers: a
 * repeat with another body is refused, not silently answered. Keys are
 * scoped by publisher (a digest of its identity, never a token): one
 * tenant cannot claim a key that another will use and have its publish
 * answered "replayed" while nothing was stored.
 */
static int
publish_key(struct http_request *req, struct commit_job *job,
    const struct kore_buf *body, const char *who)
{
	const char	*key;
	u_int8_t	md[SHA256_DIGEST_LENGTH];
	char		scope[PUBLISH_SCOPE_LEN * 2 + 1];
	size_t		i, len;

	if (!http_request_header(req, "idempotency-key", &key))
		return (KORE_RESULT_OK);

	len = strlen(key);
	if (len == 0 || len > PUBLISH_KEY_MAX)
		return (KORE_RESULT_ERROR);
	for (i = 0; i < len; i++) {
		if (key[i] < ' ' || key[i] > '~')
			return (KORE_RESULT_ERROR);
	}

	(void)SHA256((const u_int8_t *)who, strlen(who), md);
	for (i = 0; i < PUBLISH_SCOPE_LEN; i++)
		(void)snprintf(scope + i * 2, 3, "%02x", md[i]);

	(void)SHA256(body->data, body->offset, md);
	for (i = 0; i < sizeof(md); i++)
		(void)snprintf(job->hash + i * 2, 3, "%02x", md[i]);

	len = sizeof(scope) + 1 + len;
	job->key = kore_malloc(len);
	(void)snprintf((char *)job->key, len, "%s:%s", scope, key);

	return (KORE_RESULT_OK);
}

/*
 * The bearer: SSEHUB_TOKEN (everything), a publish rule of the ACL file,
 * or a JWT with a publish claim. who is the publisher's identity, for
 * idempotency keys and the rate limit.
 */
static int
publish_auth(struct http_request *req, struct access *acc, char *who,
    size_t len)
{
	const char	*hdr, *token;

	if (!http_request_header(req, "authorization", &hdr))
		hdr = NULL;
	token = auth_bearer_token(hdr);
	if (token == NULL || !access_check(acc, ACL_PUBLISH, token,
	    (int64_t)time(NULL))) {
		http_response_header(req, "www-authenticate", token == NULL ?
		    "Bearer realm=\"ssehub\"" :
		    "Bearer realm=\"ssehub\", error=\"invalid_token\"");
		http_reply_error(req, 401, token == NULL ?
		    "missing bearer token" : acc->why);
		return (KORE_RESULT_ERROR);
	}
	access_identity(acc, token, who, len);
	return (KORE_RESULT_OK);
}

static int
publish_topics_ok(struct http_request *req, const struct acl_rule *rule,
    const struct publish_body *body)
{
	char		msg[128];
	size_t		i;

	for (i = 0; i < body->count; i++) {
		if (acl_allows(rule, body->events[i].topic))
			continue;
		(void)snprintf(msg, sizeof(msg), "token may not publish to "
		    "topic %s", body->events[i].topic);
		http_reply_error(req, 403, msg);
		return (KORE_RESULT_ERROR);
	}
	return (KORE_RESULT_OK);
}

/* SSEHUB_PUBLISH_RATE events per second per publisher, over all workers. */
static int
publish_rate_ok(struct http_request *req, const struct access *acc,
    const char *who, size_t n)
{
	char		msg[96], after[16];
	u_int32_t	retry;

	if (quota_publish(access_bucket(acc, who), (u_int32_t)n,
	    settings.publish_rate, kore_time_ms(), &retry))
		return (KORE_RESULT_OK);

	if (retry == 0) {
		(void)snprintf(msg, sizeof(msg), "a batch of %zu exceeds the "
		    "rate limit of %u events/s", n, settings.publish_rate);
	} else {
		(void)snprintf(msg, sizeof(msg), "rate limit of %u events/s "
		    "exceeded", settings.publish_rate);
		(void)snprintf(after, sizeof(after), "%u", retry);
		http_response_header(req, "retry-after", after);
	}
	http_reply_error(req, 429, msg);
	return (KORE_RESULT_ERROR);
}

/* "application/json", any case, optionally followed by parameters. */
static int
publish_content_type_ok(const char *v)
{
	size_t		n = strlen("application/json");

	if (strncasecmp(v, "application/json", n) != 0)
		return (0);
	return (v[n] == '\0' || v[n] == ';' || v[n] == ' ');
}

static int
publish_read(struct http_request *req, struct kore_buf *body)
{
	char		chunk[4096];
	ssize_t		r;

	for (;;) {
		r = http_body_read(req, chunk, sizeof(chunk));
		if (r == -1)
			return (KORE_RESULT_ERROR);
		if (r == 0)
			break;
		kore_buf_append(body, chunk, (size_t)r);
		if (body->offset > http_body_max)
			return (KORE_RESULT_ERROR);
	}

	return (KORE_RESULT_OK);
}

static int
publish_answer(struct http_request *req, struct commit_job *job)
{
	struct kore_buf		out;
	size_t			i;

	if (job->status == COMMIT_CONFLICT) {
		return (http_reply_error(req, 422, "Idempotency-Key was used "
		    "with another body"));
	}

	if (job->status != COMMIT_OK) {
		http_response_header(req, "retry-after", "2");
		return (http_reply_error(req, 503, "database unavailable"));
	}

	if (job->replayed)
		http_response_header(req, "idempotent-replayed", "true");

	kore_buf_init(&out, 64);
	if (!job->body.is_array) {
		kore_buf_appendf(&out, "{\"id\":%" PRIu64 "}\n", job->first);
	} else {
		kore_buf_appendf(&out, "{\"ids\":[");
		for (i = 0; i < job->body.count; i++) {
			kore_buf_appendf(&out, "%s%" PRIu64, i ? "," : "",
			    job->first + i);
		}
		kore_buf_appendf(&out, "]}\n");
	}

	http_reply_json(req, 201, (const char *)out.data, out.offset);
	kore_buf_cleanup(&out);

	return (KORE_RESULT_OK);
}

static void
publish_done(struct commit_job *job)
{
	struct http_request	*req = job->arg;

	if (req == NULL)
		publish_job_free(job);
	else
		http_request_wakeup(req);
}

/* The request is gone before its job finished: the job frees itself. */
static void
publish_onfree(struct http_request *req)
{
	struct publish_state	*st = http_state_get(req);

	if (st != NULL && st->job != NULL) {
		if (st->job->status == COMMIT_PENDING)
			st->job->arg = NULL;
		else
			publish_job_free(st->job);
		st->job = NULL;
	}
}

static void
publish_job_free(struct commit_job *job)
{
	kore_free((char *)job->key);
	publish_body_free(&job->body);
	kore_free(job);
}

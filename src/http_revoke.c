/*
 * POST /revoke: the administrator (SSEHUB_TOKEN) revokes a JWT by id or
 * every token of a subject, without a restart:
 *
 *	{"jti": "..."} or {"sub": "..."}, and optionally "until": unix s
 *
 * Answers 200 once the revocation is committed; every worker of every
 * node then ends the streams it covers within about a second
 * (revoke_feed.c). Applications can do the same from SQL
 * (ssehub.revoke_token, ssehub.revoke_subject).
 */

#include <sys/types.h>

#include <kore/kore.h>
#include <kore/http.h>

#include <stdint.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "acl.h"
#include "auth.h"
#include "grant.h"
#include "http_reply.h"
#include "revoke.h"
#include "store.h"

#define REVOKE_BODY_MAX		4096
#define REVOKE_UNTIL_MAX	100000000000LL	/* year 5138: a date */

int	http_revoke(struct http_request *);

struct revoke_call {
	struct http_request	*req;		/* NULL once it went away */
	int			pending;
	int			ok;
};

static int	revoke_start(struct http_request *);
static int	revoke_admin(struct http_request *);
static int	revoke_parse(struct http_request *, int *, char *, int64_t *);
static void	revoke_done(int, uint64_t, void *);
static void	revoke_onfree(struct http_request *);

int
http_revoke(struct http_request *req)
{
	struct revoke_call	**st, *call;

	if ((st = http_state_get(req)) == NULL)
		return (revoke_start(req));

	call = *st;
	if (call->pending) {
		http_request_sleep(req);
		return (KORE_RESULT_RETRY);
	}
	if (call->ok)
		(void)http_reply_json(req, 200, "{\"revoked\":true}", 16);
	else
		(void)http_reply_error(req, 503, "database unavailable");
	return (KORE_RESULT_OK);
}

static int
revoke_start(struct http_request *req)
{
	struct revoke_call	**st, *call;
	char			id[GRANT_ID_MAX + 1];
	int			kind;
	int64_t			until;

	if (req->method != HTTP_METHOD_POST) {
		http_response_header(req, "allow", "POST");
		return (http_reply_error(req, 405, "use POST"));
	}
	if (!revoke_admin(req) || !revoke_parse(req, &kind, id, &until))
		return (KORE_RESULT_OK);

	call = kore_calloc(1, sizeof(*call));
	call->req = req;
	call->pending = 1;
	if (!store_revoke(kind, id, until, revoke_done, call)) {
		kore_free(call);
		return (http_reply_error(req, 503, "database unavailable"));
	}
	st = http_state_create(req, sizeof(*st), revoke_onfree);
	*st = call;
	return (http_revoke(req));
}

/* Only the administrator's token: revoking is not a subscriber's right. */
static int
revoke_admin(struct http_request *req)
{
	const char	*hdr, *token;

	if (!http_request_header(req, "authorization", &hdr))
		hdr = NULL;
	if ((token = auth_bearer_token(hdr)) != NULL &&
	    auth_equal(token, acl.admin.token))
		return (KORE_RESULT_OK);

	http_response_header(req, "www-authenticate", "Bearer realm=\"ssehub\"");
	http_reply_error(req, 401, "the administrator's token (SSEHUB_TOKEN) "
	    "is needed");
	return (KORE_RESULT_ERROR);
}

static int
revoke_parse(struct http_request *req, int *kind, char *id, int64_t *until)
{
	char		buf[REVOKE_BODY_MAX + 1];
	json_t		*root, *v, *u;
	ssize_t		n;
	int		ok;

	if ((n = http_body_read(req, buf, sizeof(buf))) < 0 ||
	    n > REVOKE_BODY_MAX) {
		http_reply_error(req, 400, "body over 4096 bytes");
		return (KORE_RESULT_ERROR);
	}
	buf[n] = '\0';

	/* Exactly one of jti and sub; jansson refuses a NUL in a string. */
	root = json_loads(buf, JSON_REJECT_DUPLICATES, NULL);
	*kind = json_object_get(root, "jti") != NULL ? REVOKE_JTI :
	    REVOKE_SUBJECT;
	v = json_object_get(root, *kind == REVOKE_JTI ? "jti" : "sub");
	u = json_object_get(root, "until");
	ok = json_is_object(root) && json_is_string(v) &&
	    (*kind == REVOKE_SUBJECT || json_object_get(root, "sub") == NULL) &&
	    json_string_length(v) >= 1 && json_string_length(v) <= GRANT_ID_MAX &&
	    (u == NULL || (json_is_integer(u) &&
	    json_integer_value(u) > (json_int_t)time(NULL) &&
	    json_integer_value(u) < REVOKE_UNTIL_MAX));
	if (ok) {
		memcpy(id, json_string_value(v), json_string_length(v) + 1);
		*until = (u != NULL) ? (int64_t)json_integer_value(u) : 0;
	}
	json_decref(root);

	if (!ok) {
		http_reply_error(req, 400, "body must be an object with jti or "
		    "sub (a string of 1 to 128 bytes) and optionally until (unix "
		    "seconds, in the future)");
	}
	return (ok);
}

static void
revoke_done(int ok, uint64_t seq, void *arg)
{
	struct revoke_call	*call = arg;

	(void)seq;
	if (call->req == NULL) {
		kore_free(call);
		return;
	}
	call->pending = 0;
	call->ok = ok;
	http_request_wakeup(call->req);
}

static void
revoke_onfree(struct http_request *req)
{
	struct revoke_call	**st = http_state_get(req);

	if (st == NULL || *st == NULL)
		return;
	if ((*st)->pending)
		(*st)->req = NULL;
	else
		kore_free(*st);
	*st = NULL;
}

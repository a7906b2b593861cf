/*
 * db: one non-blocking libpq connection driven by Kore's event loop.
 *
 * Queries run one at a time in FIFO order. When the connection breaks,
 * every pending query fails (its callback gets NULL, always from a
 * timer of its own, never inside the db_query() that queued it), and a
 * one-shot timer reconnects with exponential backoff.
 * Nothing here knows what the queries mean: that is store.c and bus.c.
 */

#include <sys/types.h>
#include <sys/queue.h>

#include <kore/kore.h>

#include <inttypes.h>
#include <libpq-fe.h>
#include <string.h>

#include "db.h"
#include "debug.h"

#define DB_STATE_DOWN		0
#define DB_STATE_CONNECTING	1
#define DB_STATE_READY		2

#define DB_BACKOFF_MIN		100
#define DB_BACKOFF_MAX		3000

struct db_query {
	TAILQ_ENTRY(db_query)	list;
	const char		*sql;	/* static: not copied */
	int			nparams;
	char			**values;
	int			*lengths;
	db_result_cb		cb;
	void			*arg;
	u_int64_t		sent;	/* ms, for the debug trace */
};

struct db {
	/* Must come first: Kore's poller calls evt.handle(db, error). */
	struct kore_event	evt;
	char			*name;
	char			*conninfo;
	struct db_hooks		hooks;
	PGconn			*conn;
	int			fd;
	int			state;
	int			want_write;
	u_int64_t		backoff;
	struct kore_timer	*retry;
	struct db_query		*running;
	PGresult		*last;
	TAILQ_HEAD(, db_query)	queue;
	TAILQ_HEAD(, db_query)	failed;		/* callbacks still due */
	struct kore_timer	*fail_timer;
};

static PGconn	*db_open(struct db *, int);
static void	db_connect(struct db *);
static void	db_connected(struct db *);
static void	db_connect_poll(struct db *);
static void	db_handle(void *, int);
static void	db_lost(struct db *, const char *);
static void	db_retry(void *, u_int64_t);
static void	db_watch(struct db *, int);
static void	db_send_next(struct db *);
static void	db_flush(struct db *);
static void	db_read(struct db *);
static void	db_collect(struct db *);
static void	db_notifies(struct db *);
static void	db_query_finish(struct db *, PGresult *);
static void	db_fail(struct db *, struct db_query *);
static void	db_fail_run(void *, u_int64_t);
static struct db_query	*db_query_alloc(const char *, int,
			    const char *const *, const int *);

struct db *
db_alloc(const char *name, const char *conninfo, const struct db_hooks *h)
{
	struct db	*db;

	db = kore_calloc(1, sizeof(*db));
	db->evt.type = KORE_TYPE_PGSQL_CONN;
	db->evt.handle = db_handle;
	db->name = kore_strdup(name);
	db->conninfo = kore_strdup(conninfo);
	db->hooks = *h;
	db->fd = -1;
	db->backoff = DB_BACKOFF_MIN;
	TAILQ_INIT(&db->queue);
	TAILQ_INIT(&db->failed);

	return (db);
}

/*
 * The first connect blocks the worker (before it serves anything), so a
 * freshly started server answers its first publish instead of a 503
 * while the connection is still being set up. Later ones are async.
 */
void
db_start(struct db *db)
{
	db->conn = db_open(db, 1);
	if (PQstatus(db->conn) != CONNECTION_OK ||
	    PQsetnonblocking(db->conn, 1) == -1) {
		db_lost(db, PQerrorMessage(db->conn));
		return;
	}

	db->fd = PQsocket(db->conn);
	db->state = DB_STATE_CONNECTING;
	db_connected(db);
}

int
db_is_ready(struct db *db)
{
	return (db->state == DB_STATE_READY);
}

/*
 * Queue a query. sql must be a string that outlives the query (ssehub
 * passes literals); the parameters are copied. Fails at once when the
 * connection is not up, so callers never wait on a dead database. When
 * it returns KORE_RESULT_OK, cb runs exactly once, and later: callers
 * may note "a call is out" after it returns.
 */
int
db_query(struct db *db, const char *sql, int nparams,
    const char *const *values, const int *lengths, db_result_cb cb, void *arg)
{
	struct db_query		*q;

	if (db->state != DB_STATE_READY)
		return (KORE_RESULT_ERROR);

	q = db_query_alloc(sql, nparams, values, lengths);
	q->cb = cb;
	q->arg = arg;
	TAILQ_INSERT_TAIL(&db->queue, q, list);

	if (db->running == NULL)
		db_send_next(db);

	return (KORE_RESULT_OK);
}

/* One allocation holds the query, its parameter arrays and their bytes. */
static struct db_query *
db_query_alloc(const char *sql, int n, const char *const *values,
    const int *lengths)
{
	struct db_query		*q;
	size_t			total;
	char			*p;
	int			i;

	total = sizeof(*q) + n * (sizeof(char *) + sizeof(int));
	for (i = 0; i < n; i++)
		total += (size_t)lengths[i] + 1;

	q = kore_calloc(1, total);
	q->sql = sql;
	q->nparams = n;
	q->values = (char **)(q + 1);
	q->lengths = (int *)(q->values + n);
	p = (char *)(q->lengths + n);

	for (i = 0; i < n; i++) {
		memcpy(p, values[i], lengths[i]);
		p[lengths[i]] = '\0';
		q->values[i] = p;
		q->lengths[i] = lengths[i];
		p += lengths[i] + 1;
	}

	return (q);
}

/*
 * The conninfo (key=value or a URI) goes in as "dbname", which libpq
 * expands; options before it are ours, and the user's own win. ssehub's
 * SQL needs READ COMMITTED whatever the database's default, and its page
 * queries gain nothing from JIT, whose compile time (~4 ms) would be
 * most of their cost. Text is UTF-8 both ways, whatever the role's
 * default, since a notice's lengths count the server's bytes (notice.h).
 * Each connection says what it is for in pg_stat_activity ("ssehub
 * log", "ssehub append", ...). Over TCP, a database host that vanished without a RST is given up on
 * within ~10 s instead of TCP's ~15 minutes, so no query (and no
 * subscriber waiting on one) hangs that long.
 */
static PGconn *
db_open(struct db *db, int blocking)
{
	static const char *const keys[] = { "options", "keepalives_idle",
	    "keepalives_interval", "keepalives_count", "tcp_user_timeout",
	    "client_encoding", "application_name", "dbname", NULL };
	const char		*values[9];
	char			app[64];

	values[0] = "-c jit=off -c default_transaction_isolation=read\\ committed";
	values[1] = "5";
	values[2] = "2";
	values[3] = "3";
	values[4] = "10000";
	values[5] = "UTF8";
	(void)snprintf(app, sizeof(app), "ssehub %s", db->name);
	values[6] = app;
	values[7] = db->conninfo;
	values[8] = NULL;

	if (blocking)
		return (PQconnectdbParams(keys, values, 1));
	return (PQconnectStartParams(keys, values, 1));
}

static void
db_connect(struct db *db)
{
	db->conn = db_open(db, 0);
	if (db->conn == NULL || PQstatus(db->conn) == CONNECTION_BAD) {
		db_lost(db, db->conn ? PQerrorMessage(db->conn) : "no memory");
		return;
	}

	if (PQsetnonblocking(db->conn, 1) == -1) {
		db_lost(db, PQerrorMessage(db->conn));
		return;
	}

	db->state = DB_STATE_CONNECTING;
	db->fd = PQsocket(db->conn);
	/* libpq starts as if PQconnectPoll had asked for writability. */
	db_watch(db, 1);
}

/*
 * Level-triggered: libpq may leave bytes in its own buffers, so an edge
 * could be missed. Write interest only while libpq has output pending.
 */
static void
db_watch(struct db *db, int want_write)
{
	db->want_write = want_write;
	if (want_write)
		kore_platform_event_level_all(db->fd, db);
	else
		kore_platform_event_level_read(db->fd, db);
}

static void
db_connect_poll(struct db *db)
{
	PostgresPollingStatusType	st;

	st = PQconnectPoll(db->conn);

	/* libpq may move to another socket when it tries the next host. */
	db->fd = PQsocket(db->conn);

	switch (st) {
	case PGRES_POLLING_READING:
		db_watch(db, 0);
		break;
	case PGRES_POLLING_WRITING:
		db_watch(db, 1);
		break;
	case PGRES_POLLING_OK:
		db_connected(db);
		break;
	default:
		db_lost(db, PQerrorMessage(db->conn));
		break;
	}
}

static void
db_connected(struct db *db)
{
	db->state = DB_STATE_READY;
	db->backoff = DB_BACKOFF_MIN;
	db_watch(db, 0);
	kore_log(LOG_INFO, "db %s: connected", db->name);
	if (db->hooks.ready != NULL)
		db->hooks.ready(db->hooks.arg);
}

static void
db_handle(void *arg, int error)
{
	struct db	*db = arg;

	switch (db->state) {
	case DB_STATE_CONNECTING:
		db_connect_poll(db);
		break;
	case DB_STATE_READY:
		if (db->want_write && (db->evt.flags & KORE_EVENT_WRITE))
			db_flush(db);
		if (db->state == DB_STATE_READY)
			db_read(db);
		if (db->state == DB_STATE_READY && error)
			db_lost(db, "connection closed");
		break;
	}

	db->evt.flags &= ~(KORE_EVENT_READ | KORE_EVENT_WRITE);
}

static void
db_read(struct db *db)
{
	if (!PQconsumeInput(db->conn)) {
		db_lost(db, PQerrorMessage(db->conn));
		return;
	}

	db_collect(db);
	if (db->state == DB_STATE_READY)
		db_notifies(db);
}

/* Gather the results of the running query; the last one counts. */
static void
db_collect(struct db *db)
{
	PGresult	*res;

	while (db->running != NULL && !PQisBusy(db->conn)) {
		if ((res = PQgetResult(db->conn)) == NULL) {
			res = db->last;
			db->last = NULL;
			db_query_finish(db, res);
			PQclear(res);
			if (db->state != DB_STATE_READY)
				return;
			db_send_next(db);
			continue;
		}
		PQclear(db->last);
		db->last = res;
	}
}

static void
db_query_finish(struct db *db, PGresult *res)
{
	struct db_query		*q = db->running;
	ExecStatusType		st;

	db->running = NULL;
	st = res ? PQresultStatus(res) : PGRES_FATAL_ERROR;
	DEBUG("db %s: %s in %" PRIu64 " ms: %.60s", db->name,
	    res ? PQresStatus(st) : "lost", kore_time_ms() - q->sent, q->sql);
	if (st != PGRES_TUPLES_OK && st != PGRES_COMMAND_OK) {
		if (res != NULL) {
			kore_log(LOG_NOTICE, "db %s: %s", db->name,
			    PQresultErrorMessage(res));
		}
		res = NULL;
	}

	q->cb(res, q->arg);
	kore_free(q);
}

static void
db_notifies(struct db *db)
{
	PGnotify	*n;

	while ((n = PQnotifies(db->conn)) != NULL) {
		if (db->hooks.notify != NULL)
			db->hooks.notify(n->relname, n->extra, n->be_pid,
			    db->hooks.arg);
		PQfreemem(n);
	}
}

static void
db_send_next(struct db *db)
{
	struct db_query		*q;
	int			ok;

	if (db->running != NULL || (q = TAILQ_FIRST(&db->queue)) == NULL)
		return;

	TAILQ_REMOVE(&db->queue, q, list);
	db->running = q;
	q->sent = kore_time_ms();

	/*
	 * Without parameters use the simple protocol, which allows several
	 * statements in one implicit transaction (the schema migration).
	 */
	if (q->nparams == 0)
		ok = PQsendQuery(db->conn, q->sql);
	else
		ok = PQsendQueryParams(db->conn, q->sql, q->nparams, NULL,
		    (const char *const *)q->values, q->lengths, NULL, 0);

	if (!ok) {
		db_lost(db, PQerrorMessage(db->conn));
		return;
	}

	db_flush(db);
}

static void
db_flush(struct db *db)
{
	switch (PQflush(db->conn)) {
	case 0:
		if (db->want_write)
			db_watch(db, 0);
		break;
	case 1:
		if (!db->want_write)
			db_watch(db, 1);
		break;
	default:
		db_lost(db, PQerrorMessage(db->conn));
		break;
	}
}

/*
 * Tear the connection down, fail everything pending, and schedule a
 * reconnect. PQfinish() closes the socket, which also removes it from
 * epoll.
 */
static void
db_lost(struct db *db, const char *reason)
{
	struct db_query		*q;

	kore_log(LOG_WARNING, "db %s: %s", db->name, reason);

	if (db->conn != NULL)
		PQfinish(db->conn);
	PQclear(db->last);
	db->conn = NULL;
	db->last = NULL;
	db->fd = -1;
	db->state = DB_STATE_DOWN;

	if ((q = db->running) != NULL) {
		db->running = NULL;
		db_fail(db, q);
	}
	while ((q = TAILQ_FIRST(&db->queue)) != NULL) {
		TAILQ_REMOVE(&db->queue, q, list);
		db_fail(db, q);
	}

	if (db->retry == NULL) {
		db->retry = kore_timer_add(db_retry, db->backoff, db,
		    KORE_TIMER_ONESHOT);
		db->backoff = MIN(db->backoff * 2, DB_BACKOFF_MAX);
	}
}

/*
 * db_lost() can run inside db_query() (a failed send), whose caller has
 * not yet noted that its call is out: the failures are answered from a
 * timer instead.
 */
static void
db_fail(struct db *db, struct db_query *q)
{
	TAILQ_INSERT_TAIL(&db->failed, q, list);
	if (db->fail_timer == NULL) {
		db->fail_timer = kore_timer_add(db_fail_run, 0, db,
		    KORE_TIMER_ONESHOT);
	}
}

static void
db_fail_run(void *arg, u_int64_t now)
{
	struct db		*db = arg;
	struct db_query		*q;

	(void)now;
	db->fail_timer = NULL;
	while ((q = TAILQ_FIRST(&db->failed)) != NULL) {
		TAILQ_REMOVE(&db->failed, q, list);
		q->cb(NULL, q->arg);
		kore_free(q);
	}
}

static void
db_retry(void *arg, u_int64_t now)
{
	struct db	*db = arg;

	(void)now;
	db->retry = NULL;
	db_connect(db);
}

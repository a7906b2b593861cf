/*
 * store: SQL for the event log.
 *
 * Ordering: every writer takes one advisory lock to draw its ids, and
 * holds it until COMMIT. Ids are therefore consecutive (no gap from a
 * rollback) and become visible in id order, so a reader that asks for
 * "id > N" can never skip an event that commits late. Applications
 * that publish from SQL write to ssehub.outbox instead, without that
 * lock, and a worker moves committed outbox rows into the log (see
 * README.md, "Publishing from SQL").
 */

#include <sys/types.h>

#include <kore/kore.h>

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db.h"
#include "debug.h"
#include "notice.h"
#include "result.h"
#include "revoke.h"
#include "sql_migrations.h"
#include "store.h"

struct store_rows {
	PGresult	*res;
};

/* The most parameters a query of this file takes. */
#define STORE_PARAMS_MAX	8

/*
 * The caller's callback, kept with its type: the member read is the one
 * the done function of the call (store_rows_done, store_id_done, ...)
 * expects, and store_call()'s callers set it beside that function.
 */
union store_cb {
	store_rows_cb		rows;
	store_bounds_cb		bounds;
	store_id_cb		id;
	store_once_cb		once;
	store_revoked_cb	revoked;
};

struct store_call {
	union store_cb	cb;
	void		*arg;
};

static void	store_log_ready_hook(void *);
static void	store_notify_hook(const char *, const char *, int, void *);
static void	store_checked(PGresult *, void *);
static void	store_migrated(PGresult *, void *);
static void	store_unlocked(PGresult *, void *);
static void	store_keyed(PGresult *, void *);
static void	store_listening(PGresult *, void *);
static void	store_announced(const char *, int);
static void	store_writer_ready(void *);
static void	store_raise(struct db *);
static void	store_raised(PGresult *, void *);
static void	store_rows_done(PGresult *, void *);
static void	store_bounds_done(PGresult *, void *);
static void	store_pairs_done(PGresult *, void *);
static void	store_rows_answer(PGresult *, struct store_call *, int);
static void	store_id_done(PGresult *, void *);
static void	store_appended(PGresult *, void *);
static void	store_id_answer(PGresult *, struct store_call *, int);
static void	store_once_done(PGresult *, void *);
static void	store_vacuum_done(PGresult *, void *);
static void	store_revoked_done(PGresult *, void *);
static int	store_call(struct db *, const char *, int,
		    const char *const *, union store_cb, void *, db_result_cb);
static uint64_t	store_value_u64(PGresult *, int, int);
static const char *store_migrations(const char *);

static struct db		*store_log;	/* LISTEN; the bus's reads */
static struct db		*store_read;	/* catch-up pages, checks */
static struct db		*store_writer;	/* appends, outbox drains */
static struct db		*store_maint;	/* retention; or NULL */
static struct db		*store_pres;	/* presence; or NULL */
static struct store_hooks	store_hooks;
static uint64_t			store_seen;	/* highest id seen here */
static char			store_key[NOTICE_KEY_MAX + 1];
static char			store_start[32];	/* the server's */
static uint64_t			store_log_gen;	/* log connections so far */

/*
 * Migrations (sql/, embedded: sql_migrations.c). Checks and migrations of
 * every node and worker take turns under one session advisory lock: the
 * highest migration applied is read under it (0 before the first, when
 * there is no ssehub.migrations: PL/pgSQL plans the SELECT only if it
 * runs it), every later one is applied in one transaction, then the lock
 * is released, whatever happened. A database of ssehub schema 1 to 11
 * (before migrations) is at 0: migration 1 is idempotent and brings it
 * up to date.
 */
static const char store_sql_check[] =
    "SELECT pg_advisory_lock(7283451001);"
    "DO $c$ DECLARE v int; BEGIN"
    " IF to_regclass('ssehub.migrations') IS NOT NULL THEN"
    " SELECT max(version) INTO v FROM ssehub.migrations; END IF;"
    " PERFORM set_config('ssehub.migrated', coalesce(v, 0)::text, true);"
    " END $c$;"
    "SELECT current_setting('ssehub.migrated')";

static const char store_sql_unlock[] =
    "SELECT pg_advisory_unlock(7283451001)";

/*
 * ssehub_log carries the events of each commit (notice.h); ssehub only
 * the commit's last id, which wakes a worker whose carried events were
 * not enough (or nodes that predate ssehub_log).
 */
static const char store_sql_listen[] =
    "LISTEN ssehub_log; LISTEN ssehub; LISTEN ssehub_outbox;"
    " LISTEN ssehub_revoked;";

/* The notices' key, and the server's start, which their macs cover. */
static const char store_sql_key[] =
    "SELECT key, extract(epoch FROM pg_postmaster_start_time())::text"
    " FROM ssehub.bus_key";

/*
 * A page of events above a cursor, with the head and the trim point read
 * in the same snapshot (one statement): a reader can then tell "no more
 * rows up to the head" and "rows above my cursor were removed" from the
 * page alone. Row 0 always exists; its event columns are NULL when the
 * page is empty. With topics, each topic's index range is scanned for at
 * most limit rows, so a page costs O(topics x limit), not a sort of every
 * matching row.
 *
 * The head and the trim point are computed once, in a subquery kept
 * apart by OFFSET 0: in the select list of the page, the planner would
 * call both functions once per row (measured: a page of 40 rows cost
 * 1 ms, three quarters of PostgreSQL's time under a publish load).
 */
#define STORE_SQL_BOUNDS						\
    "SELECT o.last, o.gone, e.id, e.topic, e.event, e.data FROM"		\
    " (SELECT ssehub.last_id() AS last,"					\
    " ssehub.gone_through($1::bigint) AS gone OFFSET 0) o"

#define STORE_SQL_PAGE(events)						\
    STORE_SQL_BOUNDS " LEFT JOIN LATERAL (" events ") e ON true"		\
    " ORDER BY e.id"

static const char store_sql_fetch_all[] = STORE_SQL_PAGE(
    "SELECT id, topic, event, data FROM ssehub.events"
    " WHERE id > $1::bigint ORDER BY id LIMIT $2::int");

/*
 * The lowest ids of each topic from the (topic, id) index, then the rows
 * by id. The row comparison keeps the planner off the primary key: a walk
 * in id order that skips other topics' rows has no bound (measured: 37 ms
 * and 500,000 rows skipped for a topic whose events are all older).
 */
static const char store_sql_fetch_topics[] = STORE_SQL_PAGE(
    "SELECT ev.id, ev.topic, ev.event, ev.data FROM (SELECT x.id"
    " FROM unnest($3::text[]) n(name) CROSS JOIN LATERAL"
    " (SELECT id FROM ssehub.events"
    " WHERE (topic, id) > (n.name, $1::bigint) AND topic <= n.name"
    " ORDER BY topic, id LIMIT $2::int) x ORDER BY x.id LIMIT $2::int) k"
    " JOIN ssehub.events ev ON ev.id = k.id");

/*
 * History pages (GET /events): the same shape as a catch-up page, in
 * either direction. Named topics walk their (topic, id) index ranges,
 * as above; every topic walks the primary key, skipping what the reader
 * may not read ($3, $4: ssehub.readable()), over at most $5 ids
 * (STORE_SCAN_SPAN) from the cursor or the trim point: a log of mostly
 * private events must not make one page read the whole table. Each page
 * reads O(limit) index entries for topics, O(span) for every topic
 * (EXPLAIN in README.md), never the table.
 */
#define STORE_SQL_HISTORY(events, order)					\
    STORE_SQL_PAGE(events) " " order

static const char store_sql_after_all[] = STORE_SQL_HISTORY(
    "SELECT id, topic, event, data FROM ssehub.events"
    " WHERE id > $1::bigint AND id <= greatest($1::bigint,"
    " ssehub.gone_through($1::bigint)) + $5::bigint"
    " AND ssehub.readable(topic, $3::text[],"
    " $4::text[]) ORDER BY id LIMIT $2::int", "ASC");

static const char store_sql_before_all[] = STORE_SQL_HISTORY(
    "SELECT id, topic, event, data FROM ssehub.events"
    " WHERE id < $1::bigint AND id > $1::bigint - $5::bigint"
    " AND ssehub.readable(topic, $3::text[],"
    " $4::text[]) ORDER BY id DESC LIMIT $2::int", "DESC");

static const char store_sql_before_topics[] = STORE_SQL_HISTORY(
    "SELECT ev.id, ev.topic, ev.event, ev.data FROM (SELECT x.id"
    " FROM unnest($3::text[]) n(name) CROSS JOIN LATERAL"
    " (SELECT id FROM ssehub.events"
    " WHERE (topic, id) < (n.name, $1::bigint) AND topic >= n.name"
    " ORDER BY topic DESC, id DESC LIMIT $2::int) x"
    " ORDER BY x.id DESC LIMIT $2::int) k"
    " JOIN ssehub.events ev ON ev.id = k.id", "DESC");

/*
 * last=N: the cursor just below the N-th last event of the topics, and
 * the head, in one snapshot; with no such event, the head. A stream then
 * catches up from that cursor like any other (replay.c). Each topic's
 * range is read from the (topic, id) index, kept by the row comparison
 * as in store_sql_fetch_topics: with "topic = name ORDER BY id DESC" the
 * planner walked the primary key back through the whole table for a
 * topic with no events (measured: 700 ms on 1.6 million rows). The head
 * is computed once (OFFSET 0, as in STORE_SQL_BOUNDS).
 */
#define STORE_SQL_LAST(ids)						\
    "SELECT o.last, coalesce((SELECT min(k.id) - 1 FROM (" ids ") k),"	\
    " o.last) FROM (SELECT ssehub.last_id() AS last OFFSET 0) o"

static const char store_sql_last_topics[] = STORE_SQL_LAST(
    "SELECT x.id FROM unnest($1::text[]) n(name) CROSS JOIN LATERAL"
    " (SELECT id FROM ssehub.events WHERE (topic, id) <="
    " (n.name, 9223372036854775807) AND topic >= n.name"
    " ORDER BY topic DESC, id DESC LIMIT $2::int) x ORDER BY x.id DESC"
    " LIMIT $2::int");

/* Every topic: among the last STORE_SCAN_SPAN ids only (history, above). */
static const char store_sql_last_all[] = STORE_SQL_LAST(
    "SELECT id FROM ssehub.events WHERE id > o.last - $4::bigint"
    " AND ssehub.readable(topic, $2::text[], $3::text[])"
    " ORDER BY id DESC LIMIT $1::int");

static const char store_sql_presence[] =
    "SELECT o_topic, o_subscribers FROM ssehub.presence_put($1::text,"
    " $2::bigint, $3::boolean, $4::text[], $5::bigint[])";

static const char store_sql_bounds[] =
    "SELECT ssehub.last_id(), trimmed_through FROM ssehub.trim";

static const char store_sql_vacuum[] =
    "VACUUM (SKIP_LOCKED) ssehub.events, ssehub.idempotency";

static const char store_sql_trim[] =
    "SELECT ssehub.trim_events($1::bigint, $2::bigint, $3::int)";

static const char store_sql_purge[] = "SELECT ssehub.purge_keys($1::int)";

static const char store_sql_raise[] =
    "SELECT ssehub.raise_floor($1::bigint)";

static const char store_sql_append[] =
    "SELECT ssehub.append($1::text[], $2::text[], $3::text[])";

static const char store_sql_append_once[] =
    "SELECT o_last, o_count, o_replayed, o_conflict FROM ssehub.append_once("
    "$1::text, $2::text, $3::text[], $4::text[], $5::text[])";

static const char store_sql_drain[] = "SELECT ssehub.drain_outbox()";

static const char store_sql_revoked[] =
    "SELECT seq, CASE WHEN jti IS NULL THEN 2 ELSE 1 END,"
    " coalesce(jti, subject), floor(extract(epoch FROM revoked_at))::bigint,"
    " least(floor(extract(epoch FROM until)), 1e11)::bigint"
    " FROM ssehub.revoked WHERE seq > $1::bigint ORDER BY seq";

static const char store_sql_revoke[] =
    "SELECT ssehub.revoke(nullif($1::text, ''), nullif($2::text, ''),"
    " to_timestamp(nullif($3::bigint, 0)))";

/*
 * The parent brings the schema up to date before any worker exists, so
 * a first publish on a fresh database finds it. If the database is not
 * up yet, the workers' log connections do it when they get through.
 */
void
store_migrate_now(const char *conninfo)
{
	PGconn		*conn;
	PGresult	*res;
	const char	*sql;

	conn = PQconnectdb(conninfo);
	if (PQstatus(conn) != CONNECTION_OK) {
		kore_log(LOG_WARNING, "store: database not reachable at start "
		    "(%s); the workers will retry", PQerrorMessage(conn));
		PQfinish(conn);
		return;
	}

	/* The lock goes with the connection. */
	res = PQexec(conn, store_sql_check);
	if (PQresultStatus(res) != PGRES_TUPLES_OK) {
		kore_log(LOG_ERR, "store: schema check failed: %s",
		    PQerrorMessage(conn));
	} else if ((sql = store_migrations(PQgetvalue(res, 0, 0))) != NULL) {
		PQclear(res);
		res = PQexec(conn, sql);
		if (PQresultStatus(res) != PGRES_COMMAND_OK) {
			kore_log(LOG_ERR, "store: schema migration failed: %s",
			    PQerrorMessage(conn));
		}
	}
	PQclear(res);
	PQfinish(conn);
}

/*
 * Own connections, so that no kind of work queues behind another: the
 * bus follows the log on its own, catch-up pages cannot delay live
 * delivery, and maintenance (trimming, VACUUM, expired keys: worker 1)
 * cannot delay a publish.
 */
void
store_init(const char *conninfo, const struct store_hooks *hooks,
    int maintenance)
{
	struct db_hooks		h;

	store_hooks = *hooks;

	memset(&h, 0, sizeof(h));
	h.ready = store_log_ready_hook;
	h.notify = store_notify_hook;
	store_log = db_alloc("log", conninfo, &h);

	memset(&h, 0, sizeof(h));
	store_read = db_alloc("read", conninfo, &h);
	/*
	 * Presence has its own: a VACUUM on the maintenance one could hold
	 * the heartbeat back long enough for other nodes to drop this one.
	 */
	if (maintenance) {
		store_maint = db_alloc("maintenance", conninfo, &h);
		store_pres = db_alloc("presence", conninfo, &h);
	}
	h.ready = store_writer_ready;
	store_writer = db_alloc("append", conninfo, &h);

	db_start(store_log);
	db_start(store_read);
	db_start(store_writer);
	if (store_maint != NULL)
		db_start(store_maint);
	if (store_pres != NULL)
		db_start(store_pres);
}

/* Every connection this worker serves with is up. */
int
store_ready(void)
{
	return (db_is_ready(store_log) && db_is_ready(store_read) &&
	    db_is_ready(store_writer));
}

int
store_append_ready(void)
{
	return (db_is_ready(store_writer));
}

/*
 * Migrations run only when the database lacks one: their DDL takes table
 * locks that could deadlock with other workers' appends, so it must not
 * run on every connect.
 */
static void
store_log_ready_hook(void *arg)
{
	(void)arg;
	/* Notices heard on the last connection are not this one's. */
	store_log_gen++;
	store_key[0] = '\0';
	(void)db_query(store_log, store_sql_check, 0, NULL, NULL,
	    store_checked, NULL);
}

/* Queued in turn: the migrations, the unlock, then the floor and LISTEN. */
static void
store_checked(PGresult *res, void *arg)
{
	const char	*sql;

	(void)arg;
	if (res != NULL &&
	    (sql = store_migrations(PQgetvalue(res, 0, 0))) != NULL) {
		(void)db_query(store_log, sql, 0, NULL, NULL,
		    store_migrated, NULL);
	}
	/* Held even if the check failed after taking it. */
	(void)db_query(store_log, store_sql_unlock, 0, NULL, NULL,
	    store_unlocked, NULL);
	store_raise(store_log);
	(void)db_query(store_log, store_sql_key, 0, NULL, NULL, store_keyed,
	    NULL);
	(void)db_query(store_log, store_sql_listen, 0, NULL, NULL,
	    store_listening, NULL);
}

/*
 * Without the key (an older schema, or no right to read it), carried
 * events are ignored and every commit is read from the table.
 */
static void
store_keyed(PGresult *res, void *arg)
{
	(void)arg;
	store_key[0] = '\0';
	if (res == NULL || PQntuples(res) != 1 ||
	    PQgetlength(res, 0, 0) > NOTICE_KEY_MAX ||
	    PQgetlength(res, 0, 1) >= (int)sizeof(store_start)) {
		kore_log(LOG_WARNING, "store: no bus key: every commit is "
		    "read back from the table");
		return;
	}
	(void)kore_strlcpy(store_key, PQgetvalue(res, 0, 0),
	    sizeof(store_key));
	(void)kore_strlcpy(store_start, PQgetvalue(res, 0, 1),
	    sizeof(store_start));
}

/* First on the connection (FIFO): before any append can be numbered. */
static void
store_writer_ready(void *arg)
{
	(void)arg;
	store_raise(store_writer);
}

/*
 * After a reconnect the database may be a promoted standby that lacks
 * the last events this worker saw: numbering must go on above them
 * (ssehub.raise_floor()), or ids clients hold would be drawn again.
 */
static void
store_raise(struct db *db)
{
	char		seen[24];
	const char	*v[1] = { seen };
	int		len[1];

	if (store_seen == 0)
		return;
	len[0] = snprintf(seen, sizeof(seen), "%" PRIu64, store_seen);
	(void)db_query(db, store_sql_raise, 1, v, len, store_raised, NULL);
}

static void
store_raised(PGresult *res, void *arg)
{
	(void)arg;
	if (res != NULL && strcmp(PQgetvalue(res, 0, 0), "0") != 0) {
		kore_log(LOG_WARNING, "store: %s ids this worker saw are not in "
		    "the database (failover?): numbering goes on above them",
		    PQgetvalue(res, 0, 0));
	}
}

void
store_saw(uint64_t id)
{
	if (id > store_seen)
		store_seen = id;
}

/*
 * What to apply to a database whose highest migration is applied (the
 * check's answer): every later one, or NULL. Only forward: a node that
 * knows fewer migrations than the database has leaves it alone (it would
 * put back functions the newer nodes rely on).
 */
static const char *
store_migrations(const char *applied)
{
	int	n;

	n = atoi(applied);
	if (n > sql_migrations_count) {
		kore_log(LOG_ERR, "store: the database has migration %d, newer "
		    "than this ssehub's (%d): upgrade this node", n,
		    sql_migrations_count);
	}
	if (n < 0 || n >= sql_migrations_count)
		return (NULL);
	kore_log(LOG_NOTICE, "store: migrating the schema from %d to %s", n,
	    sql_migrations[sql_migrations_count - 1].name);
	return (sql_migrations[n].sql);
}

static void
store_migrated(PGresult *res, void *arg)
{
	(void)arg;
	if (res == NULL)
		kore_log(LOG_ERR, "store: schema migration failed");
}

/* Nothing to do: db.c logs a failure, and a lost connection frees it. */
static void
store_unlocked(PGresult *res, void *arg)
{
	(void)res;
	(void)arg;
}

static void
store_listening(PGresult *res, void *arg)
{
	(void)arg;
	if (res != NULL && store_hooks.ready != NULL)
		store_hooks.ready();
}

static void
store_notify_hook(const char *channel, const char *payload, int pid,
    void *arg)
{
	char		*end;
	uint64_t	last;

	(void)arg;
	if (strcmp(channel, "ssehub_outbox") == 0) {
		store_hooks.outbox();
		return;
	}
	if (strcmp(channel, "ssehub_revoked") == 0) {
		store_hooks.revoked();
		return;
	}
	if (strcmp(channel, "ssehub_log") == 0) {
		store_announced(payload, pid);
		return;
	}

	errno = 0;
	last = strtoull(payload, &end, 10);
	if (errno != 0 || *end != '\0' || end == payload)
		return;

	store_hooks.appended(last);
}

/*
 * A payload without our key, or malformed, is dropped: the commit's
 * NOTIFY on ssehub (the last id) still makes the worker read the table.
 */
static void
store_announced(const char *payload, int pid)
{
	struct store_notice	*n;
	size_t			len, count, off;
	uint64_t		first;
	char			origin[64];

	len = strlen(payload);
	(void)snprintf(origin, sizeof(origin), "%d %s", pid, store_start);
	if (store_key[0] == '\0' || notice_head(payload, len, store_key,
	    origin, &first, &count, &off) != RESULT_OK) {
		DEBUG("store: a notice without our key or head");
		return;
	}

	n = kore_calloc(1, sizeof(*n));
	n->gen = store_log_gen;
	n->first = first;
	n->count = count;
	n->size = sizeof(*n) + len + 1 + count * sizeof(*n->ev);
	n->buf = kore_malloc(len + 1);
	memcpy(n->buf, payload, len + 1);
	n->ev = kore_calloc(count, sizeof(*n->ev));
	if (notice_items(n->buf, len, off, first, n->ev, count) !=
	    RESULT_OK) {
		kore_log(LOG_WARNING, "store: a malformed notice for ids "
		    "from %" PRIu64 " was ignored", first);
		store_notice_free(n);
		return;
	}
	store_hooks.announced(n);
}

uint64_t
store_log_generation(void)
{
	return (store_log_gen);
}

void
store_notice_free(struct store_notice *n)
{
	kore_free(n->ev);
	kore_free(n->buf);
	kore_free(n);
}

size_t
store_rows_count(const struct store_rows *rows)
{
	int	n = PQntuples(rows->res);

	if (n == 1 && PQgetisnull(rows->res, 0, 2))
		return (0);
	return ((size_t)n);
}

void
store_rows_get(const struct store_rows *rows, size_t i,
    struct store_event *ev)
{
	ev->id = store_value_u64(rows->res, i, 2);
	ev->topic = PQgetvalue(rows->res, i, 3);
	ev->event = PQgetvalue(rows->res, i, 4);
	ev->data = PQgetvalue(rows->res, i, 5);
	ev->data_len = (size_t)PQgetlength(rows->res, i, 5);
}

uint64_t
store_rows_head(const struct store_rows *rows)
{
	return (store_value_u64(rows->res, 0, 0));
}

uint64_t
store_rows_trimmed(const struct store_rows *rows)
{
	return (store_value_u64(rows->res, 0, 1));
}

static struct db *
store_conn(int which)
{
	return (which == STORE_LOG ? store_log : store_read);
}

/*
 * Events with id > after, ascending, at most limit of them; topics is a
 * text[] literal or NULL for every topic.
 */
int
store_fetch(int which, uint64_t after, const char *topics, int limit,
    store_rows_cb cb, void *arg)
{
	char		a[24], l[16];
	const char	*v[3];

	(void)snprintf(a, sizeof(a), "%" PRIu64, after);
	(void)snprintf(l, sizeof(l), "%d", limit);
	v[0] = a;
	v[1] = l;
	v[2] = topics;

	if (topics == NULL) {
		return (store_call(store_conn(which), store_sql_fetch_all, 2, v,
		    (union store_cb){ .rows = cb }, arg, store_rows_done));
	}
	return (store_call(store_conn(which), store_sql_fetch_topics, 3, v,
	    (union store_cb){ .rows = cb }, arg, store_rows_done));
}

/*
 * A page of history: ids above from (forward) or below it (backward,
 * newest first). topics NULL is every topic, filtered by ssehub.readable
 * with priv (the private patterns) and allow (the reader's), text[]
 * literals.
 */
int
store_history(int backward, uint64_t from, const char *topics, int limit,
    const char *priv, const char *allow, store_rows_cb cb, void *arg)
{
	char		f[24], l[16], span[24];
	const char	*v[5], *sql;

	(void)snprintf(f, sizeof(f), "%" PRIu64, from);
	(void)snprintf(l, sizeof(l), "%d", limit);
	(void)snprintf(span, sizeof(span), "%d", STORE_SCAN_SPAN);
	v[0] = f;
	v[1] = l;
	v[2] = topics != NULL ? topics : priv;
	v[3] = allow;
	v[4] = span;

	if (topics != NULL) {
		sql = backward ? store_sql_before_topics :
		    store_sql_fetch_topics;
		return (store_call(store_read, sql, 3, v,
		    (union store_cb){ .rows = cb }, arg, store_rows_done));
	}
	sql = backward ? store_sql_before_all : store_sql_after_all;
	return (store_call(store_read, sql, 5, v,
	    (union store_cb){ .rows = cb }, arg, store_rows_done));
}

/*
 * last=N: cb(ok, head, cursor), the cursor below the N-th last event of
 * topics (NULL: every topic readable with priv and allow).
 */
int
store_last_cursor(const char *topics, uint32_t n, const char *priv,
    const char *allow, store_bounds_cb cb, void *arg)
{
	char		l[16], span[24];
	const char	*v[4];

	(void)snprintf(l, sizeof(l), "%u", n);
	(void)snprintf(span, sizeof(span), "%d", STORE_SCAN_SPAN);
	if (topics != NULL) {
		v[0] = topics;
		v[1] = l;
		return (store_call(store_read, store_sql_last_topics, 2, v,
		    (union store_cb){ .bounds = cb }, arg, store_bounds_done));
	}
	v[0] = l;
	v[1] = priv;
	v[2] = allow;
	v[3] = span;
	return (store_call(store_read, store_sql_last_all, 4, v,
	    (union store_cb){ .bounds = cb }, arg, store_bounds_done));
}

/*
 * Worker 1's presence tick: this node's heartbeat, its streams, and the
 * counts of topics that changed (full: all of them, the rest dropped);
 * cb gets the other live nodes' sums (store_presence_get()).
 */
int
store_presence_put(const char *node, uint64_t streams, int full,
    const char *topics, const char *counts, store_rows_cb cb, void *arg)
{
	char		n[24];
	const char	*v[5];

	if (store_pres == NULL)
		return (KORE_RESULT_ERROR);
	(void)snprintf(n, sizeof(n), "%" PRIu64, streams);
	v[0] = node;
	v[1] = n;
	v[2] = full ? "true" : "false";
	v[3] = topics;
	v[4] = counts;
	return (store_call(store_pres, store_sql_presence, 5, v,
	    (union store_cb){ .rows = cb }, arg, store_pairs_done));
}

size_t
store_presence_count(const struct store_rows *rows)
{
	return ((size_t)PQntuples(rows->res));
}

/* Row i: a topic and its subscribers elsewhere; topic NULL: all streams. */
void
store_presence_get(const struct store_rows *rows, size_t i,
    const char **topic, uint64_t *n)
{
	*topic = PQgetisnull(rows->res, (int)i, 0) ? NULL :
	    PQgetvalue(rows->res, (int)i, 0);
	*n = store_value_u64(rows->res, (int)i, 1);
}

int
store_bounds(int which, store_bounds_cb cb, void *arg)
{
	return (store_call(store_conn(which), store_sql_bounds, 0, NULL,
	    (union store_cb){ .bounds = cb }, arg, store_bounds_done));
}

/*
 * Append a batch (three text[] literals of the same length) in one
 * transaction. cb gets the id of the last event; the batch holds the
 * consecutive ids ending there.
 */
int
store_append(const char *topics, const char *events, const char *data,
    store_id_cb cb, void *arg)
{
	const char	*v[3] = { topics, events, data };

	return (store_call(store_writer, store_sql_append, 3, v,
	    (union store_cb){ .id = cb }, arg, store_appended));
}

/*
 * Append a batch under an idempotency key (hash: of the request body).
 * A repeat of the key gets the first answer back, marked replayed; a
 * repeat with another hash is a conflict and appends nothing.
 */
int
store_append_once(const char *key, const char *hash, const char *topics,
    const char *events, const char *data, store_once_cb cb, void *arg)
{
	const char	*v[5] = { key, hash, topics, events, data };

	return (store_call(store_writer, store_sql_append_once, 5, v,
	    (union store_cb){ .once = cb }, arg, store_once_done));
}

/* cb gets the number of events moved from the outbox into the log. */
int
store_drain_outbox(store_id_cb cb, void *arg)
{
	return (store_call(store_writer, store_sql_drain, 0, NULL,
	    (union store_cb){ .id = cb }, arg, store_id_done));
}

/* One retention batch; cb gets the number of events removed. */
int
store_trim(uint64_t keep, uint64_t seconds, int batch, store_id_cb cb,
    void *arg)
{
	char		k[24], sec[24], b[16];
	const char	*v[3];

	(void)snprintf(k, sizeof(k), "%" PRIu64, keep);
	(void)snprintf(sec, sizeof(sec), "%" PRIu64, seconds);
	(void)snprintf(b, sizeof(b), "%d", batch);
	v[0] = k;
	v[1] = sec;
	v[2] = b;

	return (store_call(store_maint, store_sql_trim, 3, v,
	    (union store_cb){ .id = cb }, arg, store_id_done));
}

static int
store_call(struct db *db, const char *sql, int n, const char *const *v,
    union store_cb cb, void *arg, db_result_cb done)
{
	struct store_call	*call;
	int			i, lens[STORE_PARAMS_MAX];

	/* A bug of this file: stop the worker, not the server (fatalx). */
	if (n > STORE_PARAMS_MAX) {
		kore_log(LOG_ERR, "store_call: %d parameters, at most %d", n,
		    STORE_PARAMS_MAX);
		abort();
	}
	for (i = 0; i < n; i++)
		lens[i] = (int)strlen(v[i]);

	call = kore_malloc(sizeof(*call));
	call->cb = cb;
	call->arg = arg;

	if (!db_query(db, sql, n, v, lens, done, call)) {
		kore_free(call);
		return (KORE_RESULT_ERROR);
	}

	return (KORE_RESULT_OK);
}

/* One batch of expired idempotency keys; cb gets how many went. */
int
store_purge_keys(int batch, store_id_cb cb, void *arg)
{
	char		b[16];
	const char	*v[1] = { b };

	(void)snprintf(b, sizeof(b), "%d", batch);
	return (store_call(store_maint, store_sql_purge, 1, v,
	    (union store_cb){ .id = cb }, arg, store_id_done));
}

/*
 * Lets the space of trimmed rows be reused, so the table stays bounded;
 * autovacuum alone may wait a minute or more. Not in a transaction: the
 * simple protocol, one statement.
 */
int
store_vacuum(void)
{
	return (db_query(store_maint, store_sql_vacuum, 0, NULL, NULL,
	    store_vacuum_done, NULL));
}

static void
store_vacuum_done(PGresult *res, void *arg)
{
	(void)res;
	(void)arg;
}

/* A page of events: its head counts as seen. */
static void
store_rows_done(PGresult *res, void *arg)
{
	store_rows_answer(res, arg, 1);
}

/* Presence pairs carry no head. */
static void
store_pairs_done(PGresult *res, void *arg)
{
	store_rows_answer(res, arg, 0);
}

static void
store_rows_answer(PGresult *res, struct store_call *call, int has_head)
{
	struct store_rows	rows;

	rows.res = res;
	if (res != NULL && has_head)
		store_saw(store_rows_head(&rows));
	call->cb.rows(res != NULL ? &rows : NULL, call->arg);
	kore_free(call);
}

static void
store_bounds_done(PGresult *res, void *arg)
{
	struct store_call	*call = arg;
	store_bounds_cb		cb = call->cb.bounds;

	if (res == NULL || PQntuples(res) != 1) {
		cb(0, 0, 0, call->arg);
	} else {
		store_saw(store_value_u64(res, 0, 0));
		cb(1, store_value_u64(res, 0, 0), store_value_u64(res, 0, 1),
		    call->arg);
	}
	kore_free(call);
}

static void
store_id_done(PGresult *res, void *arg)
{
	store_id_answer(res, arg, 0);
}

/*
 * An id answered in a 201 counts as seen at once: if the database fails
 * over before the bus reads it back, the floor must still cover it.
 */
static void
store_appended(PGresult *res, void *arg)
{
	store_id_answer(res, arg, 1);
}

static void
store_id_answer(PGresult *res, struct store_call *call, int is_id)
{
	store_id_cb	cb = call->cb.id;
	uint64_t	v;

	if (res == NULL || PQntuples(res) != 1) {
		cb(0, 0, call->arg);
	} else {
		v = store_value_u64(res, 0, 0);
		if (is_id)
			store_saw(v);
		cb(1, v, call->arg);
	}
	kore_free(call);
}

static void
store_once_done(PGresult *res, void *arg)
{
	struct store_call	*call = arg;
	store_once_cb		cb = call->cb.once;
	struct store_once	r;

	memset(&r, 0, sizeof(r));
	if (res != NULL && PQntuples(res) == 1) {
		r.ok = 1;
		r.last = store_value_u64(res, 0, 0);
		store_saw(r.last);
		r.count = store_value_u64(res, 0, 1);
		r.replayed = PQgetvalue(res, 0, 2)[0] == 't';
		r.conflict = PQgetvalue(res, 0, 3)[0] == 't';
	}
	cb(&r, call->arg);
	kore_free(call);
}

static uint64_t
store_value_u64(PGresult *res, int row, int col)
{
	return (strtoull(PQgetvalue(res, row, col), NULL, 10));
}

int
store_revocations(uint64_t after, store_revoked_cb cb, void *arg)
{
	char		a[24];
	const char	*v[1];

	(void)snprintf(a, sizeof(a), "%" PRIu64, after);
	v[0] = a;
	return (store_call(store_log, store_sql_revoked, 1, v,
	    (union store_cb){ .revoked = cb }, arg, store_revoked_done));
}

static void
store_revoked_done(PGresult *res, void *arg)
{
	struct store_call	*call = arg;
	store_revoked_cb	cb = call->cb.revoked;
	struct store_revocation	*rows;
	int			i, n;

	if (res == NULL) {
		cb(0, NULL, 0, call->arg);
		kore_free(call);
		return;
	}

	n = PQntuples(res);
	rows = kore_calloc(n > 0 ? n : 1, sizeof(*rows));
	for (i = 0; i < n; i++) {
		rows[i].seq = store_value_u64(res, i, 0);
		rows[i].kind = atoi(PQgetvalue(res, i, 1));
		rows[i].id = PQgetvalue(res, i, 2);
		rows[i].at = strtoll(PQgetvalue(res, i, 3), NULL, 10);
		rows[i].until = strtoll(PQgetvalue(res, i, 4), NULL, 10);
	}
	cb(1, rows, (size_t)n, call->arg);
	kore_free(rows);
	kore_free(call);
}

int
store_revoke(int kind, const char *id, int64_t until, store_id_cb cb,
    void *arg)
{
	char		u[24];
	const char	*v[3];

	(void)snprintf(u, sizeof(u), "%" PRId64, until);
	v[0] = (kind == REVOKE_JTI) ? id : "";
	v[1] = (kind == REVOKE_SUBJECT) ? id : "";
	v[2] = u;
	return (store_call(store_writer, store_sql_revoke, 3, v,
	    (union store_cb){ .id = cb }, arg, store_id_done));
}

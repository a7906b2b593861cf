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
#include "revoke.h"
#include "store.h"

/*
 * Raise it with every change of the schema below: that runs it again.
 * Only forward: a node older than the database's schema leaves it alone
 * (it would put back functions the newer nodes rely on).
 */
#define STORE_SCHEMA	11
#define STORE_VERSION	"ssehub schema 11"

struct store_rows {
	PGresult	*res;
};

/* The most parameters a query of this file takes. */
#define STORE_PARAMS_MAX	8

struct store_call {
	void		*cb;
	void		*arg;
};

static void	store_log_ready_hook(void *);
static void	store_notify_hook(const char *, const char *, void *);
static void	store_checked(PGresult *, void *);
static void	store_migrated(PGresult *, void *);
static void	store_listening(PGresult *, void *);
static void	store_writer_ready(void *);
static void	store_raise(struct db *);
static void	store_raised(PGresult *, void *);
static void	store_saw(uint64_t);
static void	store_rows_done(PGresult *, void *);
static void	store_bounds_done(PGresult *, void *);
static void	store_pairs_done(PGresult *, void *);
static void	store_id_done(PGresult *, void *);
static void	store_appended(PGresult *, void *);
static void	store_id_answer(PGresult *, struct store_call *, int);
static void	store_once_done(PGresult *, void *);
static void	store_vacuum_done(PGresult *, void *);
static void	store_revoked_done(PGresult *, void *);
static int	store_call(struct db *, const char *, int,
		    const char *const *, void *, void *, db_result_cb);
static uint64_t	store_value_u64(PGresult *, int, int);
static int	store_behind(PGresult *);

static struct db		*store_log;	/* LISTEN; the bus's reads */
static struct db		*store_read;	/* catch-up pages, checks */
static struct db		*store_writer;	/* appends, outbox drains */
static struct db		*store_maint;	/* retention; or NULL */
static struct db		*store_pres;	/* presence; or NULL */
static struct store_hooks	store_hooks;
static uint64_t			store_seen;	/* highest id seen here */

/*
 * Idempotent, run by a worker's log connection when the schema's version
 * differs from STORE_VERSION: any node may start first, or against an
 * empty database. One implicit
 * transaction (simple query protocol), serialised by an advisory lock so
 * concurrent start-ups do not race on the catalog.
 */
static const char store_sql_migrate[] =
"SET LOCAL client_min_messages = warning;"
"SELECT pg_advisory_xact_lock(7283451001);"
"CREATE SCHEMA IF NOT EXISTS ssehub;"
/* Trimming has its own row lock: it never queues behind publishers. */
"CREATE TABLE IF NOT EXISTS ssehub.trim ("
"  singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),"
"  trimmed_through bigint NOT NULL DEFAULT 0);"
"INSERT INTO ssehub.trim DEFAULT VALUES ON CONFLICT DO NOTHING;"
"CREATE TABLE IF NOT EXISTS ssehub.events ("
"  id bigint PRIMARY KEY,"
"  topic text NOT NULL CHECK (topic ~ '^[A-Za-z0-9._-]{1,64}$'),"
"  event text NOT NULL CHECK (octet_length(event) BETWEEN 1 AND 64"
"    AND event !~ '[\\r\\n]'),"
"  data text NOT NULL,"
"  created_at timestamptz NOT NULL DEFAULT now());"
"CREATE INDEX IF NOT EXISTS events_topic_id ON ssehub.events (topic, id);"
"CREATE TABLE IF NOT EXISTS ssehub.outbox ("
"  seq bigserial PRIMARY KEY,"
"  topic text NOT NULL CHECK (topic ~ '^[A-Za-z0-9._-]{1,64}$'),"
"  event text NOT NULL CHECK (octet_length(event) BETWEEN 1 AND 64"
"    AND event !~ '[\\r\\n]'),"
"  data text NOT NULL,"
"  created_at timestamptz NOT NULL DEFAULT now());"
/*
 * Schema 1 to 3 drew ids from a single ssehub.head row. Under an open
 * snapshot (any long transaction in the database) every update of it
 * left a version no VACUUM could remove: measured, appends fell from
 * 5,000/s to 613/s within three minutes. Ids now come from max(id)
 * under an advisory lock, which writes nothing.
 */
"DO $m$ BEGIN "
"  IF to_regclass('ssehub.head') IS NOT NULL THEN "
"    UPDATE ssehub.trim SET trimmed_through = greatest(trimmed_through,"
"      (SELECT h.last_id FROM ssehub.head h"
"       WHERE NOT EXISTS (SELECT 1 FROM ssehub.events)));"
"    DROP TABLE ssehub.head; "
"  END IF; "
"END $m$;"
/* The server's own event names (publish_event_valid()), from SQL too. */
"DO $m$ BEGIN "
"  IF NOT EXISTS (SELECT 1 FROM pg_constraint"
"      WHERE conname = 'outbox_event_reserved') THEN "
"    ALTER TABLE ssehub.outbox ADD CONSTRAINT outbox_event_reserved"
"      CHECK (event NOT IN ('reset', 'presence')); "
"  END IF; "
"END $m$;"
/*
 * A failover to a standby that was behind (asynchronous replication)
 * loses the last events: ids (lost_after, lost_through] were handed out
 * by the old primary and are not here. Each worker, on every connect,
 * raises the floor to the highest id it has seen (ssehub.raise_floor()),
 * so new events are numbered above every id a client may hold, and a
 * cursor inside the lost range gets a reset, never silence.
 */
"ALTER TABLE ssehub.trim ADD COLUMN IF NOT EXISTS lost_after bigint"
"  NOT NULL DEFAULT 0;"
"ALTER TABLE ssehub.trim ADD COLUMN IF NOT EXISTS lost_through bigint"
"  NOT NULL DEFAULT 0;"
/* The last id of the log: retention or a failover may have removed it. */
"CREATE OR REPLACE FUNCTION ssehub.last_id() RETURNS bigint"
"  LANGUAGE sql STABLE AS $f$ "
"  SELECT greatest((SELECT max(id) FROM ssehub.events), t.trimmed_through,"
"    t.lost_through, 0) FROM ssehub.trim t $f$;"
/* Everything up to the result is gone, for a reader at cursor p_after. */
"CREATE OR REPLACE FUNCTION ssehub.gone_through(p_after bigint)"
"  RETURNS bigint LANGUAGE sql STABLE AS $f$ "
"  SELECT greatest(t.trimmed_through, CASE WHEN p_after >= t.lost_after"
"    AND p_after < t.lost_through THEN t.lost_through ELSE 0 END)"
"  FROM ssehub.trim t $f$;"
"CREATE OR REPLACE FUNCTION ssehub.raise_floor(p_seen bigint)"
"  RETURNS bigint LANGUAGE plpgsql AS $f$ "
"DECLARE v_last bigint; "
"BEGIN "
"  PERFORM pg_advisory_xact_lock(7283451002); "
"  v_last := ssehub.last_id(); "
"  IF p_seen > v_last THEN "
/* Raised twice before any new event: one range, from the first. */
"    UPDATE ssehub.trim SET lost_after = CASE WHEN v_last = lost_through"
"      THEN lost_after ELSE v_last END, lost_through = p_seen; "
"    RAISE WARNING 'ssehub: ids % to % were lost (failover to a standby"
" that was behind?): numbering goes on above them', v_last + 1, p_seen; "
"    RETURN p_seen - v_last; "
"  END IF; "
"  RETURN 0; "
"END $f$;"
/*
 * The only writer of ssehub.events. The advisory lock is held to COMMIT,
 * and PostgreSQL makes a commit visible before it releases the locks:
 * the next holder's new snapshot (READ COMMITTED, a new statement) sees
 * every earlier append, so ids are consecutive (a rollback inserts
 * nothing, and its ids are drawn again) and commit in id order.
 * created_at is taken under the lock too, so it grows with the id and
 * trimming by age can stop at the first row that is too young.
 */
"CREATE OR REPLACE FUNCTION ssehub.append(p_topics text[],"
"  p_events text[], p_data text[]) RETURNS bigint"
"  LANGUAGE plpgsql AS $f$ "
"DECLARE n bigint := cardinality(p_topics); v_last bigint; "
"  v_now timestamptz; "
"BEGIN "
"  IF current_setting('transaction_isolation') <> 'read committed' THEN "
"    RAISE EXCEPTION 'ssehub.append needs READ COMMITTED'; "
"  END IF; "
"  PERFORM pg_advisory_xact_lock(7283451002); "
"  SELECT ssehub.last_id() + n, clock_timestamp() INTO v_last, v_now; "
"  INSERT INTO ssehub.events (id, topic, event, data, created_at)"
"    SELECT v_last - n + u.ord, u.t, u.e, u.d, v_now"
"    FROM unnest(p_topics, p_events, p_data) WITH ORDINALITY"
"    AS u(t, e, d, ord); "
"  PERFORM pg_notify('ssehub', v_last::text); "
"  RETURN v_last; "
"END $f$;"
/*
 * Commit order for SQL publishes. An outbox row gets its place in line
 * (cseq) at its transaction's COMMIT, from a deferred trigger, under a
 * lock held until the commit is visible: so cseq order is commit order,
 * and a row is never visible before every row with a lower cseq. (seq,
 * drawn at INSERT, is not: a transaction that inserted first may commit
 * last.) Only the commit takes the lock, so a transaction held open for
 * minutes blocks nobody; the lock, the sequence and an update of one's
 * own rows raise no serialization error under REPEATABLE READ.
 */
"ALTER TABLE ssehub.outbox ADD COLUMN IF NOT EXISTS cseq bigint;"
"CREATE SEQUENCE IF NOT EXISTS ssehub.outbox_commit_seq;"
"CREATE OR REPLACE FUNCTION ssehub.outbox_commit() RETURNS trigger"
"  LANGUAGE plpgsql AS $f$ "
"BEGIN "
"  PERFORM pg_advisory_xact_lock(7283451003); "
"  UPDATE ssehub.outbox SET cseq = nextval('ssehub.outbox_commit_seq')"
"    WHERE seq = NEW.seq; "
"  RETURN NULL; "
"END $f$;"
"DROP TRIGGER IF EXISTS outbox_commit ON ssehub.outbox;"
"CREATE CONSTRAINT TRIGGER outbox_commit AFTER INSERT ON ssehub.outbox"
"  DEFERRABLE INITIALLY DEFERRED FOR EACH ROW"
"  EXECUTE FUNCTION ssehub.outbox_commit();"
/* For applications: no lock until COMMIT, so a long transaction blocks nobody. */
"CREATE OR REPLACE FUNCTION ssehub.publish(p_topic text, p_event text,"
"  p_data text) RETURNS void LANGUAGE plpgsql AS $f$ "
"BEGIN "
"  INSERT INTO ssehub.outbox (topic, event, data)"
"    VALUES (p_topic, coalesce(p_event, 'message'), p_data); "
"  PERFORM pg_notify('ssehub_outbox', ''); "
"END $f$;"
/*
 * Idempotent publishing: the key is claimed in the same transaction as
 * the append, so an event exists once or not at all, across restarts and
 * nodes. A concurrent request with the same key waits on the unique
 * index until the first commits (then it reads the answer) or rolls back
 * (then it appends).
 */
"CREATE TABLE IF NOT EXISTS ssehub.idempotency ("
"  key text PRIMARY KEY,"
"  hash text NOT NULL,"
"  last_id bigint,"
"  count int,"
"  created_at timestamptz NOT NULL DEFAULT now());"
"CREATE INDEX IF NOT EXISTS idempotency_created"
"  ON ssehub.idempotency (created_at);"
"CREATE OR REPLACE FUNCTION ssehub.append_once(p_key text, p_hash text,"
"  p_topics text[], p_events text[], p_data text[],"
"  p_window interval DEFAULT '24 hours',"
"  OUT o_last bigint, OUT o_count int, OUT o_replayed boolean,"
"  OUT o_conflict boolean) LANGUAGE plpgsql AS $f$ "
"DECLARE r ssehub.idempotency; "
"BEGIN "
"  DELETE FROM ssehub.idempotency WHERE key = p_key"
"    AND created_at < now() - p_window; "
"  INSERT INTO ssehub.idempotency (key, hash) VALUES (p_key, p_hash)"
"    ON CONFLICT (key) DO NOTHING; "
"  IF NOT FOUND THEN "
"    SELECT * INTO r FROM ssehub.idempotency WHERE key = p_key; "
"    o_last := r.last_id; o_count := r.count; o_replayed := true; "
"    o_conflict := r.hash <> p_hash; "
"    RETURN; "
"  END IF; "
"  o_last := ssehub.append(p_topics, p_events, p_data); "
"  o_count := cardinality(p_topics); "
"  o_replayed := false; o_conflict := false; "
"  UPDATE ssehub.idempotency SET last_id = o_last, count = o_count"
"    WHERE key = p_key; "
"END $f$;"
/*
 * Retention: one small batch per call, oldest first, by count and/or age
 * (0 = no limit of that kind). Returns how many events it removed.
 */
"CREATE OR REPLACE FUNCTION ssehub.trim_events(p_keep bigint,"
"  p_seconds bigint, p_batch int DEFAULT 1000) RETURNS bigint"
"  LANGUAGE plpgsql AS $f$ "
"DECLARE v_from bigint; v_to bigint; v_last bigint; n bigint; "
"  v_cutoff timestamptz := now() - p_seconds * interval '1 second'; "
"BEGIN "
"  SELECT trimmed_through INTO v_from FROM ssehub.trim FOR UPDATE; "
"  v_last := ssehub.last_id(); "
/* Only a prefix goes: never a row after one that must stay. */
"  SELECT max(id) INTO v_to FROM (SELECT id,"
"    bool_and((p_keep > 0 AND id <= v_last - p_keep)"
"      OR (p_seconds > 0 AND created_at < v_cutoff))"
"      OVER (ORDER BY id) AS ok"
"    FROM (SELECT id, created_at FROM ssehub.events WHERE id > v_from"
"      ORDER BY id LIMIT p_batch) b) w WHERE ok; "
"  IF v_to IS NULL THEN RETURN 0; END IF; "
"  DELETE FROM ssehub.events WHERE id > v_from AND id <= v_to; "
"  GET DIAGNOSTICS n = ROW_COUNT; "
"  UPDATE ssehub.trim SET trimmed_through = v_to; "
"  RETURN n; "
"END $f$;"
/*
 * Ids follow commit order for SQL publishes too: the numbering lock is
 * taken before the rows are chosen (a drainer that chose first and locked
 * later could lose the lock to one that chose rows committed after its
 * own), and rows go in commit order (cseq). After the lock, the DELETE's
 * snapshot (a new one, READ COMMITTED) sees every row committed before
 * it; the unlocked EXISTS only spares an empty outbox the lock. Rows
 * from before schema 5 have no cseq and go first.
 */
"CREATE INDEX IF NOT EXISTS outbox_cseq ON ssehub.outbox (cseq);"
"CREATE OR REPLACE FUNCTION ssehub.drain_outbox(p_limit int DEFAULT 1000)"
"  RETURNS bigint LANGUAGE plpgsql AS $f$ "
"DECLARE t text[]; e text[]; d text[]; "
"BEGIN "
"  IF NOT EXISTS (SELECT 1 FROM ssehub.outbox) THEN RETURN 0; END IF; "
"  PERFORM pg_advisory_xact_lock(7283451002); "
"  WITH moved AS (DELETE FROM ssehub.outbox WHERE seq IN"
"    (SELECT seq FROM ssehub.outbox ORDER BY cseq NULLS FIRST, seq"
"     LIMIT p_limit) RETURNING cseq, seq, topic, event, data)"
"  SELECT array_agg(topic ORDER BY cseq NULLS FIRST, seq),"
"    array_agg(event ORDER BY cseq NULLS FIRST, seq),"
"    array_agg(data ORDER BY cseq NULLS FIRST, seq) INTO t, e, d"
"    FROM moved; "
"  IF t IS NULL THEN RETURN 0; END IF; "
"  PERFORM ssehub.append(t, e, d); "
"  RETURN cardinality(t); "
"END $f$;"
/*
 * Who may read what, for queries over every topic (history, last=N):
 * a topic is readable unless a private pattern matches it and none of
 * the reader's does. Patterns as in acl.h: a name, "prefix*" or "*";
 * starts_with, not LIKE, since '_' is a topic character.
 */
"CREATE OR REPLACE FUNCTION ssehub.topic_in(p_topic text,"
"  p_patterns text[]) RETURNS boolean LANGUAGE sql IMMUTABLE AS $f$ "
"  SELECT EXISTS (SELECT 1 FROM unnest(p_patterns) p WHERE p = '*'"
"    OR p = p_topic OR (right(p, 1) = '*'"
"    AND starts_with(p_topic, left(p, -1)))) $f$;"
"CREATE OR REPLACE FUNCTION ssehub.readable(p_topic text,"
"  p_private text[], p_allow text[]) RETURNS boolean"
"  LANGUAGE sql IMMUTABLE AS $f$ "
"  SELECT cardinality(p_private) = 0"
"    OR NOT ssehub.topic_in(p_topic, p_private)"
"    OR ssehub.topic_in(p_topic, p_allow) $f$;"
/*
 * Presence across nodes. Each node's worker 1 writes its node's counts
 * (changes only) and a heartbeat (nodes.seen, the database's clock, so
 * nodes need not agree on time); a node not seen for a few seconds is
 * left out of every sum, and one gone for a minute is removed.
 */
"CREATE TABLE IF NOT EXISTS ssehub.nodes ("
"  node text PRIMARY KEY,"
"  seen timestamptz NOT NULL,"
"  streams bigint NOT NULL DEFAULT 0);"
"CREATE TABLE IF NOT EXISTS ssehub.presence ("
"  node text NOT NULL REFERENCES ssehub.nodes ON DELETE CASCADE,"
"  topic text NOT NULL,"
"  subscribers bigint NOT NULL,"
"  PRIMARY KEY (node, topic));"
"CREATE OR REPLACE FUNCTION ssehub.presence_put(p_node text,"
"  p_streams bigint, p_full boolean, p_topics text[], p_counts bigint[],"
"  p_fresh interval DEFAULT '5 seconds',"
"  OUT o_topic text, OUT o_subscribers bigint) RETURNS SETOF record"
"  LANGUAGE plpgsql AS $f$ "
"BEGIN "
"  INSERT INTO ssehub.nodes AS n (node, seen, streams)"
"    VALUES (p_node, now(), p_streams) ON CONFLICT (node) DO UPDATE"
"    SET seen = excluded.seen, streams = excluded.streams; "
"  IF p_full THEN DELETE FROM ssehub.presence WHERE node = p_node; END IF; "
"  DELETE FROM ssehub.presence p USING unnest(p_topics, p_counts) u(t, c)"
"    WHERE p.node = p_node AND p.topic = u.t AND u.c = 0; "
"  INSERT INTO ssehub.presence AS p (node, topic, subscribers)"
"    SELECT p_node, u.t, u.c FROM unnest(p_topics, p_counts) u(t, c)"
"    WHERE u.c > 0 ON CONFLICT (node, topic) DO UPDATE"
"    SET subscribers = excluded.subscribers; "
"  DELETE FROM ssehub.nodes WHERE seen < now() - interval '1 minute'; "
"  RETURN QUERY SELECT p.topic, sum(p.subscribers)::bigint"
"    FROM ssehub.presence p JOIN ssehub.nodes n ON n.node = p.node"
"    WHERE n.node <> p_node AND n.seen > now() - p_fresh"
"    GROUP BY p.topic"
"    UNION ALL SELECT NULL, coalesce(sum(n.streams), 0)::bigint"
"    FROM ssehub.nodes n WHERE n.node <> p_node"
"    AND n.seen > now() - p_fresh; "
"END $f$;"
/*
 * Revoked JSON Web Tokens, by id (jti) or subject (sub), each until a
 * time after which its tokens have expired anyway (a finite one: for
 * ever is a long time to keep a row, and no date for the workers). Workers follow the
 * table by seq: a revocation takes a lock held to its COMMIT before it
 * draws its seq, so seqs become visible in order and "seq > N" never
 * skips one that commits late (as ids do, above).
 */
"CREATE SEQUENCE IF NOT EXISTS ssehub.revoked_seq;"
"CREATE TABLE IF NOT EXISTS ssehub.revoked ("
"  seq bigint PRIMARY KEY,"
"  jti text CHECK (octet_length(jti) BETWEEN 1 AND 128),"
"  subject text CHECK (octet_length(subject) BETWEEN 1 AND 128),"
"  revoked_at timestamptz NOT NULL DEFAULT now(),"
"  until timestamptz NOT NULL,"
"  CHECK ((jti IS NULL) <> (subject IS NULL)));"
"DO $m$ BEGIN "
"  IF NOT EXISTS (SELECT 1 FROM pg_constraint"
"      WHERE conname = 'revoked_until_finite') THEN "
/* Schema 9 took 'infinity': a hundred years is as good, and a date. */
"    UPDATE ssehub.revoked SET until = now() + interval '100 years'"
"      WHERE NOT isfinite(until); "
"    ALTER TABLE ssehub.revoked ADD CONSTRAINT revoked_until_finite"
"      CHECK (isfinite(until)); "
"  END IF; "
"END $m$;"
/* Schema 9 drew seqs from max(seq) + 1: the sequence starts above them. */
"SELECT setval('ssehub.revoked_seq', greatest(max(seq),"
"  (SELECT last_value FROM ssehub.revoked_seq)))"
"  FROM ssehub.revoked HAVING max(seq) IS NOT NULL;"
"CREATE OR REPLACE FUNCTION ssehub.revoke(p_jti text, p_subject text,"
"  p_until timestamptz) RETURNS bigint LANGUAGE plpgsql AS $f$ "
"DECLARE v_seq bigint; "
"BEGIN "
"  PERFORM pg_advisory_xact_lock(7283451004); "
/* A sequence, not max() + 1: purged rows must not give their seq again. */
"  v_seq := nextval('ssehub.revoked_seq'); "
"  INSERT INTO ssehub.revoked (seq, jti, subject, until)"
"    VALUES (v_seq, p_jti, p_subject,"
"      coalesce(p_until, now() + interval '1 day')); "
"  PERFORM pg_notify('ssehub_revoked', ''); "
"  RETURN v_seq; "
"END $f$;"
"CREATE OR REPLACE FUNCTION ssehub.revoke_token(jti text,"
"  until timestamptz DEFAULT NULL) RETURNS bigint LANGUAGE sql AS $f$ "
"  SELECT ssehub.revoke(jti, NULL, until) $f$;"
"CREATE OR REPLACE FUNCTION ssehub.revoke_subject(sub text,"
"  until timestamptz DEFAULT NULL) RETURNS bigint LANGUAGE sql AS $f$ "
"  SELECT ssehub.revoke(NULL, sub, until) $f$;"
/* Expired keys and revocations, a batch each per call, retention on or not. */
"CREATE OR REPLACE FUNCTION ssehub.purge_keys(p_batch int DEFAULT 1000)"
"  RETURNS bigint LANGUAGE sql AS $f$ "
"  WITH gone AS (DELETE FROM ssehub.idempotency WHERE key IN"
"    (SELECT key FROM ssehub.idempotency"
"     WHERE created_at < now() - interval '24 hours' LIMIT p_batch)"
"    RETURNING 1),"
"  revs AS (DELETE FROM ssehub.revoked WHERE seq IN"
"    (SELECT seq FROM ssehub.revoked WHERE until < now() LIMIT p_batch)"
"    RETURNING 1)"
"  SELECT (SELECT count(*) FROM gone) + (SELECT count(*) FROM revs) $f$;"
"COMMENT ON TABLE ssehub.events IS '" STORE_VERSION "';";

static const char store_sql_version[] =
    "SELECT coalesce(obj_description(to_regclass('ssehub.events'),"
    " 'pg_class'), '')";

static const char store_sql_listen[] =
    "LISTEN ssehub; LISTEN ssehub_outbox; LISTEN ssehub_revoked;";

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
    "SELECT ssehub.trim_events($1::bigint, $2::bigint)";

static const char store_sql_purge[] = "SELECT ssehub.purge_keys()";

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

	conn = PQconnectdb(conninfo);
	if (PQstatus(conn) != CONNECTION_OK) {
		kore_log(LOG_WARNING, "store: database not reachable at start "
		    "(%s); the workers will retry", PQerrorMessage(conn));
		PQfinish(conn);
		return;
	}

	res = PQexec(conn, store_sql_version);
	if (PQresultStatus(res) != PGRES_TUPLES_OK || store_behind(res)) {
		PQclear(res);
		res = PQexec(conn, store_sql_migrate);
		if (PQresultStatus(res) != PGRES_COMMAND_OK &&
		    PQresultStatus(res) != PGRES_TUPLES_OK) {
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
 * The schema's version is the comment on ssehub.events. The migration
 * runs only when it differs: its DDL takes table locks that could
 * deadlock with other workers' appends, so it must not run on every
 * connect.
 */
static void
store_log_ready_hook(void *arg)
{
	(void)arg;
	(void)db_query(store_log, store_sql_version, 0, NULL, NULL,
	    store_checked, NULL);
}

static void
store_checked(PGresult *res, void *arg)
{
	(void)arg;
	if (res == NULL || store_behind(res)) {
		(void)db_query(store_log, store_sql_migrate, 0, NULL, NULL,
		    store_migrated, NULL);
	}
	store_raise(store_log);
	(void)db_query(store_log, store_sql_listen, 0, NULL, NULL,
	    store_listening, NULL);
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

static void
store_saw(uint64_t id)
{
	if (id > store_seen)
		store_seen = id;
}

/* 1 when the database's schema is older than STORE_SCHEMA (or absent). */
static int
store_behind(PGresult *res)
{
	unsigned int	n;

	if (sscanf(PQgetvalue(res, 0, 0), "ssehub schema %u", &n) != 1)
		return (1);
	if (n > STORE_SCHEMA) {
		kore_log(LOG_ERR, "store: the database has schema %u, newer "
		    "than this ssehub's (%d): upgrade this node", n,
		    STORE_SCHEMA);
	}
	return (n < STORE_SCHEMA);
}

static void
store_migrated(PGresult *res, void *arg)
{
	(void)arg;
	if (res == NULL)
		kore_log(LOG_ERR, "store: schema migration failed");
}

static void
store_listening(PGresult *res, void *arg)
{
	(void)arg;
	if (res != NULL && store_hooks.ready != NULL)
		store_hooks.ready();
}

static void
store_notify_hook(const char *channel, const char *payload, void *arg)
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

	errno = 0;
	last = strtoull(payload, &end, 10);
	if (errno != 0 || *end != '\0' || end == payload)
		return;

	store_hooks.appended(last);
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
		return (store_call(store_conn(which), store_sql_fetch_all, 2,
		    v, cb, arg, store_rows_done));
	}
	return (store_call(store_conn(which), store_sql_fetch_topics, 3, v,
	    cb, arg, store_rows_done));
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
		return (store_call(store_read, sql, 3, v, cb, arg,
		    store_rows_done));
	}
	sql = backward ? store_sql_before_all : store_sql_after_all;
	return (store_call(store_read, sql, 5, v, cb, arg, store_rows_done));
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
		    cb, arg, store_bounds_done));
	}
	v[0] = l;
	v[1] = priv;
	v[2] = allow;
	v[3] = span;
	return (store_call(store_read, store_sql_last_all, 4, v, cb, arg,
	    store_bounds_done));
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
	return (store_call(store_pres, store_sql_presence, 5, v, cb, arg,
	    store_pairs_done));
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
	    cb, arg, store_bounds_done));
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
	    cb, arg, store_appended));
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
	    cb, arg, store_once_done));
}

/* cb gets the number of events moved from the outbox into the log. */
int
store_drain_outbox(store_id_cb cb, void *arg)
{
	return (store_call(store_writer, store_sql_drain, 0, NULL,
	    cb, arg, store_id_done));
}

/* One retention batch; cb gets the number of events removed. */
int
store_trim(uint64_t keep, uint64_t seconds, store_id_cb cb, void *arg)
{
	char		k[24], sec[24];
	const char	*v[2];

	(void)snprintf(k, sizeof(k), "%" PRIu64, keep);
	(void)snprintf(sec, sizeof(sec), "%" PRIu64, seconds);
	v[0] = k;
	v[1] = sec;

	return (store_call(store_maint, store_sql_trim, 2, v,
	    cb, arg, store_id_done));
}

static int
store_call(struct db *db, const char *sql, int n, const char *const *v,
    void *cb, void *arg, db_result_cb done)
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
store_purge_keys(store_id_cb cb, void *arg)
{
	return (store_call(store_maint, store_sql_purge, 0, NULL,
	    cb, arg, store_id_done));
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

static void
store_rows_done(PGresult *res, void *arg)
{
	struct store_call	*call = arg;
	store_rows_cb		cb = (store_rows_cb)call->cb;
	struct store_rows	rows;

	rows.res = res;
	if (res != NULL)
		store_saw(store_rows_head(&rows));
	cb(res != NULL ? &rows : NULL, call->arg);
	kore_free(call);
}

static void
store_pairs_done(PGresult *res, void *arg)
{
	struct store_call	*call = arg;
	store_rows_cb		cb = (store_rows_cb)call->cb;
	struct store_rows	rows;

	rows.res = res;
	cb(res != NULL ? &rows : NULL, call->arg);
	kore_free(call);
}

static void
store_bounds_done(PGresult *res, void *arg)
{
	struct store_call	*call = arg;
	store_bounds_cb		cb = (store_bounds_cb)call->cb;

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
	store_id_cb	cb = (store_id_cb)call->cb;
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
	store_once_cb		cb = (store_once_cb)call->cb;
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
	return (store_call(store_log, store_sql_revoked, 1, v, cb, arg,
	    store_revoked_done));
}

static void
store_revoked_done(PGresult *res, void *arg)
{
	struct store_call	*call = arg;
	store_revoked_cb	cb = (store_revoked_cb)call->cb;
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
	return (store_call(store_writer, store_sql_revoke, 3, v, cb, arg,
	    store_id_done));
}

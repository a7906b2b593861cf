-- Migration 1: ssehub's schema, as ssehub schema 1 to 11 had it (then a
-- version comment on ssehub.events, re-run whole when the comment
-- differed), plus ssehub.migrations, which records what ran since. It
-- is idempotent, so it also brings a database of any of those schemas
-- up to date: a database without ssehub.migrations is at migration 0.
--
-- The server's limits come from its C headers through psql variables
-- (sql/limits.psql, written by tools/sql_embed.c; the server's own copy
-- has them substituted the same way): psql does not substitute inside
-- quotes or dollar-quoted bodies, so they appear only outside those.
-- By hand, in one transaction and recorded: README.md, "Schema and
-- migrations".
\ir limits.psql

-- IF NOT EXISTS and DROP ... IF EXISTS say so in NOTICEs: noise here.
SET LOCAL client_min_messages = warning;
CREATE SCHEMA IF NOT EXISTS ssehub;
-- What ran: the runner (src/store.c) applies every migration above the
-- highest version here, and records each in the same transaction.
CREATE TABLE IF NOT EXISTS ssehub.migrations (
  version int PRIMARY KEY,
  name text NOT NULL,
  applied_at timestamptz NOT NULL DEFAULT now());
-- Trimming has its own row lock: it never queues behind publishers.
CREATE TABLE IF NOT EXISTS ssehub.trim (
  singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
  trimmed_through bigint NOT NULL DEFAULT 0);
INSERT INTO ssehub.trim DEFAULT VALUES ON CONFLICT DO NOTHING;
CREATE TABLE IF NOT EXISTS ssehub.events (
  id bigint PRIMARY KEY,
  topic text NOT NULL CHECK (topic ~ :'topic_pattern'),
  event text NOT NULL CHECK (octet_length(event) BETWEEN 1 AND :event_max
    AND event !~ '[\r\n]'),
  data text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now());
CREATE INDEX IF NOT EXISTS events_topic_id ON ssehub.events (topic, id);
CREATE TABLE IF NOT EXISTS ssehub.outbox (
  seq bigserial PRIMARY KEY,
  topic text NOT NULL CHECK (topic ~ :'topic_pattern'),
  event text NOT NULL CHECK (octet_length(event) BETWEEN 1 AND :event_max
    AND event !~ '[\r\n]'),
  data text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now());
-- Schema 1 to 3 drew ids from a single ssehub.head row. Under an open
-- snapshot (any long transaction in the database) every update of it
-- left a version no VACUUM could remove: measured, appends fell from
-- 5,000/s to 613/s within three minutes. Ids now come from max(id)
-- under an advisory lock, which writes nothing.
DO $m$ BEGIN
  IF to_regclass('ssehub.head') IS NOT NULL THEN
    UPDATE ssehub.trim SET trimmed_through = greatest(trimmed_through,
      (SELECT h.last_id FROM ssehub.head h
       WHERE NOT EXISTS (SELECT 1 FROM ssehub.events)));
    DROP TABLE ssehub.head;
  END IF;
END $m$;
-- The server's own event names (publish_event_valid()), from SQL too.
DO $m$ BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_constraint
      WHERE conname = 'outbox_event_reserved') THEN
    ALTER TABLE ssehub.outbox ADD CONSTRAINT outbox_event_reserved
      CHECK (event NOT IN ('reset', 'presence'));
  END IF;
END $m$;
-- A failover to a standby that was behind (asynchronous replication)
-- loses the last events: ids (lost_after, lost_through] were handed out
-- by the old primary and are not here. Each worker, on every connect,
-- raises the floor to the highest id it has seen (ssehub.raise_floor()),
-- so new events are numbered above every id a client may hold, and a
-- cursor inside the lost range gets a reset, never silence.
ALTER TABLE ssehub.trim ADD COLUMN IF NOT EXISTS lost_after bigint
  NOT NULL DEFAULT 0;
ALTER TABLE ssehub.trim ADD COLUMN IF NOT EXISTS lost_through bigint
  NOT NULL DEFAULT 0;
-- The last id of the log: retention or a failover may have removed it.
CREATE OR REPLACE FUNCTION ssehub.last_id() RETURNS bigint
  LANGUAGE sql STABLE AS $f$
  SELECT greatest((SELECT max(id) FROM ssehub.events), t.trimmed_through,
    t.lost_through, 0) FROM ssehub.trim t $f$;
-- Everything up to the result is gone, for a reader at cursor p_after.
CREATE OR REPLACE FUNCTION ssehub.gone_through(p_after bigint)
  RETURNS bigint LANGUAGE sql STABLE AS $f$
  SELECT greatest(t.trimmed_through, CASE WHEN p_after >= t.lost_after
    AND p_after < t.lost_through THEN t.lost_through ELSE 0 END)
  FROM ssehub.trim t $f$;
CREATE OR REPLACE FUNCTION ssehub.raise_floor(p_seen bigint)
  RETURNS bigint LANGUAGE plpgsql AS $f$
DECLARE v_last bigint;
BEGIN
  PERFORM pg_advisory_xact_lock(7283451002);
  v_last := ssehub.last_id();
  IF p_seen > v_last THEN
-- Raised twice before any new event: one range, from the first.
    UPDATE ssehub.trim SET lost_after = CASE WHEN v_last = lost_through
      THEN lost_after ELSE v_last END, lost_through = p_seen;
    RAISE WARNING 'ssehub: ids % to % were lost (failover to a standby that was behind?): numbering goes on above them', v_last + 1, p_seen;
    RETURN p_seen - v_last;
  END IF;
  RETURN 0;
END $f$;
-- The only writer of ssehub.events. The advisory lock is held to COMMIT,
-- and PostgreSQL makes a commit visible before it releases the locks:
-- the next holder's new snapshot (READ COMMITTED, a new statement) sees
-- every earlier append, so ids are consecutive (a rollback inserts
-- nothing, and its ids are drawn again) and commit in id order.
-- created_at is taken under the lock too, so it grows with the id and
-- trimming by age can stop at the first row that is too young.
CREATE OR REPLACE FUNCTION ssehub.append(p_topics text[],
  p_events text[], p_data text[]) RETURNS bigint
  LANGUAGE plpgsql AS $f$
DECLARE n bigint := cardinality(p_topics); v_last bigint;
  v_now timestamptz;
BEGIN
  IF current_setting('transaction_isolation') <> 'read committed' THEN
    RAISE EXCEPTION 'ssehub.append needs READ COMMITTED';
  END IF;
  PERFORM pg_advisory_xact_lock(7283451002);
  SELECT ssehub.last_id() + n, clock_timestamp() INTO v_last, v_now;
  INSERT INTO ssehub.events (id, topic, event, data, created_at)
    SELECT v_last - n + u.ord, u.t, u.e, u.d, v_now
    FROM unnest(p_topics, p_events, p_data) WITH ORDINALITY
    AS u(t, e, d, ord);
  PERFORM pg_notify('ssehub', v_last::text);
  RETURN v_last;
END $f$;
-- Commit order for SQL publishes. An outbox row gets its place in line
-- (cseq) at its transaction's COMMIT, from a deferred trigger, under a
-- lock held until the commit is visible: so cseq order is commit order,
-- and a row is never visible before every row with a lower cseq. (seq,
-- drawn at INSERT, is not: a transaction that inserted first may commit
-- last.) Only the commit takes the lock, so a transaction held open for
-- minutes blocks nobody; the lock, the sequence and an update of one's
-- own rows raise no serialization error under REPEATABLE READ.
ALTER TABLE ssehub.outbox ADD COLUMN IF NOT EXISTS cseq bigint;
CREATE SEQUENCE IF NOT EXISTS ssehub.outbox_commit_seq;
CREATE OR REPLACE FUNCTION ssehub.outbox_commit() RETURNS trigger
  LANGUAGE plpgsql AS $f$
BEGIN
  PERFORM pg_advisory_xact_lock(7283451003);
  UPDATE ssehub.outbox SET cseq = nextval('ssehub.outbox_commit_seq')
    WHERE seq = NEW.seq;
  RETURN NULL;
END $f$;
DROP TRIGGER IF EXISTS outbox_commit ON ssehub.outbox;
CREATE CONSTRAINT TRIGGER outbox_commit AFTER INSERT ON ssehub.outbox
  DEFERRABLE INITIALLY DEFERRED FOR EACH ROW
  EXECUTE FUNCTION ssehub.outbox_commit();
-- For applications: no lock until COMMIT, so a long transaction blocks nobody.
CREATE OR REPLACE FUNCTION ssehub.publish(p_topic text, p_event text,
  p_data text) RETURNS void LANGUAGE plpgsql AS $f$
BEGIN
  INSERT INTO ssehub.outbox (topic, event, data)
    VALUES (p_topic, coalesce(p_event, 'message'), p_data);
  PERFORM pg_notify('ssehub_outbox', '');
END $f$;
-- Idempotent publishing: the key is claimed in the same transaction as
-- the append, so an event exists once or not at all, across restarts and
-- nodes. A concurrent request with the same key waits on the unique
-- index until the first commits (then it reads the answer) or rolls back
-- (then it appends).
CREATE TABLE IF NOT EXISTS ssehub.idempotency (
  key text PRIMARY KEY,
  hash text NOT NULL,
  last_id bigint,
  count int,
  created_at timestamptz NOT NULL DEFAULT now());
CREATE INDEX IF NOT EXISTS idempotency_created
  ON ssehub.idempotency (created_at);
-- How long a key is kept (STORE_KEY_WINDOW in src/store.h).
CREATE OR REPLACE FUNCTION ssehub.key_window() RETURNS interval
  LANGUAGE sql IMMUTABLE RETURN :'key_window'::interval;
CREATE OR REPLACE FUNCTION ssehub.append_once(p_key text, p_hash text,
  p_topics text[], p_events text[], p_data text[],
  p_window interval DEFAULT ssehub.key_window(),
  OUT o_last bigint, OUT o_count int, OUT o_replayed boolean,
  OUT o_conflict boolean) LANGUAGE plpgsql AS $f$
DECLARE r ssehub.idempotency;
BEGIN
  DELETE FROM ssehub.idempotency WHERE key = p_key
    AND created_at < now() - p_window;
  INSERT INTO ssehub.idempotency (key, hash) VALUES (p_key, p_hash)
    ON CONFLICT (key) DO NOTHING;
  IF NOT FOUND THEN
    SELECT * INTO r FROM ssehub.idempotency WHERE key = p_key;
    o_last := r.last_id; o_count := r.count; o_replayed := true;
    o_conflict := r.hash <> p_hash;
    RETURN;
  END IF;
  o_last := ssehub.append(p_topics, p_events, p_data);
  o_count := cardinality(p_topics);
  o_replayed := false; o_conflict := false;
  UPDATE ssehub.idempotency SET last_id = o_last, count = o_count
    WHERE key = p_key;
END $f$;
-- Retention: one small batch per call, oldest first, by count and/or age
-- (0 = no limit of that kind). Returns how many events it removed. The
-- batch is the caller's (retention.c): schema 11 and older gave it a
-- default, a copy of retention.c's, which CREATE OR REPLACE cannot take
-- away.
DROP FUNCTION IF EXISTS ssehub.trim_events(bigint, bigint, int);
CREATE FUNCTION ssehub.trim_events(p_keep bigint,
  p_seconds bigint, p_batch int) RETURNS bigint
  LANGUAGE plpgsql AS $f$
DECLARE v_from bigint; v_to bigint; v_last bigint; n bigint;
  v_cutoff timestamptz := now() - p_seconds * interval '1 second';
BEGIN
  SELECT trimmed_through INTO v_from FROM ssehub.trim FOR UPDATE;
  v_last := ssehub.last_id();
-- Only a prefix goes: never a row after one that must stay.
  SELECT max(id) INTO v_to FROM (SELECT id,
    bool_and((p_keep > 0 AND id <= v_last - p_keep)
      OR (p_seconds > 0 AND created_at < v_cutoff))
      OVER (ORDER BY id) AS ok
    FROM (SELECT id, created_at FROM ssehub.events WHERE id > v_from
      ORDER BY id LIMIT p_batch) b) w WHERE ok;
  IF v_to IS NULL THEN RETURN 0; END IF;
  DELETE FROM ssehub.events WHERE id > v_from AND id <= v_to;
  GET DIAGNOSTICS n = ROW_COUNT;
  UPDATE ssehub.trim SET trimmed_through = v_to;
  RETURN n;
END $f$;
-- Ids follow commit order for SQL publishes too: the numbering lock is
-- taken before the rows are chosen (a drainer that chose first and locked
-- later could lose the lock to one that chose rows committed after its
-- own), and rows go in commit order (cseq). After the lock, the DELETE's
-- snapshot (a new one, READ COMMITTED) sees every row committed before
-- it; the unlocked EXISTS only spares an empty outbox the lock. Rows
-- from before schema 5 have no cseq and go first.
CREATE INDEX IF NOT EXISTS outbox_cseq ON ssehub.outbox (cseq);
CREATE OR REPLACE FUNCTION ssehub.drain_outbox(p_limit int DEFAULT 1000)
  RETURNS bigint LANGUAGE plpgsql AS $f$
DECLARE t text[]; e text[]; d text[];
BEGIN
  IF NOT EXISTS (SELECT 1 FROM ssehub.outbox) THEN RETURN 0; END IF;
  PERFORM pg_advisory_xact_lock(7283451002);
  WITH moved AS (DELETE FROM ssehub.outbox WHERE seq IN
    (SELECT seq FROM ssehub.outbox ORDER BY cseq NULLS FIRST, seq
     LIMIT p_limit) RETURNING cseq, seq, topic, event, data)
  SELECT array_agg(topic ORDER BY cseq NULLS FIRST, seq),
    array_agg(event ORDER BY cseq NULLS FIRST, seq),
    array_agg(data ORDER BY cseq NULLS FIRST, seq) INTO t, e, d
    FROM moved;
  IF t IS NULL THEN RETURN 0; END IF;
  PERFORM ssehub.append(t, e, d);
  RETURN cardinality(t);
END $f$;
-- Who may read what, for queries over every topic (history, last=N):
-- a topic is readable unless a private pattern matches it and none of
-- the reader's does. Patterns as in acl.h: a name, "prefix*" or "*";
-- starts_with, not LIKE, since '_' is a topic character.
CREATE OR REPLACE FUNCTION ssehub.topic_in(p_topic text,
  p_patterns text[]) RETURNS boolean LANGUAGE sql IMMUTABLE AS $f$
  SELECT EXISTS (SELECT 1 FROM unnest(p_patterns) p WHERE p = '*'
    OR p = p_topic OR (right(p, 1) = '*'
    AND starts_with(p_topic, left(p, -1)))) $f$;
CREATE OR REPLACE FUNCTION ssehub.readable(p_topic text,
  p_private text[], p_allow text[]) RETURNS boolean
  LANGUAGE sql IMMUTABLE AS $f$
  SELECT cardinality(p_private) = 0
    OR NOT ssehub.topic_in(p_topic, p_private)
    OR ssehub.topic_in(p_topic, p_allow) $f$;
-- Presence across nodes. Each node's worker 1 writes its node's counts
-- (changes only) and a heartbeat (nodes.seen, the database's clock, so
-- nodes need not agree on time); a node not seen for a few seconds is
-- left out of every sum, and one gone for a minute is removed.
CREATE TABLE IF NOT EXISTS ssehub.nodes (
  node text PRIMARY KEY,
  seen timestamptz NOT NULL,
  streams bigint NOT NULL DEFAULT 0);
CREATE TABLE IF NOT EXISTS ssehub.presence (
  node text NOT NULL REFERENCES ssehub.nodes ON DELETE CASCADE,
  topic text NOT NULL,
  subscribers bigint NOT NULL,
  PRIMARY KEY (node, topic));
CREATE OR REPLACE FUNCTION ssehub.presence_put(p_node text,
  p_streams bigint, p_full boolean, p_topics text[], p_counts bigint[],
  p_fresh interval DEFAULT '5 seconds',
  OUT o_topic text, OUT o_subscribers bigint) RETURNS SETOF record
  LANGUAGE plpgsql AS $f$
BEGIN
  INSERT INTO ssehub.nodes AS n (node, seen, streams)
    VALUES (p_node, now(), p_streams) ON CONFLICT (node) DO UPDATE
    SET seen = excluded.seen, streams = excluded.streams;
  IF p_full THEN DELETE FROM ssehub.presence WHERE node = p_node; END IF;
  DELETE FROM ssehub.presence p USING unnest(p_topics, p_counts) u(t, c)
    WHERE p.node = p_node AND p.topic = u.t AND u.c = 0;
  INSERT INTO ssehub.presence AS p (node, topic, subscribers)
    SELECT p_node, u.t, u.c FROM unnest(p_topics, p_counts) u(t, c)
    WHERE u.c > 0 ON CONFLICT (node, topic) DO UPDATE
    SET subscribers = excluded.subscribers;
  DELETE FROM ssehub.nodes WHERE seen < now() - interval '1 minute';
  RETURN QUERY SELECT p.topic, sum(p.subscribers)::bigint
    FROM ssehub.presence p JOIN ssehub.nodes n ON n.node = p.node
    WHERE n.node <> p_node AND n.seen > now() - p_fresh
    GROUP BY p.topic
    UNION ALL SELECT NULL, coalesce(sum(n.streams), 0)::bigint
    FROM ssehub.nodes n WHERE n.node <> p_node
    AND n.seen > now() - p_fresh;
END $f$;
-- Revoked JSON Web Tokens, by id (jti) or subject (sub), each until a
-- time after which its tokens have expired anyway (a finite one: for
-- ever is a long time to keep a row, and no date for the workers). Workers follow the
-- table by seq: a revocation takes a lock held to its COMMIT before it
-- draws its seq, so seqs become visible in order and "seq > N" never
-- skips one that commits late (as ids do, above).
CREATE SEQUENCE IF NOT EXISTS ssehub.revoked_seq;
CREATE TABLE IF NOT EXISTS ssehub.revoked (
  seq bigint PRIMARY KEY,
  jti text CHECK (octet_length(jti) BETWEEN 1 AND 128),
  subject text CHECK (octet_length(subject) BETWEEN 1 AND 128),
  revoked_at timestamptz NOT NULL DEFAULT now(),
  until timestamptz NOT NULL,
  CHECK ((jti IS NULL) <> (subject IS NULL)));
DO $m$ BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_constraint
      WHERE conname = 'revoked_until_finite') THEN
-- Schema 9 took 'infinity': a hundred years is as good, and a date.
    UPDATE ssehub.revoked SET until = now() + interval '100 years'
      WHERE NOT isfinite(until);
    ALTER TABLE ssehub.revoked ADD CONSTRAINT revoked_until_finite
      CHECK (isfinite(until));
  END IF;
END $m$;
-- Schema 9 drew seqs from max(seq) + 1: the sequence starts above them.
SELECT setval('ssehub.revoked_seq', greatest(max(seq),
  (SELECT last_value FROM ssehub.revoked_seq)))
  FROM ssehub.revoked HAVING max(seq) IS NOT NULL;
CREATE OR REPLACE FUNCTION ssehub.revoke(p_jti text, p_subject text,
  p_until timestamptz) RETURNS bigint LANGUAGE plpgsql AS $f$
DECLARE v_seq bigint;
BEGIN
  PERFORM pg_advisory_xact_lock(7283451004);
-- A sequence, not max() + 1: purged rows must not give their seq again.
  v_seq := nextval('ssehub.revoked_seq');
  INSERT INTO ssehub.revoked (seq, jti, subject, until)
    VALUES (v_seq, p_jti, p_subject,
      coalesce(p_until, now() + interval '1 day'));
  PERFORM pg_notify('ssehub_revoked', '');
  RETURN v_seq;
END $f$;
CREATE OR REPLACE FUNCTION ssehub.revoke_token(jti text,
  until timestamptz DEFAULT NULL) RETURNS bigint LANGUAGE sql AS $f$
  SELECT ssehub.revoke(jti, NULL, until) $f$;
CREATE OR REPLACE FUNCTION ssehub.revoke_subject(sub text,
  until timestamptz DEFAULT NULL) RETURNS bigint LANGUAGE sql AS $f$
  SELECT ssehub.revoke(NULL, sub, until) $f$;
-- Expired keys and revocations, a batch each per call, retention on or
-- not; the batch is the caller's, as for trim_events.
DROP FUNCTION IF EXISTS ssehub.purge_keys(int);
CREATE FUNCTION ssehub.purge_keys(p_batch int)
  RETURNS bigint LANGUAGE sql AS $f$
  WITH gone AS (DELETE FROM ssehub.idempotency WHERE key IN
    (SELECT key FROM ssehub.idempotency
     WHERE created_at < now() - ssehub.key_window() LIMIT p_batch)
    RETURNING 1),
  revs AS (DELETE FROM ssehub.revoked WHERE seq IN
    (SELECT seq FROM ssehub.revoked WHERE until < now() LIMIT p_batch)
    RETURNING 1)
  SELECT (SELECT count(*) FROM gone) + (SELECT count(*) FROM revs) $f$;
-- ssehub before migrations (schema 1 to 11) read this comment, and re-ran
-- its whole script when it differed. 12, above all of theirs, makes such
-- a node leave this schema alone ("newer than this ssehub's: upgrade
-- this node") instead of putting its own functions back. Nothing reads
-- it now.
COMMENT ON TABLE ssehub.events IS 'ssehub schema 12';

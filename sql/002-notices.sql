-- Migration 2: a commit carries its events in its NOTIFY (src/notice.h,
-- src/bus.c), so a worker at the head hands them on without reading them
-- back from the table: what the database does per event no longer grows
-- with the number of nodes. And the two functions every append and page
-- asks move to PL/pgSQL, whose plans are kept for the session.
\ir limits.psql

-- PostgreSQL 15 plans a SQL function's query again at every call it
-- cannot inline (measured 16 to 80 us a call; 3 us as PL/pgSQL).
CREATE OR REPLACE FUNCTION ssehub.last_id() RETURNS bigint
  LANGUAGE plpgsql STABLE AS $f$
BEGIN
  RETURN (SELECT greatest((SELECT max(id) FROM ssehub.events),
    t.trimmed_through, t.lost_through, 0) FROM ssehub.trim t);
END $f$;
CREATE OR REPLACE FUNCTION ssehub.gone_through(p_after bigint)
  RETURNS bigint LANGUAGE plpgsql STABLE AS $f$
BEGIN
  RETURN (SELECT greatest(t.trimmed_through, CASE WHEN p_after >=
    t.lost_after AND p_after < t.lost_through THEN t.lost_through
    ELSE 0 END) FROM ssehub.trim t);
END $f$;

-- The key of the payloads' macs. Any role that may connect can LISTEN
-- to every payload and NOTIFY any channel; only ssehub's role reads the
-- key (244 random bits), so no other can make workers deliver an event
-- that is not in the log. The mac also covers the sending backend's pid
-- and the server's start (notice.h), so a payload heard and sent again
-- from another session, or on another server, does not pass either.
CREATE TABLE ssehub.bus_key (
  singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
  key text NOT NULL CHECK (octet_length(key) BETWEEN 32 AND 128));
INSERT INTO ssehub.bus_key (key)
  VALUES (replace(gen_random_uuid()::text || gen_random_uuid()::text,
    '-', ''));
REVOKE ALL ON ssehub.bus_key FROM PUBLIC;

-- A commit's events, in NOTIFY ssehub_log payloads (format: notice.h).
-- Payloads are cut where an item starts at or past each 3,900 bytes, so
-- none exceeds PostgreSQL's 8,000 (an item is at most 3,858 bytes: a
-- larger event is an empty item, which the workers read from the table;
-- the head is at most 90). One transaction's notifications arrive in the
-- order sent, and transactions' in commit order, which is id order
-- (append()). Nothing is carried when the text is not UTF-8 (lengths are
-- the server's bytes), when the caller may not read the key (a role of
-- the application calling append() itself), or when the notification
-- queue is half full (a listener that stopped reading holds it: carried
-- events fill it a hundred times faster than bare ids): the commit's bare
-- id on ssehub then makes the workers read the table.
CREATE OR REPLACE FUNCTION ssehub.announce(p_first bigint,
  p_topics text[], p_events text[], p_data text[]) RETURNS void
  LANGUAGE plpgsql AS $f$
DECLARE v_key bytea; v_origin text; v_body text; c record;
BEGIN
  IF current_setting('server_encoding') <> 'UTF8'
    OR NOT has_table_privilege('ssehub.bus_key', 'SELECT')
    OR pg_notification_queue_usage() > 0.5 THEN
    RETURN;
  END IF;
  SELECT convert_to(key, 'UTF8') INTO v_key FROM ssehub.bus_key;
  v_origin := pg_backend_pid() || ' '
    || extract(epoch FROM pg_postmaster_start_time())::text || ' ';
  FOR c IN SELECT min(ord) AS lo, count(*) AS n,
      string_agg(item, '' ORDER BY ord) AS body
    FROM (SELECT ord, item, (sum(octet_length(item)) OVER (ORDER BY ord)
        - octet_length(item)) / 3900 AS part
      FROM (SELECT u.ord, CASE WHEN octet_length(u.t)
          + octet_length(u.e) + octet_length(u.d) > 3850 THEN E'\n'
          ELSE u.t || E'\n' || u.e || E'\n' || octet_length(u.d)
          || E'\n' || u.d || E'\n' END AS item
        FROM unnest(p_topics, p_events, p_data) WITH ORDINALITY
        AS u(t, e, d, ord)) i) p
    GROUP BY part ORDER BY part LOOP
    v_body := (p_first + c.lo - 1) || ' ' || c.n || E'\n' || c.body;
    PERFORM pg_notify('ssehub_log', encode(sha256(v_key
      || sha256(convert_to(v_origin || v_body, 'UTF8'))), 'hex')
      || ' ' || v_body);
  END LOOP;
END $f$;

-- As in migration 1, and then the events announced, before the bare id
-- (which nodes from before this migration follow, and which wakes a
-- worker whose carried events were not enough).
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
  PERFORM ssehub.announce(v_last - n + 1, p_topics, p_events, p_data);
  PERFORM pg_notify('ssehub', v_last::text);
  RETURN v_last;
END $f$;

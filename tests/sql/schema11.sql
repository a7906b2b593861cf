-- A database at ssehub schema 11, the last before sql/ and its numbered
-- migrations: pg_dump -n ssehub of what that ssehub (commit 10310eb)
-- applied to an empty database, after four events (ids 1 to 4, the last
-- under the idempotency key k1) and a trim that kept one (trimmed
-- through 3). tests/sql/migrations.test.mjs upgrades it.
--
-- PostgreSQL database dump
--


-- Dumped from database version 15.18 (Debian 15.18-0+deb12u1)
-- Dumped by pg_dump version 15.18 (Debian 15.18-0+deb12u1)

SET statement_timeout = 0;
SET lock_timeout = 0;
SET idle_in_transaction_session_timeout = 0;
SET client_encoding = 'UTF8';
SET standard_conforming_strings = on;
SELECT pg_catalog.set_config('search_path', '', false);
SET check_function_bodies = false;
SET xmloption = content;
SET client_min_messages = warning;
SET row_security = off;

--
-- Name: ssehub; Type: SCHEMA; Schema: -; Owner: -
--

CREATE SCHEMA ssehub;


--
-- Name: append(text[], text[], text[]); Type: FUNCTION; Schema: ssehub; Owner: -
--

CREATE FUNCTION ssehub.append(p_topics text[], p_events text[], p_data text[]) RETURNS bigint
    LANGUAGE plpgsql
    AS $$ DECLARE n bigint := cardinality(p_topics); v_last bigint;   v_now timestamptz; BEGIN   IF current_setting('transaction_isolation') <> 'read committed' THEN     RAISE EXCEPTION 'ssehub.append needs READ COMMITTED';   END IF;   PERFORM pg_advisory_xact_lock(7283451002);   SELECT ssehub.last_id() + n, clock_timestamp() INTO v_last, v_now;   INSERT INTO ssehub.events (id, topic, event, data, created_at)    SELECT v_last - n + u.ord, u.t, u.e, u.d, v_now    FROM unnest(p_topics, p_events, p_data) WITH ORDINALITY    AS u(t, e, d, ord);   PERFORM pg_notify('ssehub', v_last::text);   RETURN v_last; END $$;


--
-- Name: append_once(text, text, text[], text[], text[], interval); Type: FUNCTION; Schema: ssehub; Owner: -
--

CREATE FUNCTION ssehub.append_once(p_key text, p_hash text, p_topics text[], p_events text[], p_data text[], p_window interval DEFAULT '24:00:00'::interval, OUT o_last bigint, OUT o_count integer, OUT o_replayed boolean, OUT o_conflict boolean) RETURNS record
    LANGUAGE plpgsql
    AS $$ DECLARE r ssehub.idempotency; BEGIN   DELETE FROM ssehub.idempotency WHERE key = p_key    AND created_at < now() - p_window;   INSERT INTO ssehub.idempotency (key, hash) VALUES (p_key, p_hash)    ON CONFLICT (key) DO NOTHING;   IF NOT FOUND THEN     SELECT * INTO r FROM ssehub.idempotency WHERE key = p_key;     o_last := r.last_id; o_count := r.count; o_replayed := true;     o_conflict := r.hash <> p_hash;     RETURN;   END IF;   o_last := ssehub.append(p_topics, p_events, p_data);   o_count := cardinality(p_topics);   o_replayed := false; o_conflict := false;   UPDATE ssehub.idempotency SET last_id = o_last, count = o_count    WHERE key = p_key; END $$;


--
-- Name: drain_outbox(integer); Type: FUNCTION; Schema: ssehub; Owner: -
--

CREATE FUNCTION ssehub.drain_outbox(p_limit integer DEFAULT 1000) RETURNS bigint
    LANGUAGE plpgsql
    AS $$ DECLARE t text[]; e text[]; d text[]; BEGIN   IF NOT EXISTS (SELECT 1 FROM ssehub.outbox) THEN RETURN 0; END IF;   PERFORM pg_advisory_xact_lock(7283451002);   WITH moved AS (DELETE FROM ssehub.outbox WHERE seq IN    (SELECT seq FROM ssehub.outbox ORDER BY cseq NULLS FIRST, seq     LIMIT p_limit) RETURNING cseq, seq, topic, event, data)  SELECT array_agg(topic ORDER BY cseq NULLS FIRST, seq),    array_agg(event ORDER BY cseq NULLS FIRST, seq),    array_agg(data ORDER BY cseq NULLS FIRST, seq) INTO t, e, d    FROM moved;   IF t IS NULL THEN RETURN 0; END IF;   PERFORM ssehub.append(t, e, d);   RETURN cardinality(t); END $$;


--
-- Name: gone_through(bigint); Type: FUNCTION; Schema: ssehub; Owner: -
--

CREATE FUNCTION ssehub.gone_through(p_after bigint) RETURNS bigint
    LANGUAGE sql STABLE
    AS $$   SELECT greatest(t.trimmed_through, CASE WHEN p_after >= t.lost_after    AND p_after < t.lost_through THEN t.lost_through ELSE 0 END)  FROM ssehub.trim t $$;


--
-- Name: last_id(); Type: FUNCTION; Schema: ssehub; Owner: -
--

CREATE FUNCTION ssehub.last_id() RETURNS bigint
    LANGUAGE sql STABLE
    AS $$   SELECT greatest((SELECT max(id) FROM ssehub.events), t.trimmed_through,    t.lost_through, 0) FROM ssehub.trim t $$;


--
-- Name: outbox_commit(); Type: FUNCTION; Schema: ssehub; Owner: -
--

CREATE FUNCTION ssehub.outbox_commit() RETURNS trigger
    LANGUAGE plpgsql
    AS $$ BEGIN   PERFORM pg_advisory_xact_lock(7283451003);   UPDATE ssehub.outbox SET cseq = nextval('ssehub.outbox_commit_seq')    WHERE seq = NEW.seq;   RETURN NULL; END $$;


--
-- Name: presence_put(text, bigint, boolean, text[], bigint[], interval); Type: FUNCTION; Schema: ssehub; Owner: -
--

CREATE FUNCTION ssehub.presence_put(p_node text, p_streams bigint, p_full boolean, p_topics text[], p_counts bigint[], p_fresh interval DEFAULT '00:00:05'::interval, OUT o_topic text, OUT o_subscribers bigint) RETURNS SETOF record
    LANGUAGE plpgsql
    AS $$ BEGIN   INSERT INTO ssehub.nodes AS n (node, seen, streams)    VALUES (p_node, now(), p_streams) ON CONFLICT (node) DO UPDATE    SET seen = excluded.seen, streams = excluded.streams;   IF p_full THEN DELETE FROM ssehub.presence WHERE node = p_node; END IF;   DELETE FROM ssehub.presence p USING unnest(p_topics, p_counts) u(t, c)    WHERE p.node = p_node AND p.topic = u.t AND u.c = 0;   INSERT INTO ssehub.presence AS p (node, topic, subscribers)    SELECT p_node, u.t, u.c FROM unnest(p_topics, p_counts) u(t, c)    WHERE u.c > 0 ON CONFLICT (node, topic) DO UPDATE    SET subscribers = excluded.subscribers;   DELETE FROM ssehub.nodes WHERE seen < now() - interval '1 minute';   RETURN QUERY SELECT p.topic, sum(p.subscribers)::bigint    FROM ssehub.presence p JOIN ssehub.nodes n ON n.node = p.node    WHERE n.node <> p_node AND n.seen > now() - p_fresh    GROUP BY p.topic    UNION ALL SELECT NULL, coalesce(sum(n.streams), 0)::bigint    FROM ssehub.nodes n WHERE n.node <> p_node    AND n.seen > now() - p_fresh; END $$;


--
-- Name: publish(text, text, text); Type: FUNCTION; Schema: ssehub; Owner: -
--

CREATE FUNCTION ssehub.publish(p_topic text, p_event text, p_data text) RETURNS void
    LANGUAGE plpgsql
    AS $$ BEGIN   INSERT INTO ssehub.outbox (topic, event, data)    VALUES (p_topic, coalesce(p_event, 'message'), p_data);   PERFORM pg_notify('ssehub_outbox', ''); END $$;


--
-- Name: purge_keys(integer); Type: FUNCTION; Schema: ssehub; Owner: -
--

CREATE FUNCTION ssehub.purge_keys(p_batch integer DEFAULT 1000) RETURNS bigint
    LANGUAGE sql
    AS $$   WITH gone AS (DELETE FROM ssehub.idempotency WHERE key IN    (SELECT key FROM ssehub.idempotency     WHERE created_at < now() - interval '24 hours' LIMIT p_batch)    RETURNING 1),  revs AS (DELETE FROM ssehub.revoked WHERE seq IN    (SELECT seq FROM ssehub.revoked WHERE until < now() LIMIT p_batch)    RETURNING 1)  SELECT (SELECT count(*) FROM gone) + (SELECT count(*) FROM revs) $$;


--
-- Name: raise_floor(bigint); Type: FUNCTION; Schema: ssehub; Owner: -
--

CREATE FUNCTION ssehub.raise_floor(p_seen bigint) RETURNS bigint
    LANGUAGE plpgsql
    AS $$ DECLARE v_last bigint; BEGIN   PERFORM pg_advisory_xact_lock(7283451002);   v_last := ssehub.last_id();   IF p_seen > v_last THEN     UPDATE ssehub.trim SET lost_after = CASE WHEN v_last = lost_through      THEN lost_after ELSE v_last END, lost_through = p_seen;     RAISE WARNING 'ssehub: ids % to % were lost (failover to a standby that was behind?): numbering goes on above them', v_last + 1, p_seen;     RETURN p_seen - v_last;   END IF;   RETURN 0; END $$;


--
-- Name: readable(text, text[], text[]); Type: FUNCTION; Schema: ssehub; Owner: -
--

CREATE FUNCTION ssehub.readable(p_topic text, p_private text[], p_allow text[]) RETURNS boolean
    LANGUAGE sql IMMUTABLE
    AS $$   SELECT cardinality(p_private) = 0    OR NOT ssehub.topic_in(p_topic, p_private)    OR ssehub.topic_in(p_topic, p_allow) $$;


--
-- Name: revoke(text, text, timestamp with time zone); Type: FUNCTION; Schema: ssehub; Owner: -
--

CREATE FUNCTION ssehub.revoke(p_jti text, p_subject text, p_until timestamp with time zone) RETURNS bigint
    LANGUAGE plpgsql
    AS $$ DECLARE v_seq bigint; BEGIN   PERFORM pg_advisory_xact_lock(7283451004);   v_seq := nextval('ssehub.revoked_seq');   INSERT INTO ssehub.revoked (seq, jti, subject, until)    VALUES (v_seq, p_jti, p_subject,      coalesce(p_until, now() + interval '1 day'));   PERFORM pg_notify('ssehub_revoked', '');   RETURN v_seq; END $$;


--
-- Name: revoke_subject(text, timestamp with time zone); Type: FUNCTION; Schema: ssehub; Owner: -
--

CREATE FUNCTION ssehub.revoke_subject(sub text, until timestamp with time zone DEFAULT NULL::timestamp with time zone) RETURNS bigint
    LANGUAGE sql
    AS $$   SELECT ssehub.revoke(NULL, sub, until) $$;


--
-- Name: revoke_token(text, timestamp with time zone); Type: FUNCTION; Schema: ssehub; Owner: -
--

CREATE FUNCTION ssehub.revoke_token(jti text, until timestamp with time zone DEFAULT NULL::timestamp with time zone) RETURNS bigint
    LANGUAGE sql
    AS $$   SELECT ssehub.revoke(jti, NULL, until) $$;


--
-- Name: topic_in(text, text[]); Type: FUNCTION; Schema: ssehub; Owner: -
--

CREATE FUNCTION ssehub.topic_in(p_topic text, p_patterns text[]) RETURNS boolean
    LANGUAGE sql IMMUTABLE
    AS $$   SELECT EXISTS (SELECT 1 FROM unnest(p_patterns) p WHERE p = '*'    OR p = p_topic OR (right(p, 1) = '*'    AND starts_with(p_topic, left(p, -1)))) $$;


--
-- Name: trim_events(bigint, bigint, integer); Type: FUNCTION; Schema: ssehub; Owner: -
--

CREATE FUNCTION ssehub.trim_events(p_keep bigint, p_seconds bigint, p_batch integer DEFAULT 1000) RETURNS bigint
    LANGUAGE plpgsql
    AS $$ DECLARE v_from bigint; v_to bigint; v_last bigint; n bigint;   v_cutoff timestamptz := now() - p_seconds * interval '1 second'; BEGIN   SELECT trimmed_through INTO v_from FROM ssehub.trim FOR UPDATE;   v_last := ssehub.last_id();   SELECT max(id) INTO v_to FROM (SELECT id,    bool_and((p_keep > 0 AND id <= v_last - p_keep)      OR (p_seconds > 0 AND created_at < v_cutoff))      OVER (ORDER BY id) AS ok    FROM (SELECT id, created_at FROM ssehub.events WHERE id > v_from      ORDER BY id LIMIT p_batch) b) w WHERE ok;   IF v_to IS NULL THEN RETURN 0; END IF;   DELETE FROM ssehub.events WHERE id > v_from AND id <= v_to;   GET DIAGNOSTICS n = ROW_COUNT;   UPDATE ssehub.trim SET trimmed_through = v_to;   RETURN n; END $$;


SET default_tablespace = '';

SET default_table_access_method = heap;

--
-- Name: events; Type: TABLE; Schema: ssehub; Owner: -
--

CREATE TABLE ssehub.events (
    id bigint NOT NULL,
    topic text NOT NULL,
    event text NOT NULL,
    data text NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT events_event_check CHECK ((((octet_length(event) >= 1) AND (octet_length(event) <= 64)) AND (event !~ '[\r\n]'::text))),
    CONSTRAINT events_topic_check CHECK ((topic ~ '^[A-Za-z0-9._-]{1,64}$'::text))
);


--
-- Name: TABLE events; Type: COMMENT; Schema: ssehub; Owner: -
--

COMMENT ON TABLE ssehub.events IS 'ssehub schema 11';


--
-- Name: idempotency; Type: TABLE; Schema: ssehub; Owner: -
--

CREATE TABLE ssehub.idempotency (
    key text NOT NULL,
    hash text NOT NULL,
    last_id bigint,
    count integer,
    created_at timestamp with time zone DEFAULT now() NOT NULL
);


--
-- Name: nodes; Type: TABLE; Schema: ssehub; Owner: -
--

CREATE TABLE ssehub.nodes (
    node text NOT NULL,
    seen timestamp with time zone NOT NULL,
    streams bigint DEFAULT 0 NOT NULL
);


--
-- Name: outbox; Type: TABLE; Schema: ssehub; Owner: -
--

CREATE TABLE ssehub.outbox (
    seq bigint NOT NULL,
    topic text NOT NULL,
    event text NOT NULL,
    data text NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    cseq bigint,
    CONSTRAINT outbox_event_check CHECK ((((octet_length(event) >= 1) AND (octet_length(event) <= 64)) AND (event !~ '[\r\n]'::text))),
    CONSTRAINT outbox_event_reserved CHECK ((event <> ALL (ARRAY['reset'::text, 'presence'::text]))),
    CONSTRAINT outbox_topic_check CHECK ((topic ~ '^[A-Za-z0-9._-]{1,64}$'::text))
);


--
-- Name: outbox_commit_seq; Type: SEQUENCE; Schema: ssehub; Owner: -
--

CREATE SEQUENCE ssehub.outbox_commit_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;


--
-- Name: outbox_seq_seq; Type: SEQUENCE; Schema: ssehub; Owner: -
--

CREATE SEQUENCE ssehub.outbox_seq_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;


--
-- Name: outbox_seq_seq; Type: SEQUENCE OWNED BY; Schema: ssehub; Owner: -
--

ALTER SEQUENCE ssehub.outbox_seq_seq OWNED BY ssehub.outbox.seq;


--
-- Name: presence; Type: TABLE; Schema: ssehub; Owner: -
--

CREATE TABLE ssehub.presence (
    node text NOT NULL,
    topic text NOT NULL,
    subscribers bigint NOT NULL
);


--
-- Name: revoked; Type: TABLE; Schema: ssehub; Owner: -
--

CREATE TABLE ssehub.revoked (
    seq bigint NOT NULL,
    jti text,
    subject text,
    revoked_at timestamp with time zone DEFAULT now() NOT NULL,
    until timestamp with time zone NOT NULL,
    CONSTRAINT revoked_check CHECK (((jti IS NULL) <> (subject IS NULL))),
    CONSTRAINT revoked_jti_check CHECK (((octet_length(jti) >= 1) AND (octet_length(jti) <= 128))),
    CONSTRAINT revoked_subject_check CHECK (((octet_length(subject) >= 1) AND (octet_length(subject) <= 128))),
    CONSTRAINT revoked_until_finite CHECK (isfinite(until))
);


--
-- Name: revoked_seq; Type: SEQUENCE; Schema: ssehub; Owner: -
--

CREATE SEQUENCE ssehub.revoked_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;


--
-- Name: trim; Type: TABLE; Schema: ssehub; Owner: -
--

CREATE TABLE ssehub."trim" (
    singleton boolean DEFAULT true NOT NULL,
    trimmed_through bigint DEFAULT 0 NOT NULL,
    lost_after bigint DEFAULT 0 NOT NULL,
    lost_through bigint DEFAULT 0 NOT NULL,
    CONSTRAINT trim_singleton_check CHECK (singleton)
);


--
-- Name: outbox seq; Type: DEFAULT; Schema: ssehub; Owner: -
--

ALTER TABLE ONLY ssehub.outbox ALTER COLUMN seq SET DEFAULT nextval('ssehub.outbox_seq_seq'::regclass);


--
-- Data for Name: events; Type: TABLE DATA; Schema: ssehub; Owner: -
--

COPY ssehub.events (id, topic, event, data, created_at) FROM stdin;
4	a	m	four	2026-12-03 15:35:32.631303+00
\.


--
-- Data for Name: idempotency; Type: TABLE DATA; Schema: ssehub; Owner: -
--

COPY ssehub.idempotency (key, hash, last_id, count, created_at) FROM stdin;
k1	h1	4	1	2026-12-03 15:35:32.629129+00
\.


--
-- Data for Name: nodes; Type: TABLE DATA; Schema: ssehub; Owner: -
--

COPY ssehub.nodes (node, seen, streams) FROM stdin;
\.


--
-- Data for Name: outbox; Type: TABLE DATA; Schema: ssehub; Owner: -
--

COPY ssehub.outbox (seq, topic, event, data, created_at, cseq) FROM stdin;
\.


--
-- Data for Name: presence; Type: TABLE DATA; Schema: ssehub; Owner: -
--

COPY ssehub.presence (node, topic, subscribers) FROM stdin;
\.


--
-- Data for Name: revoked; Type: TABLE DATA; Schema: ssehub; Owner: -
--

COPY ssehub.revoked (seq, jti, subject, revoked_at, until) FROM stdin;
\.


--
-- Data for Name: trim; Type: TABLE DATA; Schema: ssehub; Owner: -
--

COPY ssehub."trim" (singleton, trimmed_through, lost_after, lost_through) FROM stdin;
t	3	0	0
\.


--
-- Name: outbox_commit_seq; Type: SEQUENCE SET; Schema: ssehub; Owner: -
--

SELECT pg_catalog.setval('ssehub.outbox_commit_seq', 1, false);


--
-- Name: outbox_seq_seq; Type: SEQUENCE SET; Schema: ssehub; Owner: -
--

SELECT pg_catalog.setval('ssehub.outbox_seq_seq', 1, false);


--
-- Name: revoked_seq; Type: SEQUENCE SET; Schema: ssehub; Owner: -
--

SELECT pg_catalog.setval('ssehub.revoked_seq', 1, false);


--
-- Name: events events_pkey; Type: CONSTRAINT; Schema: ssehub; Owner: -
--

ALTER TABLE ONLY ssehub.events
    ADD CONSTRAINT events_pkey PRIMARY KEY (id);


--
-- Name: idempotency idempotency_pkey; Type: CONSTRAINT; Schema: ssehub; Owner: -
--

ALTER TABLE ONLY ssehub.idempotency
    ADD CONSTRAINT idempotency_pkey PRIMARY KEY (key);


--
-- Name: nodes nodes_pkey; Type: CONSTRAINT; Schema: ssehub; Owner: -
--

ALTER TABLE ONLY ssehub.nodes
    ADD CONSTRAINT nodes_pkey PRIMARY KEY (node);


--
-- Name: outbox outbox_pkey; Type: CONSTRAINT; Schema: ssehub; Owner: -
--

ALTER TABLE ONLY ssehub.outbox
    ADD CONSTRAINT outbox_pkey PRIMARY KEY (seq);


--
-- Name: presence presence_pkey; Type: CONSTRAINT; Schema: ssehub; Owner: -
--

ALTER TABLE ONLY ssehub.presence
    ADD CONSTRAINT presence_pkey PRIMARY KEY (node, topic);


--
-- Name: revoked revoked_pkey; Type: CONSTRAINT; Schema: ssehub; Owner: -
--

ALTER TABLE ONLY ssehub.revoked
    ADD CONSTRAINT revoked_pkey PRIMARY KEY (seq);


--
-- Name: trim trim_pkey; Type: CONSTRAINT; Schema: ssehub; Owner: -
--

ALTER TABLE ONLY ssehub."trim"
    ADD CONSTRAINT trim_pkey PRIMARY KEY (singleton);


--
-- Name: events_topic_id; Type: INDEX; Schema: ssehub; Owner: -
--

CREATE INDEX events_topic_id ON ssehub.events USING btree (topic, id);


--
-- Name: idempotency_created; Type: INDEX; Schema: ssehub; Owner: -
--

CREATE INDEX idempotency_created ON ssehub.idempotency USING btree (created_at);


--
-- Name: outbox_cseq; Type: INDEX; Schema: ssehub; Owner: -
--

CREATE INDEX outbox_cseq ON ssehub.outbox USING btree (cseq);


--
-- Name: outbox outbox_commit; Type: TRIGGER; Schema: ssehub; Owner: -
--

CREATE CONSTRAINT TRIGGER outbox_commit AFTER INSERT ON ssehub.outbox DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION ssehub.outbox_commit();


--
-- Name: presence presence_node_fkey; Type: FK CONSTRAINT; Schema: ssehub; Owner: -
--

ALTER TABLE ONLY ssehub.presence
    ADD CONSTRAINT presence_node_fkey FOREIGN KEY (node) REFERENCES ssehub.nodes(node) ON DELETE CASCADE;


--
-- PostgreSQL database dump complete
--



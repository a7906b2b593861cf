#!/bin/bash
# Schema probe for issue 10, defect 8: measures three suspicions about the
# event store's schema (src/store.c) on a private PostgreSQL 15 cluster.
#
#   tests/bench/schema-probe.sh [VARDIR] [PORT]
#
#   1. the replay page query (topic filter) on 1,000,000 rows / 50 topics,
#      old vs per-topic index-only scan; plus the page+trim query shape;
#   2. append latency and ssehub.head bloat under a long open snapshot,
#      head row lock vs advisory lock + max(id); id gap / order checks;
#   3. trim_events deleting a row younger than the cutoff (interleaving).
#
# About 9-10 minutes (DUR_LONG=170 s twice, DUR_SHORT=40 s twice), at most
# ~1 core (pgbench -c 4 -j 1). The database uses synchronous_commit=off so
# that 5,000 appends/s is reachable without the disk: what is measured is
# locking and bloat, not fsync. Stops its cluster on exit.
set -eu

cd "$(dirname "$0")/../.."
var=$(realpath -m "${1:-$PWD/var/schema-probe}")
port=${2:-18833}
DUR_LONG=${DUR_LONG:-170}
DUR_SHORT=${DUR_SHORT:-40}
RATE=${RATE:-5000}
pg=tests/lib/pg.sh
tmp=$(mktemp -d)
holder_pid=

cleanup() {
	[ -n "$holder_pid" ] && { exec 3>&-; wait "$holder_pid"; } 2>/dev/null || true
	$pg stop "$var"
	rm -rf "$tmp"
}
trap cleanup EXIT

$pg start "$var" "$port"
url=$($pg url "$var" "$port")
q() { psql "$url" -X -qAt -v ON_ERROR_STOP=1 "$@"; }
say() { printf '\n=== %s\n' "$*"; }

# --- the schema, as psql -f applies it (README, "Schema and migrations") ---
schema_sql() {
	local f
	for f in sql/[0-9]*.sql; do q -1 -f "$f" >/dev/null; done
}
q -c "DROP SCHEMA IF EXISTS ssehub CASCADE" 2>/dev/null
q -c "ALTER DATABASE ssehub SET synchronous_commit = off"
schema_sql

# --- proposed replacements -------------------------------------------------
cat >"$tmp/append_new.sql" <<'EOF'
CREATE OR REPLACE FUNCTION ssehub.append(p_topics text[],
  p_events text[], p_data text[]) RETURNS bigint
  LANGUAGE plpgsql AS $f$
DECLARE n bigint := cardinality(p_topics); v_last bigint; v_now timestamptz;
BEGIN
  IF current_setting('transaction_isolation') <> 'read committed' THEN
    RAISE EXCEPTION 'ssehub.append needs READ COMMITTED';
  END IF;
  PERFORM pg_advisory_xact_lock(7283451002);
  -- A new statement, a new snapshot: every append that held the lock
  -- before us has committed (locks go after the commit is visible).
  SELECT greatest((SELECT max(id) FROM ssehub.events),
                  (SELECT trimmed_through FROM ssehub.trim), 0) + n,
         clock_timestamp()
    INTO v_last, v_now;
  INSERT INTO ssehub.events (id, topic, event, data, created_at)
    SELECT v_last - n + u.ord, u.t, u.e, u.d, v_now
    FROM unnest(p_topics, p_events, p_data) WITH ORDINALITY
    AS u(t, e, d, ord);
  PERFORM pg_notify('ssehub', v_last::text);
  RETURN v_last;
END $f$;
EOF
cat >"$tmp/trim_new.sql" <<'EOF'
CREATE OR REPLACE FUNCTION ssehub.trim_events(p_keep bigint,
  p_seconds bigint, p_batch int DEFAULT 1000) RETURNS bigint
  LANGUAGE plpgsql AS $f$
DECLARE v_from bigint; v_to bigint; v_last bigint; n bigint;
  v_cutoff timestamptz := now() - p_seconds * interval '1 second';
BEGIN
  SELECT trimmed_through INTO v_from FROM ssehub.trim FOR UPDATE;
  SELECT max(id) INTO v_last FROM ssehub.events;
  -- The longest prefix (in id order) of rows that may all go: stop at
  -- the first one that is to be kept, whatever follows it.
  SELECT max(id) INTO v_to FROM (
    SELECT id, bool_and((p_keep > 0 AND id <= v_last - p_keep)
                     OR (p_seconds > 0 AND created_at < v_cutoff))
               OVER (ORDER BY id) AS prefix_ok
    FROM (SELECT id, created_at FROM ssehub.events WHERE id > v_from
          ORDER BY id LIMIT p_batch) b) w
    WHERE prefix_ok;
  IF v_to IS NULL THEN RETURN 0; END IF;
  DELETE FROM ssehub.events WHERE id > v_from AND id <= v_to;
  GET DIAGNOSTICS n = ROW_COUNT;
  UPDATE ssehub.trim SET trimmed_through = v_to;
  PERFORM pg_notify('ssehub_trim', v_to::text);
  DELETE FROM ssehub.idempotency WHERE key IN (SELECT key FROM
    ssehub.idempotency WHERE created_at < now() - interval '24 hours'
    LIMIT p_batch);
  RETURN n;
END $f$;
EOF
old_schema() { schema_sql; }

reset_log() {
	q -c "TRUNCATE ssehub.events" \
	  -c "UPDATE ssehub.head SET last_id = 0" \
	  -c "UPDATE ssehub.trim SET trimmed_through = 0"
}

# ==========================================================================
say "3. trim_events vs created_at not monotonic in id"
trim_demo() {	# $1 = label
	reset_log
	# A: a transaction that starts first, publishes late (created_at = now()
	# = its start); B publishes in between and gets the lower id.
	q >"$tmp/a.out" <<'EOF' &
BEGIN;
SELECT pg_sleep(4);
SELECT ssehub.append(ARRAY['demo'], ARRAY['a'], ARRAY['A: began first']);
COMMIT;
EOF
	local a=$!
	sleep 2.5
	q -c "SELECT ssehub.append(ARRAY['demo'], ARRAY['b'], ARRAY['B'])" \
	    >/dev/null
	wait $a
	sleep 1.5
	echo "[$1] rows before trim (age at trim time):"
	q -F ' | ' -c "SELECT id, data, created_at::time(3),
	    date_trunc('milliseconds', now() - created_at) AS age
	    FROM ssehub.events ORDER BY id"
	echo "[$1] SELECT ssehub.trim_events(0, 4, 1000)  -- keep anything younger than 4 s"
	echo "[$1] deleted: $(q -c 'SELECT ssehub.trim_events(0, 4, 1000)')," \
	    "left: $(q -c "SELECT coalesce(string_agg(id || ' ' || data, ', '
	    ORDER BY id), 'nothing') FROM ssehub.events")"
}
trim_demo "old append + old trim"
q -c "$(cat "$tmp/trim_new.sql")"
trim_demo "old append + prefix trim"
q -c "$(cat "$tmp/append_new.sql")"
trim_demo "clock_timestamp() append + prefix trim"
old_schema

# ==========================================================================
say "1. replay page query: 1,000,000 rows, 50 topics (skewed) + 'burst'"
reset_log
q <<'EOF'
SELECT setseed(0.42);
INSERT INTO ssehub.events (id, topic, event, data, created_at)
SELECT i,
       CASE WHEN i % 10000 = 0 THEN 'rare'             -- 100 rows
            WHEN i <= 100000 AND i % 5 = 1 THEN 'burst' -- ids 1..100000 only
            ELSE 't' || lpad(floor(49 * power(random(), 3))::int::text, 2, '0')
       END,
       'message',
       md5(i::text) || md5((i + 1)::text) || md5((i + 2)::text) || 'x',
       now() - (1000000 - i) * interval '1 ms'
FROM generate_series(1, 1000000) i;
UPDATE ssehub.head SET last_id = 1000000;
VACUUM ANALYZE ssehub.events;
EOF
q -c "SELECT 'topics: ' || string_agg(topic || '=' || n, ' ' ORDER BY topic)
    FROM (SELECT topic, count(*) n FROM ssehub.events GROUP BY 1) s
    WHERE topic IN ('t00','t10','t40','t48','rare','burst')"

cat >"$tmp/prep.sql" <<'EOF'
SET plan_cache_mode = force_custom_plan;  -- like PQexecParams
SET max_parallel_workers_per_gather = 0;
-- JIT would add ~4 ms to new_q (its estimates pass jit_above_cost): the
-- server's log connection should run with jit = off as well.
SET jit = off;
PREPARE old_q(bigint, int, text[]) AS
 SELECT id, topic, event, data FROM ssehub.events
 WHERE id > $1 AND topic = ANY($3) ORDER BY id LIMIT $2;
PREPARE lat_q(bigint, int, text[]) AS
 SELECT e.* FROM unnest($3) t(name) CROSS JOIN LATERAL
  (SELECT id, topic, event, data FROM ssehub.events
   WHERE topic = t.name AND id > $1 ORDER BY id LIMIT $2) e
 ORDER BY e.id LIMIT $2;
-- new: ids from an index-only scan of (topic, id) per topic (the row
-- comparison, not "topic = t.name", so that the primary key cannot serve
-- ORDER BY and the planner cannot fall back to it), 500 rows fetched by
-- id; one row even when the page is empty, with the trim point of the
-- same snapshot in every row.
PREPARE new_q(bigint, int, text[]) AS
 SELECT tr.trimmed_through, p.id, p.topic, p.event, p.data
 FROM ssehub.trim tr
 LEFT JOIN LATERAL (
   SELECT e.id, e.topic, e.event, e.data
   FROM (SELECT x.id FROM unnest($3::text[]) t(name)
         CROSS JOIN LATERAL (SELECT id FROM ssehub.events
             WHERE (topic, id) > (t.name, $1) AND topic <= t.name
             ORDER BY topic, id LIMIT $2) x
         ORDER BY x.id LIMIT $2) k
   JOIN ssehub.events e ON e.id = k.id) p ON true
 ORDER BY p.id;
PREPARE allold_q(bigint, int) AS
 SELECT id, topic, event, data FROM ssehub.events
 WHERE id > $1 ORDER BY id LIMIT $2;
PREPARE allnew_q(bigint, int) AS
 SELECT tr.trimmed_through, p.id, p.topic, p.event, p.data
 FROM ssehub.trim tr
 LEFT JOIN LATERAL (SELECT id, topic, event, data FROM ssehub.events
   WHERE id > $1 ORDER BY id LIMIT $2) p ON true
 ORDER BY p.id;
EOF
# Third run of EXPLAIN (ANALYZE, BUFFERS), summarised: time, buffers of the
# top node, rows removed by filters, sort method, first scan node.
explain() {
	(cat "$tmp/prep.sql"
	 for _ in 1 2 3; do echo "EXPLAIN (ANALYZE, BUFFERS) EXECUTE $1;"; done) |
	    psql "$url" -X -q | awk 'BEGIN { RS = "QUERY PLAN" } END { print }' |
	    awk '/Execution Time/ { t = $3 }
	      /Buffers: shared/ && !b { b = $0; sub(/^ *Buffers: shared /, "", b) }
	      /Rows Removed by Filter/ { rr += $NF }
	      / rows=[0-9]+ loops=/ && !r { r = $0; sub(/.*actual[^)]* rows=/, "", r); sub(/ .*/, "", r) }
	      /Sort Method/ { sm = $0; sub(/^ *Sort Method: /, "", sm); sub(/ +Memory.*/, "", sm) }
	      /(Index Scan using|Index Only Scan using|Bitmap Heap Scan|Seq Scan)[^(]* on events / && !n {
	        n = $0; sub(/^ *(->)? */, "", n); sub(/ on events.*/, "", n) }
	      END { printf "%9s ms  rows=%-4s %-22s filtered=%-7d sort=%-15s %s\n", t, r, b, rr, sm, n }'
}
printf '%-8s %-38s %-6s\n' cursor topics query
for c in 0 500000 999000; do
	for tl in '{t00}' '{t40}' '{rare}' '{burst}' '{t00,t10,t40}' \
	    '{t30,t35,t40,t41,t42,t45,t48,rare}' '{burst,rare,t48}'; do
		for qn in old lat new; do
			printf '%-8s %-38s %-6s' "$c" "$tl" "$qn"
			explain "${qn}_q($c, 500, '$tl')"
		done
	done
	for qn in allold allnew; do
		printf '%-8s %-38s %-6s' "$c" '(all topics)' "$qn"
		explain "${qn}_q($c, 500)"
	done
done
echo "plan of new_q(500000, 500, '{t30,t35,t40,t41,t42,t45,t48,rare}'):"
(cat "$tmp/prep.sql"; echo "EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) EXECUTE new_q(500000, 500, '{t30,t35,t40,t41,t42,t45,t48,rare}');") |
    psql "$url" -X -q | sed -n '/QUERY PLAN/,$p'

# ==========================================================================
say "2. append numbering under a long snapshot, ${RATE}/s, pgbench -c 4 -j 1"
echo "SELECT ssehub.append(ARRAY['t'], ARRAY['m'], ARRAY['x']);" \
    >"$tmp/append.sql"
head_stats() {
	q -F ' ' -c "SELECT pg_relation_size('ssehub.head'), n_live_tup,
	    n_dead_tup FROM pg_stat_user_tables WHERE relid = 'ssehub.head'::regclass"
}
load_run() {	# $1 label, $2 seconds, $3 open snapshot (0/1)
	local label=$1 dur=$2 hold=$3 mon t=0
	q -c "VACUUM FULL ssehub.head" -c "VACUUM ssehub.events"
	if [ "$hold" = 1 ]; then
		# idle in transaction, holding its snapshot, until fd 3 closes
		rm -f "$tmp/hold"; mkfifo "$tmp/hold"
		PGAPPNAME=probe_holder psql "$url" -X -q <"$tmp/hold" >/dev/null &
		holder_pid=$!
		exec 3>"$tmp/hold"
		echo "BEGIN ISOLATION LEVEL REPEATABLE READ;" >&3
		echo "SELECT 1 FROM ssehub.events LIMIT 1;" >&3
		sleep 1
		q -c "SELECT '  holder: ' || state || ', backend_xmin ' || backend_xmin
		    FROM pg_stat_activity WHERE application_name = 'probe_holder'"
	fi
	echo "--- $label (${dur}s, open snapshot: $hold)"
	(while :; do
		sleep 30; t=$((t + 30))
		echo "  t=${t}s head: $(head_stats | awk '{printf "%d bytes, live %d, dead %d", $1, $2, $3}')"
	 done) &
	mon=$!
	pgbench -n -c 4 -j 1 -R "$RATE" -T "$dur" -P 30 \
	    --log --log-prefix="$tmp/pgblog" --sampling-rate=0.1 \
	    -f "$tmp/append.sql" "$url" >"$tmp/bench.out" 2>&1 || true
	pkill -P "$mon" 2>/dev/null || true
	kill "$mon" 2>/dev/null || true
	wait "$mon" 2>/dev/null || true
	grep -E '^progress' "$tmp/bench.out" | sed 's/^/  /'
	grep -E 'processed|latency average|latency stddev|schedule lag|^tps' \
	    "$tmp/bench.out" | sed 's/^/  /'
	cat "$tmp"/pgblog.* 2>/dev/null |
	    awk '{ print $3 }' | sort -n |
	    awk '{ a[NR] = $1 } END { if (NR) printf "  latency incl. lag (10%% sample, %d tx): p50 %.2f ms, p99 %.2f ms, max %.2f ms\n", NR, a[int(NR*0.5)]/1000, a[int(NR*0.99)]/1000, a[NR]/1000 }'
	cat "$tmp"/pgblog.* 2>/dev/null |
	    awk '{ print $3 - $7 }' | sort -n |
	    awk '{ a[NR] = $1 } END { if (NR) printf "  service time (excl. lag):          p50 %.2f ms, p99 %.2f ms, max %.2f ms\n", a[int(NR*0.5)]/1000, a[int(NR*0.99)]/1000, a[NR]/1000 }'
	rm -f "$tmp"/pgblog.*
	echo "  end: head $(head_stats | awk '{printf "%d bytes, live %d, dead %d", $1, $2, $3}')"
	if [ "$hold" = 1 ]; then
		echo "COMMIT;" >&3
		exec 3>&-
		wait "$holder_pid" || true
		holder_pid=
	fi
}
# Ids consecutive, no duplicate, commit order = id order: 8 clients, 10%
# rollbacks, batches of 1 or 3 (track_commit_timestamp must be on).
order_check() {	# $1 label
	local from
	from=$(q -c "SELECT coalesce(max(id), 0) FROM ssehub.events")
	cat >"$tmp/mix.sql" <<'EOF'
\set r random(1, 10)
\set b random(1, 2)
BEGIN;
\if :b = 1
SELECT ssehub.append(ARRAY['c'], ARRAY['m'], ARRAY['x']);
\else
SELECT ssehub.append(ARRAY['c','c','c'], ARRAY['m','m','m'], ARRAY['x','y','z']);
\endif
\if :r = 1
ROLLBACK;
\else
COMMIT;
\endif
EOF
	pgbench -n -c 8 -j 1 -R 2000 -T 15 -f "$tmp/mix.sql" "$url" \
	    >"$tmp/mix.out" 2>&1 || true
	echo "  [$1] $(grep -E 'failed' "$tmp/mix.out" | head -1);" \
	    "$(q -c "SELECT format('rows %s, ids %s..%s, gaps %s, commit-order inversions %s',
	      count(*), min(id), max(id), max(id) - min(id) + 1 - count(*),
	      count(*) FILTER (WHERE ts < prev))
	    FROM (SELECT id, pg_xact_commit_timestamp(xmin) ts,
	          lag(pg_xact_commit_timestamp(xmin)) OVER (ORDER BY id) prev
	          FROM ssehub.events WHERE id > $from) s")"
}
if [ "$(q -c 'SHOW track_commit_timestamp')" != on ]; then
	q -c "ALTER SYSTEM SET track_commit_timestamp = on"
	$pg stop "$var"; $pg start "$var" "$port"
fi

load_run "head row lock (current)" "$DUR_SHORT" 0
load_run "head row lock (current)" "$DUR_LONG" 1
order_check "head row lock"
q -c "$(cat "$tmp/append_new.sql")"
load_run "advisory lock + max(id)" "$DUR_SHORT" 0
load_run "advisory lock + max(id)" "$DUR_LONG" 1
order_check "advisory lock + max(id)"
q -c "SELECT 'head now: ' || pg_relation_size('ssehub.head') || ' bytes'"

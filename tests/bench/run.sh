#!/usr/bin/env bash
#
# Comparison benchmark: the same load against nginx+nchan and ssehub.
#
#   tests/bench/run.sh              full run (about 10 minutes)
#   BENCH_QUICK=1 tests/bench/run.sh  smoke run (under 2 minutes)
#   BENCH_TARGETS="nchan" ...       choose targets (default: nchan ssehub)
#   BENCH_OUT=dir ...               keep raw JSON and the table in dir
#   BENCH_TESTS="storm sql" ...     choose tests (default: idle fanout
#                                   publish storm xnode sql)
#
# Tests, per target:
#   idle     N subscribers connected, server memory per subscriber: the
#            growth over the idle server, and the whole server's memory
#            divided by N
#   fan-out  N subscribers, 10 events/s for a while: latency, CPU time per
#            delivered frame, delivery rate, missing/dup/reordered, and
#            ssehub's own fan-out time (its /metrics histogram)
#   publish  16 keep-alive publishers as fast as they go: acked events/s,
#            one event per request and 100 per request (ssehub only)
#   storm    N subscribers connect within about 1 s, each with a cursor
#            100 events behind: time until all have caught up, gaps
#   cross-node (ssehub) subscribers on node B, publisher on node A
#   SQL publish (ssehub) ssehub.publish() in committed transactions:
#            commit-to-delivery latency
#
# A target is a function bench_target_NAME that starts the server and sets:
#   T_PORT       HTTP port on 127.0.0.1
#   T_SUB_PATH   subscriber URL path (an SSE stream of topic "bench")
#   T_PUB        ssebench pub --target value (ssehub or nchan)
#   T_TOKEN      publish token (ssehub only)
#   T_ROOT_PIDS  server PIDs; they and all their descendants are measured
# and a function bench_stop_NAME that stops what bench_target_NAME started.
# Each test gets its own bench_target_NAME/bench_stop_NAME pair.
# Everything is on loopback, on ports 19100-19199.  Nothing outside the
# temp dir is touched but ssehub's PostgreSQL cluster in var/bench-pg
# (port 19150; started if it is not running, and then stopped at the end).

set -euo pipefail
# Debian's nginx is in /usr/sbin, which is not on an ordinary user's PATH.
PATH=$PATH:/usr/sbin

HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
SSEBENCH=$HERE/build/ssebench
QUICK=${BENCH_QUICK:-0}
TARGETS=${BENCH_TARGETS:-nchan ssehub}
TESTS=${BENCH_TESTS:-idle fanout publish storm xnode sql}
CLK_TCK=$(getconf CLK_TCK)
SUBS_PER_PROC=5000

if [ "$QUICK" = 1 ]; then
	IDLE_COUNTS="1000 2000"
	FANOUT_COUNTS="100 1000"
	FANOUT_SECS=8
	PUB_SECS=4
	STORM_SUBS=1000
	XNODE_SUBS=200
	XNODE_SECS=5
	SQL_SUBS=200
	SQL_SECS=5
else
	IDLE_COUNTS="10000 20000"
	FANOUT_COUNTS="1000 10000"
	FANOUT_SECS=30
	PUB_SECS=15
	STORM_SUBS=10000
	XNODE_SUBS=1000
	XNODE_SECS=15
	SQL_SUBS=1000
	SQL_SECS=15
fi
FANOUT_RATE=10
# Events per request in the batched publish test.
PUB_BATCH=100
# Storm: every subscriber's cursor is this many events behind the head,
# and all of them connect within STORM_RAMP_SECS.
STORM_BEHIND=100
STORM_RAMP_SECS=1
# Cross-node and SQL publishing: events/s offered.
XNODE_RATE=10
SQL_RATE=10
# One sequential publisher, so publish order is defined and the
# subscribers' reorder check means something.  A server that answers a
# publish only after handing it to every subscriber (nchan does) slows
# it down below the offered rate; the table shows the rate reached.
# With several connections nchan reorders overlapping publishes.
FANOUT_PUB_CONNS=${BENCH_FANOUT_PUB_CONNS:-1}
PUBLISHERS=16
# Subscribers connect from this many loopback addresses (127.0.0.1-N):
# past ~14,000 connections from one address the kernel's ephemeral port
# search makes connect() itself the bottleneck.  Set 1 if the server
# under test limits connections per client address.
SRC_ADDRS=${BENCH_SRC_ADDRS:-4}

# 20,000 subscribers need 20,000 sockets split over several processes.
ulimit -n 20000

# ssehub: the staged build of `make build`, its own PostgreSQL cluster.
SSEHUB_APP=$ROOT/build/ssehub
PG_DIR=$ROOT/var/bench-pg
PG_PORT=19150
PG_STARTED=0
SSEHUB_BENCH_TOKEN=ssebench-publish-token-0001

WORK=$(mktemp -d /tmp/ssebench.XXXXXX)
OUT=${BENCH_OUT:-$WORK/out}
mkdir -p "$OUT"
BG_PIDS=()
IDLE_ROWS=()
FANOUT_ROWS=()
PUB_ROWS=()
STORM_ROWS=()
XNODE_ROWS=()
SQL_ROWS=()

log() {
	printf '[bench %s] %s\n' "$(date +%T)" "$*" >&2
}

# Stops only the processes this script started, by their PID.
cleanup() {
	local pid
	for pid in "${BG_PIDS[@]}"; do
		kill -TERM "$pid" 2>/dev/null || true
	done
	for pid in "${BG_PIDS[@]}"; do
		wait "$pid" 2>/dev/null || true
	done
	if [ "$PG_STARTED" = 1 ]; then
		"$ROOT/tests/lib/pg.sh" stop "$PG_DIR" || true
	fi
	if [ -z "${BENCH_OUT:-}" ]; then
		rm -rf "$WORK"
	fi
}
trap cleanup EXIT

# Drops a PID that has been waited for, so cleanup never signals a
# recycled PID.
bg_forget() {
	local pid keep=()
	for pid in "${BG_PIDS[@]}"; do
		[ "$pid" = "$1" ] || keep+=("$pid")
	done
	BG_PIDS=("${keep[@]}")
}

# ---- helpers ----

# json_get KEY < line: the number (or bare value) of "KEY" in a JSON line.
json_get() {
	sed -n "s/.*\"$1\":\"\{0,1\}\([^,}\"]*\).*/\1/p"
}

port_in_use() {
	(exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

free_port() {
	local p
	for p in $(seq 19100 19199); do
		if ! port_in_use "$p"; then
			echo "$p"
			return 0
		fi
	done
	echo "no free port in 19100-19199" >&2
	return 1
}

wait_port() {
	local i
	for i in $(seq 100); do
		port_in_use "$1" && return 0
		sleep 0.1
	done
	return 1
}

# PIDs of the server: the roots and every descendant (workers).
server_pids() {
	local todo=($T_ROOT_PIDS) pid kid
	while [ ${#todo[@]} -gt 0 ]; do
		pid=${todo[0]}
		todo=("${todo[@]:1}")
		[ -d "/proc/$pid" ] || continue
		echo "$pid"
		for kid in $(cat /proc/"$pid"/task/*/children 2>/dev/null); do
			todo+=("$kid")
		done
	done
}

# Summed VmRSS and Pss (KiB) of the server; Pss does not count the
# shared memory of several workers more than once.
server_mem_kb() {
	local pid rss=0 pss=0 v
	for pid in $(server_pids); do
		v=$(awk '/^VmRSS:/ {print $2}' /proc/"$pid"/status)
		rss=$((rss + ${v:-0}))
		v=$(awk '/^Pss:/ {print $2}' /proc/"$pid"/smaps_rollup)
		pss=$((pss + ${v:-0}))
	done
	echo "$rss $pss"
}

# Summed utime+stime of the server, in clock ticks.
server_cpu_ticks() {
	local pid t=0 v
	for pid in $(server_pids); do
		# After the ")" that ends comm, utime is field 12, stime 13.
		v=$(sed 's/.*) //' /proc/"$pid"/stat | awk '{print $12 + $13}')
		t=$((t + ${v:-0}))
	done
	echo "$t"
}

# Busy and total jiffies of the whole host, from /proc/stat: load tool
# and server share the cores, and loopback softirq work is charged to
# neither process.
host_cpu() {
	awk '/^cpu / { print $2 + $3 + $4 + $7 + $8 + $9, \
	    $2 + $3 + $4 + $5 + $6 + $7 + $8 + $9 }' /proc/stat
}

# host_busy BEFORE AFTER: host CPU % between two host_cpu readings.
host_busy() {
	awk -v a="$1" -v b="$2" 'BEGIN { split(a, x, " "); split(b, y, " ");
	    if (y[2] > x[2]) printf "%.0f", 100 * (y[1] - x[1]) / (y[2] - x[2])
	    else print "-" }'
}

# "pid ticks" (utime+stime+cutime+cstime) of every process that is not
# part of this run: not descended from this script (servers, load tool)
# nor from ssehub's PostgreSQL.  Without IRQ time accounting (Debian's
# kernels) loopback softirq work is charged to the process it
# interrupts, so what these use is what other work took from the run.
others_ticks() {
	local pg=0
	if [ -r "$PG_DIR/pgdata/postmaster.pid" ]; then
		pg=$(head -1 "$PG_DIR/pgdata/postmaster.pid")
	fi
	cat /proc/[0-9]*/stat 2>/dev/null | awk -v me=$$ -v pg="$pg" '
	    { s = $0; sub(/^.*\) /, "", s); split(s, f, " ")
	      pp[$1] = f[2]; t[$1] = f[12] + f[13] + f[14] + f[15] }
	    END {
		for (p in t) {
			q = p; ours = 0
			for (n = 0; q > 1 && n < 64; n++) {
				if (q == me || q == pg) { ours = 1; break }
				q = pp[q]
			}
			if (!ours)
				print p, t[p]
		}
	    }'
}

# load_begin / load_end: around a measured period; load_end sets BUSY
# (host CPU %) and OTHER (CPU % taken by processes outside the run, of
# both cores; reaped children count in their parent).
load_begin() {
	LOAD_H0=$(host_cpu)
	others_ticks >"$WORK/others.before"
}

load_end() {
	local h1 total
	h1=$(host_cpu)
	others_ticks >"$WORK/others.after"
	BUSY=$(host_busy "$LOAD_H0" "$h1")
	total=$(awk -v a="$LOAD_H0" -v b="$h1" \
	    'BEGIN { split(a, x, " "); split(b, y, " "); print y[2] - x[2] }')
	OTHER=$(awk -v tot="$total" 'NR == FNR { b[$1] = $2; next }
	    { d = ($1 in b) ? $2 - b[$1] : $2; if (d > 0) sum += d }
	    END { if (tot > 0) printf "%.0f", 100 * sum / tot
		  else print "-" }' "$WORK/others.before" "$WORK/others.after")
	if [ "$OTHER" != - ] && [ "$OTHER" -ge 10 ]; then
		log "warning: other processes took $OTHER% of the CPU" \
		    "during this test; rerun it"
	fi
}

loadavg() {
	cut -d' ' -f1-3 /proc/loadavg
}

sub_procs() {
	echo $((($1 + SUBS_PER_PROC - 1) / SUBS_PER_PROC))
}

# sub_start N DURATION TAG: starts subscribers in the background and
# waits until all settled; sets SUB_PID and SUB_JSON.
sub_start() {
	local n=$1 dur=$2 tag=$3 ready=$WORK/ready.$3 i
	SUB_JSON=$OUT/$T_NAME.$tag.sub.json
	rm -f "$ready"
	"$SSEBENCH" sub --port "$T_PORT" --path "$T_SUB_PATH" --conns "$n" \
	    --procs "$(sub_procs "$n")" --duration "$dur" \
	    --src-addrs "$SRC_ADDRS" \
	    --ready-file "$ready" >"$SUB_JSON" 2>>"$OUT/ssebench.log" &
	SUB_PID=$!
	BG_PIDS+=("$SUB_PID")
	for i in $(seq 600); do
		[ -e "$ready" ] && return 0
		kill -0 "$SUB_PID" 2>/dev/null || break
		sleep 0.1
	done
	log "subscribers did not all settle in time"
}

sub_stop() {
	kill -TERM "$SUB_PID" 2>/dev/null || true
	wait "$SUB_PID" || true
	bg_forget "$SUB_PID"
}

ms() {
	awk -v v="${1:--1}" \
	    'BEGIN { if (v < 0) print "-"; else printf "%.1f", v }'
}

# ssehub's fan-out histogram (ssehub_fanout_seconds in /metrics) summed
# over workers: "le count" per bucket in ascending order (cumulative, as
# Prometheus has it, +Inf last), then "sum seconds".
fanout_hist() {
	curl -sf --max-time 5 "http://127.0.0.1:$T_PORT/metrics" | awk '
	    /^ssehub_fanout_seconds_bucket/ {
		match($0, /le="[^"]*"/)
		le = substr($0, RSTART + 4, RLENGTH - 5)
		if (!(le in c))
			order[n++] = le
		c[le] += $2
	    }
	    /^ssehub_fanout_seconds_sum/ { s += $2 }
	    END {
		for (i = 0; i < n; i++)
			print order[i], c[order[i]]
		print "sum", s
	    }'
}

# fanout_summary BEFORE_FILE AFTER_FILE: "p99 mean samples" of the
# events fanned out between two snapshots.  p99 is the upper bound of the
# bucket holding the 99th percentile ("<=2.5" ms), mean is sum / count
# (ms), samples counts each event once per worker.
fanout_summary() {
	awk 'NR == FNR { b[$1] = $2; next }
	    { d = $2 - b[$1]
	      if ($1 == "sum") s = d
	      else { le[n] = $1; v[n++] = d } }
	    END {
		if (n == 0 || v[n - 1] <= 0) { print "- - 0"; exit }
		total = v[n - 1]
		for (i = 0; i < n; i++)
			if (v[i] >= 0.99 * total)
				break
		if (le[i] == "+Inf")
			p = sprintf(">%g", le[n - 2] * 1000)
		else
			p = sprintf("<=%g", le[i] * 1000)
		printf "%s %.2f %d\n", p, s / total * 1000, total
	    }' "$1" "$2"
}

# ---- tests ----

bench_idle() {
	local n=$1 before after j conn rss pss trss tpss
	log "$T_NAME idle: $n subscribers (load $(loadavg))"
	before=$(server_mem_kb)
	sub_start "$n" 300 "idle$n"
	# Let the server finish its per-connection allocations.
	sleep 3
	after=$(server_mem_kb)
	sub_stop
	echo "before $before after $after" >"$OUT/$T_NAME.idle$n.mem"
	j=$(cat "$SUB_JSON")
	conn=$(json_get connected <<<"$j")
	if [ "${conn:-0}" -gt 0 ]; then
		rss=$(awk -v a="${after% *}" -v b="${before% *}" -v n="$conn" \
		    'BEGIN { printf "%.1f", (a - b) / n }')
		pss=$(awk -v a="${after#* }" -v b="${before#* }" -v n="$conn" \
		    'BEGIN { printf "%.1f", (a - b) / n }')
		# The issue's measure: everything the server holds, over N.
		trss=$(awk -v a="${after% *}" -v n="$conn" \
		    'BEGIN { printf "%.1f", a / n }')
		tpss=$(awk -v a="${after#* }" -v n="$conn" \
		    'BEGIN { printf "%.1f", a / n }')
	else
		rss=- pss=- trss=- tpss=-
	fi
	IDLE_ROWS+=("| $T_NAME | $n | ${conn:-0} | $(json_get failed <<<"$j") \
| $(ms "$(json_get ready_ms <<<"$j")") | $rss | $pss | $trss | $tpss \
| $((${after% *} / 1024)) | $((${after#* } / 1024)) |")
}

bench_fanout() {
	local n=$1 t0 t1 j pj ev acked conn cpu_us exp
	local fo="n/a" fo_mean="n/a" f0=$WORK/fanout$n.before
	local f1=$WORK/fanout$n.after
	log "$T_NAME fan-out: $n subscribers, $FANOUT_RATE events/s," \
	    "${FANOUT_SECS}s (load $(loadavg))"
	sub_start "$n" $((FANOUT_SECS + 60)) "fanout$n"
	sleep 1
	if [ "$T_METRICS" = 1 ]; then
		fanout_hist >"$f0" || log "$T_NAME: no /metrics"
	fi
	t0=$(server_cpu_ticks)
	load_begin
	pj=$("$SSEBENCH" pub --target "$T_PUB" --port "$T_PORT" \
	    --rate "$FANOUT_RATE" --duration "$FANOUT_SECS" \
	    --conns "$FANOUT_PUB_CONNS" \
	    ${T_TOKEN:+--token "$T_TOKEN"} 2>>"$OUT/ssebench.log" || true)
	echo "$pj" >"$OUT/$T_NAME.fanout$n.pub.json"
	# The last event still has to reach every subscriber.
	sleep 2
	t1=$(server_cpu_ticks)
	load_end
	if [ "$T_METRICS" = 1 ]; then
		fanout_hist >"$f1" || log "$T_NAME: no /metrics"
		read -r fo fo_mean _ < <(fanout_summary "$f0" "$f1") || true
		cp "$f0" "$OUT/$T_NAME.fanout$n.metrics-before"
		cp "$f1" "$OUT/$T_NAME.fanout$n.metrics-after"
	fi
	sub_stop
	j=$(cat "$SUB_JSON")
	ev=$(json_get events <<<"$j")
	conn=$(json_get connected <<<"$j")
	acked=$(json_get acked <<<"$pj")
	exp=$((${acked:-0} * ${conn:-0}))
	cpu_us=$(awk -v t=$((t1 - t0)) -v hz="$CLK_TCK" -v e="${ev:-0}" \
	    'BEGIN { if (e > 0) printf "%.2f", t / hz * 1e6 / e
	    else print "-" }')
	FANOUT_ROWS+=("| $T_NAME | $n | ${conn:-0} \
| $(json_get acked_per_s <<<"$pj") | $(ms "$(json_get req_p50_ms <<<"$pj")") \
| $(awk -v e="${ev:-0}" -v s="$FANOUT_SECS" 'BEGIN { printf "%.0f", e / s }') \
| $(ms "$(json_get lat_p50_ms <<<"$j")") \
| $(ms "$(json_get lat_p99_ms <<<"$j")") \
| $(ms "$(json_get lat_max_ms <<<"$j")") | $cpu_us \
| $fo | $fo_mean \
| ${ev:-0}/$exp | $(json_get missing <<<"$j") | $(json_get dup <<<"$j") \
| $(json_get reordered <<<"$j") | $BUSY | $OTHER |")
}

# bench_publish BATCH: events per request.
bench_publish() {
	local b=${1:-1} j
	log "$T_NAME publish: $PUBLISHERS publishers, $b events/request," \
	    "${PUB_SECS}s (load $(loadavg))"
	load_begin
	j=$("$SSEBENCH" pub --target "$T_PUB" --port "$T_PORT" --rate 0 \
	    --conns "$PUBLISHERS" --batch "$b" --duration "$PUB_SECS" \
	    ${T_TOKEN:+--token "$T_TOKEN"} 2>>"$OUT/ssebench.log" || true)
	load_end
	echo "$j" >"$OUT/$T_NAME.publish$b.json"
	PUB_ROWS+=("| $T_NAME | $PUBLISHERS | $b \
| $(json_get acked_per_s <<<"$j") | $(json_get acked <<<"$j") \
| $(json_get errors <<<"$j") | $(ms "$(json_get req_p50_ms <<<"$j")") \
| $(ms "$(json_get req_p99_ms <<<"$j")") | $BUSY | $OTHER |")
}

# bench_storm: puts STORM_BEHIND events on topic bench, then connects
# STORM_SUBS subscribers within STORM_RAMP_SECS, each with a cursor just
# before those events; each must get exactly those events, in order.
bench_storm() {
	local n=$STORM_SUBS cursor pj j acked reached range t0 t1
	log "$T_NAME storm: $n subscribers within ${STORM_RAMP_SECS}s," \
	    "$STORM_BEHIND events behind (load $(loadavg))"
	if ! cursor=$("bench_cursor_$T_NAME"); then
		log "$T_NAME storm: no cursor"
		STORM_ROWS+=("| $T_NAME | $n | no cursor | | | | | | | | | | |")
		return 0
	fi
	pj=$("$SSEBENCH" pub --target "$T_PUB" --port "$T_PORT" --rate 0 \
	    --conns 1 --batch "$T_STORM_BATCH" --count "$STORM_BEHIND" \
	    --duration 30 ${T_TOKEN:+--token "$T_TOKEN"} \
	    2>>"$OUT/ssebench.log" || true)
	echo "$pj" >"$OUT/$T_NAME.storm.pub.json"
	acked=$(json_get acked <<<"$pj")
	t0=$(server_cpu_ticks)
	load_begin
	j=$("$SSEBENCH" sub --port "$T_PORT" --path "$T_SUB_PATH" \
	    --conns "$n" --procs "$(sub_procs "$n")" --duration 30 \
	    --src-addrs "$SRC_ADDRS" --last-event-id "$cursor" \
	    --ramp-per-sec $((n / STORM_RAMP_SECS)) \
	    --expect-events "${acked:-$STORM_BEHIND}" \
	    2>>"$OUT/ssebench.log" || true)
	load_end
	t1=$(server_cpu_ticks)
	echo "$j" >"$OUT/$T_NAME.storm.sub.json"
	reached=$(json_get reached <<<"$j")
	range="$(json_get min_events <<<"$j")-$(json_get max_events <<<"$j")"
	STORM_ROWS+=("| $T_NAME | $n | $(json_get connected <<<"$j") \
| ${acked:-0} | $STORM_RAMP_SECS | $(ms "$(json_get all_expect_ms <<<"$j")") \
| ${reached:-0}/$n | $range \
| $(awk -v t=$((t1 - t0)) -v hz="$CLK_TCK" 'BEGIN { printf "%.1f", t / hz }') \
| $(json_get missing <<<"$j") | $(json_get dup <<<"$j") \
| $(json_get reordered <<<"$j") | $BUSY | $OTHER |")
}

# latency_cells SUB_JSON EXPECTED: the latency and integrity cells of a
# row.
latency_cells() {
	local j=$1 exp=$2
	echo "$(ms "$(json_get lat_p50_ms <<<"$j")") \
| $(ms "$(json_get lat_p99_ms <<<"$j")") \
| $(ms "$(json_get lat_max_ms <<<"$j")") \
| $(json_get events <<<"$j")/$exp | $(json_get missing <<<"$j") \
| $(json_get dup <<<"$j") | $(json_get reordered <<<"$j")"
}

# bench_xnode: a second ssehub node on the same database; subscribers on
# node B, one publisher at XNODE_RATE events/s on node A.
bench_xnode() {
	local n=$XNODE_SUBS port_a=$T_PORT port_b pj j acked conn
	port_b=$(free_port)
	log "$T_NAME cross-node: $n subscribers on node B (port $port_b)," \
	    "publisher on node A (port $port_a), $XNODE_RATE events/s," \
	    "${XNODE_SECS}s (load $(loadavg))"
	if ! ssehub_node "$WORK/ssehub-b" "$port_b"; then
		XNODE_ROWS+=("| $T_NAME | $n | node B failed |" \
		    "| | | | | | | | |")
		return 0
	fi
	T_PORT=$port_b sub_start "$n" $((XNODE_SECS + 60)) xnode
	sleep 1
	load_begin
	pj=$("$SSEBENCH" pub --target "$T_PUB" --port "$port_a" \
	    --rate "$XNODE_RATE" --duration "$XNODE_SECS" --conns 1 \
	    ${T_TOKEN:+--token "$T_TOKEN"} 2>>"$OUT/ssebench.log" || true)
	echo "$pj" >"$OUT/$T_NAME.xnode.pub.json"
	sleep 2
	load_end
	sub_stop
	j=$(cat "$SUB_JSON")
	acked=$(json_get acked <<<"$pj")
	conn=$(json_get connected <<<"$j")
	XNODE_ROWS+=("| $T_NAME | $n | ${conn:-0} \
| $(json_get acked_per_s <<<"$pj") \
| $(latency_cells "$j" $((${acked:-0} * ${conn:-0}))) \
| $BUSY | $OTHER |")
}

# bench_sqlpub: SQL_RATE transactions/s for SQL_SECS, each
# BEGIN; SELECT ssehub.publish(...); COMMIT; through one psql session.
# The data carries "<seq> <unix us>" read from the database's clock in
# the transaction's last statement, just before COMMIT, so the latency
# measured is commit (plus the fsync) to delivery.
bench_sqlpub() {
	local n=$SQL_SUBS total=$((SQL_RATE * SQL_SECS)) step j conn
	local i t0 now d committed elapsed cursor
	log "$T_NAME SQL publish: $n subscribers, $SQL_RATE commits/s," \
	    "${SQL_SECS}s (load $(loadavg))"
	step=$((1000000 / SQL_RATE))
	cursor=$(psql -qtAX "$SSEHUB_DB_URL" \
	    -c 'SELECT ssehub.last_id()' || echo 0)
	sub_start "$n" $((SQL_SECS + 60)) sqlpub
	sleep 1
	load_begin
	t0=${EPOCHREALTIME/./}
	for ((i = 1; i <= total; i++)); do
		now=${EPOCHREALTIME/./}
		d=$((t0 + (i - 1) * step - now))
		if [ "$d" -gt 0 ]; then
			sleep "$((d / 1000000)).$(printf %06d $((d % 1000000)))"
		fi
		printf "BEGIN;\nSELECT ssehub.publish('bench', 'message',"
		printf " '%d ' || (extract(epoch FROM clock_timestamp())" "$i"
		printf " * 1000000)::bigint);\nCOMMIT;\n"
	done | psql -qtAX -v ON_ERROR_STOP=1 "$SSEHUB_DB_URL" \
	    >/dev/null 2>"$OUT/$T_NAME.sqlpub.psql.log" ||
	    log "$T_NAME SQL publish: psql failed ($T_NAME.sqlpub.psql.log)"
	# The last transaction was sent one step before the end of the run.
	elapsed=$(( ${EPOCHREALTIME/./} - t0 + step ))
	sleep 2
	# What committed and reached the log (ids are assigned after COMMIT).
	committed=$(psql -qtAX "$SSEHUB_DB_URL" -c "SELECT count(*) FROM \
ssehub.events WHERE topic = 'bench' AND id > ${cursor:-0}" || echo 0)
	load_end
	sub_stop
	j=$(cat "$SUB_JSON")
	conn=$(json_get connected <<<"$j")
	SQL_ROWS+=("| $T_NAME | $n | ${conn:-0} | $committed \
| $(awk -v c="$committed" -v e="$elapsed" \
    'BEGIN { printf "%.1f", c / (e / 1e6) }') \
| $(latency_cells "$j" $((${committed:-0} * ${conn:-0}))) \
| $BUSY | $OTHER |")
}

# ---- targets ----

bench_target_nchan() {
	local conf=$ROOT/conf/bench/nchan.conf dir=$WORK/nginx
	T_NAME=nchan
	T_PUB=nchan
	T_TOKEN=
	T_METRICS=0
	T_STORM_BATCH=1
	T_SUB_PATH='/sub?id=bench'
	T_PORT=$(free_port)
	mkdir -p "$dir/logs" "$dir/tmp"
	sed "s/@PORT@/$T_PORT/g" "$conf" >"$dir/nchan.conf"
	nginx -p "$dir" -c "$dir/nchan.conf" -e "$dir/logs/error.log" \
	    >"$dir/logs/stdout" 2>&1 &
	NCHAN_PID=$!
	BG_PIDS+=("$NCHAN_PID")
	T_ROOT_PIDS=$NCHAN_PID
	if ! wait_port "$T_PORT"; then
		cat "$dir/logs/stdout" "$dir/logs/error.log" >&2 || true
		return 1
	fi
	log "nchan: nginx $(nginx -v 2>&1 | sed 's/.*\///') pid $NCHAN_PID" \
	    "port $T_PORT"
}

# nchan's cursor is a message id ("time:tag"), known only once a message
# exists: publish a marker (not a bench event, so never counted) and
# resume after it.
bench_cursor_nchan() {
	local id
	# nchan's JSON has a space after each colon, unlike ssebench's.
	id=$(curl -sf --max-time 5 -H 'Accept: text/json' \
	    --data-binary 'storm marker' \
	    "http://127.0.0.1:$T_PORT/pub?id=bench" |
	    sed -n 's/.*"last_message_id": *"\([^"]*\)".*/\1/p')
	[ -n "$id" ] && echo "$id"
}

bench_stop_nchan() {
	kill -TERM "$NCHAN_PID" 2>/dev/null || true
	wait "$NCHAN_PID" 2>/dev/null || true
	bg_forget "$NCHAN_PID"
	if grep -q '\[\(alert\|crit\|emerg\)\]' \
	    "$WORK/nginx/logs/error.log" 2>/dev/null; then
		log "nchan: nginx logged alerts:"
		grep '\[\(alert\|crit\|emerg\)\]' "$WORK/nginx/logs/error.log" |
		    sort | uniq -c | sort -rn | head -5 >&2
	fi
}

# ssehub's PostgreSQL: started once per run, reused between tests.
ssehub_pg() {
	[ -n "${SSEHUB_DB_URL:-}" ] && return 0
	if ! port_in_use "$PG_PORT"; then
		PG_STARTED=1
	fi
	"$ROOT/tests/lib/pg.sh" start "$PG_DIR" "$PG_PORT" >&2 || return 1
	SSEHUB_DB_URL=$("$ROOT/tests/lib/pg.sh" url "$PG_DIR" "$PG_PORT")
}

# ssehub_node DIR PORT: one ssehub node (Kore parent and its workers) on
# PORT, with its config, log and state in DIR; returns once /healthz
# answers.  Sets NODE_PID (the Kore parent) and adds it to SSEHUB_PIDS.
ssehub_node() {
	local dir=$1 port=$2 i v
	mkdir -p "$dir"
	sed -e "s/@PORT@/$port/g" -e "s|@APP@|$SSEHUB_APP|g" \
	    "$ROOT/conf/bench/ssehub.conf" >"$dir/kore.conf"
	# Kore resolves "include conf/routes.conf" against its cwd.  Only
	# the settings below reach it, not the caller's SSEHUB_*.
	(
		cd "$SSEHUB_APP"
		for v in $(compgen -e); do
			case $v in SSEHUB_*) unset "$v" ;; esac
		done
		SSEHUB_DB=$SSEHUB_DB_URL SSEHUB_TOKEN=$SSEHUB_BENCH_TOKEN \
		    SSEHUB_TICK_MS=0 SSEHUB_STREAMS_PER_IP=0 SSEHUB_VAR=$dir \
		    exec stdbuf -oL kore -fnrc "$dir/kore.conf"
	) >>"$dir/log" 2>&1 &
	NODE_PID=$!
	BG_PIDS+=("$NODE_PID")
	SSEHUB_PIDS+=("$NODE_PID")
	for i in $(seq 150); do
		if curl -sf -o /dev/null --max-time 2 \
		    "http://127.0.0.1:$port/healthz"; then
			return 0
		fi
		kill -0 "$NODE_PID" 2>/dev/null || break
		sleep 0.1
	done
	log "ssehub on port $port did not come up; log:"
	tail -20 "$dir/log" >&2
	return 1
}

bench_target_ssehub() {
	T_NAME=ssehub
	T_PUB=ssehub
	T_TOKEN=$SSEHUB_BENCH_TOKEN
	T_SUB_PATH='/stream?topic=bench'
	T_METRICS=1
	T_STORM_BATCH=$STORM_BEHIND
	SSEHUB_PIDS=()
	if [ ! -f "$SSEHUB_APP/ssehub.so" ]; then
		log "ssehub: $SSEHUB_APP/ssehub.so missing (make build)"
		return 1
	fi
	ssehub_pg || { log "ssehub: PostgreSQL did not start"; return 1; }
	T_PORT=$(free_port)
	rm -rf "$WORK/ssehub" "$WORK/ssehub-b"
	if ! ssehub_node "$WORK/ssehub" "$T_PORT"; then
		bench_stop_ssehub
		return 1
	fi
	T_ROOT_PIDS=$NODE_PID
	log "ssehub: pid $NODE_PID port $T_PORT, PostgreSQL port $PG_PORT"
}

# SIGTERM to each Kore parent (it stops its workers), then wait; a node
# still there after 10 s is killed with all its processes.
bench_stop_ssehub() {
	local pid i pids
	for pid in "${SSEHUB_PIDS[@]}"; do
		kill -TERM "$pid" 2>/dev/null || true
	done
	for pid in "${SSEHUB_PIDS[@]}"; do
		for i in $(seq 100); do
			kill -0 "$pid" 2>/dev/null || break
			sleep 0.1
		done
		if kill -0 "$pid" 2>/dev/null; then
			log "ssehub: pid $pid ignored SIGTERM; killing it"
			pids=$(T_ROOT_PIDS=$pid server_pids)
			kill -KILL $pids 2>/dev/null || true
		fi
		wait "$pid" 2>/dev/null || true
		bg_forget "$pid"
	done
	SSEHUB_PIDS=()
}

# The head of ssehub's log: the events published next come after it.
bench_cursor_ssehub() {
	psql -qtAX "$SSEHUB_DB_URL" -c 'SELECT ssehub.last_id()'
}

# bench_fresh TARGET TEST [ARG]: runs one test on a freshly started
# server, so memory freed (but kept) by an earlier test cannot hide the
# cost of the next one.
bench_fresh() {
	if ! "bench_target_$1"; then
		NOT_RUN=1
		return 1
	fi
	log "$T_NAME: server pids $(server_pids | tr '\n' ' ')"
	"$2" ${3:+"$3"}
	"bench_stop_$1"
}

# want TEST: whether BENCH_TESTS selects TEST.
want() {
	case " $TESTS " in
	*" $1 "*) return 0 ;;
	esac
	return 1
}

bench_run_target() {
	local n
	NOT_RUN=0
	if want idle; then
		for n in $IDLE_COUNTS; do
			bench_fresh "$1" bench_idle "$n" || break
		done
	else
		# Still find out whether the target starts at all.
		bench_fresh "$1" true || true
	fi
	if [ "$NOT_RUN" = 1 ]; then
		IDLE_ROWS+=("| $1 | not run | | | | | | | | | |")
		FANOUT_ROWS+=("| $1 | not run | | | | | | | | | | | | | | | |")
		PUB_ROWS+=("| $1 | not run | | | | | | | |")
		STORM_ROWS+=("| $1 | not run | | | | | | | | | | |")
		return 0
	fi
	if want fanout; then
		for n in $FANOUT_COUNTS; do
			bench_fresh "$1" bench_fanout "$n"
		done
	fi
	if want publish; then
		bench_fresh "$1" bench_publish 1
		if [ "$1" = nchan ]; then
			# nchan's publisher takes one message per request.
			PUB_ROWS+=("| nchan | $PUBLISHERS | $PUB_BATCH \
| n/a (nchan has no batch publish) | | | | | |")
		else
			bench_fresh "$1" bench_publish "$PUB_BATCH"
		fi
	fi
	if want storm; then
		bench_fresh "$1" bench_storm
	fi
	if [ "$1" = ssehub ] && want xnode; then
		bench_fresh "$1" bench_xnode
	fi
	if [ "$1" = ssehub ] && want sql; then
		bench_fresh "$1" bench_sqlpub
	fi
}

print_table() {
	local r
	echo "## SSE benchmark ($(date -u +%F), $(nproc) CPUs," \
	    "BENCH_QUICK=$QUICK, load average at start $LOAD_START)"
	echo
	echo "Machine: $MACHINE."
	echo "Command: \`$(bench_command)\`."
	echo
	echo "Host CPU %: both cores, everything on the host. Other CPU %:" \
	    "processes outside this run (neither a server, the load tool" \
	    "nor ssehub's PostgreSQL); above a few percent the row is" \
	    "disturbed."
	echo
	if want idle; then
		table_idle
	fi
	if want fanout; then
		table_fanout
	fi
	if want publish; then
		table_publish
	fi
	if want storm; then
		table_storm
	fi
	if want xnode; then
		table_xnode
	fi
	if want sql; then
		table_sql
	fi
}

table_idle() {
	local r
	echo "### Idle subscribers"
	echo
	echo "Growth: the server's memory with N subscribers minus the idle" \
	    "server's, over N. Total: all the server's memory with N" \
	    "subscribers, over N (PSS counts pages shared by its processes" \
	    "once)."
	echo
	echo "| target | subs | connected | failed | connect ms" \
	    "| growth RSS KiB/sub | growth PSS KiB/sub | total RSS / N KiB" \
	    "| total PSS / N KiB | server RSS MiB | server PSS MiB |"
	echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
	for r in "${IDLE_ROWS[@]}"; do echo "$r"; done
	echo
}

table_fanout() {
	local r
	echo "### Fan-out, $FANOUT_RATE events/s for ${FANOUT_SECS}s"
	echo
	echo "Latency: the publisher's timestamp to receipt. Server fan-out:" \
	    "ssehub's /metrics histogram (an event's arrival in a worker to" \
	    "its last socket write), p99 as the bound of its bucket."
	echo
	echo "| target | subs | connected | published/s | publish p50 ms" \
	    "| events/s delivered | p50 ms | p99 ms | max ms | CPU us/frame" \
	    "| server fan-out p99 ms | server fan-out mean ms" \
	    "| delivered/expected | missing | dup | reordered | host CPU %" \
	    "| other CPU % |"
	printf '%s%s\n' "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|" \
	    "---:|---:|---:|---:|---:|---:|---:|---:|"
	for r in "${FANOUT_ROWS[@]}"; do echo "$r"; done
	echo
}

table_publish() {
	local r
	echo "### Publish, $PUBLISHERS keep-alive publishers for ${PUB_SECS}s"
	echo
	echo "| target | publishers | events/request | acked events/s | acked" \
	    "| errors | req p50 ms | req p99 ms | host CPU % | other CPU % |"
	echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
	for r in "${PUB_ROWS[@]}"; do echo "$r"; done
	echo
}

table_storm() {
	local r
	echo "### Storm: $STORM_SUBS subscribers connect within" \
	    "${STORM_RAMP_SECS}s, each $STORM_BEHIND events behind"
	echo
	echo "Caught up: from the first connect until every subscriber has" \
	    "all the events it was behind."
	echo
	echo "| target | subs | connected | events behind | ramp s" \
	    "| all caught up ms | caught up | events per sub (min-max)" \
	    "| server CPU s | missing | dup | reordered | host CPU %" \
	    "| other CPU % |"
	printf '%s%s\n' "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|" \
	    "---:|---:|---:|---:|"
	for r in "${STORM_ROWS[@]}"; do echo "$r"; done
	echo
}

table_xnode() {
	local r
	echo "### Cross-node: publish on node A, $XNODE_RATE events/s for" \
	    "${XNODE_SECS}s, subscribers on node B (same PostgreSQL)"
	echo
	echo "| target | subs on B | connected | published/s on A | p50 ms" \
	    "| p99 ms | max ms | delivered/expected | missing | dup" \
	    "| reordered | host CPU % | other CPU % |"
	echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
	for r in "${XNODE_ROWS[@]}"; do echo "$r"; done
	case " $TARGETS " in
	*" nchan "*)
		echo "| nchan | n/a (nodes share state only through Redis;" \
		    "not set up) | | | | | | | | | | |" ;;
	esac
	echo
}

table_sql() {
	local r
	echo "### SQL publishing: BEGIN; SELECT ssehub.publish(...); COMMIT;" \
	    "at $SQL_RATE/s for ${SQL_SECS}s (one psql session)"
	echo
	echo "Latency: the database's clock, read in the transaction's last" \
	    "statement just before COMMIT, to receipt."
	echo
	echo "| target | subs | connected | committed | commits/s | p50 ms" \
	    "| p99 ms | max ms | delivered/expected | missing | dup" \
	    "| reordered | host CPU % | other CPU % |"
	echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
	for r in "${SQL_ROWS[@]}"; do echo "$r"; done
	case " $TARGETS " in
	*" nchan "*)
		echo "| nchan | n/a (no SQL publishing) |" \
		    "| | | | | | | | | | |" ;;
	esac
	echo
}

# The command line that reproduces this run (make bench is the same as
# tests/bench/run.sh after make build).
bench_command() {
	local v cmd=
	for v in BENCH_QUICK BENCH_TARGETS BENCH_TESTS BENCH_OUT \
	    BENCH_SRC_ADDRS BENCH_FANOUT_PUB_CONNS; do
		[ -n "${!v:-}" ] && cmd+="$v=$(printf %q "${!v}") "
	done
	echo "${cmd}tests/bench/run.sh"
}

machine_line() {
	echo "$(nproc) x $(sed -n 's/^model name[[:space:]]*: //p' \
	    /proc/cpuinfo | head -1), $(awk '/^MemTotal/ {
	    printf "%.0f GiB RAM", $2 / 1048576 }' /proc/meminfo)," \
	    "$(. /etc/os-release && echo "$PRETTY_NAME"), kernel $(uname -r)," \
	    "PostgreSQL $(psql --version | awk '{print $3}')," \
	    "kore $(kore -v 2>&1 | head -1 | awk '{print $1}')," \
	    "nginx $(nginx -v 2>&1 | sed 's/.*\///')"
}


main() {
	local t
	make -s -C "$HERE" >&2
	# ssehub runs from the staged build of `make build` (kodev).
	case " $TARGETS " in
	*" ssehub "*) make -s -C "$ROOT" build >&2 ;;
	esac
	# Anything else busy on the host skews every figure; say so.
	LOAD_START=$(cut -d' ' -f1 /proc/loadavg)
	if awk -v l="$LOAD_START" 'BEGIN { exit !(l > 0.5) }'; then
		log "warning: load average $LOAD_START before start;" \
		    "results will be skewed by other work"
	fi
	MACHINE=$(machine_line)
	log "machine: $MACHINE"
	for t in $TARGETS; do
		bench_run_target "$t"
	done
	print_table | tee "$OUT/results.md"
}

main "$@"

#!/usr/bin/env bash
#
# Comparison benchmark: the same load against nginx+nchan and ssehub.
#
#   tests/bench/run.sh              full run (< 10 minutes)
#   BENCH_QUICK=1 tests/bench/run.sh  smoke run (about 1 minute)
#   BENCH_TARGETS="nchan" ...       choose targets (default: nchan ssehub)
#   BENCH_OUT=dir ...               keep raw JSON and the table in dir
#
# Tests, per target:
#   idle     N subscribers connected, server memory per subscriber
#   fan-out  N subscribers, 10 events/s for a while: latency, CPU time per
#            delivered frame, delivery rate, missing/dup/reordered
#   publish  16 keep-alive publishers as fast as they go: acked events/s
#
# A target is a function bench_target_NAME that starts the server and sets:
#   T_PORT       HTTP port on 127.0.0.1
#   T_SUB_PATH   subscriber URL path (an SSE stream of topic "bench")
#   T_PUB        ssebench pub --target value (ssehub or nchan)
#   T_TOKEN      publish token (ssehub only)
#   T_ROOT_PIDS  server PIDs; they and all their descendants are measured
# and a function bench_stop_NAME that stops what bench_target_NAME started.
# Each test gets its own bench_target_NAME/bench_stop_NAME pair.
# Everything is on loopback; nothing outside the temp dir is touched.

set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
SSEBENCH=$HERE/build/ssebench
QUICK=${BENCH_QUICK:-0}
TARGETS=${BENCH_TARGETS:-nchan ssehub}
CLK_TCK=$(getconf CLK_TCK)
SUBS_PER_PROC=5000

if [ "$QUICK" = 1 ]; then
	IDLE_COUNTS="1000 2000"
	FANOUT_COUNTS="100 1000"
	FANOUT_SECS=8
	PUB_SECS=4
else
	IDLE_COUNTS="10000 20000"
	FANOUT_COUNTS="1000 10000"
	FANOUT_SECS=30
	PUB_SECS=15
fi
FANOUT_RATE=10
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

WORK=$(mktemp -d /tmp/ssebench.XXXXXX)
OUT=${BENCH_OUT:-$WORK/out}
mkdir -p "$OUT"
BG_PIDS=()
IDLE_ROWS=()
FANOUT_ROWS=()
PUB_ROWS=()

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
	awk -v v="$1" 'BEGIN { if (v < 0) print "-"; else printf "%.1f", v }'
}

# ---- tests ----

bench_idle() {
	local n=$1 before after j conn rss pss
	log "$T_NAME idle: $n subscribers"
	before=$(server_mem_kb)
	sub_start "$n" 300 "idle$n"
	# Let the server finish its per-connection allocations.
	sleep 3
	after=$(server_mem_kb)
	sub_stop
	j=$(cat "$SUB_JSON")
	conn=$(json_get connected <<<"$j")
	if [ "${conn:-0}" -gt 0 ]; then
		rss=$(awk -v a="${after% *}" -v b="${before% *}" -v n="$conn" \
		    'BEGIN { printf "%.1f", (a - b) / n }')
		pss=$(awk -v a="${after#* }" -v b="${before#* }" -v n="$conn" \
		    'BEGIN { printf "%.1f", (a - b) / n }')
	else
		rss=- pss=-
	fi
	IDLE_ROWS+=("| $T_NAME | $n | ${conn:-0} | $(json_get failed <<<"$j") \
| $(ms "$(json_get ready_ms <<<"$j")") | $rss | $pss \
| $((${after% *} / 1024)) |")
}

bench_fanout() {
	local n=$1 t0 t1 h0 h1 j pj ev acked conn cpu_us exp busy
	log "$T_NAME fan-out: $n subscribers, $FANOUT_RATE events/s," \
	    "${FANOUT_SECS}s"
	sub_start "$n" $((FANOUT_SECS + 60)) "fanout$n"
	sleep 1
	t0=$(server_cpu_ticks)
	h0=$(host_cpu)
	pj=$("$SSEBENCH" pub --target "$T_PUB" --port "$T_PORT" \
	    --rate "$FANOUT_RATE" --duration "$FANOUT_SECS" \
	    --conns "$FANOUT_PUB_CONNS" \
	    ${T_TOKEN:+--token "$T_TOKEN"} 2>>"$OUT/ssebench.log" || true)
	echo "$pj" >"$OUT/$T_NAME.fanout$n.pub.json"
	# The last event still has to reach every subscriber.
	sleep 2
	t1=$(server_cpu_ticks)
	h1=$(host_cpu)
	sub_stop
	busy=$(awk -v a="$h0" -v b="$h1" 'BEGIN { split(a, x, " ");
	    split(b, y, " ");
	    printf "%.0f", 100 * (y[1] - x[1]) / (y[2] - x[2]) }')
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
| ${ev:-0}/$exp | $(json_get missing <<<"$j") | $(json_get dup <<<"$j") \
| $(json_get reordered <<<"$j") | $busy |")
}

bench_publish() {
	local j
	log "$T_NAME publish: $PUBLISHERS publishers, ${PUB_SECS}s"
	j=$("$SSEBENCH" pub --target "$T_PUB" --port "$T_PORT" --rate 0 \
	    --conns "$PUBLISHERS" --duration "$PUB_SECS" \
	    ${T_TOKEN:+--token "$T_TOKEN"} 2>>"$OUT/ssebench.log" || true)
	echo "$j" >"$OUT/$T_NAME.publish.json"
	PUB_ROWS+=("| $T_NAME | $PUBLISHERS \
| $(json_get acked_per_s <<<"$j") | $(json_get acked <<<"$j") \
| $(json_get errors <<<"$j") | $(ms "$(json_get req_p50_ms <<<"$j")") \
| $(ms "$(json_get req_p99_ms <<<"$j")") |")
}

# ---- targets ----

bench_target_nchan() {
	local conf=$ROOT/conf/bench/nchan.conf dir=$WORK/nginx
	T_NAME=nchan
	T_PUB=nchan
	T_TOKEN=
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

# ======================================================================
# PLACEHOLDER -- ssehub is NOT WIRED YET.  The lead replaces this with
# starting ssehub (and its PostgreSQL) and setting:
#   T_NAME=ssehub T_PUB=ssehub T_SUB_PATH='/stream?topic=bench'
#   T_PORT=<http port> T_TOKEN=<publish token> T_ROOT_PIDS=<kore pids>
# bench_stop_ssehub must then stop exactly what was started.
# ======================================================================
bench_target_ssehub() {
	log "ssehub: not wired yet (placeholder in tests/bench/run.sh)"
	return 1
}

bench_stop_ssehub() {
	:
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

bench_run_target() {
	local n
	NOT_RUN=0
	for n in $IDLE_COUNTS; do
		bench_fresh "$1" bench_idle "$n" || break
	done
	if [ "$NOT_RUN" = 1 ]; then
		IDLE_ROWS+=("| $1 | not run | | | | | | |")
		FANOUT_ROWS+=("| $1 | not run | | | | | | | | | | | | | |")
		PUB_ROWS+=("| $1 | not run | | | | | |")
		return 0
	fi
	for n in $FANOUT_COUNTS; do
		bench_fresh "$1" bench_fanout "$n"
	done
	bench_fresh "$1" bench_publish
}

print_table() {
	local r
	echo "## SSE benchmark ($(date -u +%F), $(nproc) CPUs," \
	    "BENCH_QUICK=$QUICK, load average at start $LOAD_START)"
	echo
	echo "### Idle subscribers"
	echo
	echo "| target | subs | connected | failed | connect ms" \
	    "| RSS KiB/sub | PSS KiB/sub | server RSS MiB |"
	echo "|---|---:|---:|---:|---:|---:|---:|---:|"
	for r in "${IDLE_ROWS[@]}"; do echo "$r"; done
	echo
	echo "### Fan-out, $FANOUT_RATE events/s for ${FANOUT_SECS}s"
	echo
	echo "| target | subs | connected | published/s | publish p50 ms" \
	    "| events/s delivered | p50 ms | p99 ms | max ms | CPU us/frame" \
	    "| delivered/expected | missing | dup | reordered | host CPU % |"
	printf '%s%s\n' "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|" \
	    "---:|---:|---:|---:|---:|"
	for r in "${FANOUT_ROWS[@]}"; do echo "$r"; done
	echo
	echo "### Publish, $PUBLISHERS keep-alive publishers for ${PUB_SECS}s"
	echo
	echo "| target | publishers | acked events/s | acked | errors" \
	    "| req p50 ms | req p99 ms |"
	echo "|---|---:|---:|---:|---:|---:|---:|"
	for r in "${PUB_ROWS[@]}"; do echo "$r"; done
}

main() {
	local t
	make -s -C "$HERE" >&2
	# Anything else busy on the host skews every figure; say so.
	LOAD_START=$(cut -d' ' -f1 /proc/loadavg)
	if awk -v l="$LOAD_START" 'BEGIN { exit !(l > 0.5) }'; then
		log "warning: load average $LOAD_START before start;" \
		    "results will be skewed by other work"
	fi
	for t in $TARGETS; do
		bench_run_target "$t"
	done
	print_table | tee "$OUT/results.md"
}

main "$@"

#!/bin/bash
# Stress and soak runs, each against its own PostgreSQL cluster (var/
# stress, port 18732: STRESS_VAR, STRESS_PG_PORT move them) and a server
# on ports 19600/19601 (STRESS_PORT).
#
#   run.sh            make stress: 12,000 unique-topic streams + 5,000
#                     non-reading replays of 50,000 ~1 KiB events
#                     (tests/stress/unique.mjs; 17,000 sockets)
#   run.sh small      the same scaled down (2,000 + 500, 5,000 events),
#                     plus a 60 s soak: part of make test
#   run.sh soak [S]   make soak: publishing, reconnect churn, retention on,
#                     S seconds (SOAK_SECONDS, default 3600), sampled
#                     every minute (tests/stress/soak.mjs)
#
# Needs ulimit -n of 20,000 for the full run (the server's workers and
# the client processes each hold up to ~9,000 sockets).
set -euo pipefail

root=$(cd "$(dirname "$0")/../.." && pwd)
var=${STRESS_VAR:-$root/var/stress}
port=${STRESS_PG_PORT:-18732}
mode=${1:-full}

export SSEHUB_TEST_VAR=$var/servers
. "$root/tests/lib/suite.sh"
mkdir -p "$var"
make -s -C "$root/tests/bench"
suite_cluster "$var" "$port"

cd "$root"
echo "load on this machine: $(cut -d' ' -f1-3 /proc/loadavg), $(nproc) cores"
case $mode in
full)
	ulimit -n 20000 2>/dev/null || true
	node tests/stress/unique.mjs
	;;
small)
	# Both, even after a failure of the first.
	c=0
	STRESS_TOPICS=2000 STRESS_REPLAYS=500 STRESS_HISTORY=5000 \
	    node tests/stress/unique.mjs || c=1
	SOAK_SECONDS=60 SOAK_SAMPLE_SECONDS=10 node tests/stress/soak.mjs || c=1
	exit $c
	;;
soak)
	SOAK_SECONDS=${2:-${SOAK_SECONDS:-3600}} node tests/stress/soak.mjs
	;;
*)
	echo "usage: run.sh [full|small|soak [SECONDS]]" >&2
	exit 2
	;;
esac

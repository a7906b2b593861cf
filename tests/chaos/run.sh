#!/bin/bash
# Chaos run (make chaos): its own PostgreSQL cluster (var/chaos, port
# 18632) and one ssehub instance on ports 18950/18951, driven by
# tests/chaos/chaos.mjs, after the checker's own tests (verify.test.mjs).
# Duration: first argument or CHAOS_SECONDS (default 60; make chaos: 600).
# Exit status nonzero on any violation.
set -euo pipefail

root=$(cd "$(dirname "$0")/../.." && pwd)
var=$root/var/chaos
port=18632
export CHAOS_SECONDS=${1:-${CHAOS_SECONDS:-60}}
export CHAOS_PG_VAR=$var CHAOS_PG_PORT=$port

export SSEHUB_TEST_VAR=$var/servers
. "$root/tests/lib/suite.sh"
suite_cluster "$var" "$port"

cd "$root"
node --test tests/chaos/verify.test.mjs >"$var/verify-test.log" 2>&1 || {
	cat "$var/verify-test.log"
	exit 1
}
node tests/chaos/chaos.mjs

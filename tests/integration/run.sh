#!/bin/bash
# Integration tests: a real PostgreSQL (its own cluster and port) and real
# ssehub processes on ports 18100-18999, driven by node:test.
set -euo pipefail

root=$(cd "$(dirname "$0")/../.." && pwd)
# Another checkout's run (or CI) may hold the defaults: both can be moved.
var=${ITEST_VAR:-$root/var/itest}
port=${ITEST_PG_PORT:-18432}

export SSEHUB_TEST_VAR=$var/servers ITEST_VAR=$var ITEST_PG_PORT=$port
. "$root/tests/lib/suite.sh"
# The libpq fault-injection shim (LD_PRELOAD) for core_faults.test.mjs.
export ITEST_FAULT_SHIM=$var/fault_shim.so
mkdir -p "$var"
cc -shared -fPIC -O2 -Wall -o "$ITEST_FAULT_SHIM" \
    "$root/tests/integration/fault_shim.c" -ldl
suite_cluster "$var" "$port"

cd "$root"
files=${*:-tests/integration/*.test.mjs}
node --test --test-concurrency=1 --test-reporter=spec $files

#!/bin/bash
# SQL tests: ssehub's SQL functions and its migrations (sql/), against a
# real PostgreSQL (its own cluster and port), by hand (psql -f) and by
# real ssehub processes on ports 18601-18602, driven by node:test.
set -euo pipefail

root=$(cd "$(dirname "$0")/../.." && pwd)
# Another checkout's run (or CI) may hold the defaults: both can be moved.
var=${SQLTEST_VAR:-$root/var/sqltest}
port=${SQLTEST_PG_PORT:-18532}

export SSEHUB_TEST_VAR=$var/servers
. "$root/tests/lib/suite.sh"
suite_cluster "$var" "$port"

cd "$root"
files=${*:-tests/sql/*.test.mjs}
node --test --test-concurrency=1 --test-reporter=spec $files

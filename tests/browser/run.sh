#!/bin/bash
# Browser tests of the dashboard and the client library (make browser):
# Debian's chromium driven by playwright-core, with node's own test
# runner, after the library's own unit tests (clients/js/test). Starts
# its own PostgreSQL and ssehub on ports 19050-19054 (BROWSER_PORT_BASE
# moves them), stops them on exit. Screenshots land in
# tests/browser/artifacts/ (not committed). Arguments: test files to run
# instead of all.
set -euo pipefail

root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"

base=${BROWSER_PORT_BASE:-19050}
pg_var=${BROWSER_PG_VAR:-$root/var/browser-pg}
pg_port=$base

if [ ! -f build/ssehub/ssehub.so ]; then
	echo "browser tests: build first (make build)" >&2
	exit 1
fi
if [ ! -d tests/node_modules/playwright-core ]; then
	(cd tests && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 \
	    npm ci --no-audit --no-fund)
fi

cleanup() {
	tests/lib/server.sh stop browser || true
	tests/lib/server.sh stop browser-peer || true
	tests/lib/pg.sh stop "$pg_var"
}
trap cleanup EXIT

tests/lib/pg.sh start "$pg_var" "$pg_port"
SSEHUB_DB=$(tests/lib/pg.sh url "$pg_var" "$pg_port")
export SSEHUB_DB
export SSEHUB_TOKEN=browser-test-token
export SSEHUB_TICK_MS=500 SSEHUB_HEARTBEAT_MS=1000
export BROWSER_HTTP=$((base + 1)) BROWSER_HTTPS=$((base + 2))
export BROWSER_PEER_HTTP=$((base + 3)) BROWSER_PEER_HTTPS=$((base + 4))

tests/lib/server.sh start browser "$BROWSER_HTTP" "$BROWSER_HTTPS"
mkdir -p tests/browser/artifacts

node --test clients/js/test/

# One file at a time: the outage tests kill the shared server.
if [ $# -gt 0 ]; then
	node --test --test-concurrency=1 "$@"
else
	node --test --test-concurrency=1 tests/browser/*.test.mjs
fi

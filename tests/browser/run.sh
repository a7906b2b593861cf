#!/bin/bash
# Browser tests of the dashboard (make browser): Debian's chromium driven
# by playwright-core, with node's own test runner. Starts its own
# PostgreSQL and ssehub on ports 19050-19054, stops them on exit.
# Screenshots land in tests/browser/artifacts/ (not committed).
set -euo pipefail

root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"

pg_var=$root/var/browser-pg
pg_port=19050

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
export BROWSER_HTTP=19051 BROWSER_HTTPS=19052
export BROWSER_PEER_HTTP=19053 BROWSER_PEER_HTTPS=19054

tests/lib/server.sh start browser "$BROWSER_HTTP" "$BROWSER_HTTPS"
mkdir -p tests/browser/artifacts

# One file at a time: the outage test kills the shared server.
node --test --test-concurrency=1 tests/browser/*.test.mjs

#!/bin/bash
# HTTP/2 front tests: a PostgreSQL (port 19250), one ssehub (19201 plain,
# 19202 TLS), the front from conf/nginx-h2.conf (19203), and a control
# front identical but for nginx's default proxy_read_timeout (19204);
# then node:test on tests/h2/*.test.mjs (about 80 s: hold.test.mjs holds a
# stream through more than 60 s of upstream silence; the other files run
# meanwhile).
set -euo pipefail

root=$(cd "$(dirname "$0")/../.." && pwd)
var=$root/var/h2
pgport=19250

export H2_PLAIN_PORT=19201 H2_TLS_PORT=19202
export H2_FRONT_PORT=19203 H2_FRONT_DEFAULT_PORT=19204
export SSEHUB_TOKEN=h2-test-token-1234
export SSEHUB_TICK_MS=0
# Above 60 s, so that a stream is silent longer than nginx's default
# proxy_read_timeout between two heartbeats (hold.test.mjs).
export SSEHUB_HEARTBEAT_MS=64000
export SSEHUB_TEST_VAR=$var/servers

[ -d "$root/tests/node_modules/playwright-core" ] || (cd "$root/tests" && npm ci --no-audit --no-fund)
[ -f "$root/build/ssehub/ssehub.so" ] || make -C "$root" -s build

export SSEHUB_DB="$("$root/tests/lib/pg.sh" url "$root/var/h2-pg" "$pgport")"

# Everything this started stops, pass, fail or Ctrl-C.
cleanup() {
	"$root/tests/h2/front.sh" stop "$var/front" || true
	"$root/tests/h2/front.sh" stop "$var/front-default" || true
	"$root/tests/lib/server.sh" kill h2 || true
	"$root/tests/lib/pg.sh" stop "$root/var/h2-pg"
}
trap cleanup EXIT
"$root/tests/lib/pg.sh" start "$root/var/h2-pg" "$pgport"

mkdir -p "$var"
"$root/tests/lib/server.sh" start h2 "$H2_PLAIN_PORT" "$H2_TLS_PORT"
"$root/tests/h2/front.sh" start "$var/front" "$H2_FRONT_PORT" "$H2_PLAIN_PORT"

# The control: the shipped template minus its proxy_read_timeout for
# /stream, i.e. nginx's default of 60 s.
grep -q 'proxy_read_timeout[[:space:]]*1h;' "$root/conf/nginx-h2.conf"
sed '/proxy_read_timeout[[:space:]]*1h;/d' "$root/conf/nginx-h2.conf" >"$var/nginx-default.conf"
FRONT_CONF=$var/nginx-default.conf \
    "$root/tests/h2/front.sh" start "$var/front-default" "$H2_FRONT_DEFAULT_PORT" "$H2_PLAIN_PORT"

cd "$root"
files=${*:-tests/h2/*.test.mjs}
node --test --test-concurrency=3 --test-reporter=spec $files

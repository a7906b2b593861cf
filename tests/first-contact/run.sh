#!/bin/bash
# First contact, as a new user would make it: a copy of this checkout (its
# committed and uncommitted files) in a fresh folder of mode 0700, like
# root's home, which the postgres user cannot enter; named ssehub, as a
# plain `git clone` names it, so that kodev finds the app.
#   1. make run serves /, /stream and /publish on 8080 and 8443; Ctrl-C
#      stops the server and leaves the local PostgreSQL running.
#   2. kodev run in the checkout serves the same, on that PostgreSQL.
#   3. After make stop, kodev run says in one line what is missing.
#   4. Ctrl-C in the middle of tests/run-all.sh (the integration suite):
#      its "leftovers" line passes, nothing of it is left.
# It needs make run's own ports (8080, 8443, PostgreSQL 5499) and exits
# 77 (skipped) when one is taken, e.g. by a make run of your own.
set -euo pipefail

root=$(cd "$(dirname "$0")/../.." && pwd)

for port in 8080 8443 5499; do
	if (: </dev/tcp/127.0.0.1/"$port") 2>/dev/null; then
		echo "first contact: SKIP: port $port is taken" >&2
		exit 77
	fi
done

# A new user's shell has none of the settings make test exports.
for v in $(env | sed -n 's/^\(SSEHUB_[A-Z_]*\)=.*/\1/p'); do
	[ "$v" = SSEHUB_TEST_RUN ] || unset "$v"
done
unset VAR

tmp=$(mktemp -d)
clone=$tmp/ssehub
pid=
cleanup() {
	[ -z "$pid" ] || kill -KILL -- "-$pid" 2>/dev/null || true
	[ ! -d "$clone" ] || "$root/tests/lib/pg.sh" destroy "$clone/var"
	rm -rf "$tmp"
}
trap cleanup EXIT

check() {
	local what=$1
	shift
	if "$@"; then
		echo "ok   $what"
	else
		echo "FAIL $what" >&2
		exit 1
	fi
}

# Like a command typed in a terminal: a process group of its own, with
# SIGINT's default action (a script's background jobs ignore it).
start() {
	local log=$1
	shift
	setsid perl -e '$SIG{INT} = "DEFAULT"; exec @ARGV' "$@" \
	    >"$log" 2>&1 </dev/null &
	pid=$!
}

# Ctrl-C: SIGINT to the group; the exit status once it is gone.
ctrl_c() {
	local rc=0
	kill -INT -- "-$pid"
	wait "$pid" || rc=$?
	pid=
	return "$rc"
}

up() {
	local i
	for i in $(seq 1 3000); do
		curl -sf -o /dev/null http://127.0.0.1:8080/healthz && return 0
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	echo "nothing on 8080; log:" >&2
	tail -20 "$1" >&2
	return 1
}

down() {
	! curl -s -o /dev/null --max-time 2 http://127.0.0.1:8080/healthz
}

# The page, a stream (retry:, then the built-in ticker's event), and a
# publish with the token make run printed.
serves() {
	local base=$1 token
	token=$(cat "$clone/var/publish.token")
	curl -sfk "$base/" | grep -q '<html' &&
	    { curl -sk -N --max-time 3 "$base/stream" || true; } >"$tmp/stream" &&
	    grep -q '^retry: ' "$tmp/stream" && grep -q '^id: ' "$tmp/stream" &&
	    curl -sfk -H "Authorization: Bearer $token" \
	    -H 'Content-Type: application/json' \
	    -d '{"topic":"first","data":"hello"}' "$base/publish" |
	    grep -q '^{"id":[0-9]*}'
}

db_up() {
	psql "$("$root/tests/lib/pg.sh" url "$clone/var")" -qtAc 'SELECT 1' \
	    >/dev/null 2>&1
}

# Where the cluster lives: as root outside the checkout (postgres cannot
# enter it), linked from var/; as a user in var/ itself.
cluster_placed() {
	if [ "$(id -u)" -eq 0 ]; then
		[ -L "$clone/var/pgdata" ] &&
		    case $(readlink "$clone/var/pgdata") in
		    /var/lib/ssehub-dev/*) true ;;
		    *) false ;;
		    esac
	else
		[ -d "$clone/var/pgdata" ] && [ ! -L "$clone/var/pgdata" ]
	fi
}

mkdir "$clone"
git -C "$root" ls-files -z -co --exclude-standard |
    tar -C "$root" --null -T - -cf - | tar -C "$clone" -xf -

# 1. make run
start "$tmp/make-run.log" make -C "$clone" run
check "make run: up on 8080" up "$tmp/make-run.log"
check "make run: serves http://127.0.0.1:8080" serves http://127.0.0.1:8080
check "make run: serves https://127.0.0.1:8443" serves https://127.0.0.1:8443
check "the 0700 folder is still 0700" [ "$(stat -c %a "$tmp")" = 700 ]
check "the cluster is where postgres may go" cluster_placed
rc=0
ctrl_c || rc=$?
check "Ctrl-C stops make run (status $rc)" down
check "the local PostgreSQL keeps running" db_up

# 2. kodev run, in the checkout
start "$tmp/kodev-run.log" env -C "$clone" kodev run
check "kodev run: up on 8080" up "$tmp/kodev-run.log"
check "kodev run: serves http://127.0.0.1:8080" serves http://127.0.0.1:8080
check "kodev run: serves https://127.0.0.1:8443" serves https://127.0.0.1:8443
rc=0
ctrl_c || rc=$?
check "Ctrl-C stops kodev run (status $rc)" down

# 3. No database
make -s -C "$clone" stop
check "make stop stops the local PostgreSQL" eval '! db_up'
rc=0
(cd "$clone" && timeout 120 kodev run) >"$tmp/no-db.log" 2>&1 || rc=$?
grep 'no database' "$tmp/no-db.log" || true
check "kodev run without a database fails (status $rc)" [ "$rc" -ne 0 ]
check "... with one line naming what is missing and make db" \
    [ "$(grep -c 'no database: .*`make db`' "$tmp/no-db.log")" -eq 1 ]

# 4. Ctrl-C during a test run
rm -f "$root"/var/itest/servers/*/pid
start "$tmp/run-all.log" "$root/tests/run-all.sh" integration
for i in $(seq 1 600); do
	! compgen -G "$root/var/itest/servers/*/pid" >/dev/null || break
	sleep 0.1
done
check "the integration suite started a server" \
    compgen -G "$root/var/itest/servers/*/pid"
sleep 1
rc=0
ctrl_c || rc=$?
sed -n '/=== summary/,$p' "$tmp/run-all.log"
check "run-all.sh ends as interrupted (status $rc)" [ "$rc" -eq 130 ]
check "... and nothing of it is left" \
    grep -q '^PASS leftovers' "$tmp/run-all.log"

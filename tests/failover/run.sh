#!/bin/bash
# PostgreSQL failover (issue 12): a primary and a streaming standby
# (pg_basebackup -R, a replication slot), one ssehub whose SSEHUB_DB names
# both (target_session_attrs=read-write), HTTP publishers with
# Idempotency-Keys and reconnecting subscribers; mid-run the primary is
# killed (pg_ctl stop -m immediate) and the standby promoted. Checked by
# tests/failover/failover.mjs. Two modes, each on fresh clusters:
#   sync   synchronous_standby_names on the primary, synchronous_commit=on:
#          every acknowledged event is delivered exactly once afterwards
#   async  asynchronous replication, the standby cut off from the primary
#          a few seconds before the kill, so the last acknowledged events
#          are lost: ids must not be drawn again, and a cursor inside the
#          lost range must get a reset
#
#   tests/failover/run.sh [SECONDS] [sync|async|both]
# SECONDS per mode (default FAILOVER_SECONDS or 12; make failover: 120).
# Ports: PostgreSQL FAILOVER_PG_PORT and +1 (18960, 18961), ssehub
# FAILOVER_HTTP_PORT..+3 (19520-19523). Exit status nonzero on any
# violation.
set -euo pipefail

root=$(cd "$(dirname "$0")/../.." && pwd)
seconds=${1:-${FAILOVER_SECONDS:-12}}
modes=${2:-both}
[ "$modes" != both ] || modes="sync async"
var=${FAILOVER_VAR:-$root/var/failover}
pgport=${FAILOVER_PG_PORT:-18960}
http=${FAILOVER_HTTP_PORT:-19520}
primary=$var/primary
standby=$var/standby
pg=$root/tests/lib/pg.sh

export SSEHUB_TEST_VAR=$var/servers
export FAILOVER_SECONDS=$seconds FAILOVER_PRIMARY=$primary \
    FAILOVER_STANDBY=$standby FAILOVER_PG_PORT=$pgport \
    FAILOVER_HTTP_PORT=$http
# Both hosts; libpq tries them in order and keeps the one that accepts
# writes: the primary, and after the failover the promoted standby.
export SSEHUB_DB="host=$primary/pgrun,$standby/pgrun port=$pgport,$((pgport + 1)) dbname=ssehub user=ssehub gssencmode=disable target_session_attrs=read-write"

# Both clusters stop on exit, pass, fail or Ctrl-C, as on every new mode.
. "$root/tests/lib/suite.sh"
suite_clusters=("$primary" "$standby")

[ -f "$root/build/ssehub/ssehub.so" ] || {
	echo "failover: build/ssehub/ssehub.so missing: make build" >&2
	exit 1
}

cd "$root"
rc=0
for mode in $modes; do
	echo "=== failover, $mode replication, $seconds s"
	suite_cleanup "$primary" "$standby"
	"$pg" destroy "$primary"
	"$pg" destroy "$standby"
	rm -rf "$SSEHUB_TEST_VAR"
	"$pg" start "$primary" "$pgport"
	"$pg" standby "$standby" "$primary" "$pgport" standby1
	"$pg" start "$standby" "$((pgport + 1))"
	if [ "$mode" = sync ]; then
		# Only now: the standby's copy of the configuration must not
		# name itself (after its promotion, commits would wait for a
		# standby that does not exist).
		psql -h "$primary/pgrun" -p "$pgport" -U ssehub -d postgres \
		    -qXc "ALTER SYSTEM SET synchronous_standby_names = 'standby1'" \
		    -c "ALTER SYSTEM SET synchronous_commit = on" \
		    -c "SELECT pg_reload_conf()" >/dev/null
	fi
	FAILOVER_MODE=$mode node tests/failover/failover.mjs || rc=1
done
suite_cleanup "$primary" "$standby"
"$pg" destroy "$primary"
"$pg" destroy "$standby"
exit $rc

#!/bin/sh
# A project-local PostgreSQL 15 cluster: pg.sh start|stop|kill|url VARDIR [PORT]
# (stop: fast shutdown; kill: immediate shutdown, a crash without fsync loss)
#
# Data in VARDIR/pgdata, socket in VARDIR/pgrun, superuser "ssehub",
# database "ssehub". Reused, never wiped. initdb refuses to run as root,
# so as root the cluster belongs to the "postgres" user.
set -eu

cmd=$1
var=$(realpath -m "$2")
port=${3:-5499}
bin=/usr/lib/postgresql/15/bin
data=$var/pgdata
run=$var/pgrun

as_owner() {
	if [ "$(id -u)" -eq 0 ]; then
		runuser -u postgres -- "$@"
	else
		"$@"
	fi
}

case $cmd in
start)
	mkdir -p "$var"
	if [ ! -d "$data" ]; then
		mkdir -p "$data" "$run"
		[ "$(id -u)" -eq 0 ] && chown postgres:postgres "$data" "$run"
		as_owner "$bin/initdb" -D "$data" -U ssehub -E UTF8 \
		    --auth=trust >"$var/initdb.log"
	fi
	if ! as_owner "$bin/pg_ctl" -D "$data" status >/dev/null 2>&1; then
		as_owner "$bin/pg_ctl" -D "$data" -l "$run/postgres.log" -w \
		    -o "-p $port -k $run -c listen_addresses=127.0.0.1" \
		    start >/dev/null
	fi
	psql -h "$run" -p "$port" -U ssehub -d postgres -qtAc \
	    "SELECT 1 FROM pg_database WHERE datname='ssehub'" | grep -q 1 ||
	    psql -h "$run" -p "$port" -U ssehub -d postgres -qc \
	    "CREATE DATABASE ssehub"
	;;
stop)
	[ -d "$data" ] || exit 0
	as_owner "$bin/pg_ctl" -D "$data" -m fast stop >/dev/null 2>&1 || true
	;;
kill)
	[ -d "$data" ] || exit 0
	as_owner "$bin/pg_ctl" -D "$data" -m immediate stop >/dev/null 2>&1 || true
	;;
url)
	echo "host=$run port=$port dbname=ssehub user=ssehub gssencmode=disable"
	;;
*)
	echo "usage: pg.sh start|stop|kill|url VARDIR [PORT]" >&2
	exit 2
	;;
esac

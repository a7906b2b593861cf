#!/bin/sh
# A project-local PostgreSQL 15 cluster:
#   pg.sh start|stop|kill|url|destroy VARDIR [PORT]
#   pg.sh standby VARDIR PRIMARY_VARDIR PRIMARY_PORT NAME
#   pg.sh promote VARDIR
# (stop: fast shutdown; kill: immediate shutdown, a crash without fsync loss;
# standby: a streaming standby of the cluster in PRIMARY_VARDIR, made with
# pg_basebackup -R through a replication slot NAME, reporting itself as
# application_name NAME; start it with `start`; promote: pg_ctl promote)
#
# Data in VARDIR/pgdata, socket in VARDIR/pgrun, superuser "ssehub",
# database "ssehub". Reused, never wiped (destroy removes it).
#
# initdb and postgres refuse to run as root, so as root the cluster
# belongs to the "postgres" user, who cannot enter a checkout in root's
# home (mode 0700) or in most users' homes. Loosening those folders is
# not ours to do, so as root the cluster lives where postgres may go:
# /var/lib/ssehub-dev/<VARDIR's name>-<hash of VARDIR>/{data,run}, mode
# 0700, on disk that survives a reboot (the data of `make run` is kept),
# and VARDIR/pgdata and VARDIR/pgrun are links to it, so the socket path
# (and ssehub's default conninfo) is the same for root and for a user.
# As any other user the cluster is made in VARDIR itself.
set -eu

cmd=$1
var=$(realpath -m "$2")
port=${3:-5499}
bin=/usr/lib/postgresql/15/bin
home=/var/lib/ssehub-dev
root=0
[ "$(id -u)" -ne 0 ] || root=1

# Commands run as the cluster's owner start in / : postgres may not be
# allowed to enter the caller's folder.
as_owner() {
	if [ "$root" -eq 1 ]; then
		(cd / && runuser -u postgres -- "$@")
	else
		"$@"
	fi
}

# Creates VARDIR/pgdata and VARDIR/pgrun (links, as root) for initdb.
create() {
	mkdir -p "$var"
	if [ "$root" -eq 0 ]; then
		mkdir -p -m 0700 "$var/pgdata" "$var/pgrun"
		return
	fi
	dir=$home/$(basename "$var")-$(printf %s "$var" | sha256sum | cut -c1-12)
	install -d -m 0755 "$home"
	install -d -m 0700 -o postgres -g postgres "$dir" "$dir/data" \
	    "$dir/run"
	# Whose cluster this is, for whoever looks in /var/lib/ssehub-dev.
	echo "$var" >"$dir/checkout"
	# A real folder here is what an initdb that postgres could not run
	# in left behind (before the links): empty.
	[ -L "$var/pgdata" ] || rm -rf "$var/pgdata" "$var/pgrun"
	ln -sfn "$dir/data" "$var/pgdata"
	ln -sfn "$dir/run" "$var/pgrun"
}

[ "$cmd" != start ] || [ -f "$var/pgdata/PG_VERSION" ] || create
[ "$cmd" != standby ] || [ -f "$var/pgdata/PG_VERSION" ] || create
# The folders themselves: postgres is given no path through VARDIR.
data=$(realpath -m "$var/pgdata")
run=$(realpath -m "$var/pgrun")

case $cmd in
start)
	if [ ! -f "$data/PG_VERSION" ]; then
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
	[ -f "$data/PG_VERSION" ] || exit 0
	as_owner "$bin/pg_ctl" -D "$data" -m fast stop >/dev/null 2>&1 || true
	;;
kill)
	[ -f "$data/PG_VERSION" ] || exit 0
	as_owner "$bin/pg_ctl" -D "$data" -m immediate stop >/dev/null 2>&1 || true
	;;
destroy)
	"$0" stop "$var"
	if [ -L "$var/pgdata" ]; then
		rm -rf "$(dirname "$data")"
	fi
	rm -rf "$var/pgdata" "$var/pgrun" "$var/initdb.log"
	;;
standby)
	[ ! -f "$data/PG_VERSION" ] || { echo "pg.sh: $var exists" >&2; exit 1; }
	prun=$(realpath -m "$3/pgrun")
	as_owner "$bin/pg_basebackup" -D "$data" -R -X stream -c fast -C \
	    -S "$5" \
	    -d "host=$prun port=$4 user=ssehub application_name=$5"
	;;
promote)
	as_owner "$bin/pg_ctl" -D "$data" -w promote >/dev/null
	;;
url)
	echo "host=$var/pgrun port=$port dbname=ssehub user=ssehub" \
	    "gssencmode=disable"
	;;
*)
	echo "usage: pg.sh start|stop|kill|url|destroy|standby|promote VARDIR ..." >&2
	exit 2
	;;
esac

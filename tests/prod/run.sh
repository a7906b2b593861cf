#!/bin/bash
# The production deployment, for real, as `make install` makes it: the
# prod flavor, kore.conf, the unit, the user, the key and env, installed
# into a scratch PREFIX and SYSCONFDIR under var/prod (so a host's own
# /usr/local and /etc/ssehub are never touched), configured as an admin
# would (test ports, SSEHUB_DB), then the installed unit run as systemd
# would run it (tests/prod/unit.sh): started as root, workers chrooted,
# running as `ssehub`, under seccomp; PostgreSQL over TCP (127.0.0.1:19251)
# from inside the chroot; Kore's own TLS on 19281, plain HTTP on 19280.
# prod.test.mjs checks /proc and the API; upgrade.test.mjs installs again
# over the running server; then make uninstall.
#
# Needs root (chroot, setresuid): exits 77 (skipped) otherwise.
# PROD_SECCOMP_TRACING=1 adds `seccomp_tracing yes` to find a missing
# system call in the log.
set -euo pipefail

root=$(cd "$(dirname "$0")/../.." && pwd)
var=$root/var/prod
pgvar=$root/var/prod-pg
pgport=19251
http=19280
https=19281

if [ "$(id -u)" -ne 0 ]; then
	echo "tests/prod: SKIP: needs root (chroot, the switch to ssehub)" >&2
	exit 77
fi

[ -d "$root/tests/node_modules" ] ||
    (cd "$root/tests" && npm ci --no-audit --no-fund)

export PROD_PREFIX=$var/usr PROD_SYSCONFDIR=$var/etc
conf=$PROD_SYSCONFDIR/ssehub
unit=$PROD_PREFIX/lib/systemd/system/ssehub.service
export PROD_CONF=$conf PROD_UNIT=$unit PROD_STATE=$var/run

cleanup() {
	"$root/tests/prod/unit.sh" stop "$PROD_STATE" || true
	"$root/tests/lib/pg.sh" stop "$pgvar"
}
trap cleanup EXIT

# 1. A fresh install, with the command an operator runs.
rm -rf "$PROD_PREFIX" "$PROD_SYSCONFDIR"
make -C "$root" -s install PREFIX="$PROD_PREFIX" \
    SYSCONFDIR="$PROD_SYSCONFDIR" SYSTEMCTL=:

# 2. What an admin does next: ports (the test's) in kore.conf, the
#    database in env. The upgrade test checks both survive.
sed -i -e "s|bind 0.0.0.0 8443|bind 127.0.0.1 $https|" \
    -e "s|bind 127.0.0.1 8080|bind 127.0.0.1 $http|" "$conf/kore.conf"
grep -q "bind 127.0.0.1 $https" "$conf/kore.conf"
grep -q "bind 127.0.0.1 $http" "$conf/kore.conf"
if [ -n "${PROD_SECCOMP_TRACING:-}" ]; then
	echo "seccomp_tracing yes" >>"$conf/kore.conf"
fi
cat >>"$conf/env" <<EOF
SSEHUB_DB="host=127.0.0.1 port=$pgport dbname=ssehub user=ssehub gssencmode=disable"
SSEHUB_VAR=$var/state
SSEHUB_TICK_MS=500
SSEHUB_HEARTBEAT_MS=1000
EOF
mkdir -p "$var/state"

# 3. PostgreSQL, reached over TCP (no Unix socket inside the chroot).
"$root/tests/lib/pg.sh" start "$pgvar" "$pgport"
export PROD_DB="host=127.0.0.1 port=$pgport dbname=ssehub user=ssehub"
export PROD_PG_VAR=$pgvar PROD_PG_PORT=$pgport
export PROD_HTTP=$http PROD_HTTPS=$https

# 4. Started as systemd would start the installed unit.
"$root/tests/prod/unit.sh" start "$unit" "$PROD_STATE" \
    "http://127.0.0.1:$http/healthz"

cd "$root"
node --test --test-concurrency=1 --test-reporter=spec \
    tests/prod/prod.test.mjs tests/prod/upgrade.test.mjs

# 5. make uninstall, after the stop that systemctl disable --now does: the
#    program files go, the admin's configuration and key stay.
"$root/tests/prod/unit.sh" stop "$PROD_STATE"
make -C "$root" -s uninstall PREFIX="$PROD_PREFIX" \
    SYSCONFDIR="$PROD_SYSCONFDIR" SYSTEMCTL=:
for f in "$PROD_PREFIX/lib/ssehub/ssehub.so" "$unit" \
    "$PROD_PREFIX/share/ssehub/routes.conf"; do
	if [ -e "$f" ]; then
		echo "make uninstall left $f" >&2
		exit 1
	fi
done
for f in kore.conf env cert/key.pem; do
	if [ ! -f "$conf/$f" ]; then
		echo "make uninstall removed $conf/$f" >&2
		exit 1
	fi
done
echo "make uninstall: program files removed, $conf kept"

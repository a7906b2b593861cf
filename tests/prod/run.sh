#!/bin/bash
# The production deployment, for real: the prod flavor built in a staging
# folder, started as root with a kore.conf derived from the repo's, workers
# chrooted, running as `ssehub`, under seccomp; PostgreSQL over TCP
# (127.0.0.1:19251) from inside the chroot; Kore's own TLS on 19281, plain
# HTTP on 19280. Then tests/prod/prod.test.mjs checks /proc and the API.
#
# Needs root (chroot, setresuid). PROD_SECCOMP_TRACING=1 adds
# `seccomp_tracing yes` to find a missing system call in the log.
set -euo pipefail

root=$(cd "$(dirname "$0")/../.." && pwd)
. "$root/tests/lib/proc.sh"
var=$root/var/prod
pgport=19251
http=19280
https=19281
user=ssehub

if [ "$(id -u)" -ne 0 ]; then
	echo "tests/prod: needs root (chroot and the switch to '$user'); skipped" >&2
	exit 0
fi

[ -d "$root/tests/node_modules" ] || (cd "$root/tests" && npm ci --no-audit --no-fund)
[ -d "$root/build/ssehub/src" ] || make -C "$root" -s build
make -C "$root" -s cert

# The unprivileged user the workers and the key manager run as.
if ! getent passwd "$user" >/dev/null; then
	useradd --system --user-group --no-create-home \
	    --home-dir /nonexistent --shell /usr/sbin/nologin "$user"
	echo "created system user $user"
fi

# 1. Build the prod flavor in a staging folder named ssehub (kodev names
#    the app after its folder), never switching build/ssehub's flavor.
stage_parent=$(mktemp -d "${TMPDIR:-/tmp}/ssehub-prod.XXXXXX")
trap 'rm -rf "$stage_parent"' EXIT
stage=$stage_parent/ssehub
mkdir -p "$stage"
for d in src assets conf; do
	cp -rL "$root/build/ssehub/$d" "$stage/$d"
done
(cd "$stage" && kodev flavor prod >/dev/null && kodev build)
# The prod flavor: -O2 -DNDEBUG, no -g.
if readelf -S "$stage/ssehub.so" | grep -q '\.debug_info'; then
	echo "tests/prod: the prod build has debug info: not the prod flavor" >&2
	exit 1
fi

# 2. The deployment folder, as an operator would lay out /srv/ssehub:
#    ssehub.so, kore.conf, conf/routes.conf, cert/. The key manager
#    chroots here (keymgr_root .) as `ssehub` and reads cert/key.pem, so
#    the key belongs to ssehub, mode 0600.
deploy=$var/deploy
chroot=$var/chroot
rm -rf "$deploy"
mkdir -p "$deploy/conf" "$deploy/cert" "$chroot"
chmod 0755 "$var" "$deploy" "$deploy/conf" "$deploy/cert" "$chroot"
install -m 0755 "$stage/ssehub.so" "$deploy/ssehub.so"
install -m 0644 "$root/conf/routes.conf" "$deploy/conf/routes.conf"
install -m 0644 "$root/cert/server.pem" "$root/cert/dh2048.pem" "$deploy/cert/"
install -m 0600 -o "$user" -g "$user" "$root/cert/key.pem" "$deploy/cert/key.pem"
rm -rf "$stage_parent"

# kore.conf from the repo's, with test ports and the test chroot.
grep -q '^root[[:space:]]' "$root/kore.conf"
sed -e "s|^\([[:space:]]*bind[[:space:]]*\)0.0.0.0 8443|\1127.0.0.1 $https|" \
    -e "s|^\([[:space:]]*bind[[:space:]]*\)127.0.0.1 8080|\1127.0.0.1 $http|" \
    -e "s|^root[[:space:]].*|root\t\t$chroot|" \
    -e "s|^runas[[:space:]].*|runas\t\t$user|" \
    "$root/kore.conf" >"$deploy/kore.conf"
grep -q "bind 127.0.0.1 $https" "$deploy/kore.conf"
grep -q "bind 127.0.0.1 $http" "$deploy/kore.conf"
if [ -n "${PROD_SECCOMP_TRACING:-}" ]; then
	echo "seccomp_tracing yes" >>"$deploy/kore.conf"
fi

# 3. PostgreSQL, reached over TCP (no Unix socket inside the chroot).
"$root/tests/lib/pg.sh" start "$root/var/prod-pg" "$pgport"
export SSEHUB_DB="host=127.0.0.1 port=$pgport dbname=ssehub user=ssehub gssencmode=disable"
export SSEHUB_TOKEN=integration-token-1234
export SSEHUB_TICK_MS=500
export SSEHUB_HEARTBEAT_MS=1000
export SSEHUB_VAR=$var/state
mkdir -p "$SSEHUB_VAR"

log=$var/kore.log
: >"$log"
pid=
cleanup() {
	rm -rf "$stage_parent"
	if [ -n "$pid" ]; then
		proc_stop "$pid" 100
	fi
}
trap cleanup EXIT

# 4. Started as root, as systemd would: kore -fc kore.conf in its folder.
cd "$deploy"
setsid stdbuf -oL kore -fc kore.conf >>"$log" 2>&1 </dev/null &
pid=$!
for i in $(seq 1 100); do
	curl -sf -o /dev/null "http://127.0.0.1:$http/healthz" && break
	if ! kill -0 "$pid" 2>/dev/null || [ "$i" -eq 100 ]; then
		echo "kore did not come up; log:" >&2
		tail -30 "$log" >&2
		exit 1
	fi
	sleep 0.1
done

cd "$root"
export PROD_PID=$pid PROD_CHROOT=$chroot PROD_DEPLOY=$deploy PROD_USER=$user
export PROD_HTTP=$http PROD_HTTPS=$https PROD_LOG=$log
export PROD_PG_VAR=$root/var/prod-pg PROD_PG_PORT=$pgport
node --test --test-reporter=spec tests/prod/*.test.mjs

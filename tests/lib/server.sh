#!/bin/bash
# Runs ssehub instances for tests, each in its own process group.
#
#   server.sh start NAME HTTP_PORT HTTPS_PORT   (env SSEHUB_* passes through)
#   server.sh stop NAME      SIGTERM, wait for exit
#   server.sh kill NAME      SIGKILL to every process of the instance
#   server.sh pid NAME       the parent's pid
#
# State in $SSEHUB_TEST_VAR/NAME (default var/test/NAME): kore.conf
# (conf/kore.conf.in with these ports, plus SSEHUB_KORE_EXTRA), log,
# pid. Kore runs in build/ssehub, where the includes resolve. SSEHUB_PRELOAD: LD_PRELOAD for kore only (fault injection).
set -euo pipefail

root=$(cd "$(dirname "$0")/../.." && pwd)
. "$root/tests/lib/proc.sh"
app=$root/build/ssehub
base=$(realpath -m "${SSEHUB_TEST_VAR:-$root/var/test}")
cmd=$1
name=$2
dir=$base/$name

wait_port() {
	local i
	for i in $(seq 1 150); do
		if curl -sf -o /dev/null "http://127.0.0.1:$1/healthz"; then
			return 0
		fi
		sleep 0.1
	done
	echo "server $name: no answer on port $1; log:" >&2
	tail -20 "$dir/log" >&2
	return 1
}

case $cmd in
start)
	http=$3
	https=$4
	mkdir -p "$dir"
	"$root/tools/render.sh" "$root/conf/kore.conf.in" \
	    MODULE="$app/ssehub.so" ROOT=. SHARE=conf \
	    TLS_LISTEN="127.0.0.1 $https" PLAIN_LISTEN="127.0.0.1 $http" \
	    >"$dir/kore.conf"
	# Extra directives, ';'-separated, override the ones above.
	echo "${SSEHUB_KORE_EXTRA:-}" | tr ';' '\n' >>"$dir/kore.conf"
	export SSEHUB_VAR=${SSEHUB_VAR:-$dir}
	cd "$app"
	setsid env ${SSEHUB_PRELOAD:+LD_PRELOAD=$SSEHUB_PRELOAD} \
	    stdbuf -oL kore -fnrc "$dir/kore.conf" >>"$dir/log" 2>&1 &
	echo $! >"$dir/pid"
	wait_port "$http"
	;;
stop)
	[ -f "$dir/pid" ] || exit 0
	proc_stop "$(cat "$dir/pid")" 100
	rm -f "$dir/pid"
	;;
kill)
	[ -f "$dir/pid" ] || exit 0
	pid=$(cat "$dir/pid")
	kill -KILL -- "-$pid" 2>/dev/null || true
	for i in $(seq 1 50); do
		pgrep -g "$pid" >/dev/null || break
		sleep 0.1
	done
	rm -f "$dir/pid"
	;;
pid)
	cat "$dir/pid"
	;;
*)
	echo "usage: server.sh start|stop|kill|pid NAME ..." >&2
	exit 2
	;;
esac

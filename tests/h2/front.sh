#!/bin/bash
# The TLS + HTTP/2 front (conf/nginx-h2.conf) for make run-h2 and tests/h2.
#
#   front.sh start DIR LISTEN_PORT UPSTREAM_PORT   nginx in the foreground
#                                                  of its own process group,
#                                                  state in DIR
#   front.sh stop DIR                              SIGTERM, wait, SIGKILL
#   front.sh pid DIR                               the master's pid
#
# DIR is nginx's prefix: the generated nginx.conf, nginx.pid, error.log,
# access.log and temp folders live there. Env FRONT_CERT (default: the
# repo's cert/) names the folder with server.pem and key.pem; FRONT_CONF
# (default: conf/nginx-h2.conf) the template.
set -euo pipefail

root=$(cd "$(dirname "$0")/../.." && pwd)
. "$root/tests/lib/proc.sh"
# Debian's nginx is in /usr/sbin, which is not on an ordinary user's PATH.
PATH=$PATH:/usr/sbin
cmd=${1:-}
dir=$(realpath -m "${2:-}")

case $cmd in
start)
	listen=$3
	upstream=$4
	cert=$(realpath "${FRONT_CERT:-$root/cert}")
	[ -f "$cert/server.pem" ] || { echo "front: no $cert/server.pem (make cert)" >&2; exit 1; }
	mkdir -p "$dir/tmp"
	if [ -f "$dir/master.pid" ] && kill -0 "$(cat "$dir/master.pid")" 2>/dev/null; then
		echo "front: already running in $dir" >&2
		exit 1
	fi
	"$root/tools/render.sh" "${FRONT_CONF:-$root/conf/nginx-h2.conf}" \
	    LISTEN="127.0.0.1:$listen" UPSTREAM="127.0.0.1:$upstream" \
	    CERT="$cert" >"$dir/nginx.conf"
	# -p: every relative path of the config is inside DIR.
	nginx -q -t -p "$dir/" -c "$dir/nginx.conf" -g 'daemon off;' \
	    2>>"$dir/stderr.log" || { tail -5 "$dir/stderr.log" >&2; exit 1; }
	setsid nginx -p "$dir/" -c "$dir/nginx.conf" -g 'daemon off;' \
	    >>"$dir/stderr.log" 2>&1 </dev/null &
	echo $! >"$dir/master.pid"
	for _ in $(seq 1 100); do
		# Any HTTP answer (even 502 while ssehub starts) means TLS is up.
		if curl -sk -o /dev/null --max-time 2 "https://127.0.0.1:$listen/healthz"; then
			exit 0
		fi
		kill -0 "$(cat "$dir/master.pid")" 2>/dev/null || break
		sleep 0.1
	done
	echo "front: nginx did not come up on $listen; log:" >&2
	tail -20 "$dir/error.log" "$dir/stderr.log" >&2 2>/dev/null || true
	exit 1
	;;
stop)
	[ -f "$dir/master.pid" ] || exit 0
	# SIGTERM: fast shutdown. (SIGQUIT, graceful, would wait for every
	# open event stream to end.)
	proc_stop "$(cat "$dir/master.pid")" 50
	rm -f "$dir/master.pid"
	;;
pid)
	cat "$dir/master.pid"
	;;
*)
	echo "usage: front.sh start DIR LISTEN_PORT UPSTREAM_PORT | stop DIR | pid DIR" >&2
	exit 2
	;;
esac

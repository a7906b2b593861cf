#!/bin/bash
# What systemd would do with an installed ssehub.service, for machines
# without systemd (CI):
#
#   unit.sh start UNIT STATE URL   environment, folder and commands of
#                              UNIT; pid and log in STATE; returns once
#                              URL answers
#   unit.sh stop STATE         KillMode=mixed: SIGTERM to the parent, then
#                              SIGKILL to what is left
#
# It reads Environment=, EnvironmentFile=, WorkingDirectory=,
# ExecStartPre= and ExecStart= (one line each but Environment=), and runs
# them in a clean environment as root, in a process group of its own.
set -euo pipefail

root=$(cd "$(dirname "$0")/../.." && pwd)
. "$root/tests/lib/proc.sh"

# The values of KEY= lines in UNIT, one a line.
unit_get() {
	sed -n "s/^$2=//p" "$1"
}

case $1 in
start)
	unit=$2
	state=$3
	mkdir -p "$state"
	(
		env_file=$(unit_get "$unit" EnvironmentFile)
		# PATH, and the mark by which tests/run-all.sh finds leftovers.
		for v in $(env | cut -d= -f1); do
			case $v in
			PATH|SSEHUB_TEST_RUN) ;;
			*) unset "$v" 2>/dev/null || true ;;
			esac
		done
		while IFS= read -r e; do
			eval "export $e"
		done < <(unit_get "$unit" Environment)
		# "-" before the path: a missing file is fine.
		if [ -f "${env_file#-}" ]; then
			set -a
			. "${env_file#-}"
			set +a
		fi
		cd "$(unit_get "$unit" WorkingDirectory)"
		eval "$(unit_get "$unit" ExecStartPre)"
		eval "exec setsid $(unit_get "$unit" ExecStart)" \
		    >>"$state/log" 2>&1 </dev/null
	) &
	pid=$!
	echo $pid >"$state/pid"
	for i in $(seq 1 100); do
		curl -sf -o /dev/null "$4" && exit 0
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	echo "unit.sh: no answer at $4; log:" >&2
	tail -30 "$state/log" >&2
	exit 1
	;;
stop)
	state=$2
	[ -f "$state/pid" ] || exit 0
	proc_stop "$(cat "$state/pid")" 300
	rm -f "$state/pid"
	;;
*)
	echo "usage: unit.sh start UNIT STATE URL | stop STATE" >&2
	exit 2
	;;
esac

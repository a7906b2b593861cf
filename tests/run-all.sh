#!/bin/bash
# Runs every suite, even after a failure, then prints one summary line per
# suite: PASS, FAIL, or SKIP for a suite that exits 77 (it cannot run
# here). Every suite is required, so a SKIP fails the run too, except,
# for a user other than root, those that need root or make run's ports
# (may_skip below); as root (CI) nothing may skip. Exit status is nonzero
# when any suite failed or a required one skipped. Arguments: run only
# the suites whose names start with one of them (e.g. `tests/run-all.sh
# integration chaos`).
#
# Each suite stops what it started, pass, fail or Ctrl-C. To check that,
# every process of the run carries SSEHUB_TEST_RUN in its environment
# (postgres, kore and nginx included: they inherit it), and the last line
# of the summary, "leftovers", fails if any is still alive, then stops
# it. An interrupted run checks the same before it exits.
set -uo pipefail

cd "$(dirname "$0")/.."
# NAME:FUNCTION; each function runs one suite, its arguments quoted as
# in any shell command.
suites=(
	"lint (C functions at most 60 lines):lint"
	"unit (check, ASan+UBSan):unit_check"
	"unit (check, valgrind):unit_valgrind"
	"fuzz smoke (libFuzzer):fuzz_smoke"
	"sql (functions, migrations; PostgreSQL):sql"
	"integration (PostgreSQL + ssehub):integration"
	"chaos (faults, 60 s):chaos"
	"failover (primary + standby):failover"
	"stress, scaled down (2,000 topics, 500 replays, 60 s soak):stress"
	"browser (chromium + playwright-core):browser"
	"http/2 front (nginx + curl + chromium):h2"
	"production (install, sandbox, upgrade):prod"
	"first contact (0700 clone, kodev run):first_contact"
)
lint()		{ tests/lint/run.sh; }
unit_check()	{ make -s -C tests/unit check; }
unit_valgrind()	{ make -s -C tests/unit valgrind; }
fuzz_smoke()	{ make -s -C tests/fuzz smoke; }
sql()		{ tests/sql/run.sh; }
integration()	{ tests/integration/run.sh; }
chaos()		{ tests/chaos/run.sh 60; }
failover()	{ tests/failover/run.sh 10; }
stress()	{ tests/stress/run.sh small; }
browser()	{ tests/browser/run.sh; }
h2()		{ tests/h2/run.sh; }
prod()		{ tests/prod/run.sh; }
first_contact()	{ tests/first-contact/run.sh; }

# Without root: production needs it (chroot, setresuid), and first
# contact needs make run's ports, which a developer's own make run holds.
may_skip=(prod first_contact)

export SSEHUB_TEST_RUN=$$-$(date +%s%N)

# Sets left to the pids of the processes of this run. Builtins only: a
# command started now would carry the mark too. This shell does not: it
# got the mark after it started, and environ is what a process started
# with.
find_left() {
	local e v vars
	left=()
	for e in /proc/[0-9]*/environ; do
		mapfile -d '' vars 2>/dev/null <"$e" || continue
		for v in "${vars[@]}"; do
			if [ "$v" = "SSEHUB_TEST_RUN=$SSEHUB_TEST_RUN" ]; then
				e=${e#/proc/}
				left+=("${e%/environ}")
				break
			fi
		done
	done
}

# Lists what is left (to stderr) and stops it; false if anything was.
# A process killed a moment ago may still be exiting: 2 s of grace.
leftovers() {
	local i
	for i in $(seq 1 20); do
		find_left
		[ "${#left[@]}" -gt 0 ] || return 0
		sleep 0.1
	done
	echo "left running by the suites:" >&2
	ps -o pid,user,args -p "${left[*]}" >&2 || true
	kill -TERM "${left[@]}" 2>/dev/null
	sleep 2
	find_left
	[ "${#left[@]}" -eq 0 ] || kill -KILL "${left[@]}" 2>/dev/null
	return 1
}

# True if the suite $1 was asked for (by the script's arguments after it).
wanted() {
	local want
	[ $# -gt 1 ] || return 0
	for want in "${@:2}"; do
		[ "${1#"$want"}" = "$1" ] || return 0
	done
	return 1
}

declare -a results
failed=0
skipped=0
interrupted=0
line() {
	results+=("$(printf '%-4s %-40s %4ss' "$1" "$2" "$3")")
}
trap 'interrupted=1' INT TERM

# True if suite function $1 may skip here.
skip_ok() {
	[ "$(id -u)" -ne 0 ] && [[ " ${may_skip[*]} " == *" $1 "* ]]
}

for s in "${suites[@]}"; do
	name=${s%%:*}
	fn=${s#*:}
	wanted "$name" "$@" || continue
	echo "=== $name"
	start=$(date +%s)
	"$fn"
	rc=$?
	case $rc in
	0) r=PASS ;;
	77)
		r=SKIP
		skipped=$((skipped + 1))
		if ! skip_ok "$fn"; then
			echo "=== $name skipped, but it is required here: FAIL"
			r=FAIL
			failed=$((failed + 1))
		fi
		;;
	*) r=FAIL; failed=$((failed + 1)) ;;
	esac
	line "$r" "$name" $(( $(date +%s) - start ))
	[ "$interrupted" -eq 0 ] || break
done

start=$(date +%s)
r=PASS
leftovers || { r=FAIL; failed=$((failed + 1)); }
line "$r" "leftovers (no process of the run alive)" $(( $(date +%s) - start ))

echo
echo "=== summary"
printf '%s\n' "${results[@]}"
if [ "$interrupted" -ne 0 ]; then
	echo "interrupted"
	exit 130
fi
if [ "$failed" -gt 0 ]; then
	echo "$failed suite(s) failed or skipped though required"
	exit 1
fi
if [ "$skipped" -gt 0 ]; then
	echo "all ${#results[@]} suites passed but $skipped skipped"
else
	echo "all ${#results[@]} suites passed"
fi

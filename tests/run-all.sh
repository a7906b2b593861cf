#!/bin/bash
# Runs every suite, even after a failure, then prints one summary line per
# suite. Exit status is nonzero when any suite failed.
set -uo pipefail

cd "$(dirname "$0")/.."
suites=(
	"unit (check, ASan+UBSan):make -s -C tests/unit check"
	"unit (check, valgrind):make -s -C tests/unit valgrind"
	"fuzz smoke (libFuzzer):make -s -C tests/fuzz smoke"
	"integration (PostgreSQL + ssehub):tests/integration/run.sh"
	"chaos (faults, 60 s):tests/chaos/run.sh 60"
	"browser (chromium + playwright-core):tests/browser/run.sh"
	"http/2 front (nginx + curl + chromium):tests/h2/run.sh"
	"production (prod flavor, chroot, seccomp, TLS):tests/prod/run.sh"
)

declare -a results
failed=0
for s in "${suites[@]}"; do
	name=${s%%:*}
	cmd=${s#*:}
	echo "=== $name: $cmd"
	start=$(date +%s)
	if $cmd; then
		r=PASS
	else
		r=FAIL
		failed=$((failed + 1))
	fi
	results+=("$(printf '%-4s %-40s %4ss' "$r" "$name" $(( $(date +%s) - start )))")
done

echo
echo "=== summary"
printf '%s\n' "${results[@]}"
if [ "$failed" -gt 0 ]; then
	echo "$failed suite(s) failed"
	exit 1
fi
echo "all ${#suites[@]} suites passed"

#!/bin/bash
# Cheap static checks, before any suite that builds or starts a server:
# no function in src/ over 60 lines (tools/fnlen.sh). The checker is
# first shown to tell a 61-line function from a 60-line one, so a broken
# awk cannot pass every tree.
set -euo pipefail

root=$(cd "$(dirname "$0")/../.." && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# A KNF function named f whose body has $1 lines.
knf() {
	printf 'static int\nf(void)\n{\n'
	for _ in $(seq 1 "$1"); do printf '\t(void)0;\n'; done
	printf '}\n'
}

knf 60 >"$tmp/ok.c"
knf 61 >"$tmp/long.c"
"$root/tools/fnlen.sh" "$tmp/ok.c" || {
	echo "fnlen: a 60-line function was refused" >&2; exit 1; }
if out=$("$root/tools/fnlen.sh" "$tmp/long.c"); then
	echo "fnlen: a 61-line function passed" >&2; exit 1
fi
[ "$out" = "$tmp/long.c:3: f: 61 lines" ] || {
	echo "fnlen: unexpected report: $out" >&2; exit 1; }

"$root/tools/fnlen.sh" "$root"/src/*.c "$root"/src/*.h
echo "lint: every function in src/ is at most 60 lines"

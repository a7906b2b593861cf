#!/bin/sh
# Lists the C functions longer than MAX lines (default 60), one per line:
# "file:line: name: N lines", and exits 1 if there is any. KNF makes
# this a line match: a function's body runs from a line that is only
# "{" to the next line that is only "}", and its name is on the line
# before the "{" (or on one of the lines before, for a declaration that
# wraps). N counts the lines between the two braces.
# Usage: tools/fnlen.sh [-m MAX] FILE...
max=60
if [ "$1" = -m ]; then
	max=$2
	shift 2
fi
[ $# -gt 0 ] || { echo "usage: $0 [-m MAX] FILE..." >&2; exit 2; }
exec awk -v max="$max" '
FNR == 1 { name = ""; start = 0 }
/^[A-Za-z_][A-Za-z0-9_]*\(/ { name = $0; sub(/\(.*/, "", name) }
/^\{$/ { start = FNR; next }
/^\}/ && start {
	n = FNR - start - 1
	if (n > max) {
		printf "%s:%d: %s: %d lines\n", FILENAME, start, name, n
		bad = 1
	}
	start = 0
}
END { exit bad }
' "$@"

#!/bin/sh
# render.sh TEMPLATE NAME=VALUE...: prints TEMPLATE with every @NAME@
# replaced by its VALUE. The one template scheme of the repository (Kore's
# configuration, the unit, the nginx front). It fails, printing nothing,
# when the template names a placeholder it was given no value for, or was
# given a value the template never uses: a template and its callers cannot
# drift apart in silence.
set -eu

[ $# -ge 1 ] || { echo "usage: render.sh TEMPLATE NAME=VALUE..." >&2; exit 2; }
tpl=$1
shift
# Through the environment: awk -v would interpret backslashes in values.
RENDER_DEFS=$(printf '%s\n' "$@")
export RENDER_DEFS
out=$(awk '
BEGIN {
	n = split(ENVIRON["RENDER_DEFS"], defs, "\n")
	for (i = 1; i <= n; i++) {
		if ((eq = index(defs[i], "=")) == 0)
			continue
		k = substr(defs[i], 1, eq - 1)
		val[k] = substr(defs[i], eq + 1)
		unused[k] = 1
	}
}
{
	line = $0
	done = ""
	while (match(line, /@[A-Z][A-Z_]*@/)) {
		k = substr(line, RSTART + 1, RLENGTH - 2)
		if (k in val) {
			done = done substr(line, 1, RSTART - 1) val[k]
			delete unused[k]
		} else {
			printf "%s:%d: no value for @%s@\n", FILENAME, FNR, k \
			    >"/dev/stderr"
			bad = 1
			done = done substr(line, 1, RSTART + RLENGTH - 1)
		}
		line = substr(line, RSTART + RLENGTH)
	}
	print done line
}
END {
	for (k in unused) {
		printf "%s: @%s@ is not in it\n", FILENAME, k >"/dev/stderr"
		bad = 1
	}
	exit bad
}' "$tpl")
printf '%s\n' "$out"

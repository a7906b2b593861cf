# Sourced by the suites' run.sh, after they set SSEHUB_TEST_VAR (where
# tests/lib/server.sh keeps its servers): everything a suite starts stops
# when it exits, pass, fail or Ctrl-C.
#
#   suite_cluster VAR PORT   PostgreSQL in VAR on PORT (tests/lib/pg.sh),
#                            stopped on exit; SSEHUB_DB names it
#   suite_cleanup [VAR...]   every server under SSEHUB_TEST_VAR killed with
#                            its workers, then the clusters in VAR...
#                            stopped; also run on exit for every cluster
#                            suite_cluster started

suite_lib=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
suite_clusters=()
trap 'suite_cleanup "${suite_clusters[@]}"' EXIT

suite_cluster() {
	suite_clusters+=("$1")
	SSEHUB_DB=$("$suite_lib/pg.sh" url "$1" "$2")
	export SSEHUB_DB
	"$suite_lib/pg.sh" start "$1" "$2"
}

suite_cleanup() {
	local p d
	for p in "$SSEHUB_TEST_VAR"/*/pid; do
		[ -f "$p" ] || continue
		p=${p%/pid}
		"$suite_lib/server.sh" kill "${p##*/}" || true
	done
	for d in "$@"; do
		"$suite_lib/pg.sh" stop "$d"
	done
}

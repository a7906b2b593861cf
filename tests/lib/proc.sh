# Sourced by the scripts that run servers in their own process group.

# proc_stop PID TENTHS: SIGTERM to PID, up to TENTHS tenths of a second for
# it to exit (a graceful stop), then SIGKILL to its whole process group,
# so no worker outlives it.
proc_stop() {
	kill -TERM "$1" 2>/dev/null || true
	for _ in $(seq 1 "$2"); do
		kill -0 "$1" 2>/dev/null || break
		sleep 0.1
	done
	kill -KILL -- "-$1" 2>/dev/null || true
}

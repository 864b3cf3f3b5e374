#!/bin/bash
# Synod's fence for a primary (the job Patroni gives /dev/watchdog). It runs in its own session,
# so stopping or freezing the engine's process group (Ctrl-Z, kill -STOP -PGID) leaves it running.
# The engine writes "ping SECONDS" after every lease renewal: the time left before its lease could
# be taken by another node. If no ping arrives in time (engine frozen, stalled or partitioned), or
# stdin closes (engine killed), PostgreSQL is stopped at once, on this script's own clock, so it
# cannot take writes after another node may have promoted. "disarm" ends the watch without
# touching PostgreSQL.
# Args: first-timeout-seconds, the data directory, then the stop command to run.
timeout="$1"; datadir="$2"; shift 2
echo armed
while IFS= read -r -t "$timeout" line; do
  case "$line" in
    disarm) exit 0 ;;
    ping\ *) timeout="${line#ping }" ;;
  esac
done
echo "synod-fence: no heartbeat from the engine within ${timeout}s; stopping PostgreSQL in $datadir" >&2
# SIGQUIT is PostgreSQL's immediate shutdown: the postmaster kills every backend at once. Sent
# directly (no process to spawn first), then pg_ctl waits for the shutdown to complete.
pid=$(head -n 1 "$datadir/postmaster.pid" 2>/dev/null)
case "$pid" in ''|*[!0-9]*) ;; *) kill -QUIT "$pid" 2>/dev/null ;; esac
exec "$@"

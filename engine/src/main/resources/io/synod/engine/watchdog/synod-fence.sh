#!/bin/bash
# Synod's software watchdog for a primary (the job Patroni gives /dev/watchdog).
# The engine writes "ping SECONDS" after every lease renewal: the time left before its lease
# could be taken by another node. If no ping arrives in time (engine frozen or partitioned), or
# stdin closes (engine killed), PostgreSQL is stopped at once so it cannot take writes after
# another node may have promoted. "disarm" ends the watch without touching PostgreSQL.
# Args: first-timeout-seconds, then the stop command to run.
timeout="$1"; shift
while IFS= read -r -t "$timeout" line; do
  case "$line" in
    disarm) exit 0 ;;
    ping\ *) timeout="${line#ping }" ;;
  esac
done
echo "synod-fence: no heartbeat from the engine within ${timeout}s; stopping PostgreSQL" >&2
exec "$@"

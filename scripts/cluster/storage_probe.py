"""Exit 0 once the storage in cluster.env works end to end through DuckDB.

Always: the S3 gateway takes a Parquet write and reads it back (endpoint, credentials,
bucket and URL style at once). With TICKERPULSE_WAREHOUSE=ducklake:...: the lake attaches
with its Postgres catalog and S3 data path, and a table written there reads back.
DuckDB is the client the warehouse uses, with the extensions the wheels ship.
"""

from __future__ import annotations

import importlib
import os
import sys
import tempfile
from pathlib import Path

import duckdb

PROBE = "_cluster_probe/probe.parquet"


def _install(con: duckdb.DuckDBPyConnection, name: str) -> None:
    # The wheels ship the extensions; this host cannot download them.
    package = importlib.import_module(f"duckdb_extension_{name}")
    folder = Path(package.__file__).parent / "extensions" / f"v{duckdb.__version__}"
    con.execute(f"install '{folder / f'{name}.duckdb_extension'}'")
    con.execute(f"load {name}")


def _s3_secret(con: duckdb.DuckDBPyConnection, env: os._Environ[str]) -> None:
    con.execute(
        "create secret cluster_s3 (type s3, key_id ?, secret ?, region ?, endpoint ?, "
        "use_ssl ?, url_style ?)",
        [
            env["AWS_ACCESS_KEY_ID"],
            env["AWS_SECRET_ACCESS_KEY"],
            env["AWS_REGION"],
            env["TICKERPULSE_S3_ENDPOINT"],
            env.get("TICKERPULSE_S3_USE_SSL", "false") == "true",
            env.get("TICKERPULSE_S3_URL_STYLE", "path"),
        ],
    )


def _lake_round_trip(con: duckdb.DuckDBPyConnection, catalog: str, data_path: str) -> bool:
    for name in ("postgres", "ducklake"):
        _install(con, name)
    # PGPASSWORD from the environment reaches libpq; it never appears in the catalog string.
    con.execute(f"attach '{catalog}' as lake (data_path '{data_path}')")
    con.execute("create or replace table lake._cluster_probe as select 42 as answer")
    answer = con.execute("select answer from lake._cluster_probe").fetchone()
    con.execute("drop table lake._cluster_probe")
    return answer == (42,)


def main() -> int:
    env = os.environ
    with tempfile.TemporaryDirectory() as extensions:
        con = duckdb.connect(config={"extension_directory": extensions})
        _install(con, "httpfs")
        _s3_secret(con, env)
        url = f"s3://{env['TICKERPULSE_S3_BUCKET']}/{PROBE}"
        con.execute(f"copy (select 42 as answer) to '{url}' (format parquet)")
        if con.execute(f"select answer from read_parquet('{url}')").fetchone() != (42,):
            return 1
        warehouse = env.get("TICKERPULSE_WAREHOUSE", "")
        if warehouse.startswith("ducklake:"):
            data_path = env["TICKERPULSE_WAREHOUSE_DATA_PATH"]
            return 0 if _lake_round_trip(con, warehouse, data_path) else 1
    return 0


if __name__ == "__main__":
    sys.exit(main())

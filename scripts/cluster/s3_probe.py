"""Exit 0 once the S3 gateway in cluster.env takes a Parquet write and reads it back.

DuckDB's httpfs is the client the warehouse uses, so the probe proves the endpoint, the
credentials, the bucket and the URL style all at once.
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

import duckdb
import duckdb_extension_httpfs

PROBE = "_cluster_probe/probe.parquet"


def _extension() -> Path:
    # The wheel ships the extension; this host cannot download one.
    folder = Path(duckdb_extension_httpfs.__file__).parent / "extensions"
    return next(folder.glob(f"v{duckdb.__version__}/httpfs.duckdb_extension"))


def main() -> int:
    env = os.environ
    with tempfile.TemporaryDirectory() as extensions:
        con = duckdb.connect(config={"extension_directory": extensions})
        con.execute(f"install '{_extension()}'")
        con.execute("load httpfs")
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
        url = f"s3://{env['TICKERPULSE_S3_BUCKET']}/{PROBE}"
        con.execute(f"copy (select 42 as answer) to '{url}' (format parquet)")
        answer = con.execute(f"select answer from read_parquet('{url}')").fetchone()
    return 0 if answer == (42,) else 1


if __name__ == "__main__":
    sys.exit(main())

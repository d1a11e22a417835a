"""Publishing the marts and alerts for BI tools: immutable versions behind an atomic switch.

DuckDB lets one process write a database file and no other process open it meanwhile,
so BI tools never open the warehouse. After each successful build the marts are copied
to a new version folder: Parquet files, a manifest and a small catalog database whose
views read those files. Then the `tickerpulse.duckdb` and `current` symlinks are switched
to it, each in one atomic rename. A BI connection opens the catalog current at that
moment and every query on it reads that one complete, immutable version; a new
connection sees the newest. A run never waits for, or fails on, a reader.

    serving/
      tickerpulse.duckdb -> versions/<v>/catalog.duckdb   what BI tools open (read-only)
      current            -> versions/<v>                  for Parquet readers
      versions/<v>/      <schema>.<table>.parquet, manifest.json, catalog.duckdb, views.sql

On a DuckLake the same copy is published (BI tools without lake credentials read it), the
manifest records the lake snapshot it was read from, and `lake.sql` holds the statements
that attach the lake itself read-only, live or at that snapshot (docs/scaling.md).
"""

from __future__ import annotations

import itertools
import json
import os
import shutil
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from orchestration.warehouse.connection import connect
from orchestration.warehouse.location import LAKE_ALIAS, LAKE_PREFIX, WarehouseLocation

CATALOG = "tickerpulse.duckdb"
# The marts, and the alerts (alerts.alerts, alerts.deliveries: no webhook URL is stored).
SERVED_SCHEMAS = ("marts", "alerts")
# A retired version stays this long for connections opened while it was current.
GRACE_S = 3600.0
VERSION_FORMAT = "%Y%m%dT%H%M%S%fZ"


@dataclass(frozen=True)
class Published:
    version: str
    directory: Path
    tables: dict[str, int]  # "schema.table" -> rows
    pruned: list[str]


def _quote(path: Path) -> str:
    # COPY and read_parquet take file names as literals, not bind parameters; these are
    # paths we build ourselves, quoted as SQL strings.
    return "'" + str(path).replace("'", "''") + "'"


def publish(warehouse: Path | WarehouseLocation, serving_dir: Path, keep: int = 3) -> Published:
    """Copy the served schemas to a new version and switch `current` to it atomically."""
    serving_dir.mkdir(parents=True, exist_ok=True)
    version = datetime.now(tz=UTC).strftime(VERSION_FORMAT) + "-" + uuid.uuid4().hex[:6]
    staging = serving_dir / "versions" / f".{version}.partial"
    staging.mkdir(parents=True)
    tables: dict[str, int] = {}
    columns: dict[str, list[list[str]]] = {}
    snapshot = None
    with connect(warehouse, read_only=True) as con:
        lake = isinstance(warehouse, WarehouseLocation) and warehouse.is_lake
        if lake:
            # One transaction: every table is copied from the same snapshot of the lake.
            con.execute("begin transaction")
            snapshot = con.execute(
                f"select max(snapshot_id) from ducklake_snapshots('{LAKE_ALIAS}')"
            ).fetchone()[0]
        for schema, table in con.execute(
            "select table_schema, table_name from information_schema.tables "
            "where table_schema in (select unnest(?)) and table_type = 'BASE TABLE' "
            "order by 1, 2",
            [list(SERVED_SCHEMAS)],
        ).fetchall():
            name = f"{schema}.{table}"
            target = staging / f"{name}.parquet"
            con.execute(
                f'copy (select * from "{schema}"."{table}") to {_quote(target)} '
                "(format parquet, compression zstd)"
            )
            tables[name] = con.execute(f'select count(*) from "{schema}"."{table}"').fetchone()[0]
            columns[name] = [
                [column, dtype]
                for column, dtype in con.execute(
                    "select column_name, data_type from information_schema.columns "
                    "where table_schema = ? and table_name = ? order by ordinal_position",
                    [schema, table],
                ).fetchall()
            ]
        if lake:
            con.execute("commit")
    if not tables:
        shutil.rmtree(staging)
        where = warehouse.describe() if isinstance(warehouse, WarehouseLocation) else warehouse
        raise RuntimeError(f"nothing to publish: no tables in {SERVED_SCHEMAS} in {where}")
    manifest = {
        "version": version,
        "published_at": datetime.now(tz=UTC).isoformat(),
        "tables": {name: {"rows": rows, "columns": columns[name]} for name, rows in tables.items()},
    }
    if snapshot is not None:
        manifest["lake_snapshot"] = snapshot
        (staging / "lake.sql").write_text(lake_sql(warehouse, snapshot), encoding="utf-8")
    (staging / "manifest.json").write_text(json.dumps(manifest, indent=2), encoding="utf-8")
    final = serving_dir / "versions" / version
    staging.rename(final)
    # Views name their files by absolute path and check they exist: written in place,
    # before anything points at this version.
    _write_catalog(final, list(tables))
    _switch(serving_dir / "current", final.relative_to(serving_dir))
    _switch(serving_dir / CATALOG, final.relative_to(serving_dir) / "catalog.duckdb")
    return Published(version, final, tables, prune(serving_dir, keep=keep))


def _switch(link: Path, target: Path) -> None:
    temporary = link.with_name(f".{link.name}-{uuid.uuid4().hex[:8]}")
    temporary.symlink_to(target)
    os.replace(temporary, link)  # rename(2): readers see the old or the new, never neither


def _write_catalog(directory: Path, tables: list[str]) -> None:
    statements = catalog_sql(directory, tables)
    with duckdb.connect() as con:
        # The oldest storage format we can write, so BI tools bundling an older DuckDB
        # (JDBC drivers lag behind) still open the catalog.
        con.execute(
            f"attach {_quote(directory / 'catalog.duckdb')} as catalog (storage_version 'v1.0.0')"
        )
        con.execute("use catalog")
        for statement in statements:
            con.execute(statement)
        con.execute("use memory")
        con.execute("detach catalog")
    (directory / "views.sql").write_text(";\n".join(statements) + ";\n", encoding="utf-8")


def catalog_sql(version_dir: Path, tables: list[str]) -> list[str]:
    """The catalog's views; also in views.sql, for a DuckDB client of any version to run."""
    statements = [
        f'create schema if not exists "{s}"' for s in sorted({t.split(".")[0] for t in tables})
    ]
    for name in tables:
        schema, table = name.split(".", 1)
        source = _quote(version_dir / f"{name}.parquet")
        statements.append(
            f'create or replace view "{schema}"."{table}" as select * from read_parquet({source})'
        )
    manifest = _quote(version_dir / "manifest.json")
    statements += [
        "create schema if not exists serving",
        "create or replace view serving.current_version as "
        f"select version, published_at, tables from read_json({manifest})",
    ]
    return statements


def lake_sql(warehouse: WarehouseLocation, snapshot: int) -> str:
    """How a DuckDB client (1.5+, ducklake extension) reads the lake itself, read-only.

    No secret is written: Postgres passwords come from PGPASSWORD, S3 keys from the
    client's own secret. The pinned attach reads exactly what this version holds.
    """
    source = _quote_text(LAKE_PREFIX + (warehouse.catalog or ""))
    data_path = _quote_text(warehouse.data_path or "")
    return (
        "-- The lake, live: every new snapshot shows as it is committed.\n"
        f"attach if not exists {source} as {LAKE_ALIAS} (read_only, data_path {data_path});\n"
        f"-- Or exactly what this version published (snapshot {snapshot}):\n"
        f"-- attach {source} as {LAKE_ALIAS}_pinned "
        f"(read_only, data_path {data_path}, snapshot_version {snapshot});\n"
        f"use {LAKE_ALIAS};\n"
    )


def _quote_text(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def prune(serving_dir: Path, keep: int = 3, grace_s: float = GRACE_S) -> list[str]:
    """Remove versions beyond the newest `keep` that were retired over `grace_s` ago.

    A version is retired when the next one is published; version names start with their
    publication time. Folders a crashed publish left half-written go after `grace_s` too.
    """
    versions_dir = serving_dir / "versions"
    current = (serving_dir / "current").resolve().name
    names = sorted(p.name for p in versions_dir.iterdir() if not p.name.startswith("."))
    now = datetime.now(tz=UTC)
    removed = []
    for older, newer in itertools.pairwise(names[: max(len(names) - keep, 0) + 1]):
        if older != current and (now - _published_at(newer)).total_seconds() >= grace_s:
            shutil.rmtree(versions_dir / older, ignore_errors=True)
            removed.append(older)
    for partial in versions_dir.glob(".*.partial"):
        if time.time() - partial.stat().st_mtime >= grace_s:
            shutil.rmtree(partial, ignore_errors=True)
    return removed


def _published_at(version: str) -> datetime:
    return datetime.strptime(version.split("-")[0], VERSION_FORMAT).replace(tzinfo=UTC)

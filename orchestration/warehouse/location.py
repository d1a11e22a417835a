"""Where the warehouse lives: one DuckDB file (the default) or a DuckLake, from one setting.

TICKERPULSE_WAREHOUSE is read once, when the definitions or a command load:
  unset                            the DuckDB file at TICKERPULSE_DUCKDB_PATH or the default;
  a path                           the DuckDB file at that path;
  ducklake:postgres:dbname=... ... a DuckLake whose catalog is a Postgres database;
  ducklake:/path/catalog.ducklake  a DuckLake whose catalog is a DuckDB file (one process);
  ducklake:sqlite:/path/x.sqlite   a DuckLake whose catalog is a SQLite file.
A DuckLake keeps its Parquet files under TICKERPULSE_WAREHOUSE_DATA_PATH (a folder or
s3://bucket/prefix/). Passwords and S3 keys are never part of the setting: they come from
the environment when a connection opens and reach DuckDB as a secret, so no log, run
config or metadata ever holds them.
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import duckdb

from orchestration.paths import DATABASE_ENV, DEFAULT_DATABASE, project_path

WAREHOUSE_ENV = "TICKERPULSE_WAREHOUSE"
DATA_PATH_ENV = "TICKERPULSE_WAREHOUSE_DATA_PATH"
PASSWORD_ENV = "TICKERPULSE_WAREHOUSE_PASSWORD"
EXTENSIONS_ENV = "TICKERPULSE_DUCKDB_EXTENSIONS"
S3_ENDPOINT_ENV = "TICKERPULSE_S3_ENDPOINT"
S3_USE_SSL_ENV = "TICKERPULSE_S3_USE_SSL"
S3_URL_STYLE_ENV = "TICKERPULSE_S3_URL_STYLE"
LAKE_PREFIX = "ducklake:"
# The name the lake is attached under, in Python and in dbt alike: SQL that names
# `raw.articles` resolves inside it after `use`.
LAKE_ALIAS = "tickerpulse"
# Shipped as wheels pinned to the DuckDB version (requirements.lock): nothing is downloaded.
EXTENSIONS = ("ducklake", "postgres", "httpfs")
_PG_SECRET = "tickerpulse_pg"
_PASSWORD_IN_URL = re.compile(r"(^|\s)password\s*=", re.IGNORECASE)


class WarehouseConfigError(ValueError):
    """A warehouse setting that cannot work; the message names the variable."""


@dataclass(frozen=True)
class WarehouseLocation:
    """A DuckDB file (`path`) or a DuckLake (`catalog` and `data_path`)."""

    path: Path | None = None
    catalog: str | None = None  # after "ducklake:": "postgres:...", a file, "sqlite:..."
    data_path: str | None = None

    @property
    def is_lake(self) -> bool:
        return self.catalog is not None

    def describe(self) -> str:
        """For logs and metadata: the setting itself never holds a secret."""
        if self.path is not None:
            return str(self.path)
        return f"{LAKE_PREFIX}{self.catalog} (data {self.data_path})"


def parse(
    setting: str | None, data_path: str | None = None, database_path: str | None = None
) -> WarehouseLocation:
    """The location a TICKERPULSE_WAREHOUSE value names (see the module docstring)."""
    setting = (setting or "").strip()
    if not setting.startswith(LAKE_PREFIX):
        return WarehouseLocation(path=project_path(setting or database_path or DEFAULT_DATABASE))
    catalog = setting.removeprefix(LAKE_PREFIX).strip()
    if not catalog:
        raise WarehouseConfigError(f"{WAREHOUSE_ENV}=ducklake: needs a catalog after the colon")
    if _PASSWORD_IN_URL.search(catalog):
        raise WarehouseConfigError(
            f"{WAREHOUSE_ENV} must not hold a password: set {PASSWORD_ENV} or PGPASSWORD"
        )
    if not (data_path or "").strip():
        raise WarehouseConfigError(
            f"{WAREHOUSE_ENV} names a DuckLake: set {DATA_PATH_ENV} to a folder or s3://bucket/"
        )
    data_path = data_path.strip()
    if not data_path.startswith("s3://"):
        data_path = str(project_path(data_path))
    if not data_path.endswith("/"):
        data_path += "/"
    if not catalog.startswith(("postgres:", "sqlite:")):
        catalog = str(project_path(catalog))
    elif catalog.startswith("sqlite:"):
        catalog = "sqlite:" + str(project_path(catalog.removeprefix("sqlite:")))
    return WarehouseLocation(catalog=catalog, data_path=data_path)


def from_environment(environ: Mapping[str, str] = os.environ) -> WarehouseLocation:
    return parse(environ.get(WAREHOUSE_ENV), environ.get(DATA_PATH_ENV), environ.get(DATABASE_ENV))


def extension_directory(environ: Mapping[str, str] = os.environ) -> Path:
    """Where lake connections (ours and dbt's) find the extensions: beside the venv's
    packages by default, so a container or CI host needs nothing outside it."""
    value = environ.get(EXTENSIONS_ENV)
    return project_path(value) if value else Path(sys.prefix) / "duckdb_extensions"


def install_extensions(con: duckdb.DuckDBPyConnection) -> None:
    """Copy the wheels' extensions into the connection's extension directory once; DuckDB
    autoloads them from there (and dbt's connections, given the same directory)."""
    installed = {
        name
        for (name,) in con.execute(
            "select extension_name from duckdb_extensions() where installed"
        ).fetchall()
    }
    for name in EXTENSIONS:
        if name in installed or f"{name}_scanner" in installed:
            continue
        try:
            wheel = resources.files(f"duckdb_extension_{name}")
        except ModuleNotFoundError:
            wheel = None
        version = f"v{duckdb.__version__}"
        source = wheel / "extensions" / version / f"{name}.duckdb_extension" if wheel else None
        if source is None or not source.is_file():
            raise WarehouseConfigError(
                f"the {name} extension for DuckDB {duckdb.__version__} is not installed: "
                f"pip install duckdb-extension-{name}=={duckdb.__version__}"
            )
        con.execute(f"install {_literal(str(source))}")


def connect_lake(
    location: WarehouseLocation,
    read_only: bool = False,
    environ: Mapping[str, str] = os.environ,
) -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB with the lake attached as LAKE_ALIAS and in use."""
    con = duckdb.connect(":memory:", config={"extension_directory": str(extension_directory())})
    try:
        install_extensions(con)
        options = [f"data_path {_literal(location.data_path or '')}"]
        if _create_secrets(con, location, environ):
            # The catalog's own attach uses the secret; libpq would only see PGPASSWORD.
            options.append(f"meta_secret {_literal(_PG_SECRET)}")
        if read_only:
            options.append("read_only")
        con.execute(
            f"attach {_literal(LAKE_PREFIX + (location.catalog or ''))} as {LAKE_ALIAS} "
            f"({', '.join(options)})"
        )
        con.execute(f"use {LAKE_ALIAS}")
    except Exception:
        con.close()
        raise
    return con


def dbt_environment(location: WarehouseLocation) -> dict[str, str]:
    """The variables profiles.yml reads to open the same warehouse as Dagster."""
    if not location.is_lake:
        return {DATABASE_ENV: str(location.path)}
    values = {
        WAREHOUSE_ENV: LAKE_PREFIX + (location.catalog or ""),
        DATA_PATH_ENV: location.data_path or "",
        EXTENSIONS_ENV: str(extension_directory()),
    }
    # libpq reads PGPASSWORD itself; dbt's process gets it only through its environment.
    password = os.environ.get(PASSWORD_ENV)
    if password and not os.environ.get("PGPASSWORD"):
        values["PGPASSWORD"] = password
    return values


def _create_secrets(
    con: duckdb.DuckDBPyConnection, location: WarehouseLocation, environ: Mapping[str, str]
) -> bool:
    """S3 and Postgres secrets from the environment; True when the catalog has one."""
    # Secrets are temporary (this connection only) and never echoed: DuckDB's CREATE SECRET
    # takes no bind parameters, so the values are quoted literals in a statement nobody logs.
    password = environ.get(PASSWORD_ENV)
    if password and (location.catalog or "").startswith("postgres:"):
        con.execute(
            f"create or replace temporary secret {_PG_SECRET} "
            f"(type postgres, password {_literal(password)})"
        )
    if (location.data_path or "").startswith("s3://"):
        parts = [
            "type s3",
            f"region {_literal(environ.get('AWS_REGION') or 'us-east-1')}",
            f"use_ssl {_flag(environ.get(S3_USE_SSL_ENV, 'true'))}",
        ]
        if environ.get("AWS_ACCESS_KEY_ID"):
            parts.append(f"key_id {_literal(environ['AWS_ACCESS_KEY_ID'])}")
            parts.append(f"secret {_literal(environ.get('AWS_SECRET_ACCESS_KEY', ''))}")
        if environ.get(S3_ENDPOINT_ENV):
            parts.append(f"endpoint {_literal(environ[S3_ENDPOINT_ENV])}")
        if environ.get(S3_URL_STYLE_ENV):
            parts.append(f"url_style {_literal(environ[S3_URL_STYLE_ENV])}")
        con.execute(f"create or replace temporary secret tickerpulse_s3 ({', '.join(parts)})")
    return bool(password and (location.catalog or "").startswith("postgres:"))


def _flag(value: str) -> str:
    return "false" if value.strip().lower() in {"0", "false", "no", "off"} else "true"


def _literal(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"

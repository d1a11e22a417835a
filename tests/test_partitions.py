"""History before 2025: the partitions start where TICKERPULSE_PARTITIONS_START says."""

from __future__ import annotations

import json
from pathlib import Path

import dagster as dg
import pytest

from orchestration.cli import main
from orchestration.partitions import (
    DEFAULT_PARTITIONS_START,
    PARTITIONS_START_ENV,
    PartitionRangeError,
    check_range,
    daily_partitions,
    partitions_start,
)
from orchestration.resources import NewsSourcesResource, WarehouseResource
from orchestration.sensors import file_drop_sensor
from tests.conftest import make_pipeline


def _drop(tmp_path: Path, *days: str) -> Path:
    folder = tmp_path / "drop"
    folder.mkdir()
    rows = [
        {"id": f"row-{day}", "title": f"Walmart news of {day}", "published_at": f"{day}T10:00Z"}
        for day in days
    ]
    (folder / "history.jsonl").write_text("\n".join(json.dumps(r) for r in rows) + "\n")
    sources = tmp_path / "sources.yaml"
    entry = {"name": "drop", "kind": "file_drop", "location": str(folder)}
    sources.write_text(json.dumps({"sources": [entry]}), encoding="utf-8")
    return sources


def test_partitions_start_in_2015_by_default_so_2024_history_can_be_loaded(tmp_path: Path):
    assert daily_partitions.get_first_partition_key() == DEFAULT_PARTITIONS_START == "2015-01-01"
    check_range("2024-01-25", "2024-01-26")
    pipeline = make_pipeline(tmp_path, _drop(tmp_path, "2024-01-25", "2024-01-26"))
    pipeline.load_reference()

    result = pipeline.defs.resolve_job_def("ingest_job").execute_in_process(
        instance=pipeline.instance,
        tags={
            "dagster/asset_partition_range_start": "2024-01-25",
            "dagster/asset_partition_range_end": "2024-01-26",
        },
        raise_on_error=False,
    )

    assert result.success
    rows = pipeline.query("select partition_date::varchar from raw.articles order by 1")
    assert rows == [("2024-01-25",), ("2024-01-26",)]


def test_the_start_is_a_setting_and_a_bad_value_names_it():
    assert str(partitions_start({PARTITIONS_START_ENV: "2001-06-30"})) == "2001-06-30"
    with pytest.raises(PartitionRangeError, match=f"{PARTITIONS_START_ENV} must be a date"):
        partitions_start({PARTITIONS_START_ENV: "2001/06/30"})


@pytest.mark.parametrize(
    ("first", "last", "expected"),
    [
        ("2009-03-01", "2009-03-02", f"set {PARTITIONS_START_ENV}=2009-03-01"),
        ("2024-01-01", "2999-01-01", "2999-01-01 is after today"),
        ("2024-02-01", "2024-01-01", "ends before it starts"),
        ("2024-1-1", "2024-01-02", "dates must be YYYY-MM-DD"),
    ],
)
def test_a_range_outside_the_partitions_is_a_one_line_error(first: str, last: str, expected: str):
    with pytest.raises(PartitionRangeError) as error:
        check_range(first, last)
    assert expected in str(error.value)
    assert "\n" not in str(error.value)


def test_the_cli_answers_an_old_range_with_one_line_naming_the_setting(
    capsys: pytest.CaptureFixture[str],
):
    code = main(["demo", "--start", "2009-03-01", "--end", "2009-03-05"])

    assert code == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert PARTITIONS_START_ENV in err and "CheckError" not in err and "Traceback" not in err


def test_the_drop_sensor_ingests_the_days_in_range_and_logs_older_ones_with_the_setting(
    tmp_path: Path, capfd: pytest.CaptureFixture[str]
):
    sources = _drop(tmp_path, "2009-03-02", "2009-03-03", "2024-01-25")
    resources = {
        "news_sources": NewsSourcesResource(sources_file=str(sources)),
        "warehouse": WarehouseResource(database_path=str(tmp_path / "warehouse.duckdb")),
    }
    instance = dg.DagsterInstance.ephemeral()
    with dg.build_sensor_context(instance=instance, resources=resources) as context:
        result = file_drop_sensor(context)

    (request,) = result.run_requests
    assert request.partition_key == "2024-01-25"
    # The sensor's log goes to Dagster's console handler, which writes to stderr.
    warning = next(line for line in capfd.readouterr().err.splitlines() if "WARNING" in line)
    assert "2 days before the first partition" in warning
    assert f"{PARTITIONS_START_ENV}=2009-03-02" in warning

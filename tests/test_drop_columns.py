"""Real drop files: common column names, timestamp forms, ticker hints, every skip explained."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from orchestration.news import file_drop
from orchestration.news.dates import to_utc
from orchestration.news.drop_columns import ColumnError, resolve_columns, ticker_hints
from tests.conftest import make_pipeline

NOW = datetime(2026, 11, 18, 6, 0, tzinfo=UTC)
NEW_YORK = ZoneInfo("America/New_York")
# 08:33 UTC on 2024-01-25, written the ways real exports write it.
MOMENT = datetime(2024, 1, 25, 8, 33, tzinfo=UTC)


@pytest.mark.parametrize(
    ("value", "zone"),
    [
        ("2024-01-25T03:33:00 EST", UTC),
        ("2024-01-25T08:33:00Z", UTC),
        ("2024-01-25T09:33:00+01:00", UTC),
        ("Jan 25, 2024 3:33 AM ET", UTC),
        ("January 25, 2024 03:33 AM EST", UTC),
        ("Thu, 25 Jan 2024 08:33:00 GMT", UTC),
        ("Thu, 25 Jan 2024 03:33:00 -0500", UTC),
        ("1706171580", UTC),
        ("1706171580000", UTC),
        (1706171580, UTC),
        (1706171580000, UTC),
        ("2024-01-25 03:33:00", NEW_YORK),
        ("01/25/2024 03:33", NEW_YORK),
        (datetime(2024, 1, 25, 3, 33), NEW_YORK),
    ],
)
def test_common_timestamp_forms_are_read_in_utc(value: object, zone: ZoneInfo):
    assert to_utc(value, zone) == MOMENT


def test_a_time_without_a_zone_is_read_in_utc_unless_the_source_names_one():
    assert to_utc("2024-07-04 09:30") == datetime(2024, 7, 4, 9, 30, tzinfo=UTC)
    assert to_utc("2024-07-04 09:30", NEW_YORK) == datetime(2024, 7, 4, 13, 30, tzinfo=UTC)


@pytest.mark.parametrize("value", ["yesterday", "25/25/2024", "Jan 25 2024 XYZ"])
def test_an_unreadable_time_is_an_error_quoting_it(value: str):
    with pytest.raises(ValueError, match="unreadable publication time"):
        to_utc(value)


def test_common_column_names_are_recognised_and_a_mapping_wins():
    columns = resolve_columns(["Headline", "link", "pubDate", "publisher", "summary", "Tickers"])
    assert columns == {
        "title": "Headline",
        "published_at": "pubDate",
        "url": "link",
        "body": "summary",
        "source": "publisher",
        "tickers": "Tickers",
    }
    mapped = resolve_columns(["hed", "date", "permalink", "headline"], {"title": "hed"})
    assert mapped["title"] == "hed"
    with pytest.raises(ColumnError, match=r"columns\.published_at names 'at'"):
        resolve_columns(["title", "url"], {"published_at": "at"})


def test_tickers_are_read_from_lists_and_text():
    assert ticker_hints("AAPL, msft;$NVDA") == ["AAPL", "MSFT", "NVDA"]
    assert ticker_hints('["AAPL", "BRK.B"]') == ["AAPL", "BRK.B"]
    assert ticker_hints(["aapl", "not a symbol", "AAPL"]) == ["AAPL"]
    assert ticker_hints(None) == []


def _issue_csv(folder: Path) -> Path:
    """The shape of the file in issue 14: `published`, `publisher`, zone abbreviations."""
    folder.mkdir(exist_ok=True)
    lines = ["headline,published,publisher,link,summary,tickers"]
    for n in range(1, 6):
        lines.append(
            f"Apple supplier update {n},2024-01-25T0{n}:33:00 EST,Example Wire,"
            f'https://files.example.com/a{n},Details of update {n}.,"AAPL, MSFT"'
        )
    path = folder / "export.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_a_csv_with_published_publisher_and_est_times_lands_every_row(tmp_path: Path):
    folder = tmp_path / "drop"
    _issue_csv(folder)

    articles, (result,), warnings = file_drop.read_folder(folder, "drop", NOW)

    assert (result.status, result.rows, warnings) == ("ok", 5, [])
    first = min(articles, key=lambda a: a.published_at)
    assert first.title == "Apple supplier update 1"
    assert first.published_at == datetime(2024, 1, 25, 6, 33, tzinfo=UTC)
    assert first.publisher == "Example Wire"
    assert first.body == "Details of update 1."
    assert first.ticker_hints == ["AAPL", "MSFT"]


def test_a_column_mapping_and_a_source_timezone_read_odd_names_and_naive_times(tmp_path: Path):
    folder = tmp_path / "drop"
    folder.mkdir()
    row = {"hed": "Boeing wins an order", "at": "2024-01-25 03:33", "ref": "r1"}
    (folder / "odd.jsonl").write_text(json.dumps(row) + "\n")
    options = file_drop.DropOptions.from_source(
        {"columns": {"title": "hed", "published_at": "at", "id": "ref"},
         "timezone": "America/New_York"}
    )  # fmt: skip

    (article,), (result,), _ = file_drop.read_folder(folder, "drop", NOW, options)

    assert result.status == "ok"
    assert article.published_at == MOMENT


def test_every_skipped_row_has_a_reason_counted_with_its_first_lines(tmp_path: Path):
    folder = tmp_path / "drop"
    folder.mkdir()
    lines = ["title,date,url"]
    lines += ["Fine,2024-01-25T03:33:00 EST,https://files.example.com/ok"]
    lines += [f"Odd {n},sometime,https://files.example.com/{n}" for n in range(5)]  # lines 3-7
    lines += [",2024-01-25,https://files.example.com/untitled"]  # line 8
    lines += ["No link,2024-01-25,"]  # line 9
    lines += ["No date,,https://files.example.com/undated"]  # line 10
    (folder / "mixed.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")

    articles, (result,), warnings = file_drop.read_folder(folder, "drop", NOW)

    assert [a.title for a in articles] == ["Fine"]
    assert result.status == "partial"
    assert dict(result.skipped) == {
        "unreadable publication time": 5,
        "no title": 1,
        "no url or id": 1,
        "no publication time": 1,
    }
    (message,) = warnings
    assert message.startswith("mixed.csv: 8 of 9 rows skipped: ")
    assert "unreadable publication time: 5 (lines 3, 4, 5, ...; e.g. 'sometime')" in message
    assert "no title: 1 (line 8)" in message
    assert "no url or id: 1 (line 9)" in message
    assert "no publication time: 1 (line 10)" in message


def test_the_ingestion_log_and_metadata_count_skips_and_the_hints_land(tmp_path: Path):
    folder = tmp_path / "drop"
    _issue_csv(folder)
    with (folder / "export.csv").open("a", encoding="utf-8") as handle:
        handle.write("Undated story,soon,Example Wire,https://files.example.com/u,,\n")
    sources = tmp_path / "sources.yaml"
    entry = {"name": "drop", "kind": "file_drop", "location": str(folder)}
    sources.write_text(json.dumps({"sources": [entry]}), encoding="utf-8")
    pipeline = make_pipeline(tmp_path, sources)
    pipeline.load_reference()

    result = pipeline.ingest("2024-01-25")

    assert result.success
    hints = pipeline.query("select distinct ticker_hints from raw.articles")
    assert hints == [(["AAPL", "MSFT"],)]
    message = pipeline.scalar("select message from raw.ingestion_log where source = 'drop'")
    assert "export.csv: 1 of 6 rows skipped: unreadable publication time: 1 (line 7" in message
    metadata = result.asset_materializations_for_node("raw_articles")[0].metadata
    assert metadata["rows_skipped"].value == {"unreadable publication time": 1}


def test_a_tickers_column_confirms_the_companies_the_text_names_and_adds_no_other(
    tmp_path: Path,
):
    folder = tmp_path / "drop"
    folder.mkdir()
    rows = [
        # An ambiguous name that counts only because the source says the story is Target's.
        ("t", "Target is opening stores in Ohio", "Forty new stores open in spring.", "TGT"),
        ("b", "Ball is shipping more cans", "Output rose at two plants.", ""),
        # Hints the text never names, or that name no listed company, add nothing.
        ("m", "Markets were calm on Thursday", "Trading volumes were light.", "AAPL, ZZZZQ"),
    ]
    lines = ["id,title,published_at,body,tickers"]
    lines += [
        f'{i},{title},2024-01-25T10:00:00Z,{body},"{tickers}"' for i, title, body, tickers in rows
    ]
    (folder / "hints.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    sources = tmp_path / "sources.yaml"
    entry = {"name": "drop", "kind": "file_drop", "location": str(folder)}
    sources.write_text(json.dumps({"sources": [entry]}), encoding="utf-8")
    pipeline = make_pipeline(tmp_path, sources)
    pipeline.load_reference()

    assert pipeline.ingest("2024-01-25").success

    found = dict(
        pipeline.query(
            "select a.title, list_sort([t.ticker for t in coalesce(n.tickers, [])]) "
            "from raw.articles a join raw.article_analysis n using (article_id)"
        )
    )
    assert found == {
        "Target is opening stores in Ohio": ["TGT"],
        "Ball is shipping more cans": [],
        "Markets were calm on Thursday": [],
    }

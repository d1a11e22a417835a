"""No limit on one row: a huge article is cut at ingestion, with a note, and so is what the
analyzer reads of it."""

from __future__ import annotations

import json
from pathlib import Path

import dagster as dg
import pytest

from orchestration.analysis.schema import MAX_ANALYZED_CHARS, analyzer_input
from orchestration.news.limits import DEFAULT_MAX_ARTICLE_CHARS, MAX_ARTICLE_CHARS_ENV
from orchestration.resources import AnalyzerResource, NewsSourcesResource
from orchestration.warehouse.connection import connect
from tests.conftest import make_pipeline

DAY = "2026-11-17"
# Plain words, no company names: the analyzer finds no ticker in them.
FILLER = "The quarter was long and the weather was mild across the region. "
LATE_NEWS = " Boeing shares plunged after the crash. Boeing halted deliveries."


def _sources(tmp_path: Path, folder: Path) -> Path:
    path = tmp_path / "sources.yaml"
    entry = {"name": "drop", "kind": "file_drop", "location": str(folder)}
    path.write_text(json.dumps({"sources": [entry]}), encoding="utf-8")
    return path


def test_a_multi_megabyte_single_line_jsonl_lands_cut_to_the_limit_with_a_note(tmp_path: Path):
    folder = tmp_path / "drop"
    folder.mkdir()
    body = FILLER * (6_000_000 // len(FILLER)) + LATE_NEWS  # ~6 MB, one line
    row = {"id": "huge", "title": "A very long report", "published_at": f"{DAY}T09:00Z"}
    (folder / "huge.jsonl").write_text(json.dumps(row | {"body": body}) + "\n")
    assert (folder / "huge.jsonl").stat().st_size > 5_000_000
    pipeline = make_pipeline(tmp_path, _sources(tmp_path, folder))
    pipeline.load_reference()

    result = pipeline.ingest(DAY)

    assert result.success
    assert pipeline.scalar("select length(body) from raw.articles") == DEFAULT_MAX_ARTICLE_CHARS
    status, message = pipeline.query(
        "select status, message from raw.ingestion_log where source = 'drop'"
    )[0]
    assert status == "partial"
    assert f"1 articles cut to 200,000 characters (body 1; {MAX_ARTICLE_CHARS_ENV})" in message
    metadata = result.asset_materializations_for_node("raw_articles")[0].metadata
    assert metadata["articles_truncated"].value == 1
    # The news past the cut is gone from what was analysed: no ticker for it.
    assert pipeline.query("select tickers from raw.article_analysis") == [([],)]


def test_the_limit_is_a_setting_of_both_resources():
    assert NewsSourcesResource().max_article_chars == DEFAULT_MAX_ARTICLE_CHARS
    assert AnalyzerResource().max_article_chars == MAX_ANALYZED_CHARS == DEFAULT_MAX_ARTICLE_CHARS


@pytest.mark.parametrize(("limit", "tickers"), [(5_000, []), (50_000, ["BA"])])
def test_the_analyzer_reads_at_most_the_limit_of_an_article_landed_before_the_cap(
    tmp_path: Path, limit: int, tickers: list[str]
):
    analyzer = AnalyzerResource(backend="offline", max_article_chars=limit)
    pipeline = make_pipeline(tmp_path, _sources(tmp_path, tmp_path), analyzer=analyzer)
    pipeline.load_reference()
    body = FILLER * 200 + LATE_NEWS  # the company comes after 13,000 characters
    with connect(pipeline.database) as con:
        con.execute(
            "insert into raw.articles (article_id, partition_date, title, body, source, "
            "published_at, published_at_is_fetch_time, fetched_at, content_hash) values "
            "('old', ?, 'An old long report', ?, 'drop', ?, false, ?, 'h')",
            [DAY, body, f"{DAY} 09:00", f"{DAY} 09:00"],
        )

    result = pipeline.defs.resolve_job_def("ingest_job").execute_in_process(
        instance=pipeline.instance,
        partition_key=DAY,
        asset_selection=[dg.AssetKey("article_analysis")],
    )

    assert result.success
    found = pipeline.scalar(
        "select list_transform(tickers, lambda t: t.ticker) from raw.article_analysis"
    )
    assert found == tickers


def test_analyzer_input_cuts_title_and_body_together():
    text = analyzer_input("a", "t" * 10, "b" * 100, limit=30)
    assert (len(text.title), len(text.body)) == (10, 20)
    assert len(analyzer_input("a", "t" * 50, "b", limit=30).title) == 30

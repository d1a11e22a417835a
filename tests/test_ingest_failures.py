"""Bad sources through the real ingest job: clear errors, good rows kept, re-runs safe."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import dagster as dg

from tests.conftest import FIXTURES, Pipeline, make_pipeline, write_sources

DAY = "2026-11-17"


def _ingest(pipeline: Pipeline, day: str = DAY) -> dg.ExecuteInProcessResult:
    pipeline.load_reference()
    return pipeline.ingest(day)


def _log(pipeline: Pipeline) -> dict[str, tuple[str, str | None]]:
    rows = pipeline.query("select source, status, message from raw.ingestion_log")
    return {source: (status, message) for source, status, message in rows}


def test_a_malformed_feed_is_reported_and_good_sources_still_land(tmp_path: Path):
    sources = write_sources(
        tmp_path / "sources.yaml",
        {
            "good-rss": str(FIXTURES / "small.rss"),
            "broken": str(FIXTURES / "malformed.xml"),
            "web-page": str(FIXTURES / "not_a_feed.html"),
            "missing": str(tmp_path / "nowhere.xml"),
            "good-atom": str(FIXTURES / "atom_one.atom"),
        },
    )
    pipeline = make_pipeline(tmp_path, sources)
    result = _ingest(pipeline)

    assert result.success
    titles = {t for (t,) in pipeline.query("select title from raw.articles")}
    assert titles == {
        "Pfizer shares surge after drug trial beats expectations",
        "Pfizer to present at healthcare conference",
        "Intel cuts its forecast as chip demand weakens",
    }
    log = _log(pipeline)
    assert log["good-atom"][0] == "ok"
    assert log["good-rss"][0] == "partial" and "no date" in log["good-rss"][1]
    assert log["broken"][0] == "error" and "not an RSS, Atom or RDF feed" in log["broken"][1]
    assert log["web-page"][0] == "error"
    assert log["missing"][0] == "error" and "nowhere.xml" in log["missing"][1]

    materialization = result.asset_materializations_for_node("raw_articles")[0]
    assert sorted(materialization.metadata["sources_failed"].value) == [
        "broken",
        "missing",
        "web-page",
    ]
    logged = "\n".join(record.user_message for record in pipeline.instance.all_logs(result.run_id))
    assert "source broken failed: not an RSS, Atom or RDF feed with readable entries" in logged

    # Every landed article was analysed.
    analysed = pipeline.scalar("select count(*) from raw.article_analysis")
    assert analysed == 3


def test_rerunning_the_partition_does_not_duplicate(tmp_path: Path):
    sources = write_sources(tmp_path / "sources.yaml", {"good-rss": str(FIXTURES / "small.rss")})
    pipeline = make_pipeline(tmp_path, sources)
    assert _ingest(pipeline).success
    first = pipeline.query("select article_id from raw.articles order by 1")
    assert _ingest(pipeline).success
    assert pipeline.query("select article_id from raw.articles order by 1") == first
    assert pipeline.scalar("select count(*) from raw.article_analysis") == len(first)
    # The ingestion log is history: one row per source per run.
    assert pipeline.scalar("select count(*) from raw.ingestion_log") == 2


def test_when_every_source_fails_the_run_fails_clearly_and_keeps_what_was_landed(tmp_path: Path):
    sources = tmp_path / "sources.yaml"
    write_sources(sources, {"good-rss": str(FIXTURES / "small.rss")})
    pipeline = make_pipeline(tmp_path, sources)
    assert _ingest(pipeline).success
    landed = pipeline.scalar("select count(*) from raw.articles")

    write_sources(sources, {"broken": str(FIXTURES / "malformed.xml")})
    result = _ingest(pipeline)
    assert not result.success
    failure = next(e for e in result.all_events if e.event_type == dg.DagsterEventType.STEP_FAILURE)
    assert "every news source failed" in str(failure.event_specific_data.error)
    assert pipeline.scalar("select count(*) from raw.articles") == landed


def test_an_undated_entry_lands_on_the_day_it_was_fetched(tmp_path: Path):
    sources = write_sources(tmp_path / "sources.yaml", {"good-rss": str(FIXTURES / "small.rss")})
    pipeline = make_pipeline(tmp_path, sources)
    today = datetime.now(tz=UTC).date().isoformat()
    assert _ingest(pipeline, day=today).success
    rows = pipeline.query(
        "select title, published_at_is_fetch_time from raw.articles where partition_date = ?",
        [today],
    )
    assert rows == [("An entry with no date at all", True)]

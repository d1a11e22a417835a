"""The ticker_reference asset: the universe into raw.tickers, from the snapshot or the SEC."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from orchestration.resources import ReferenceDataResource
from tests.conftest import Pipeline, make_pipeline
from testservers.feed_server import FeedServer

USER_AGENT = "TickerPulse tests admin@example.com"
# A current SEC file as the refresh path would get it: Alcoa and Barclays are gone.
FRESH = {
    "fields": ["cik", "name", "ticker", "exchange"],
    "data": [
        [320193, "Apple Inc.", "AAPL", "Nasdaq"],
        [789019, "MICROSOFT CORP", "MSFT", "Nasdaq"],
        [1999999, "BRAND NEW LISTING INC /DE/", "BNLI", "NYSE"],
    ],
}


def _reference(pipeline: Pipeline) -> dg.ExecuteInProcessResult:
    result = pipeline.defs.resolve_job_def("reference_job").execute_in_process(
        instance=pipeline.instance, asset_selection=[dg.AssetKey("ticker_reference")]
    )
    assert result.success
    return result


def _metadata(result: dg.ExecuteInProcessResult) -> dict[str, object]:
    (materialization,) = result.asset_materializations_for_node("ticker_reference")
    return {k: v.value for k, v in materialization.metadata.items()}


def _downloading(tmp_path: Path, url: str) -> Pipeline:
    reference_data = ReferenceDataResource(
        sec_user_agent=USER_AGENT, sec_tickers_url=url, timeout_s=5, min_rows=1
    )
    return make_pipeline(tmp_path, reference_data=reference_data)


def _analysed(pipeline: Pipeline, tickers: list[str]) -> None:
    """An analysis already landed that names `tickers`."""
    with duckdb.connect(str(pipeline.database)) as con:
        con.execute(
            "insert into raw.article_analysis (article_id, partition_date, analyzer, model, "
            "prompt_version, overall_sentiment_score, overall_sentiment_label, tickers, "
            "analyzed_at) values ('a1', ?, 'offline', 'lexicon', 'v1', 0.1, 'Neutral', ?, ?)",
            [
                date(2026, 11, 30),
                [
                    {
                        "ticker": t,
                        "relevance_score": 0.9,
                        "ticker_sentiment_score": 0.1,
                        "ticker_sentiment_label": "Neutral",
                    }
                    for t in tickers
                ],
                datetime.now(tz=UTC).replace(tzinfo=None),
            ],
        )


def test_without_a_user_agent_the_snapshot_lands_with_the_universe_columns(tmp_path: Path):
    pipeline = make_pipeline(tmp_path)
    metadata = _metadata(_reference(pipeline))
    assert str(metadata["source"]).startswith("snapshot")
    assert metadata["download_error"] == ""
    assert int(metadata["companies"]) > 10_000
    assert int(metadata["sp500"]) >= 500
    rows = pipeline.query(
        "select symbol, issuer, exchange, is_sp500, security_type, delisted, cik "
        "from raw.tickers where symbol in ('BRK-A', 'SPY', 'BCS', 'TWTR') order by symbol"
    )
    assert rows == [
        ("BCS", "BCS", "NYSE", False, "adr", False, "312069"),
        ("BRK-A", "BRK-B", "NYSE", False, "common", False, "1067983"),
        ("SPY", "SPY", "NYSE", False, "fund", False, "884394"),
        ("TWTR", "TWTR", "NYSE", False, "common", True, "1418091"),
    ]
    assert (
        pipeline.scalar(
            "select symbol from raw.ticker_aliases where alias = 'FB' and valid_to = '2022-06-09'"
        )
        == "META"
    )


def test_with_a_user_agent_the_current_sec_file_replaces_the_snapshot(
    tmp_path: Path, feed_server: FeedServer
):
    url = feed_server.serve("/files/tickers.json", json.dumps(FRESH).encode(), "application/json")
    pipeline = _downloading(tmp_path, url)
    _reference(pipeline)  # nothing in the warehouse yet: everything is new
    _analysed(pipeline, ["AA", "AAPL"])
    metadata = _metadata(_reference(pipeline))

    assert feed_server.requests_to("/files/tickers.json")[0].headers["user-agent"] == USER_AGENT
    assert str(metadata["source"]).startswith("download")
    assert pipeline.scalar("select name from raw.tickers where symbol = 'BNLI'") == (
        "Brand New Listing"
    )
    # Gone from the file: Barclays is dropped; Alcoa stays, marked delisted, as articles name it.
    assert pipeline.scalar("select count(*) from raw.tickers where symbol = 'BCS'") == 0
    assert pipeline.query(
        "select symbol, delisted from raw.tickers where symbol in ('AA', 'AAPL') order by 1"
    ) == [("AA", True), ("AAPL", False)]
    assert metadata["kept_as_delisted"] == 1


def test_a_refresh_over_the_snapshot_keeps_named_tickers_and_counts_the_rest(
    tmp_path: Path, feed_server: FeedServer
):
    pipeline = make_pipeline(tmp_path)
    _reference(pipeline)
    _analysed(pipeline, ["AA"])
    url = feed_server.serve("/files/tickers.json", json.dumps(FRESH).encode(), "application/json")
    refreshed = _downloading(tmp_path, url)
    metadata = _metadata(_reference(refreshed))
    assert metadata["kept_as_delisted"] == 1
    assert metadata["new"] == 1  # BNLI
    assert int(metadata["dropped"]) > 9_000
    alcoa = refreshed.query(
        "select name, delisted, name_variants from raw.tickers where symbol = 'AA'"
    )
    assert alcoa == [("Alcoa", True, ["Alcoa"])]


@pytest.mark.parametrize("failure", ["status", "not_json", "too_few_rows"])
def test_a_failing_download_falls_back_to_the_snapshot(
    tmp_path: Path, feed_server: FeedServer, failure: str
):
    path = "/files/tickers.json"
    if failure == "status":
        url = feed_server.status(path, 503)
    elif failure == "not_json":
        url = feed_server.serve(path, b"<html>Request Rate Threshold Exceeded</html>", "text/html")
    else:
        url = feed_server.serve(path, json.dumps(FRESH).encode(), "application/json")
    reference_data = ReferenceDataResource(
        sec_user_agent=USER_AGENT, sec_tickers_url=url, timeout_s=5, min_rows=1_000
    )
    pipeline = make_pipeline(tmp_path, reference_data=reference_data)
    metadata = _metadata(_reference(pipeline))
    assert str(metadata["source"]).startswith("snapshot")
    expected = {"status": "HTTP 503", "not_json": "not JSON", "too_few_rows": "fewer than 1000"}
    assert expected[failure] in str(metadata["download_error"])
    assert USER_AGENT not in str(metadata)
    assert int(metadata["companies"]) > 10_000


def test_dim_tickers_builds_with_the_universe_columns(tmp_path: Path):
    pipeline = make_pipeline(tmp_path)
    result = pipeline.defs.resolve_job_def("reference_job").execute_in_process(
        instance=pipeline.instance
    )
    assert result.success
    rows = pipeline.query(
        "select symbol, name, issuer, is_sp500, security_type, exchange, delisted, sector "
        "from marts.dim_tickers where symbol in ('GOOG', 'QQQ', 'NTRS', 'SONY') order by 1"
    )
    assert rows == [
        ("GOOG", "Alphabet", "GOOGL", True, "common", "Nasdaq", False, "Communication Services"),
        ("NTRS", "Northern Trust", "NTRS", True, "common", "Nasdaq", False, "Financials"),
        ("QQQ", "Invesco QQQ Trust, Series 1", "QQQ", False, "fund", "Nasdaq", False, None),
        ("SONY", "Sony Group", "SONY", False, "adr", "NYSE", False, None),
    ]
    assert pipeline.scalar("select count(*) from marts.dim_tickers") > 10_000

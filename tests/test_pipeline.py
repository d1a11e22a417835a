"""The demo corpus through the real graph: Dagster runs, DuckDB files and dbt build."""

from __future__ import annotations

import dagster as dg

from orchestration.analysis.schema import sentiment_label
from tests.conftest import STORYLINE, Pipeline

TABLES = (
    "raw.articles",
    "raw.article_analysis",
    "marts.fct_article_sentiment",
    "marts.fct_ticker_mentions",
    "marts.fct_ticker_sentiment_daily",
    "marts.dim_tickers",
)


def _counts(pipeline: Pipeline) -> dict[str, int]:
    return {table: pipeline.scalar(f"select count(*) from {table}") for table in TABLES}


def test_every_demo_article_lands_once_and_is_analysed(demo: Pipeline):
    assert demo.scalar("select count(*) from raw.articles") == 69
    assert demo.scalar("select count(distinct article_id) from raw.articles") == 69
    assert demo.scalar("select count(*) from marts.fct_article_sentiment") == 69
    assert demo.scalar("select count(*) from raw.analysis_dead_letters") == 0
    days = [
        str(d) for (d,) in demo.query("select distinct partition_date from raw.articles order by 1")
    ]
    assert days == STORYLINE["dates"]


def test_a_story_in_two_feeds_becomes_one_article_that_remembers_both(demo: Pipeline):
    (title,) = [d["title"] for d in STORYLINE["duplicate_of"]]
    rows = demo.query("select sources, url from raw.articles where title = ?", [title])
    assert len(rows) == 1
    sources, url = rows[0]
    assert sorted(sources) == ["demo-markets-wire", "demo-tech-desk"]
    assert "utm_" not in url and "#" not in url

    # The materialization says so: one item of the feeds was folded into another.
    event = demo.instance.get_latest_materialization_event(dg.AssetKey("raw_articles"))
    metadata = event.asset_materialization.metadata
    assert metadata["duplicates_folded"].value == len(STORYLINE["duplicate_of"])
    assert metadata["items_read"].value == (
        metadata["articles_in_all_sources"].value + metadata["duplicates_folded"].value
    )


def _daily_scores(demo: Pipeline, ticker: str) -> list[float]:
    rows = demo.query(
        "select weighted_sentiment_score from marts.fct_ticker_sentiment_daily where ticker = ?",
        [ticker],
    )
    return [score for (score,) in rows]


def test_clearly_negative_tickers_get_negative_daily_scores(demo: Pipeline):
    for ticker in STORYLINE["clearly_negative"]:
        scores = _daily_scores(demo, ticker)
        assert len(scores) >= 4, ticker
        assert max(scores) < 0, (ticker, scores)


def test_clearly_positive_tickers_get_positive_daily_scores(demo: Pipeline):
    for ticker in STORYLINE["clearly_positive"]:
        scores = _daily_scores(demo, ticker)
        assert len(scores) >= 4, ticker
        assert min(scores) > 0, (ticker, scores)


def test_a_multi_ticker_article_gives_each_ticker_its_own_sentiment(demo: Pipeline):
    opposite_signs = 0
    for pair in STORYLINE["pairs"]:
        scores = dict(
            demo.query(
                "select ticker, ticker_sentiment_score from marts.fct_ticker_mentions "
                "where title = ?",
                [pair["title"]],
            )
        )
        winner, loser = scores[pair["positive"]], scores[pair["negative"]]
        assert winner > loser, (pair["title"], scores)
        opposite_signs += winner > 0 > loser
    assert opposite_signs >= len(STORYLINE["pairs"]) - 2


def test_only_reference_tickers_reach_the_marts(demo: Pipeline):
    assert (
        demo.scalar(
            "select count(*) from marts.fct_ticker_mentions m "
            "left join marts.dim_tickers t on t.symbol = m.ticker where t.symbol is null"
        )
        == 0
    )
    assert {
        t for (t,) in demo.query("select distinct ticker from marts.fct_ticker_mentions")
    } == set(STORYLINE["tickers"])


def test_sql_label_of_the_day_matches_the_python_scale(demo: Pipeline):
    rows = demo.query(
        "select weighted_sentiment_score, sentiment_label from marts.fct_ticker_sentiment_daily"
    )
    assert rows
    for score, label in rows:
        assert label == sentiment_label(score), (score, label)


def test_every_row_records_the_analyzer_model_and_prompt_version(demo: Pipeline):
    assert demo.query(
        "select distinct analyzer, model, prompt_version from marts.fct_article_sentiment"
    ) == [("offline", "tickerpulse-sentence-model", "3")]


def test_daily_counts_add_up_to_the_mentions(demo: Pipeline):
    mismatches = demo.scalar(
        "select count(*) from marts.fct_ticker_sentiment_daily "
        "where article_count != bullish_count + somewhat_bullish_count + neutral_count "
        "+ somewhat_bearish_count + bearish_count"
    )
    assert mismatches == 0
    assert demo.scalar("select sum(article_count) from marts.fct_ticker_sentiment_daily") == (
        demo.scalar("select count(*) from marts.fct_ticker_mentions")
    )


def test_rerunning_a_partition_keeps_row_counts(demo: Pipeline):
    before = _counts(demo)
    day = STORYLINE["dates"][1]
    result = demo.defs.resolve_job_def("daily_news_job").execute_in_process(
        instance=demo.instance, partition_key=day
    )
    assert result.success
    assert _counts(demo) == before
    # The re-run replaced the day's rows instead of adding a second analysis version.
    assert (
        demo.scalar(
            "select count(distinct run_id) from raw.article_analysis where partition_date = ?",
            [day],
        )
        == 1
    )


def test_dbt_tests_all_pass(demo: Pipeline):
    result = demo.defs.resolve_job_def("marts_job").execute_in_process(
        instance=demo.instance, partition_key=STORYLINE["dates"][0]
    )
    # The daily models' tests report as observations (tests/test_dbt_test_results.py).
    statuses = {
        metadata["unique_id"].value: metadata["status"].value
        for e in result.all_events
        if e.event_type == dg.DagsterEventType.ASSET_OBSERVATION
        and "unique_id" in (metadata := e.asset_observation_data.asset_observation.metadata)
        and str(metadata["unique_id"].value).startswith("test.")
    }
    assert len(statuses) >= 25
    assert all(s == "pass" for s in statuses.values()), statuses


def test_the_demo_lands_invented_prices_for_its_tickers_and_the_benchmark(demo: Pipeline):
    rows = demo.query(
        "select trade_date, count(distinct ticker), bool_and(invented), "
        "bool_and(source = 'invented-demo') from raw.prices group by 1 order by 1"
    )
    assert [str(day) for day, *_ in rows] == STORYLINE["dates"]
    assert all(n == len(STORYLINE["tickers"]) + 1 and inv and src for _, n, inv, src in rows)
    assert demo.scalar("select count(*) from raw.prices where ticker = 'SPY'") == len(rows)
    early = demo.scalar("select count(*) from raw.market_sessions where early_close")
    assert early > 0

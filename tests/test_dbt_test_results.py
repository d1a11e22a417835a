"""The daily models' dbt tests run inside dbt build: results are observations, failures fail.

They are not Dagster asset checks (orchestration/assets/dbt.py says why), so these tests make
sure a daily run still tests its data: each result is an observation of the tested model
with its status, the step logs a summary, and a failing test fails the step and stops the
steps after it.
"""

from __future__ import annotations

import dagster as dg
import duckdb
import pytest

from orchestration.assets.dbt import summarize_dbt_tests
from tests.conftest import STORYLINE, Pipeline, make_pipeline

DAY = STORYLINE["dates"][0]


@pytest.fixture(scope="module")
def pipeline(tmp_path_factory: pytest.TempPathFactory) -> Pipeline:
    pipeline = make_pipeline(tmp_path_factory.mktemp("dbt-tests"))
    reference = pipeline.defs.resolve_job_def("reference_job")
    assert reference.execute_in_process(instance=pipeline.instance).success
    return pipeline


def _test_results(result: dg.ExecuteInProcessResult) -> dict[str, tuple[str, set[str]]]:
    """dbt test unique_id -> (status, the asset keys it was reported on)."""
    results: dict[str, tuple[str, set[str]]] = {}
    for event in result.all_events:
        if event.event_type != dg.DagsterEventType.ASSET_OBSERVATION:
            continue
        observation = event.asset_observation_data.asset_observation
        unique_id = observation.metadata["unique_id"].value
        if str(unique_id).startswith("test."):
            status = observation.metadata["status"].value
            _, keys = results.setdefault(unique_id, (status, set()))
            keys.add(observation.asset_key.to_user_string())
    return results


def _logged(result: dg.ExecuteInProcessResult, instance: dg.DagsterInstance) -> list[str]:
    return [str(record.user_message) for record in instance.all_logs(result.run_id)]


def test_a_daily_run_reports_every_dbt_test_as_an_observation_of_its_model(pipeline: Pipeline):
    daily = pipeline.defs.resolve_job_def("daily_news_job")
    result = daily.execute_in_process(instance=pipeline.instance, partition_key=DAY)
    assert result.success

    results = _test_results(result)
    assert len(results) >= 25
    assert {status for status, _ in results.values()} == {"pass"}
    [(_, keys)] = [v for uid, v in results.items() if ".within_range_stg_raw__article_" in uid]
    assert keys == {"staging/stg_raw__article_analyses"}
    # Our own checks still run as asset checks; no dbt test does any more.
    checks = {
        e.asset_check_evaluation_data.check_name
        for e in result.all_events
        if e.event_type == dg.DagsterEventType.ASSET_CHECK_EVALUATION
    }
    assert checks == {
        "raw_articles_are_fresh",
        "analysis_coverage",
        "analysis_values_are_valid",
        "webhooks_are_delivering",
    }
    assert f"dbt tests: {len(results)} pass" in _logged(result, pipeline.instance)


def test_a_failing_dbt_test_fails_the_step_and_is_named(pipeline: Pipeline):
    # A score out of range reaches the warehouse (as a buggy analyzer would land it).
    with duckdb.connect(str(pipeline.database)) as con:
        (article_id, score) = con.execute(
            "select article_id, overall_sentiment_score from raw.article_analysis "
            "where partition_date = ? order by article_id limit 1",
            [DAY],
        ).fetchone()
        con.execute(
            "update raw.article_analysis set overall_sentiment_score = 7 where article_id = ?",
            [article_id],
        )
    try:
        marts = pipeline.defs.resolve_job_def("marts_job")
        result = marts.execute_in_process(
            instance=pipeline.instance, partition_key=DAY, raise_on_error=False
        )
    finally:
        with duckdb.connect(str(pipeline.database)) as con:
            con.execute(
                "update raw.article_analysis set overall_sentiment_score = ? where article_id = ?",
                [score, article_id],
            )

    assert not result.success
    [failed] = [e.step_key for e in result.all_events if e.is_step_failure]
    assert failed == "dbt_daily_models"
    # The steps after the dbt build did not run on data that failed its tests.
    started = {e.step_key for e in result.all_events if e.is_step_start}
    assert "served_marts" not in started

    failing = {uid: v for uid, v in _test_results(result).items() if v[0] == "fail"}
    assert len(failing) == 1
    [(uid, (_, keys))] = failing.items()
    assert ".within_range_stg_raw__article_analyses_overall_sentiment_score" in uid
    assert keys == {"staging/stg_raw__article_analyses"}
    [summary] = [m for m in _logged(result, pipeline.instance) if m.startswith("dbt tests:")]
    assert "1 fail" in summary
    assert "within_range_stg_raw__article_analyses_overall_sentiment_score" in summary


def test_the_summary_counts_statuses_and_names_what_did_not_pass():
    assert summarize_dbt_tests({}) == "dbt tests: none ran"
    line = summarize_dbt_tests(
        {
            "test.tickerpulse.not_null_a_id.1f": "pass",
            "test.tickerpulse.unique_a_id.2e": "pass",
            "test.tickerpulse.within_range_b_x.3d": "warn",
            "test.tickerpulse.not_null_b_y.4c": "fail",
        }
    )
    assert line == "dbt tests: 1 fail, 2 pass, 1 warn (not_null_b_y, within_range_b_x)"

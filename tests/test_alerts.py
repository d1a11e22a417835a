"""Alerts: watchlists, rules, payloads, delivery to webhooks on 127.0.0.1, sent once.

The pipeline tests start from a copy of the session's demo warehouse, so they cost no dbt
and no analysis, except the shock test, which builds the marts once over a longer range.
"""

from __future__ import annotations

import shutil
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from orchestration.alerts.rules import (
    ArticleRef,
    Mention,
    Shock,
    alert_id,
    article_alerts,
    shock_alerts,
)
from orchestration.alerts.watchlists import (
    ResolvedWatchlist,
    Thresholds,
    WatchlistConfigError,
    load_watchlists,
    resolve,
)
from orchestration.alerts.webhooks import (
    Target,
    deliver,
    json_payload,
    post_alert,
    slack_payload,
    webhook_client,
)
from orchestration.analysis.schema import ArticleAnalysis
from orchestration.checks import webhooks_are_delivering
from orchestration.news.articles import Article
from orchestration.news.fetch import RetryPolicy
from orchestration.partitions import RANGE_END, RANGE_START
from orchestration.paths import PROJECT_ROOT
from orchestration.resources import AlertingResource, WarehouseResource
from orchestration.warehouse.connection import append_rows, connect
from orchestration.warehouse.frames import analyses_frame, articles_frame
from tests.conftest import STORYLINE, Pipeline, make_pipeline
from testservers.webhook_server import WebhookServer, refused_url

DAYS = STORYLINE["dates"]
SECRET = "T0SECRET/B0SECRET/xoxsecrettoken"
FAST = RetryPolicy(attempts=3, base_delay_s=0.01, max_delay_s=0.5)
NOON = time(12)


# -- watchlists ----------------------------------------------------------------------------


def _write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def test_the_shipped_watchlists_file_watches_the_demo_tickers_and_sends_nothing():
    config = load_watchlists(PROJECT_ROOT / "watchlists.yaml")
    assert [w.name for w in config.watchlists] == ["demo"]
    assert set(config.watchlists[0].tickers) == set(STORYLINE["tickers"])
    assert config.webhooks == ()
    assert config.watchlists[0].notify == ()


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("watchlists: [{name: a, tickers: [AAPL], treshold: 1}]", "watchlists.0.treshold"),
        (
            "watchlists: [{name: a, tickers: [AAPL], thresholds: {article_score: 1.5}}]",
            "watchlists.0.thresholds.article_score",
        ),
        ("watchlists: [{name: a}]", "needs tickers or portfolios"),
        ("watchlists: [{name: 'a b', tickers: [AAPL]}]", "use letters, digits"),
        ("webhooks: [{name: 'x/y', url_env: A}]", "use letters, digits"),
        ("watchlists: [{name: a, tickers: [AAPL], notify: [nope]}]", "unknown webhooks: nope"),
        ("watchlists: [{name: a, tickers: ['AA PL']}]", "not ticker symbols: AA PL"),
        (
            f"webhooks: [{{name: s, format: slack, url: 'https://hooks.slack.com/services/{SECRET}'}}]",
            "name it in url_env",
        ),
        (f"webhooks: [{{name: s, url_env: 'https://x/{SECRET}'}}]", "environment variable"),
        ("webhooks: [{name: s, url_env: A, url: 'http://127.0.0.1/x'}]", "exactly one of"),
        ("webhooks: [{name: s, format: teams, url_env: A}]", "webhooks.0.format"),
        ("watchlists: [a, b", "not valid YAML"),
        ("- just a list", "expected a mapping"),
    ],
)
def test_a_bad_watchlists_file_gets_a_clear_error_that_never_repeats_a_url(
    tmp_path: Path, body: str, expected: str
):
    path = _write(tmp_path / "watchlists.yaml", body)
    with pytest.raises(WatchlistConfigError) as error:
        load_watchlists(path)
    assert str(path) in str(error.value)
    assert expected in str(error.value)
    assert SECRET not in str(error.value)


def test_portfolios_expand_to_their_holdings_and_unknown_names_are_errors(tmp_path: Path):
    path = _write(
        tmp_path / "w.yaml",
        "watchlists:\n  - {name: mine, tickers: [ba], portfolios: [tech]}\n",
    )
    config = load_watchlists(path)
    known = {"AAPL", "MSFT", "BA"}
    (resolved,) = resolve(config, known, {"tech": {"AAPL", "MSFT"}})
    assert resolved.tickers == {"AAPL", "MSFT", "BA"}  # symbols are upper-cased
    with pytest.raises(WatchlistConfigError, match="no portfolio 'tech' \\(known: other\\)"):
        resolve(config, known, {"other": {"AAPL"}})
    with pytest.raises(WatchlistConfigError, match="dim_portfolio_holdings is not built"):
        resolve(config, known, None)
    with pytest.raises(WatchlistConfigError, match="not in the reference: MSFT"):
        resolve(config, {"AAPL", "BA"}, {"tech": {"AAPL", "MSFT"}})


# -- rules ---------------------------------------------------------------------------------


def _ref(article_id: str, score: float, relevance: float = 1.0, day: date = date(2026, 11, 18)):
    return ArticleRef(
        article_id,
        f"Headline {article_id}",
        f"https://news.example.com/{article_id}",
        datetime.combine(day, NOON),
        score,
        relevance,
    )


def _mention(ticker: str, article_id: str, score: float, relevance: float = 1.0) -> Mention:
    day = date(2026, 11, 18)
    return Mention(ticker, day, _ref(article_id, score, relevance, day))


def _watchlist(tmp_path: Path, body: str):
    config = load_watchlists(_write(tmp_path / "w.yaml", body))
    return resolve(config, {"AAPL", "BA", "MSFT", "INTC"}, {})


def test_strong_articles_on_watched_tickers_alert_and_nothing_else(tmp_path: Path):
    watchlists = _watchlist(
        tmp_path,
        "watchlists:\n  - {name: w, tickers: [BA, INTC], "
        "thresholds: {article_score: 0.6, min_relevance: 0.5}}\n",
    )
    mentions = [
        _mention("BA", "strong-negative", -0.7),
        _mention("BA", "exactly-at-threshold", 0.6, relevance=0.5),
        _mention("BA", "too-weak", -0.59),
        _mention("BA", "passing-mention", -0.9, relevance=0.4),
        _mention("AAPL", "unwatched", -0.95),
    ]
    alerts = article_alerts(watchlists, mentions)
    assert {(a.articles[0].article_id, a.rule, a.direction) for a in alerts} == {
        ("strong-negative", "article_negative", "down"),
        ("exactly-at-threshold", "article_positive", "up"),
    }
    alerts.sort(key=lambda a: a.score)
    assert alerts[0].why.startswith(
        "BA: strongly negative article (sentiment -0.70, relevance 1.00)"
    )
    assert alerts[0].event_at == datetime(2026, 11, 18, 12)


def test_an_alert_id_names_what_happened_not_its_scores(tmp_path: Path):
    body = "watchlists:\n  - {name: NAME, tickers: [BA], thresholds: {directions: [negative]}}\n"
    first = article_alerts(
        _watchlist(tmp_path, body.replace("NAME", "a")), [_mention("BA", "x", -0.9)]
    )
    rescored = article_alerts(
        _watchlist(tmp_path, body.replace("NAME", "a")), [_mention("BA", "x", -0.85)]
    )
    other = article_alerts(
        _watchlist(tmp_path, body.replace("NAME", "b")), [_mention("BA", "x", -0.9)]
    )
    positive = article_alerts(
        _watchlist(tmp_path, body.replace("NAME", "a")), [_mention("BA", "y", 0.95)]
    )
    assert (
        first[0].alert_id
        == rescored[0].alert_id
        == alert_id("a", "article", "BA", date(2026, 11, 18), "x")
    )
    assert other[0].alert_id != first[0].alert_id
    assert positive == []  # this watchlist only wants bad news


def _shock(ticker: str, shock_type: str, direction: str) -> Shock:
    return Shock(ticker, date(2026, 11, 18), shock_type, direction, 9, -0.4, 0.2, -8.0, 2.0, 4.5)


def test_a_shock_alert_lists_the_articles_that_moved_the_day_most(tmp_path: Path):
    watchlists = _watchlist(
        tmp_path,
        "watchlists:\n  - {name: w, tickers: [BA, MSFT], "
        "thresholds: {shock_types: [sentiment_drop, volume_spike]}}\n",
    )
    mentions = [
        _mention("BA", f"a{i}", score, rel)
        for i, (score, rel) in enumerate(
            [
                (0.3, 1.0),
                (-0.9, 0.2),
                (-0.6, 1.0),
                (-0.8, 1.0),
                (0.1, 1.0),
                (-0.1, 1.0),
                (-0.2, 1.0),
            ]
        )
    ]
    mentions.append(_mention("MSFT", "m", -0.99))
    shocks = [
        _shock("BA", "sentiment_drop", "down"),
        _shock("MSFT", "sentiment_spike", "up"),  # not a type this watchlist wants
        _shock("AAPL", "sentiment_drop", "down"),  # not watched
    ]
    (alert,) = shock_alerts(watchlists, shocks, mentions)
    assert (alert.ticker, alert.rule, alert.direction) == ("BA", "sentiment_drop", "down")
    # Relevance-weighted pull downwards; five at most; a1 (-0.9 at relevance 0.2) is minor.
    assert [a.article_id for a in alert.articles] == ["a3", "a2", "a6", "a1", "a5"]
    assert alert.why == (
        "BA: sentiment drop on 2026-11-18: -0.40 against a trailing mean of +0.20 "
        "(z -8.0) over 9 articles"
    )
    assert alert.event_at == datetime(2026, 11, 19)
    assert alert.alert_id == alert_id("w", "shock", "BA", date(2026, 11, 18))


# -- payloads and delivery -----------------------------------------------------------------


@pytest.fixture
def alert():
    """A strongly negative article alert whose title and URL need escaping in Slack."""
    article = ArticleRef(
        "a1",
        "Boeing <!channel> halts 737 & more",
        "https://news.example.com/boeing?a=1&b=2",
        datetime(2026, 11, 18, 14, 30),
        -0.9,
        1.0,
    )
    watchlist = ResolvedWatchlist("w", frozenset({"BA"}), Thresholds(), ())
    (found,) = article_alerts([watchlist], [Mention("BA", date(2026, 11, 18), article)])
    return found


def test_the_json_payload_carries_every_field_of_the_alert(alert):
    payload = json_payload(alert)
    assert payload == {
        "type": "tickerpulse.alert",
        "schema_version": 1,
        "alert_id": alert.alert_id,
        "watchlist": "w",
        "rule": "article_negative",
        "ticker": "BA",
        "date": "2026-11-18",
        "event_at": "2026-11-18T14:30:00Z",
        "direction": "down",
        "score": -0.9,
        "why": alert.why,
        "articles": [
            {
                "article_id": "a1",
                "title": "Boeing <!channel> halts 737 & more",
                "url": "https://news.example.com/boeing?a=1&b=2",
                "published_at": "2026-11-18T14:30:00Z",
                "sentiment_score": -0.9,
                "relevance_score": 1.0,
            }
        ],
    }


def test_the_slack_payload_is_block_kit_with_a_text_fallback_and_escaped_markup(alert):
    payload = slack_payload(alert)
    assert set(payload) == {"text", "blocks"}
    assert "<!channel>" not in str(payload)  # never pings a whole channel
    assert "&lt;!channel&gt;" in payload["text"]
    header, why, articles, context = payload["blocks"]
    assert header == {
        "type": "header",
        "text": {"type": "plain_text", "text": "BA: strongly negative article", "emoji": True},
    }
    assert why["type"] == "section" and why["text"]["type"] == "mrkdwn"
    assert why["text"]["text"].startswith(":chart_with_downwards_trend: BA: strongly negative")
    assert articles["text"]["text"] == (
        "• <https://news.example.com/boeing?a=1&amp;b=2|Boeing &lt;!channel&gt; halts 737 &amp; "
        "more> (sentiment -0.90, relevance 1.00)"
    )
    assert context["type"] == "context"
    assert alert.alert_id in context["elements"][0]["text"]


def test_slack_limits_hold_for_long_titles_and_many_articles(alert):
    from dataclasses import replace

    long_title = "Boeing " * 200
    refs = tuple(replace(alert.articles[0], article_id=f"a{i}", title=long_title) for i in range(5))
    payload = slack_payload(replace(alert, ticker="X" * 200, articles=refs, why="w" * 5000))
    header, why, articles, _ = payload["blocks"]
    assert len(header["text"]["text"]) <= 150
    assert len(why["text"]["text"]) <= 3000
    assert len(articles["text"]["text"]) <= 3000
    assert articles["text"]["text"].count("•") >= 1
    assert all(line.endswith(")") for line in articles["text"]["text"].split("\n"))


def test_a_flaky_webhook_gets_the_alert_after_retries(alert, webhook_server: WebhookServer):
    url = webhook_server.hook("/json", fail=2)
    with webhook_client(5) as client:
        delivery = post_alert(alert, Target("j", "json", url), client, FAST)
    assert (delivery.status, delivery.attempts, delivery.http_status) == ("sent", 3, 200)
    requests = webhook_server.received("/json")
    assert [r.answered for r in requests] == [503, 503, 200]
    assert requests[-1].json == json_payload(alert)
    assert requests[-1].headers["content-type"] == "application/json"
    assert requests[-1].headers["idempotency-key"] == alert.alert_id


def test_a_refused_payload_is_not_retried_and_a_dead_webhook_never_shows_its_url(
    alert, webhook_server: WebhookServer
):
    url = webhook_server.hook("/slack", fail=1, status=400)
    dead = refused_url(f"/services/{SECRET}")
    with webhook_client(2) as client:
        refused = post_alert(alert, Target("s", "slack", url), client, FAST)
        unreachable = post_alert(alert, Target("d", "json", dead), client, FAST)
    assert (refused.status, refused.attempts, refused.http_status) == ("failed", 1, 400)
    assert refused.error == "HTTP 400: no_service" and not refused.transient
    assert (unreachable.status, unreachable.attempts, unreachable.http_status) == (
        "failed",
        3,
        None,
    )
    assert unreachable.error == "no connection (ConnectError) (gave up after 3 attempts)"
    assert unreachable.transient
    assert SECRET not in repr(Target("d", "json", dead))


def test_a_retry_after_longer_than_we_wait_fails_the_delivery_at_once(
    alert, webhook_server: WebhookServer
):
    url = webhook_server.hook("/slow", fail=5, status=429, retry_after="3600")
    with webhook_client(2) as client:
        delivery = post_alert(alert, Target("s", "json", url), client, FAST)
    assert (delivery.status, delivery.attempts) == ("failed", 1)
    assert "asked to retry after 3600 s" in delivery.error


def test_a_down_webhook_costs_one_alert_of_retries_and_the_others_are_deferred(
    alert, webhook_server: WebhookServer
):
    from dataclasses import replace

    up = Target("up", "json", webhook_server.hook("/up"))
    webhook_server.down("/down")
    down = Target("down", "slack", webhook_server.url("/down"))
    alerts = [replace(alert, alert_id=f"id{i}") for i in range(4)]
    jobs = [(a, t) for a in alerts for t in (down, up)]
    progress: list[tuple[int, int]] = []
    with webhook_client(2) as client:
        report = deliver(jobs, client, FAST, 60.0, lambda d, n: progress.append((d, n)))
    assert report.sent == 4 and report.failed == 1
    assert report.deferred == [(f"id{i}", "down") for i in (1, 2, 3)]
    assert len(webhook_server.received("/down")) == 3  # one alert, three attempts
    assert progress[-1] == (8, 8)


def test_the_deadline_defers_what_is_left(alert, webhook_server: WebhookServer):
    from dataclasses import replace

    target = Target("up", "json", webhook_server.hook("/up"))
    jobs = [(replace(alert, alert_id=f"id{i}"), target) for i in range(3)]
    ticks = iter([0.0, 0.0, 5.0, 5.0])
    with webhook_client(2) as client:
        report = deliver(jobs, client, FAST, 1.0, clock=lambda: next(ticks))
    assert report.sent == 1
    assert report.deferred == [("id1", "up"), ("id2", "up")]


# -- through Dagster -----------------------------------------------------------------------


def _copy_of_demo(
    demo: Pipeline, tmp_path: Path, watchlists: str, copy: bool = True, **alerting: object
) -> Pipeline:
    """The demo warehouse (a fresh copy, or the test's copy as it is) and these watchlists."""
    if copy:
        shutil.copyfile(demo.database, tmp_path / "warehouse.duckdb")
    path = _write(tmp_path / "watchlists.yaml", watchlists)
    options = {"retry_delay_s": 0.01, "timeout_s": 2.0, "max_age_hours": 0.0, **alerting}
    return make_pipeline(tmp_path, alerting=AlertingResource(watchlists_file=str(path), **options))


def _run(
    pipeline: Pipeline,
    asset: str,
    start: str = DAYS[0],
    end: str = DAYS[-1],
    job: str = "ingest_job",
) -> tuple[dg.ExecuteInProcessResult, dict[str, object]]:
    tags = {RANGE_START: start, RANGE_END: end} if start != end else {}
    result = pipeline.defs.resolve_job_def(job).execute_in_process(
        instance=pipeline.instance,
        asset_selection=[dg.AssetKey(asset)],
        partition_key=start if start == end else None,
        tags=tags,
        raise_on_error=False,
    )
    assert result.success
    events = result.get_asset_materialization_events()
    metadata = {k: v.value for k, v in events[-1].materialization.metadata.items()}
    return result, metadata


def _everything_logged(pipeline: Pipeline, result: dg.ExecuteInProcessResult) -> str:
    return "\n".join(repr(entry) for entry in pipeline.instance.all_logs(result.run_id))


_WATCH_BAD_NEWS = """
watchlists:
  - name: bad-news
    tickers: [BA, INTC, TSLA]
    thresholds: {article_score: 0.8, min_relevance: 0.8, directions: [negative]}
    notify: [feed, team]
webhooks:
  - {name: feed, format: json, url_env: TP_TEST_FEED_URL}
  - {name: team, format: slack, url_env: TP_TEST_SLACK_URL}
"""


def _expected_alerts(pipeline: Pipeline) -> set[tuple[str, str]]:
    """(ticker, article_id) pairs the rules must find, computed straight from raw tables."""
    rows = pipeline.query(
        """
        with latest as (
            select * from raw.article_analysis
            qualify row_number() over (partition by article_id order by analyzed_at desc) = 1
        )
        select t.ticker, article_id from (select article_id, unnest(tickers) as t from latest)
        where t.ticker in ('BA', 'INTC', 'TSLA')
          and t.ticker_sentiment_score <= -0.8 and t.relevance_score >= 0.8
        """
    )
    return set(rows)


def test_the_demo_run_records_alerts_and_sends_nothing(demo: Pipeline):
    rows = demo.query(
        "select rule, ticker, articles[1].sentiment_score, articles[1].relevance_score "
        "from alerts.alerts"
    )
    assert len(rows) >= 10
    assert {rule for rule, *_ in rows} == {"article_negative", "article_positive"}
    assert all(abs(score) >= 0.8 and relevance >= 0.8 for _, _, score, relevance in rows)
    assert {"BA", "INTC"} <= {ticker for rule, ticker, *_ in rows if rule == "article_negative"}
    assert demo.scalar("select count(*) from alerts.deliveries") == 0


def test_article_alerts_are_sent_once_to_each_webhook(
    demo: Pipeline, tmp_path: Path, webhook_server: WebhookServer, monkeypatch
):
    monkeypatch.setenv("TP_TEST_FEED_URL", webhook_server.hook(f"/feed/{SECRET}"))
    monkeypatch.setenv("TP_TEST_SLACK_URL", webhook_server.hook(f"/services/{SECRET}"))
    pipeline = _copy_of_demo(demo, tmp_path, _WATCH_BAD_NEWS, max_age_hours=72.0)
    expected = _expected_alerts(pipeline)
    assert {ticker for ticker, _ in expected} == {"BA", "INTC", "TSLA"}

    # The demo's news is over a week old: recorded, not sent, under the default age limit.
    result, metadata = _run(pipeline, "article_alerts")
    assert metadata["alerts_new"] == metadata["alerts_too_old_to_send"] == len(expected)
    assert metadata["deliveries_sent"] == 0 and webhook_server.received() == []
    rows = pipeline.query(
        "select ticker, articles[1].article_id from alerts.alerts where watchlist = 'bad-news'"
    )
    assert set(rows) == expected and len(rows) == len(expected)

    # Without the limit the recorded alerts go out, to both webhooks, once.
    pipeline = _copy_of_demo(demo, tmp_path, _WATCH_BAD_NEWS, copy=False)
    result, metadata = _run(pipeline, "article_alerts")
    assert (metadata["alerts_new"], metadata["alerts_already_known"]) == (0, len(expected))
    assert metadata["deliveries_sent"] == 2 * len(expected)
    assert metadata["webhooks"] == {"feed": "json", "team": "slack"}
    feed = [r.json for r in webhook_server.accepted(f"/feed/{SECRET}")]
    assert {(p["ticker"], p["articles"][0]["article_id"]) for p in feed} == expected
    assert len(feed) == len(expected)
    assert all(p["rule"] == "article_negative" and p["score"] <= -0.8 for p in feed)
    slack = [r.json for r in webhook_server.accepted(f"/services/{SECRET}")]
    assert len(slack) == len(expected)
    assert all(
        [b["type"] for b in p["blocks"]] == ["header", "section", "section", "context"]
        for p in slack
    )
    logged = _everything_logged(pipeline, result)

    # Re-runs, of the range and of one day, find the same alerts and send nothing.
    day = pipeline.scalar("select max(alert_date) from alerts.alerts where watchlist = 'bad-news'")
    for start, end in ((DAYS[0], DAYS[-1]), (day.isoformat(), day.isoformat())):
        result, metadata = _run(pipeline, "article_alerts", start, end)
        assert metadata["alerts_new"] == 0 and metadata["alerts_already_known"] > 0
        assert metadata["deliveries_sent"] == 0
        logged += _everything_logged(pipeline, result)
    assert len(webhook_server.received()) == 2 * len(expected)
    assert pipeline.scalar(
        "select count(*) from alerts.alerts where watchlist = 'bad-news'"
    ) == len(expected)
    assert pipeline.query(
        "select webhook, status, count(*), max(attempts) from alerts.deliveries "
        "group by all order by 1"
    ) == [("feed", "sent", len(expected), 1), ("team", "sent", len(expected), 1)]

    # The URLs are secrets: not in any log line, metadata entry or table.
    assert SECRET not in logged
    tables = pipeline.query("select * from alerts.alerts") + pipeline.query(
        "select * from alerts.deliveries"
    )
    assert SECRET not in repr(tables)


def test_a_down_webhook_never_fails_the_run_and_gets_its_alerts_later(
    demo: Pipeline, tmp_path: Path, webhook_server: WebhookServer, monkeypatch
):
    feed_path, team_path = "/feed", f"/services/{SECRET}"
    monkeypatch.setenv("TP_TEST_FEED_URL", webhook_server.hook(feed_path))
    monkeypatch.setenv("TP_TEST_SLACK_URL", webhook_server.hook(team_path))
    monkeypatch.setenv("TICKERPULSE_ALERTS_CHECK_FAILING_RUNS", "2")
    webhook_server.down(team_path)
    pipeline = _copy_of_demo(demo, tmp_path, _WATCH_BAD_NEWS)
    alerting = pipeline.defs.resources["alerting"]
    warehouse = WarehouseResource(database_path=str(pipeline.database))
    expected = len(_expected_alerts(pipeline))

    # Two runs with Slack down: one alert's retries each, recorded; the rest deferred.
    logged = ""
    for run in (1, 2):
        result, metadata = _run(pipeline, "article_alerts")
        assert metadata["deliveries_failed"] == 1
        assert metadata["deliveries_deferred"] == expected - 1
        assert metadata["deliveries_sent"] == (expected if run == 1 else 0)  # the json feed
        logged += _everything_logged(pipeline, result)
        check = webhooks_are_delivering(warehouse=warehouse, alerting=alerting)
        assert check.passed == (run == 1), check.description
    assert (
        "webhook team: 1 deliveries failed (HTTP 503: no_service (gave up after 3 attempts))"
        in logged
    )
    assert SECRET not in logged
    assert check.description == "failing on 2+ runs: team"
    assert (
        pipeline.query(
            "select status, attempts, http_status, error from alerts.deliveries "
            "where webhook = 'team' order by attempted_at"
        )
        == [("failed", 3, 503, "HTTP 503: no_service (gave up after 3 attempts)")] * 2
    )

    # Slack is back: everything owed goes out, the twice-failed alert included; then quiet.
    webhook_server.up(team_path)
    result, metadata = _run(pipeline, "article_alerts", DAYS[-1], DAYS[-1])
    assert (metadata["deliveries_sent"], metadata["deliveries_failed"]) == (expected, 0)
    assert len(webhook_server.accepted(team_path)) == expected
    assert len(webhook_server.accepted(feed_path)) == expected
    assert webhooks_are_delivering(warehouse=warehouse, alerting=alerting).passed
    _, metadata = _run(pipeline, "article_alerts")
    assert metadata["deliveries_sent"] == 0
    assert len(webhook_server.received(team_path)) == 2 * 3 + expected


def test_a_receiver_that_is_down_then_up_gets_each_alert_exactly_once_and_both_runs_succeed(
    demo: Pipeline, tmp_path: Path, monkeypatch
):
    body = _WATCH_BAD_NEWS.replace("notify: [feed, team]", "notify: [feed]")
    url = refused_url("/feed")  # the receiver's process is down: connections are refused
    monkeypatch.setenv("TP_TEST_FEED_URL", url)
    monkeypatch.delenv("TP_TEST_SLACK_URL", raising=False)
    pipeline = _copy_of_demo(demo, tmp_path, body)
    expected = len(_expected_alerts(pipeline))

    _, metadata = _run(pipeline, "article_alerts")  # _run asserts the run succeeded
    assert (metadata["deliveries_sent"], metadata["deliveries_failed"]) == (0, 1)
    assert metadata["deliveries_deferred"] == expected - 1

    receiver = WebhookServer(port=int(url.rsplit(":", 1)[1].split("/")[0]))
    receiver.hook("/feed")
    receiver.start()
    try:
        _, metadata = _run(pipeline, "article_alerts")
        assert (metadata["deliveries_sent"], metadata["deliveries_failed"]) == (expected, 0)
        _, metadata = _run(pipeline, "article_alerts")
        assert metadata["deliveries_sent"] == 0
        keys = [r.headers["idempotency-key"] for r in receiver.accepted("/feed")]
    finally:
        receiver.stop()
    alert_ids = {
        a
        for (a,) in pipeline.query(
            "select alert_id from alerts.alerts where watchlist = 'bad-news'"
        )
    }
    assert len(keys) == len(set(keys)) == expected
    assert set(keys) == alert_ids


def test_a_delivery_failing_on_too_many_runs_is_given_up(
    demo: Pipeline, tmp_path: Path, webhook_server: WebhookServer, monkeypatch
):
    body = _WATCH_BAD_NEWS.replace("notify: [feed, team]", "notify: [team]").replace(
        "tickers: [BA, INTC, TSLA]", "tickers: [TSLA]"
    )
    dead = refused_url(f"/services/{SECRET}")
    monkeypatch.setenv("TP_TEST_SLACK_URL", dead)
    monkeypatch.delenv("TP_TEST_FEED_URL", raising=False)
    pipeline = _copy_of_demo(demo, tmp_path, body, max_failed_runs=2, max_attempts=1)
    owed = pipeline.query(
        "select count(*) from (select unnest(tickers) as t from raw.article_analysis) "
        "where t.ticker = 'TSLA' and t.ticker_sentiment_score <= -0.8 and t.relevance_score >= 0.8"
    )[0][0]
    assert owed >= 1
    given_up = 0
    for _ in range(2 * owed + 1):
        result, metadata = _run(pipeline, "article_alerts")
        given_up += metadata["deliveries_given_up"]
        assert metadata["webhooks_without_url"] == ["feed"]
        assert SECRET not in _everything_logged(pipeline, result)
    assert given_up == owed
    assert metadata["deliveries_failed"] == 0  # nothing is tried any more
    assert pipeline.query(
        "select count(*), count(distinct alert_id) from alerts.deliveries where status = 'failed'"
    ) == [(2 * owed, owed)]


def test_a_bad_watchlist_fails_the_asset_with_a_clear_error(demo: Pipeline, tmp_path: Path):
    pipeline = _copy_of_demo(demo, tmp_path, "watchlists: [{name: w, tickers: [ZZZZ]}]\n")
    result = pipeline.defs.resolve_job_def("ingest_job").execute_in_process(
        instance=pipeline.instance,
        asset_selection=[dg.AssetKey("article_alerts")],
        partition_key=DAYS[0],
        raise_on_error=False,
    )
    assert not result.success
    failure = next(e for e in result.all_events if e.is_step_failure)
    assert "tickers not in the reference: ZZZZ" in str(failure.step_failure_data.error)
    assert pipeline.scalar("select count(*) from alerts.alerts where watchlist = 'w'") == 0


# -- shocks, through one dbt build ---------------------------------------------------------


def _land_quiet_history(database: Path, ticker: str, days: list[date]) -> None:
    """One mildly positive article a day about `ticker`: the baseline a shock stands out from."""
    with connect(database) as con:
        for i, day in enumerate(days):
            article_id = f"history-{ticker}-{day}"
            published = datetime.combine(day, NOON, tzinfo=UTC)
            article = Article(
                article_id=article_id,
                url=f"https://news.example.com/{article_id}",
                title=f"{ticker} steady, day {i}",
                body="Nothing much happened.",
                source="history",
                published_at=published,
                fetched_at=published,
                content_hash=article_id,
                sources=["history"],
            )
            append_rows(con, "raw.articles", articles_frame([article], "history"))
            score = 0.2 + (0.02 if i % 2 else -0.02)
            analysis = ArticleAnalysis.build("s.", "p.", score, {ticker: (1.0, score)})
            frame = analyses_frame({article_id: analysis}, day, ("offline", "history", "1"), "h")
            append_rows(con, "raw.article_analysis", frame)


def test_a_sentiment_shock_on_a_watched_ticker_alerts_once_with_its_articles(
    demo: Pipeline, tmp_path: Path, webhook_server: WebhookServer, monkeypatch
):
    monkeypatch.setenv("TP_TEST_FEED_URL", webhook_server.hook("/feed"))
    body = """
watchlists:
  - name: boeing
    tickers: [BA]
    thresholds: {article_score: null, shock_types: [sentiment_drop]}
    notify: [feed]
webhooks:
  - {name: feed, format: json, url_env: TP_TEST_FEED_URL}
"""
    pipeline = _copy_of_demo(demo, tmp_path, body)
    first_demo_day = date.fromisoformat(DAYS[0])
    history = [first_demo_day - timedelta(days=n) for n in range(10, 0, -1)]
    _land_quiet_history(pipeline.database, "BA", history)

    # The marts over history and demo days in one dbt build, shock alerts after it.
    result = pipeline.defs.resolve_job_def("marts_job").execute_in_process(
        instance=pipeline.instance,
        tags={RANGE_START: history[0].isoformat(), RANGE_END: DAYS[-1]},
        raise_on_error=False,
    )
    assert result.success
    shocks = pipeline.query(
        "select sentiment_date, shock_type from marts.fct_sentiment_shocks where ticker = 'BA'"
    )
    assert (first_demo_day, "sentiment_drop") in shocks
    drops = sorted(day.isoformat() for day, kind in shocks if kind == "sentiment_drop")
    payloads = [r.json for r in webhook_server.accepted("/feed")]
    assert sorted(p["date"] for p in payloads) == drops
    (payload,) = [p for p in payloads if p["date"] == DAYS[0]]
    assert (payload["ticker"], payload["rule"], payload["date"]) == (
        "BA",
        "sentiment_drop",
        DAYS[0],
    )
    assert payload["why"].startswith(f"BA: sentiment drop on {DAYS[0]}: ")
    behind = pipeline.query(
        "select article_id from marts.fct_ticker_mentions where ticker = 'BA' "
        "and published_date = ? order by relevance_score * ticker_sentiment_score, article_id",
        [first_demo_day],
    )
    assert [a["article_id"] for a in payload["articles"]] == [row[0] for row in behind][:5]
    assert pipeline.scalar("select count(*) from alerts.alerts where rule = 'sentiment_drop'") == (
        len(drops)
    )

    # Evaluated again over the range: the same alert, nothing sent.
    _, metadata = _run(pipeline, "shock_alerts", history[0].isoformat(), DAYS[-1], job="marts_job")
    assert (metadata["alerts_new"], metadata["alerts_already_known"]) == (0, len(drops))
    assert metadata["deliveries_sent"] == 0
    assert len(webhook_server.received("/feed")) == len(drops)


def test_shock_alerts_need_the_marts(tmp_path: Path):
    # A warehouse with the raw schema only: a clear failure, not a SQL error.
    database = tmp_path / "warehouse.duckdb"
    with connect(database):
        pass
    with duckdb.connect(str(database)) as con:
        con.execute("insert into raw.tickers (symbol, name) values ('BA', 'Boeing')")
    pipeline = make_pipeline(
        tmp_path,
        alerting=AlertingResource(
            watchlists_file=str(
                _write(tmp_path / "w.yaml", "watchlists: [{name: w, tickers: [BA]}]")
            )
        ),
    )
    result = pipeline.defs.resolve_job_def("marts_job").execute_in_process(
        instance=pipeline.instance,
        asset_selection=[dg.AssetKey("shock_alerts")],
        partition_key=DAYS[0],
        raise_on_error=False,
    )
    assert not result.success
    failure = next(e for e in result.all_events if e.is_step_failure)
    assert "build the daily marts first" in str(failure.step_failure_data.error)


def test_webhook_client_never_follows_redirects(alert, webhook_server: WebhookServer):
    webhook_server.hook("/moved", fail=1, status=301)
    with webhook_client(2) as client:
        delivery = post_alert(
            alert, Target("m", "json", webhook_server.url("/moved")), client, FAST
        )
    assert (delivery.status, delivery.http_status, delivery.attempts) == ("failed", 301, 1)

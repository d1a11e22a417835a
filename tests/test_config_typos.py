"""A misspelt or out-of-range setting in sources.yaml or watchlists.yaml is a clear error."""

from __future__ import annotations

from pathlib import Path

import dagster as dg
import pytest
from pydantic import ValidationError

from orchestration.alerts.watchlists import WatchlistConfigError, load_watchlists
from orchestration.analysis.tickers import default_reference
from orchestration.news.sources import SourcesConfigError, load_sources
from orchestration.resources import AnalyzerResource, NewsSourcesResource

FEED = "{name: wire, location: https://news.example.com/rss"


def _write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (f"sources: [{FEED}, enabeld: false}}]", "unknown key 'enabeld' (did you mean 'enabled'?)"),
        ("source:\n  - " + FEED + "}", "unknown key 'source' (did you mean 'sources'?)"),
        (f"sources: [{FEED}, user_agnet: me}}]", "did you mean 'user_agent'?"),
        (
            "sources: [{name: api, kind: polygon, location: https://api.example.com, "
            "requests_per_minte: 5}]",
            "did you mean 'requests_per_minute'?",
        ),
        (f"sources: [{FEED}, kind: feeds}}]", "unknown kind 'feeds' (did you mean 'feed'?)"),
        (f"sources: [{FEED}, enabled: 'no'}}]", "enabled must be true or false"),
        (
            "sources: [{name: api, kind: polygon, location: https://api.example.com, "
            "requests_per_minute: -5}]",
            "requests_per_minute must be a positive number, not -5",
        ),
        (f"sources: [{FEED}}}, {FEED}, enabled: false}}]", "repeated: wire"),
        ("sources: {name: wire}", "'sources' must be a list"),
        (
            "sources: [{name: d, kind: file_drop, location: drop, columns: {titel: headline}}]",
            "unknown field 'titel' (did you mean 'title'?)",
        ),
        (
            "sources: [{name: d, kind: file_drop, location: drop, timezone: Eastern}]",
            "timezone 'Eastern' is not an IANA zone name",
        ),
        (f"sources: [{FEED}, timezone: UTC}}]", "unknown key 'timezone'"),
    ],
)
def test_a_typo_or_bad_value_in_sources_yaml_is_an_error_naming_it(
    tmp_path: Path, body: str, expected: str
):
    path = _write(tmp_path, "sources.yaml", body)
    with pytest.raises(SourcesConfigError) as error:
        load_sources(path)
    assert str(path) in str(error.value)
    assert expected in str(error.value)


def test_a_switched_off_source_with_valid_keys_is_skipped_and_an_empty_file_has_no_sources(
    tmp_path: Path,
):
    path = _write(tmp_path, "sources.yaml", f"sources: [{FEED}, enabled: false}}]")
    assert load_sources(path) == []
    assert load_sources(_write(tmp_path, "empty.yaml", "")) == []


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (
            "watchlists: [{name: a, tickers: [AAPL], treshold: 1}]",
            "watchlists.0.treshold: unknown key 'treshold' (did you mean 'thresholds'?)",
        ),
        (
            "watchlists: [{name: a, tickers: [AAPL], thresholds: {min_relevence: 0.5}}]",
            "unknown key 'min_relevence' (did you mean 'min_relevance'?)",
        ),
        ("watchlist: [{name: a, tickers: [AAPL]}]", "did you mean 'watchlists'?"),
        ("webhooks: [{name: h, url_evn: HOOK_URL}]", "did you mean 'url_env'?"),
    ],
)
def test_a_typo_in_watchlists_yaml_is_an_error_suggesting_the_closest_key(
    tmp_path: Path, body: str, expected: str
):
    path = _write(tmp_path, "watchlists.yaml", body)
    with pytest.raises(WatchlistConfigError) as error:
        load_watchlists(path)
    assert expected in str(error.value)


def test_a_negative_concurrency_is_an_error_not_one():
    analyzer = AnalyzerResource(backend="openai", base_url="http://127.0.0.1:9/v1", concurrency=-4)
    with pytest.raises(dg.Failure, match="TICKERPULSE_LLM_CONCURRENCY must be at least 1, not -4"):
        analyzer.build(default_reference())
    with pytest.raises(ValidationError, match="max_workers"):
        NewsSourcesResource(max_workers=-1)
    with pytest.raises(ValidationError, match="max_per_host"):
        NewsSourcesResource(max_per_host=0)

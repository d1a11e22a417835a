"""Full text of article pages: extracted when asked, bounded, and never at the summary's cost."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import dagster as dg
import httpx
import pytest

from orchestration.news.articles import Article, new_article
from orchestration.news.fulltext import FullTextOptions, KnownPage, enrich
from orchestration.news.sources import SourcesConfigError, full_text_sources, load_sources
from tests.conftest import FIXTURES, make_pipeline
from testservers.feed_server import FeedServer

NOW = datetime(2026, 11, 18, 6, 0, tzinfo=UTC)
PAGE = (FIXTURES / "article_page.html").read_bytes()
HTML = "text/html; charset=utf-8"
SUMMARY = "Boeing earned more than expected."
OPTIONS = FullTextOptions(max_bytes=512 * 1024, budget_s=30)


@pytest.fixture
def client() -> Iterator[httpx.Client]:
    with httpx.Client(timeout=httpx.Timeout(0.5), follow_redirects=True) as c:
        yield c


def article(url: str, source: str = "wire") -> Article:
    published = datetime(2026, 11, 17, 9, 0, tzinfo=UTC)
    return new_article(source, url, (), "Boeing beats earnings forecasts", SUMMARY, published, NOW)


def test_the_page_main_text_replaces_the_summary_without_the_page_furniture(
    feed_server: FeedServer, client: httpx.Client
):
    story = article(feed_server.serve("/boeing.html", PAGE, HTML))

    stats = enrich([story], {"wire"}, client, OPTIONS)

    assert story.body_origin == "page" and story.source_text == SUMMARY
    assert "narrow-body jets recovered faster" in story.body
    assert "free cash\nflow" in story.body or "free cash flow" in story.body
    for furniture in ("Subscribe now", "Cookie settings", "Most read"):
        assert furniture not in story.body
    assert (stats["wire"].extracted, stats["wire"].summary()) == (
        1,
        "full text: 1 extracted, 0 kept from earlier runs",
    )


def test_huge_slow_and_non_html_pages_keep_the_summary_and_are_counted(
    feed_server: FeedServer, client: httpx.Client
):
    huge = article(feed_server.oversized("/huge.html", 2 * 1024 * 1024, HTML))
    slow = article(feed_server.slow("/slow.html", 5, PAGE, HTML))
    pdf = article(feed_server.serve("/report.pdf", b"%PDF-1.7 not a page", "application/pdf"))
    missing = article(feed_server.status("/gone.html", 404))

    stats = enrich([huge, slow, pdf, missing], {"wire"}, client, OPTIONS)

    for story in (huge, slow, pdf, missing):
        assert (story.body, story.body_origin, story.source_text) == (SUMMARY, "source", None)
    assert dict(stats["wire"].failed) == {
        "over the size limit": 1,
        "timed out": 1,
        "not an HTML page (application/pdf)": 1,
        "HTTP 404": 1,
    }
    # Lasting failures are remembered so the page is not asked again; a timeout is retried.
    assert huge.full_text_error == "over the size limit"
    assert pdf.full_text_error == "not an HTML page (application/pdf)"
    assert slow.full_text_error is None
    assert len(feed_server.requests_to("/huge.html")) == 1  # a size failure is not retried
    summary = stats["wire"].summary()
    assert summary.startswith("full text: 0 extracted, 0 kept from earlier runs; 4 kept the feed")


def test_known_pages_are_reused_and_other_sources_are_left_alone(
    feed_server: FeedServer, client: httpx.Client
):
    seen = article(feed_server.serve("/seen.html", PAGE, HTML))
    failed = article(feed_server.serve("/failed.html", PAGE, HTML))
    other = article(feed_server.serve("/other.html", PAGE, HTML), source="desk")
    known = {
        seen.article_id: KnownPage(body="The text an earlier run extracted.", source_text=SUMMARY),
        failed.article_id: KnownPage(error="over the size limit"),
    }

    stats = enrich([seen, failed, other], {"wire"}, client, OPTIONS, known)

    assert (seen.body, seen.body_origin) == ("The text an earlier run extracted.", "page")
    assert failed.body == SUMMARY and failed.full_text_error == "over the size limit"
    assert other.body == SUMMARY and "desk" not in stats
    assert feed_server.requests == []  # nothing fetched at all
    assert stats["wire"].reused == 1


def test_pages_past_the_time_budget_wait_for_the_next_run(
    feed_server: FeedServer, client: httpx.Client
):
    stories = [article(feed_server.serve(f"/p{i}.html", PAGE, HTML)) for i in range(3)]
    ticks = iter([0.0, 0.0, 100.0, 100.0, 100.0])

    options = FullTextOptions(budget_s=10, max_workers=1)
    stats = enrich(stories, {"wire"}, client, options, clock=lambda: next(ticks))

    assert (stats["wire"].extracted, stats["wire"].postponed) == (1, 2)
    assert [s.body_origin for s in stories] == ["page", "source", "source"]


def test_full_text_is_off_by_default_and_a_source_setting_wins(tmp_path: Path):
    path = tmp_path / "sources.yaml"
    path.write_text(
        "sources:\n"
        "  - {name: plain, location: https://a.example.com/feed}\n"
        "  - {name: rich, location: https://b.example.com/feed, full_text: true}\n"
        "  - {name: never, location: https://c.example.com/feed, full_text: false}\n"
        "  - {name: drop, kind: file_drop, location: drop}\n"
    )
    sources = load_sources(path)

    assert full_text_sources(sources) == {"rich"}
    assert full_text_sources(sources, default=True) == {"plain", "rich"}
    path.write_text("sources:\n  - {name: odd, location: https://a.example.com, full_text: 1}\n")
    with pytest.raises(SourcesConfigError, match="full_text must be true or false"):
        full_text_sources(load_sources(path))


def test_the_ingest_job_lands_page_text_for_the_analyzer_and_fetches_each_page_once(
    tmp_path: Path, feed_server: FeedServer
):
    page_url = feed_server.serve("/boeing.html", PAGE, HTML)
    pdf_url = feed_server.serve("/filing.pdf", b"%PDF-1.7", "application/pdf")
    items = "".join(
        f"<item><title>{title}</title><link>{url}</link>"
        "<pubDate>Tue, 17 Nov 2026 09:00:00 +0000</pubDate>"
        f"<description>{SUMMARY}</description></item>"
        for title, url in [("Boeing beats earnings forecasts", page_url), ("Boeing 8-K", pdf_url)]
    )
    feed = (
        f'<?xml version="1.0"?><rss version="2.0"><channel><title>W</title>{items}</channel></rss>'
    )
    sources = tmp_path / "sources.yaml"
    location = feed_server.serve("/wire.rss", feed.encode())
    sources.write_text(
        json.dumps({"sources": [{"name": "wire", "location": location, "full_text": True}]})
    )
    pipeline = make_pipeline(tmp_path, sources)
    pipeline.load_reference()

    def ingest() -> dg.ExecuteInProcessResult:
        result = pipeline.defs.resolve_job_def("ingest_job").execute_in_process(
            instance=pipeline.instance, partition_key="2026-11-17"
        )
        assert result.success
        return result

    first = ingest()
    rows = pipeline.query(
        "select title, body_origin, source_text, full_text_error, body from raw.articles "
        "order by title"
    )
    assert [r[:4] for r in rows] == [
        ("Boeing 8-K", "source", None, "not an HTML page (application/pdf)"),
        ("Boeing beats earnings forecasts", "page", SUMMARY, None),
    ]
    assert "narrow-body jets" in rows[1][4]
    assert pipeline.scalar("select count(*) from raw.article_analysis") == 2
    message = pipeline.scalar("select message from raw.ingestion_log")
    assert "full text: 1 extracted, 0 kept from earlier runs; 1 kept the feed text" in message
    metadata = first.asset_materializations_for_node("raw_articles")[0].metadata
    assert metadata["full_text_extracted"].value == 1

    ingest()
    assert (
        pipeline.query(
            "select title, body_origin, source_text, full_text_error, body from raw.articles "
            "order by title"
        )
        == rows
    )
    # Each page was fetched once over both runs: the second run reused what it knew.
    assert len(feed_server.requests_to("/boeing.html")) == 1
    assert len(feed_server.requests_to("/filing.pdf")) == 1

"""Fetching and parsing news feeds over real HTTP, against a scripted server on 127.0.0.1."""

from __future__ import annotations

import gzip
import socket
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest

from orchestration.news.feeds import parse_feed
from orchestration.news.fetch import USER_AGENT, FetchError, fetch, http_client
from orchestration.news.normalize import redact_url, stable_id
from orchestration.news.sources import Source, SourceOutcome, collect
from tests.conftest import FIXTURES
from testservers.feed_server import FeedServer

TIMEOUT_S = 0.5
NOW = datetime(2026, 11, 18, 6, 0, tzinfo=UTC)

PFIZER_URL = "https://news.example.com/test/pfizer-trial"
SMALL_RSS_TITLES = {
    "Pfizer shares surge after drug trial beats expectations",
    "Pfizer to present at healthcare conference",
    "An entry with no date at all",
}
ATOM_TITLE = "Intel cuts its forecast as chip demand weakens"


@pytest.fixture
def client() -> Iterator[httpx.Client]:
    with http_client(timeout_s=TIMEOUT_S) as c:
        yield c


def feed(name: str, location: str) -> Source:
    return Source(name, "feed", location)


def by_source(outcomes: list[SourceOutcome]) -> dict[str, SourceOutcome]:
    return {o.source: o for o in outcomes}


def free_loopback_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# -- parsing what is served ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fixture", "title", "url", "published_at", "body"),
    [
        pytest.param(
            "small.rss",
            "Pfizer shares surge after drug trial beats expectations",
            PFIZER_URL,
            datetime(2026, 11, 17, 9, 0, tzinfo=UTC),
            "Pfizer said its late-stage trial beat expectations. Analysts upgraded the stock.",
            id="rss2",
        ),
        pytest.param(
            "atom_one.atom",
            ATOM_TITLE,
            "https://news.example.com/test/intel-forecast",
            datetime(2026, 11, 17, 12, 15, tzinfo=UTC),  # 07:15 at -05:00
            "Intel cut its forecast for the quarter. Shares fell sharply.",
            id="atom",
        ),
        pytest.param(
            "rdf_one.rdf",
            "Nvidia widens supply deal with two memory makers",
            "https://news.example.com/test/nvidia-supply?page=2",
            datetime(2026, 11, 17, 13, 30, tzinfo=UTC),  # 14:30 at +01:00
            "Nvidia signed longer contracts. Suppliers & analysts welcomed the news.",
            id="rdf",
        ),
    ],
)
def test_a_feed_served_over_http_is_parsed_into_articles(
    feed_server: FeedServer,
    client: httpx.Client,
    fixture: str,
    title: str,
    url: str,
    published_at: datetime,
    body: str,
):
    location = feed_server.serve_file(f"/{fixture}", FIXTURES / fixture)

    articles, outcomes = collect([feed("desk", location)], client=client, now=NOW)

    article = articles[0]
    assert article.title == title
    assert article.url == url
    assert article.article_id == stable_id(url)
    assert article.published_at == published_at
    assert article.published_at.utcoffset().total_seconds() == 0
    assert article.published_at_is_fetch_time is False
    assert article.body == body
    assert "<" not in article.body and "&amp;" not in article.body
    assert (article.source, article.sources, article.fetched_at) == ("desk", ["desk"], NOW)
    assert outcomes[0].status in {"ok", "partial"}
    assert outcomes[0].items == len(articles)


def test_fetch_sends_our_user_agent(feed_server: FeedServer, client: httpx.Client):
    url = feed_server.serve_file("/wire.rss", FIXTURES / "small.rss")

    fetched = fetch(url, client)

    (request,) = feed_server.requests_to("/wire.rss")
    assert request.headers["user-agent"] == USER_AGENT
    assert "gzip" in request.headers["accept-encoding"]
    assert fetched.content == (FIXTURES / "small.rss").read_bytes()
    assert fetched.location == url
    assert fetched.content_type == "application/rss+xml; charset=utf-8"


def test_a_local_file_and_an_http_url_both_work_through_collect(
    feed_server: FeedServer, client: httpx.Client
):
    sources = [
        feed("local-desk", str(FIXTURES / "atom_one.atom")),
        feed("http-wire", feed_server.serve_file("/small.rss", FIXTURES / "small.rss")),
    ]

    articles, outcomes = collect(sources, client=client, now=NOW)

    assert [(o.source, o.items) for o in outcomes] == [("local-desk", 1), ("http-wire", 3)]
    assert by_source(outcomes)["local-desk"].status == "ok"
    assert by_source(outcomes)["local-desk"].location == str(FIXTURES / "atom_one.atom")
    assert {a.title for a in articles} == SMALL_RSS_TITLES | {ATOM_TITLE}
    assert {a.title: a.source for a in articles}[ATOM_TITLE] == "local-desk"


def test_a_file_url_is_read_like_a_path(client: httpx.Client):
    fetched = fetch(f"file://{FIXTURES / 'atom_one.atom'}", client)

    assert fetched.content == (FIXTURES / "atom_one.atom").read_bytes()
    assert fetched.content_type is None


# -- one failing source never stops the rest -------------------------------------------------


def test_every_failing_source_gets_an_error_outcome_and_the_good_feed_still_arrives(
    feed_server: FeedServer, client: httpx.Client
):
    sources = [
        feed("broken", feed_server.status("/broken.rss", 500)),
        feed("slow", feed_server.slow("/slow.rss", delay_s=5)),
        feed("looping", feed_server.redirect_loop("/loop.rss")),
        feed(
            "web-page", feed_server.serve_file("/page", FIXTURES / "not_a_feed.html", "text/html")
        ),
        feed("garbage", feed_server.serve("/garbage.xml", b"<?xml version='1.0'?>\n<nope><<>>")),
        feed("malformed", feed_server.serve_file("/malformed.xml", FIXTURES / "malformed.xml")),
        feed("good", feed_server.serve_file("/good.rss", FIXTURES / "small.rss")),
    ]

    started = time.monotonic()
    articles, outcomes = collect(sources, client=client, now=NOW)
    elapsed = time.monotonic() - started

    assert [o.source for o in outcomes] == [s.name for s in sources]
    errors = {o.source: o.message for o in outcomes if o.status == "error"}
    assert set(errors) == {"broken", "slow", "looping", "web-page", "garbage", "malformed"}
    assert errors["broken"] == "HTTP 500 from 127.0.0.1"
    assert errors["slow"].startswith("timed out reading 127.0.0.1")
    assert errors["looping"] == "more than 5 redirects from 127.0.0.1"
    assert errors["web-page"].startswith("not an RSS, Atom or RDF feed")
    for broken_xml in ("garbage", "malformed"):
        assert errors[broken_xml].startswith("not an RSS, Atom or RDF feed")
        assert "not well-formed" in errors[broken_xml]
    assert all(o.items == 0 for o in outcomes if o.status == "error")
    assert by_source(outcomes)["good"].items == 3
    assert {a.title for a in articles} == SMALL_RSS_TITLES
    assert {a.source for a in articles} == {"good"}
    # The redirect loop stops after the client's limit instead of going round forever.
    assert len(feed_server.requests_to("/loop.rss")) == 6
    # The slow source cost about one timeout, not the server's five seconds.
    assert elapsed < 3


def test_a_response_over_the_byte_limit_is_refused(feed_server: FeedServer, client: httpx.Client):
    url = feed_server.oversized("/huge.rss", size=256 * 1024)

    with pytest.raises(FetchError) as caught:
        fetch(url, client, max_bytes=1000)

    assert str(caught.value) == "response from 127.0.0.1 is over the 1,000 byte limit"


def test_a_local_file_over_the_byte_limit_is_refused(client: httpx.Client):
    with pytest.raises(FetchError, match=r"small\.rss is over the 100 byte limit"):
        fetch(str(FIXTURES / "small.rss"), client, max_bytes=100)


def test_an_http_error_status_names_the_status_and_the_host(
    feed_server: FeedServer, client: httpx.Client
):
    url = feed_server.status("/gone.rss", 404, b"not here")

    with pytest.raises(FetchError, match=r"^HTTP 404 from 127\.0\.0\.1$"):
        fetch(url, client)


def test_a_refused_connection_is_a_fetch_error(client: httpx.Client):
    url = f"http://127.0.0.1:{free_loopback_port()}/feed.rss"

    with pytest.raises(FetchError, match=r"^could not read 127\.0\.0\.1: ConnectError$"):
        fetch(url, client)


def test_a_redirect_to_the_feed_is_followed_and_the_final_url_kept(
    feed_server: FeedServer, client: httpx.Client
):
    final = feed_server.serve_file("/v2/wire.rss", FIXTURES / "small.rss")
    moved = feed_server.redirect("/wire.rss", "/v2/wire.rss", status=301)

    fetched = fetch(moved, client)

    assert fetched.location == final
    assert fetched.content == (FIXTURES / "small.rss").read_bytes()
    assert [r.headers["user-agent"] for r in feed_server.requests] == [USER_AGENT] * 2


def test_a_source_that_failed_is_read_again_on_the_next_collect(
    feed_server: FeedServer, client: httpx.Client
):
    sources = [
        feed("flaky", feed_server.flaky("/flaky.atom", (FIXTURES / "atom_one.atom").read_bytes()))
    ]

    first_articles, (first,) = collect(sources, client=client, now=NOW)
    second_articles, (second,) = collect(sources, client=client, now=NOW)

    assert (first.status, first.message, first_articles) == ("error", "HTTP 500 from 127.0.0.1", [])
    assert (second.status, second.items, second.message) == ("ok", 1, None)
    assert [a.title for a in second_articles] == [ATOM_TITLE]
    assert len(feed_server.requests_to("/flaky.atom")) == 2


def test_a_malformed_but_partly_readable_feed_is_partial(
    feed_server: FeedServer, client: httpx.Client
):
    location = feed_server.serve_file("/half.rss", FIXTURES / "partly_broken.rss")

    articles, (outcome,) = collect([feed("half", location)], client=client, now=NOW)

    assert [a.title for a in articles] == [
        "Moderna raises its vaccine outlook",
        "Tesla opens a new battery plant",
    ]
    assert (outcome.status, outcome.items) == ("partial", 2)
    assert "feed is malformed" in outcome.message
    assert "not well-formed" in outcome.message


# -- dates, duplicates, encodings ------------------------------------------------------------


def test_an_entry_without_a_date_falls_back_to_the_fetch_time_and_is_flagged(
    feed_server: FeedServer, client: httpx.Client
):
    location = feed_server.serve_file("/wire.rss", FIXTURES / "small.rss")

    articles, (outcome,) = collect([feed("wire", location)], client=client, now=NOW)

    dates = {a.title: (a.published_at, a.published_at_is_fetch_time) for a in articles}
    assert dates["An entry with no date at all"] == (NOW, True)
    assert dates["Pfizer to present at healthcare conference"] == (
        datetime(2026, 11, 17, 11, 30, tzinfo=UTC),
        False,
    )
    assert (outcome.status, outcome.items) == ("partial", 3)
    assert outcome.message == "1 entries had no date; used the fetch time"


def test_the_same_story_in_two_feeds_becomes_one_article_with_both_sources(
    feed_server: FeedServer, client: httpx.Client
):
    sources = [
        feed("wire", feed_server.serve_file("/wire.rss", FIXTURES / "small.rss")),
        feed("desk", feed_server.serve_file("/desk.rss", FIXTURES / "second_desk.rss")),
    ]

    articles, outcomes = collect(sources, client=client, now=NOW)

    assert [o.items for o in outcomes] == [3, 2]
    assert len(articles) == 4
    (pfizer,) = [a for a in articles if a.url == PFIZER_URL]
    assert pfizer.sources == ["wire", "desk"]
    assert pfizer.title == "Pfizer shares surge after drug trial beats expectations"
    assert len({a.article_id for a in articles}) == 4


def test_a_gzip_response_is_decoded(feed_server: FeedServer, client: httpx.Client):
    raw = (FIXTURES / "atom_one.atom").read_bytes()
    url = feed_server.gzipped("/wire.atom", raw, "application/atom+xml")

    fetched = fetch(url, client)

    assert fetched.content == raw
    assert [a.title for a in parse_feed(fetched.content, "wire", NOW).articles] == [ATOM_TITLE]


def test_the_byte_limit_applies_to_the_decoded_size_of_a_gzip_response(
    feed_server: FeedServer, client: httpx.Client
):
    bomb = b"<rss>" + b" " * 2_000_000 + b"</rss>"
    url = feed_server.gzipped("/bomb.rss", bomb)
    assert len(gzip.compress(bomb)) < 100_000  # small on the wire, big once decoded

    with pytest.raises(FetchError, match="over the 100,000 byte limit"):
        fetch(url, client, max_bytes=100_000)


def test_a_feed_in_the_wrong_charset_still_yields_readable_entries(
    feed_server: FeedServer, client: httpx.Client
):
    xml = (
        '<rss version="2.0"><channel><title>Caf\u00e9 desk</title><item>'
        "<title>\u201cCaf\u00e9\u201d chain Soci\u00e9t\u00e9 Verte rallies</title>"
        "<link>https://news.example.com/test/cafe</link>"
        "<pubDate>Tue, 17 Nov 2026 09:00:00 +0000</pubDate>"
        "<description>Investors\u2019 cr\u00e8me de la cr\u00e8me.</description>"
        "</item></channel></rss>"
    )
    location = feed_server.mislabelled("/cafe.rss", xml, declared="utf-8", actual="windows-1252")

    articles, (outcome,) = collect([feed("cafe", location)], client=client, now=NOW)

    (article,) = articles
    assert article.title == "\u201cCaf\u00e9\u201d chain Soci\u00e9t\u00e9 Verte rallies"
    assert article.body == "Investors\u2019 cr\u00e8me de la cr\u00e8me."
    assert "\ufffd" not in article.title + article.body
    assert outcome.status == "partial"
    assert "windows-1252" in outcome.message.lower()


# -- locations we refuse, and what the logs may show -----------------------------------------


def test_an_unsupported_scheme_is_a_fetch_error(client: httpx.Client):
    with pytest.raises(FetchError, match=r"^unsupported scheme 'ftp'"):
        fetch("ftp://127.0.0.1/feeds/wire.rss", client)


def test_a_missing_local_file_is_a_fetch_error_naming_the_path(
    tmp_path: Path, client: httpx.Client
):
    missing = tmp_path / "nowhere" / "wire.rss"

    with pytest.raises(FetchError) as caught:
        fetch(str(missing), client)

    assert str(caught.value) == f"cannot read {missing}: No such file or directory"


def test_redact_url_strips_credentials_and_query_values_but_keeps_the_rest():
    secret = "https://alice:s3cret@Feeds.Example.com:8443/v1/news?api_key=KEY123&region=us#frag"

    assert redact_url(secret) == "https://feeds.example.com:8443/v1/news?api_key=…&region=…"
    assert redact_url("http://feeds.example.com/rss") == "http://feeds.example.com/rss"
    assert redact_url("/srv/feeds/wire.rss") == "/srv/feeds/wire.rss"


def test_outcomes_never_show_credentials_or_api_keys(feed_server: FeedServer, client: httpx.Client):
    feed_server.serve_file("/private.rss", FIXTURES / "small.rss")
    secret = f"http://alice:s3cret@127.0.0.1:{feed_server.port}/private.rss?token=KEY123"

    articles, (outcome,) = collect([feed("private", secret)], client=client, now=NOW)

    assert outcome.location == f"http://127.0.0.1:{feed_server.port}/private.rss?token=…"
    assert outcome.items == 3 and len(articles) == 3
    (request,) = feed_server.requests_to("/private.rss")
    assert request.query == "token=KEY123"  # the real location was used for the fetch


# -- product bugs, pinned until fixed --------------------------------------------------------


def test_an_empty_response_is_an_error_outcome_and_the_other_sources_still_arrive(
    feed_server: FeedServer, client: httpx.Client
):
    sources = [
        feed("empty", feed_server.serve("/empty.rss", b"")),
        feed("good", feed_server.serve_file("/good.atom", FIXTURES / "atom_one.atom")),
    ]

    articles, outcomes = collect(sources, client=client, now=NOW)

    assert by_source(outcomes)["empty"].status == "error"
    assert [a.title for a in articles] == [ATOM_TITLE]


def test_an_entry_with_an_unparseable_link_does_not_stop_the_other_sources(
    feed_server: FeedServer, client: httpx.Client
):
    bad = (
        b'<?xml version="1.0"?><rss version="2.0"><channel><title>Odd wire</title><item>'
        b"<title>Netflix adds subscribers</title>"
        b"<link>https://news.example.com:99999/netflix</link>"
        b"<pubDate>Tue, 17 Nov 2026 09:00:00 +0000</pubDate>"
        b"</item></channel></rss>"
    )
    sources = [
        feed("odd", feed_server.serve("/odd.rss", bad)),
        feed("good", feed_server.serve_file("/good.atom", FIXTURES / "atom_one.atom")),
    ]

    articles, outcomes = collect(sources, client=client, now=NOW)

    assert by_source(outcomes)["good"].status == "ok"
    assert ATOM_TITLE in {a.title for a in articles}


def test_a_link_with_an_upper_case_scheme_keeps_its_canonical_url():
    doc = (
        b'<?xml version="1.0"?><rss version="2.0"><channel><title>Loud wire</title><item>'
        b"<title>Pfizer shares surge</title>"
        b"<link>HTTPS://News.Example.com/test/pfizer-trial?utm_source=rss</link>"
        b"<pubDate>Tue, 17 Nov 2026 09:00:00 +0000</pubDate>"
        b"</item></channel></rss>"
    )

    (article,) = parse_feed(doc, "loud", NOW).articles

    assert article.url == PFIZER_URL
    assert article.article_id == stable_id(PFIZER_URL)


def test_redact_url_strips_credentials_whatever_the_scheme():
    redacted = redact_url("ftp://alice:s3cret@feeds.example.com/wire.rss")

    assert "s3cret" not in redacted


def test_a_file_url_with_percent_encoded_characters_is_read(tmp_path: Path, client: httpx.Client):
    folder = tmp_path / "my feeds"
    folder.mkdir()
    (folder / "wire.rss").write_bytes((FIXTURES / "small.rss").read_bytes())

    fetched = fetch((folder / "wire.rss").as_uri(), client)

    assert fetched.content == (FIXTURES / "small.rss").read_bytes()


def test_a_server_that_drips_bytes_cannot_outlast_the_timeout(
    feed_server: FeedServer, client: httpx.Client
):
    body = (FIXTURES / "atom_one.atom").read_bytes()
    # 12 pieces, 0.1 s apart: every gap is well inside 0.5 s, the whole answer is not.
    url = feed_server.trickle("/drip.atom", body, chunks=12, interval_s=0.1)

    with pytest.raises(FetchError, match="timed out"):
        fetch(url, client)

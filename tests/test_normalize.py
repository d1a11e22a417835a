"""Canonical URLs, stable ids, content hashes, clean text and UTC dates."""

from __future__ import annotations

import time
from datetime import UTC, datetime

import pytest

from orchestration.news.normalize import (
    canonical_url,
    content_hash,
    html_to_text,
    stable_id,
    struct_time_to_utc,
)

# -- canonical_url ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "canonical"),
    [
        pytest.param(
            "https://NEWS.Example.COM/Markets/Story",
            "https://news.example.com/Markets/Story",
            id="host-lowercased-path-case-kept",
        ),
        pytest.param("HTTPS://news.example.com/a", "https://news.example.com/a", id="scheme"),
        pytest.param("https://www.example.com/a", "https://example.com/a", id="www-stripped"),
        pytest.param("https://WWW.Example.com/a", "https://example.com/a", id="WWW-stripped"),
        pytest.param("http://example.com:80/a", "http://example.com/a", id="http-default-port"),
        pytest.param("https://example.com:443/a", "https://example.com/a", id="https-default-port"),
        pytest.param("https://example.com:8443/a", "https://example.com:8443/a", id="other-port"),
        pytest.param("http://example.com:443/a", "http://example.com:443/a", id="443-on-http"),
        pytest.param("https://example.com/a#comments", "https://example.com/a", id="fragment"),
        pytest.param(
            "https://example.com/a?utm_source=rss&utm_medium=feed&UTM_Campaign=x",
            "https://example.com/a",
            id="utm-any-case",
        ),
        pytest.param(
            "https://example.com/a?fbclid=IwAR0&gclid=Cj0&id=7",
            "https://example.com/a?id=7",
            id="click-ids-dropped-others-kept",
        ),
        pytest.param(
            "https://example.com/a?z=3&b=2&a=1", "https://example.com/a?a=1&b=2&z=3", id="sorted"
        ),
        pytest.param("https://example.com/a?draft=", "https://example.com/a?draft=", id="blank"),
        pytest.param("https://example.com/a/", "https://example.com/a", id="trailing-slash"),
        pytest.param("https://example.com/a//", "https://example.com/a", id="trailing-slashes"),
        pytest.param("https://example.com", "https://example.com/", id="empty-path-is-root"),
        pytest.param("https://example.com/", "https://example.com/", id="root-kept"),
        pytest.param("https://user:pw@example.com/a", "https://example.com/a", id="credentials"),
        pytest.param("  https://example.com/a \n", "https://example.com/a", id="whitespace"),
    ],
)
def test_canonical_url(url: str, canonical: str):
    assert canonical_url(url) == canonical


def test_every_spelling_of_one_story_has_the_same_canonical_url():
    spellings = [
        "https://news.example.com/test/story?id=7",
        "https://www.news.example.com/test/story/?id=7#top",
        "https://NEWS.example.com:443/test/story?utm_source=rss&id=7",
        "https://news.example.com/test/story?gclid=abc&id=7&fbclid=def",
    ]

    assert {canonical_url(u) for u in spellings} == {"https://news.example.com/test/story?id=7"}


def test_different_stories_keep_different_canonical_urls():
    assert canonical_url("https://example.com/a?id=1") != canonical_url(
        "https://example.com/a?id=2"
    )
    assert canonical_url("https://example.com/a") != canonical_url("https://example.com/b")
    assert canonical_url("http://example.com/a") != canonical_url("https://example.com/a")


# -- stable_id and content_hash --------------------------------------------------------------


def test_stable_id_is_the_same_on_every_run_and_machine():
    # Literal values: ids are stored in the warehouse, so they must never drift.
    assert stable_id("https://news.example.com/test/pfizer-trial") == "01df5fc32e2b77e02c74aff9"
    assert stable_id("a", "b") == "f04cdced9736a69da6103f08"
    assert stable_id("a", "b") == stable_id("a", "b")


def test_stable_id_is_short_hex():
    value = stable_id("anything")

    assert len(value) == 24
    assert set(value) <= set("0123456789abcdef")


def test_stable_id_keeps_its_parts_apart():
    assert stable_id("ab", "c") != stable_id("a", "bc")
    assert stable_id("a", "b") != stable_id("b", "a")
    assert stable_id("a") != stable_id("a", "")


def test_content_hash_ignores_case_and_whitespace():
    assert content_hash("Pfizer  Beats\tForecasts", "Shares\n rose.  ") == content_hash(
        "pfizer beats forecasts", "shares rose."
    )


def test_content_hash_changes_when_the_words_do():
    base = content_hash("Pfizer beats forecasts", "Shares rose.")

    assert content_hash("Pfizer misses forecasts", "Shares rose.") != base
    assert content_hash("Pfizer beats forecasts", "Shares fell.") != base
    assert content_hash("Pfizer beats", "forecasts Shares rose.") != base


# -- html_to_text ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("markup", "text"),
    [
        pytest.param("<p>One</p><p>Two</p>", "One Two", id="paragraphs"),
        pytest.param("Line<br>break<br/>again", "Line break again", id="br"),
        pytest.param("<div>a</div><div>b</div>", "a b", id="div"),
        pytest.param("<ul><li>up</li><li>down</li></ul>", "up down", id="li"),
        pytest.param("<h2>Head</h2>Text", "Head Text", id="heading"),
        pytest.param("<blockquote>Said</blockquote>so", "Said so", id="blockquote"),
        pytest.param("<b>Pf</b>izer <i>rose</i>", "Pfizer rose", id="inline-no-space"),
        pytest.param(
            "<p>Hi</p><script>var p = '<p>boo</p>';</script><style>p {color: red}</style>there",
            "Hi there",
            id="script-style-dropped",
        ),
        pytest.param("<noscript>Enable JS</noscript>Text", "Text", id="noscript-dropped"),
        pytest.param("<b>Caf&eacute;</b> &amp; bar &#8217;s", "Café & bar ’s", id="entities"),
        pytest.param("AT&amp;T &lt;up&gt; &eacute;", "AT&T <up> é", id="entities-no-tags"),
        pytest.param("  many \n\t spaces  ", "many spaces", id="whitespace-no-tags"),
        pytest.param("<p>  many \n spaces </p>", "many spaces", id="whitespace-in-tags"),
        pytest.param("", "", id="empty"),
    ],
)
def test_html_to_text(markup: str, text: str):
    assert html_to_text(markup) == text


# -- struct_time_to_utc ----------------------------------------------------------------------


def test_struct_time_to_utc_is_an_aware_utc_datetime():
    value = time.struct_time((2026, 11, 17, 12, 15, 30, 1, 321, 0))

    result = struct_time_to_utc(value)

    assert result == datetime(2026, 11, 17, 12, 15, 30, tzinfo=UTC)
    assert result.tzinfo is UTC


def test_struct_time_to_utc_ignores_the_dst_flag_and_local_time_zone():
    summer = time.struct_time((2026, 7, 1, 0, 0, 0, 2, 182, 1))

    assert struct_time_to_utc(summer) == datetime(2026, 7, 1, tzinfo=UTC)
    assert struct_time_to_utc(time.gmtime(0)) == datetime(1970, 1, 1, tzinfo=UTC)

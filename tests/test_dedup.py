"""Exact and near duplicates become one article with every source; language is flagged."""

from __future__ import annotations

from datetime import UTC, datetime

import httpx

from orchestration.news.dedup import NEAR_DUPLICATE_JACCARD, jaccard, shingles
from orchestration.news.language import detect_language
from orchestration.news.sources import Source, collect
from testservers.feed_server import FeedServer

NOW = datetime(2026, 11, 18, 6, 0, tzinfo=UTC)
BODY = (
    "Pfizer said on Tuesday that its late-stage trial of a new heart drug met every main "
    "goal, and analysts at two banks raised their price targets after the company's "
    "presentation to investors in New York."
)


def rss(*items: tuple[str, str, str, str]) -> bytes:
    entries = "".join(
        f"<item><title>{title}</title><link>{link}</link><pubDate>{date}</pubDate>"
        f"<description>{body}</description></item>"
        for title, link, date, body in items
    )
    return (
        f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>T</title>'
        f"{entries}</channel></rss>"
    ).encode()


def test_the_same_story_with_tracking_parameters_and_an_edited_title_is_one_article(
    feed_server: FeedServer,
):
    wire = rss(
        (
            "Pfizer heart drug trial meets all goals",
            "https://news.example.com/pfizer-heart?utm_source=rss&amp;utm_medium=feed",
            "Tue, 17 Nov 2026 09:00:00 +0000",
            BODY,
        )
    )
    desk = rss(
        (
            "Pfizer heart drug trial meets all its goals, shares rise",
            "https://www.news.example.com/pfizer-heart/?gclid=abc&amp;mc_cid=9#top",
            "Tue, 17 Nov 2026 09:20:00 +0000",
            BODY,
        )
    )
    # A syndicated copy on another site: other URL, lightly edited title and body.
    partner = rss(
        (
            "Pfizer's heart drug trial meets all goals",
            "https://partner.example.org/markets/2026/11/17/pfizer?ref=home",
            "Tue, 17 Nov 2026 10:00:00 +0000",
            BODY.replace("on Tuesday", "Tuesday") + " (Reporting by a wire service.)",
        ),
        (
            "Ford recalls pickups over a brake fault",
            "https://partner.example.org/autos/ford",
            "Tue, 17 Nov 2026 11:00:00 +0000",
            "Ford is recalling pickups built this year after reports of a brake fault.",
        ),
    )
    sources = [
        Source("wire", "feed", feed_server.serve("/wire.rss", wire)),
        Source("desk", "feed", feed_server.serve("/desk.rss", desk)),
        Source("partner", "feed", feed_server.serve("/partner.rss", partner)),
    ]

    with httpx.Client() as client:
        articles, outcomes = collect(sources, client, NOW)

    assert [o.items for o in outcomes] == [1, 1, 2]
    pfizer, ford = articles
    assert pfizer.title == "Pfizer heart drug trial meets all goals"
    assert pfizer.url == "https://news.example.com/pfizer-heart"
    assert pfizer.sources == ["wire", "desk", "partner"]
    assert len(pfizer.duplicate_ids) == 1  # the partner copy; desk shares the same id
    assert ford.sources == ["partner"] and ford.duplicate_ids == []


def test_templated_stories_about_different_companies_stay_apart():
    a = shingles(
        "Apple declares a quarterly dividend of $0.25 per share, payable on December 12 to "
        "shareholders of record on December 1."
    )
    b = shingles(
        "Caterpillar declares a quarterly dividend of $1.41 per share, payable on November 20 "
        "to shareholders of record on October 30."
    )
    assert jaccard(a, b) < NEAR_DUPLICATE_JACCARD


def test_one_edited_headline_word_keeps_a_story_above_the_threshold():
    a = shingles("Pfizer heart drug trial meets all goals " + BODY)
    b = shingles("Pfizer heart drug study meets all goals " + BODY)
    assert jaccard(a, b) >= 0.8


def test_language_is_detected_and_non_english_articles_are_kept_and_flagged(
    feed_server: FeedServer,
):
    doc = rss(
        (
            "Pfizer shares rise after the trial",
            "https://news.example.com/en",
            "Tue, 17 Nov 2026 09:00:00 +0000",
            "The company said the results were better than expected.",
        ),
        (
            "Die Aktie von Siemens steigt",
            "https://news.example.com/de",
            "Tue, 17 Nov 2026 09:00:00 +0000",
            "Der Konzern hat die Prognose nach dem Quartal erhöht, und die Anleger sind zufrieden.",
        ),
    )
    source = Source("mixed", "feed", feed_server.serve("/mixed.rss", doc))

    with httpx.Client() as client:
        articles, _ = collect([source], client, NOW)

    assert {a.url.rsplit("/", 1)[1]: a.language for a in articles} == {"en": "en", "de": "de"}


def test_language_detection_says_undetermined_when_there_is_too_little_text():
    assert detect_language("Nvidia Q3") == "und"
    assert detect_language("Le groupe a publié des résultats et les actions sont en hausse") == "fr"
    assert detect_language("La empresa y los inversores celebran las ventas del trimestre") == "es"

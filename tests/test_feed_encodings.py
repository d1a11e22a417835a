"""Feeds in Asian and Cyrillic charsets, declared nowhere, land readable titles."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import httpx
import pytest

from orchestration.news.encoding import decode_feed
from orchestration.news.sources import Source, collect
from testservers.feed_server import FeedServer

NOW = datetime(2026, 11, 18, 6, 0, tzinfo=UTC)
# Headlines we wrote for these tests, a few per charset so the detector has text to go on.
HEADLINES = {
    "shift_jis": [
        "トヨタ自動車、過去最高益を更新",
        "ソニーグループが新型センサーを発表し株価が上昇",
        "日本銀行は金利を据え置いた",
    ],
    "gb2312": [
        "阿里巴巴宣布新的回购计划",
        "比亚迪第三季度销量创历史新高",
        "中国人民银行下调存款准备金率",
    ],
    "koi8-r": [
        "Газпром объявил о росте добычи газа",
        "Сбербанк повысил прогноз прибыли на год",
        "Центральный банк сохранил ключевую ставку",
    ],
    "windows-1251": [
        "Лукойл увеличил дивиденды акционерам",
        "Яндекс представил новый сервис доставки",
        "Рубль укрепился после решения регулятора",
    ],
}  # fmt: skip


@pytest.fixture
def client() -> Iterator[httpx.Client]:
    with httpx.Client(timeout=5) as http:
        yield http


def _rss(titles: list[str], declaration: str = '<?xml version="1.0"?>') -> str:
    items = "".join(
        f"<item><title>{title}</title><link>https://news.example.com/{n}</link>"
        f"<pubDate>Tue, 17 Nov 2026 0{n}:00:00 +0000</pubDate>"
        f"<description>{title}. {title}</description></item>"
        for n, title in enumerate(titles)
    )
    return f'{declaration}\n<rss version="2.0"><channel><title>Desk</title>{items}</channel></rss>'


@pytest.mark.parametrize("charset", sorted(HEADLINES))
def test_a_feed_without_a_declared_charset_is_decoded_by_detection(
    feed_server: FeedServer, client: httpx.Client, charset: str
):
    body = _rss(HEADLINES[charset]).encode(charset)
    location = feed_server.serve(f"/{charset}.rss", body, "application/rss+xml")

    articles, (outcome,) = collect([Source("desk", "feed", location)], client=client, now=NOW)

    assert sorted(a.title for a in articles) == sorted(HEADLINES[charset])
    assert outcome.status == "partial"
    assert "(detected; declared: none)" in outcome.message
    assert "undecodable" not in outcome.message


def test_a_declared_charset_that_decodes_is_trusted_and_not_reported(
    feed_server: FeedServer, client: httpx.Client
):
    titles = HEADLINES["koi8-r"]
    body = _rss(titles, '<?xml version="1.0" encoding="koi8-r"?>').encode("koi8-r")
    location = feed_server.serve("/declared.rss", body, "application/rss+xml")

    articles, (outcome,) = collect([Source("desk", "feed", location)], client=client, now=NOW)

    assert sorted(a.title for a in articles) == sorted(titles)
    assert (outcome.status, outcome.message) == ("ok", None)


def test_a_charset_named_only_in_the_content_type_is_used():
    titles = HEADLINES["windows-1251"]
    decoded = decode_feed(
        _rss(titles).encode("cp1251"), "application/rss+xml; charset=windows-1251"
    )
    assert decoded.note is None
    assert titles[0] in decoded.content.decode("utf-8")


def test_entries_that_stay_undecodable_are_counted_in_the_message(
    feed_server: FeedServer, client: httpx.Client
):
    junk = bytes(range(128, 256)) * 3  # no charset makes sense of this
    body = _rss(["Boeing wins an order", "Boeing JUNK delays deliveries"]).encode("ascii")
    location = feed_server.serve("/junk.rss", body.replace(b"JUNK", junk), "application/rss+xml")

    articles, (outcome,) = collect([Source("desk", "feed", location)], client=client, now=NOW)

    assert len(articles) == 2
    assert "charset unknown (declared: none)" in outcome.message
    assert "1 entries have undecodable characters (shown as U+FFFD)" in outcome.message

"""Canonical URLs, stable ids, clean text and UTC dates for articles from any source."""

from __future__ import annotations

import calendar
import hashlib
import html
import time
from datetime import UTC, datetime
from html.parser import HTMLParser
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

# Query parameters that identify a campaign or a click, never the article.
_TRACKING_PREFIXES = ("utm_", "mc_", "pk_", "ga_")
_TRACKING_PARAMS = frozenset(
    {
        "fbclid",
        "gclid",
        "dclid",
        "msclkid",
        "yclid",
        "igshid",
        "ref",
        "ref_src",
        "cmpid",
        "ncid",
        "soc_src",
        "soc_trk",
        "taid",
        "mod",
        "guccounter",
        "cid",
        "src",
        "feature",
    }
)
_BLOCK_TAGS = frozenset(
    {
        "p",
        "br",
        "div",
        "li",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "tr",
        "td",
        "th",
        "hr",
        "blockquote",
        "section",
        "article",
    }
)
_SKIP_TAGS = frozenset({"script", "style", "noscript"})


def canonical_url(url: str) -> str:
    """The URL with host lowercased, default port, fragment and tracking parameters removed."""
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower().removeprefix("www.")
    port = parts.port
    netloc = (
        host
        if port is None or (scheme, port) in {("http", 80), ("https", 443)}
        else (f"{host}:{port}")
    )
    query = [
        (k, v)
        for k, v in parse_qsl(parts.query, keep_blank_values=True)
        if k.lower() not in _TRACKING_PARAMS and not k.lower().startswith(_TRACKING_PREFIXES)
    ]
    path = parts.path.rstrip("/") or "/"
    return urlunsplit((scheme, netloc, path, urlencode(sorted(query)), ""))


def stable_id(*parts: str) -> str:
    """A short hex id that is the same on every machine and every run for the same input."""
    return hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()[:24]


def content_hash(title: str, body: str) -> str:
    return stable_id(" ".join(title.lower().split()), " ".join(body.lower().split()))


class _TextExtractor(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skipping = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SKIP_TAGS:
            self._skipping += 1
        elif tag in _BLOCK_TAGS:
            self.parts.append(" ")

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIP_TAGS and self._skipping:
            self._skipping -= 1
        elif tag in _BLOCK_TAGS:
            self.parts.append(" ")

    def handle_data(self, data: str) -> None:
        if not self._skipping:
            self.parts.append(data)


def html_to_text(markup: str) -> str:
    """Visible text of an HTML fragment, entities decoded and whitespace collapsed."""
    if "<" not in markup:
        return " ".join(html.unescape(markup).split())
    parser = _TextExtractor()
    parser.feed(markup)
    parser.close()
    return " ".join("".join(parser.parts).split())


def struct_time_to_utc(value: time.struct_time) -> datetime:
    """feedparser's parsed dates are UTC struct_times; make them aware datetimes."""
    return datetime.fromtimestamp(calendar.timegm(value), tz=UTC)


def redact_url(location: str) -> str:
    """A source location safe for logs: no credentials, no query values (they may be keys)."""
    parts = urlsplit(location)
    if not parts.netloc:  # a local path
        return location
    host = parts.netloc.rpartition("@")[2].lower()  # drop user:password, whatever the scheme
    query = "&".join(f"{k}=…" for k, _ in parse_qsl(parts.query, keep_blank_values=True))
    return urlunsplit((parts.scheme, host, parts.path, query, ""))

"""The configured news sources, and collecting articles from all of them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import httpx
import yaml

from orchestration.news.articles import Article, deduplicate
from orchestration.news.feeds import FeedError, parse_feed
from orchestration.news.fetch import FetchError, fetch, http_client
from orchestration.news.normalize import redact_url

KINDS = frozenset({"feed"})


class SourcesConfigError(Exception):
    """sources.yaml is missing, unreadable or names something we cannot use."""


@dataclass(frozen=True)
class Source:
    name: str
    kind: str
    location: str  # an http(s) URL or an absolute path


@dataclass(frozen=True)
class SourceOutcome:
    """How reading one source went: what the ingestion log and the asset metadata show."""

    source: str
    location: str  # redacted: safe for logs
    status: str  # ok | partial | error
    items: int
    message: str | None = None


def load_sources(path: Path) -> list[Source]:
    """Sources from a YAML file; relative file locations are relative to that file."""
    try:
        config = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise SourcesConfigError(f"cannot read sources file {path}: {exc}") from exc
    sources = []
    for index, item in enumerate(config.get("sources") or []):
        try:
            name, kind, location = (
                str(item["name"]),
                str(item.get("kind", "feed")),
                str(item["location"]),
            )
        except (KeyError, TypeError) as exc:
            raise SourcesConfigError(
                f"{path}: source #{index + 1} needs a name and a location"
            ) from exc
        if kind not in KINDS:
            raise SourcesConfigError(f"{path}: source {name!r} has unknown kind {kind!r}")
        if item.get("enabled", True) is False:
            continue
        if "://" not in location:
            location = str((path.parent / location).resolve())
        sources.append(Source(name, kind, location))
    names = [s.name for s in sources]
    if len(names) != len(set(names)):
        raise SourcesConfigError(f"{path}: source names must be unique")
    return sources


def collect(
    sources: list[Source], client: httpx.Client | None = None, now: datetime | None = None
) -> tuple[list[Article], list[SourceOutcome]]:
    """Articles from every source, de-duplicated; one failing source never stops the rest."""
    now = now or datetime.now(tz=UTC)
    owns_client = client is None
    client = client or http_client()
    articles: list[Article] = []
    outcomes: list[SourceOutcome] = []
    try:
        for source in sources:
            location = redact_url(source.location)
            try:
                parsed = parse_feed(fetch(source.location, client).content, source.name, now)
            except (FetchError, FeedError) as exc:
                outcomes.append(SourceOutcome(source.name, location, "error", 0, str(exc)))
                continue
            except Exception as exc:  # a parser bug on one source must not stop the others
                message = f"unexpected {type(exc).__name__}: {exc}"
                outcomes.append(SourceOutcome(source.name, location, "error", 0, message))
                continue
            status = "partial" if parsed.warnings else "ok"
            message = "; ".join(parsed.warnings) or None
            outcomes.append(
                SourceOutcome(source.name, location, status, len(parsed.articles), message)
            )
            articles.extend(parsed.articles)
    finally:
        if owns_client:
            client.close()
    return deduplicate(articles), outcomes

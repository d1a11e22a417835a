"""Rules: analysed articles and sentiment shocks on watched tickers become alerts.

An alert's id is a hash of what it is about (watchlist, kind, ticker, day and, for an
article alert, the article), never of its scores: a re-run, a backfill or a re-analysis
finds the same alert again instead of a new one, which is what makes "sent once" hold.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from orchestration.alerts.watchlists import ResolvedWatchlist

MAX_ARTICLES = 5  # articles listed behind a shock alert
_TITLE_CHARS = 120


@dataclass(frozen=True)
class ArticleRef:
    """An article behind an alert, with what it says about the alert's ticker."""

    article_id: str
    title: str
    url: str | None
    published_at: datetime  # UTC, without a zone, as in the warehouse
    sentiment_score: float
    relevance_score: float


@dataclass(frozen=True)
class Mention:
    """One ticker in one analysed article (its latest analysis)."""

    ticker: str
    day: date  # the article's partition (UTC publication day)
    article: ArticleRef


@dataclass(frozen=True)
class Shock:
    """A row of marts.fct_sentiment_shocks."""

    ticker: str
    day: date
    shock_type: str
    direction: str
    article_count: int
    sentiment_score: float
    trailing_mean_sentiment: float
    sentiment_zscore: float
    trailing_mean_article_count: float
    volume_zscore: float


@dataclass(frozen=True)
class Alert:
    alert_id: str
    watchlist: str
    # article_negative, article_positive, sentiment_drop, sentiment_spike or volume_spike
    rule: str
    ticker: str
    alert_date: date
    event_at: datetime  # when it happened: the article's publication, a shock day's end
    direction: str  # down | up | flat
    score: float  # the article's sentiment for the ticker, or the shock day's sentiment
    why: str
    articles: tuple[ArticleRef, ...]


def alert_id(watchlist: str, kind: str, ticker: str, day: date, article_id: str = "") -> str:
    key = "\x1f".join((watchlist, kind, ticker, day.isoformat(), article_id))
    return hashlib.sha256(key.encode("utf-8")).hexdigest()[:24]


def article_alerts(watchlists: list[ResolvedWatchlist], mentions: Iterable[Mention]) -> list[Alert]:
    """An alert per watchlist, watched ticker and article whose sentiment for it is strong."""
    mentions = list(mentions)
    alerts = []
    for watchlist in watchlists:
        limits = watchlist.thresholds
        if limits.article_score is None:
            continue
        for mention in mentions:
            article = mention.article
            if mention.ticker not in watchlist.tickers:
                continue
            if article.relevance_score < limits.min_relevance:
                continue
            if abs(article.sentiment_score) < limits.article_score:
                continue
            direction = "negative" if article.sentiment_score < 0 else "positive"
            if direction not in limits.directions:
                continue
            alerts.append(
                Alert(
                    alert_id=alert_id(
                        watchlist.name, "article", mention.ticker, mention.day, article.article_id
                    ),
                    watchlist=watchlist.name,
                    rule=f"article_{direction}",
                    ticker=mention.ticker,
                    alert_date=mention.day,
                    event_at=article.published_at,
                    direction="down" if direction == "negative" else "up",
                    score=article.sentiment_score,
                    why=(
                        f"{mention.ticker}: strongly {direction} article "
                        f"(sentiment {article.sentiment_score:+.2f}, relevance "
                        f"{article.relevance_score:.2f}): {_short(article.title)}"
                    ),
                    articles=(article,),
                )
            )
    return _sorted(alerts)


def shock_alerts(
    watchlists: list[ResolvedWatchlist],
    shocks: Iterable[Shock],
    mentions: Iterable[Mention],
) -> list[Alert]:
    """An alert per watchlist and shock on a watched ticker, with the articles behind it."""
    shocks = list(shocks)
    by_ticker_day: dict[tuple[str, date], list[Mention]] = {}
    for mention in mentions:
        by_ticker_day.setdefault((mention.ticker, mention.day), []).append(mention)
    alerts = []
    for watchlist in watchlists:
        limits = watchlist.thresholds
        if not limits.shocks:
            continue
        for shock in shocks:
            if shock.ticker not in watchlist.tickers or shock.shock_type not in limits.shock_types:
                continue
            behind = _articles_behind(shock, by_ticker_day.get((shock.ticker, shock.day), []))
            alerts.append(
                Alert(
                    # One alert per ticker-day: a later rebuild that reclassifies the
                    # shock (a volume spike becoming a drop) is the same news, not a new one.
                    alert_id=alert_id(watchlist.name, "shock", shock.ticker, shock.day),
                    watchlist=watchlist.name,
                    rule=shock.shock_type,
                    ticker=shock.ticker,
                    alert_date=shock.day,
                    event_at=datetime.combine(shock.day + timedelta(days=1), time()),
                    direction=shock.direction,
                    score=shock.sentiment_score,
                    why=shock_why(shock),
                    articles=behind,
                )
            )
    return _sorted(alerts)


def shock_why(shock: Shock) -> str:
    if shock.shock_type == "volume_spike":
        return (
            f"{shock.ticker}: news volume spike on {shock.day}: {shock.article_count} articles "
            f"against {shock.trailing_mean_article_count:.1f} a day over the trailing 30 days "
            f"(z {shock.volume_zscore:+.1f}); sentiment {shock.sentiment_score:+.2f}"
        )
    what = "drop" if shock.shock_type == "sentiment_drop" else "spike"
    return (
        f"{shock.ticker}: sentiment {what} on {shock.day}: {shock.sentiment_score:+.2f} "
        f"against a trailing mean of {shock.trailing_mean_sentiment:+.2f} "
        f"(z {shock.sentiment_zscore:+.1f}) over {shock.article_count} articles"
    )


def _articles_behind(shock: Shock, mentions: list[Mention]) -> tuple[ArticleRef, ...]:
    """The articles that moved the day most in the shock's direction, most relevant first."""

    def weight(mention: Mention) -> float:
        pull = mention.article.relevance_score * mention.article.sentiment_score
        if shock.direction == "down":
            return pull
        if shock.direction == "up":
            return -pull
        return -mention.article.relevance_score

    chosen = sorted(mentions, key=lambda m: (weight(m), m.article.article_id))[:MAX_ARTICLES]
    return tuple(m.article for m in chosen)


def _short(title: str) -> str:
    title = " ".join(title.split())
    return title if len(title) <= _TITLE_CHARS else title[: _TITLE_CHARS - 1] + "…"


def _sorted(alerts: list[Alert]) -> list[Alert]:
    return sorted(alerts, key=lambda a: (a.event_at, a.watchlist, a.ticker, a.alert_id))

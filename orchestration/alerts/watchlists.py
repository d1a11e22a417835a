"""Watchlists: which tickers a user follows, what makes an alert, and where it is sent.

The file (watchlists.yaml, or TICKERPULSE_WATCHLISTS) is versioned with the project, so it
never holds a secret: a webhook names the environment variable that holds its URL. A plain
`url` is accepted for receivers on this machine only (a local relay, tests).
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from orchestration.news.config_keys import suggestion

WATCHLISTS_ENV = "TICKERPULSE_WATCHLISTS"
DEFAULT_WATCHLISTS = "watchlists.yaml"
LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})
SHOCK_TYPES = ("sentiment_drop", "sentiment_spike", "volume_spike")

_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.\-]*$")


def _plain_name(value: str) -> str:
    """Names appear in alert ids, metadata and logs: keep them plain."""
    if not _NAME.match(value):
        raise ValueError("use letters, digits, '_', '-' or '.'")
    return value


_SYMBOL = re.compile(r"^[A-Z][A-Z0-9.\-]{0,9}$")
_ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")

Direction = Literal["negative", "positive"]
ShockType = Literal["sentiment_drop", "sentiment_spike", "volume_spike"]


class WatchlistConfigError(Exception):
    """The watchlists file is missing, unreadable or invalid; the message says where."""


class _Strict(BaseModel):
    # A misspelt key (`treshold`) must be an error, not a silently ignored setting.
    model_config = ConfigDict(extra="forbid", frozen=True)


class Webhook(_Strict):
    name: str
    format: Literal["json", "slack"] = "json"
    url_env: str | None = Field(default=None, description="variable holding the URL (a secret)")
    url: str | None = Field(default=None, description="only for receivers on this machine")

    _plain_name = field_validator("name")(_plain_name)

    @field_validator("url_env")
    @classmethod
    def _env_name(cls, value: str | None) -> str | None:
        if value is not None and not _ENV_NAME.match(value):
            raise ValueError("must be the name of an environment variable, not a URL")
        return value

    @field_validator("url")
    @classmethod
    def _local_only(cls, value: str | None) -> str | None:
        # The messages never repeat the value: it may be a secret pasted in by mistake.
        if value is None:
            return None
        parts = urlsplit(value)
        if parts.scheme not in {"http", "https"}:
            raise ValueError("must be an http(s) URL")
        if parts.hostname not in LOOPBACK_HOSTS:
            raise ValueError(
                "a plain url is allowed for 127.0.0.1/localhost only; put a remote "
                "webhook's URL in an environment variable and name it in url_env"
            )
        return value

    @model_validator(mode="after")
    def _one_url(self) -> Webhook:
        if (self.url is None) == (self.url_env is None):
            raise ValueError(f"webhook {self.name!r} needs exactly one of url_env or url")
        return self

    def resolve_url(self, environ: Mapping[str, str] | None = None) -> str | None:
        """The URL to post to, or None when its environment variable is unset."""
        if self.url is not None:
            return self.url
        value = (os.environ if environ is None else environ).get(self.url_env or "", "")
        return value.strip() or None


class Thresholds(_Strict):
    article_score: float | None = Field(
        default=0.8, gt=0, le=1, description="|ticker sentiment| that alerts; null: none"
    )
    min_relevance: float = Field(default=0.5, ge=0, le=1)
    directions: tuple[Direction, ...] = ("negative", "positive")
    shocks: bool = True
    shock_types: tuple[ShockType, ...] = SHOCK_TYPES


class Watchlist(_Strict):
    name: str
    tickers: tuple[str, ...] = ()
    portfolios: tuple[str, ...] = Field(
        default=(), description="names of portfolios in marts.dim_portfolio_holdings"
    )
    thresholds: Thresholds = Thresholds()
    notify: tuple[str, ...] = Field(default=(), description="names of webhooks")

    _plain_name = field_validator("name")(_plain_name)

    @field_validator("tickers")
    @classmethod
    def _symbols(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        symbols = tuple(s.strip().upper() for s in value)
        bad = [s for s in symbols if not _SYMBOL.match(s)]
        if bad:
            raise ValueError(f"not ticker symbols: {', '.join(bad)}")
        return symbols

    @model_validator(mode="after")
    def _something_to_watch(self) -> Watchlist:
        if not self.tickers and not self.portfolios:
            raise ValueError(f"watchlist {self.name!r} needs tickers or portfolios")
        return self


class WatchlistConfig(_Strict):
    watchlists: tuple[Watchlist, ...] = ()
    webhooks: tuple[Webhook, ...] = ()

    @model_validator(mode="after")
    def _consistent(self) -> WatchlistConfig:
        for kind, names in (
            ("watchlist", [w.name for w in self.watchlists]),
            ("webhook", [h.name for h in self.webhooks]),
        ):
            repeated = sorted({n for n in names if names.count(n) > 1})
            if repeated:
                raise ValueError(f"{kind} names must be unique: {', '.join(repeated)}")
        known = {h.name for h in self.webhooks}
        for watchlist in self.watchlists:
            unknown = [n for n in watchlist.notify if n not in known]
            if unknown:
                raise ValueError(
                    f"watchlist {watchlist.name!r} notifies unknown webhooks: {', '.join(unknown)}"
                )
        return self

    def webhook(self, name: str) -> Webhook:
        return next(h for h in self.webhooks if h.name == name)


def load_watchlists(path: Path) -> WatchlistConfig:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise WatchlistConfigError(f"cannot read watchlists file {path}: {exc.strerror}") from exc
    except yaml.YAMLError as exc:
        raise WatchlistConfigError(f"watchlists file {path} is not valid YAML: {exc}") from exc
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise WatchlistConfigError(f"{path}: expected a mapping with watchlists and webhooks")
    try:
        return WatchlistConfig.model_validate(data)
    except ValidationError as exc:
        raise WatchlistConfigError(f"{path}: {_describe(exc)}") from exc


def _describe(error: ValidationError) -> str:
    # Location and message only: pydantic's own text repeats the input, which may be a URL.
    problems = []
    for item in error.errors():
        where = ".".join(str(part) for part in item["loc"]) or "file"
        if item["type"] == "extra_forbidden":
            key = str(item["loc"][-1])
            hint = suggestion(key, _model_at(item["loc"][:-1]).model_fields)
            problems.append(f"{where}: unknown key {key!r} ({hint})")
        else:
            problems.append(f"{where}: {item['msg']}")
    return "; ".join(problems)


def _model_at(loc: tuple[int | str, ...]) -> type[BaseModel]:
    """The model whose keys are valid at a location such as ('watchlists', 0, 'thresholds')."""
    path = tuple(part for part in loc if isinstance(part, str))
    return {
        ("watchlists",): Watchlist,
        ("watchlists", "thresholds"): Thresholds,
        ("webhooks",): Webhook,
    }.get(path, WatchlistConfig)


@dataclass(frozen=True)
class ResolvedWatchlist:
    """A watchlist with its portfolios expanded into tickers."""

    name: str
    tickers: frozenset[str]
    thresholds: Thresholds
    notify: tuple[str, ...]


def resolve(
    config: WatchlistConfig,
    known_tickers: set[str],
    holdings: Mapping[str, set[str]] | None,
) -> list[ResolvedWatchlist]:
    """Expand portfolios and check every symbol is one the pipeline reports on.

    `holdings` is None when the portfolio dimension has not been built yet.
    """
    resolved = []
    for watchlist in config.watchlists:
        tickers = set(watchlist.tickers)
        for portfolio in watchlist.portfolios:
            if holdings is None:
                raise WatchlistConfigError(
                    f"watchlist {watchlist.name!r} names portfolio {portfolio!r} but "
                    "marts.dim_portfolio_holdings is not built: run reference_job first"
                )
            if portfolio not in holdings:
                raise WatchlistConfigError(
                    f"watchlist {watchlist.name!r}: no portfolio {portfolio!r} "
                    f"(known: {', '.join(sorted(holdings)) or 'none'})"
                )
            tickers |= holdings[portfolio]
        unknown = sorted(tickers - known_tickers)
        if unknown:
            raise WatchlistConfigError(
                f"watchlist {watchlist.name!r}: tickers not in the reference: {', '.join(unknown)}"
            )
        resolved.append(
            ResolvedWatchlist(
                watchlist.name, frozenset(tickers), watchlist.thresholds, watchlist.notify
            )
        )
    return resolved

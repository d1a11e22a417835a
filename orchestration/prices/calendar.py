"""The market calendar (exchange_calendars): sessions, early closes, and the session a
news story counts toward.

The rule, the same here and in SQL (docs/prices.md): a story counts toward the first
session whose close is strictly after its publication time. After the close, on a weekend
or on a holiday, that is the next session; a story at 16:00:00 New York counts toward the
next day. No story is ever put in a session that had closed before it was published.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from functools import lru_cache

import exchange_calendars as xcals
import pandas as pd

DEFAULT_CALENDAR = "XNYS"
# History the calendar is built for; exchange_calendars knows about a year ahead.
CALENDAR_START = "2000-01-01"


class CalendarError(ValueError):
    """An unknown calendar name, or a time past the calendar's last known session."""


@dataclass(frozen=True)
class Session:
    calendar: str
    session_date: date
    open_at: datetime  # UTC, without a zone, like every warehouse timestamp
    close_at: datetime
    early_close: bool


@lru_cache(maxsize=8)
def _calendar(name: str) -> xcals.ExchangeCalendar:
    try:
        return xcals.get_calendar(name, start=CALENDAR_START)
    except xcals.errors.InvalidCalendarName:
        raise CalendarError(
            f"unknown market calendar {name!r} (e.g. XNYS, XNAS, XLON; "
            "see exchange_calendars.get_calendar_names())"
        ) from None


def check_calendar(name: str) -> None:
    _calendar(name)


def sessions(name: str, first: date, last: date) -> list[Session]:
    """Every session from `first` to `last` (inclusive), clipped to what the calendar knows."""
    calendar = _calendar(name)
    start = max(pd.Timestamp(first), calendar.first_session)
    end = min(pd.Timestamp(last), calendar.last_session)
    if start > end:
        return []
    schedule = calendar.schedule.loc[start:end]
    early = set(calendar.early_closes)
    return [
        Session(
            name,
            day.date(),
            _naive_utc(row.open),
            _naive_utc(row.close),
            day in early,
        )
        for day, row in schedule.iterrows()
    ]


def last_known_session(name: str) -> date:
    return _calendar(name).last_session.date()


def session_for(published_at: datetime, calendar: str = DEFAULT_CALENDAR) -> date:
    """The session a story counts toward: the first whose close is strictly after it.

    A time without a zone is UTC, as in the warehouse.
    """
    cal = _calendar(calendar)
    when = pd.Timestamp(published_at)
    when = when.tz_localize(UTC) if when.tzinfo is None else when.tz_convert(UTC)
    closes = cal.schedule["close"]
    position = int(closes.searchsorted(when, side="right"))
    if position >= len(closes):
        raise CalendarError(
            f"{published_at.isoformat()} is after the last session {calendar} knows "
            f"({cal.last_session.date()})"
        )
    return closes.index[position].date()


def _naive_utc(stamp: pd.Timestamp) -> datetime:
    return stamp.tz_convert(UTC).to_pydatetime().replace(tzinfo=None)


def closed_sessions(name: str, window: tuple[date, date], now: datetime) -> list[date]:
    """The window's sessions that have closed by `now`: a bar of a session still trading
    is not a daily price yet, so it is never landed."""
    cutoff = now.astimezone(UTC).replace(tzinfo=None)
    return [s.session_date for s in sessions(name, *window) if s.close_at <= cutoff]

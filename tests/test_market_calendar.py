"""The market calendar: which session a story counts toward, early closes, no look-ahead."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from orchestration.prices.calendar import (
    CalendarError,
    closed_sessions,
    session_for,
    sessions,
)

NEW_YORK = ZoneInfo("America/New_York")


def ny(*args: int) -> datetime:
    return datetime(*args, tzinfo=NEW_YORK)


def test_a_story_one_minute_after_the_close_counts_toward_the_next_session():
    # Tuesday 2026-11-17: the close is 16:00 New York (21:00 UTC).
    assert session_for(ny(2026, 11, 17, 16, 1)) == date(2026, 11, 18)
    assert session_for(ny(2026, 11, 17, 16, 0)) == date(2026, 11, 18)  # at the bell: after
    assert session_for(ny(2026, 11, 17, 15, 59)) == date(2026, 11, 17)


def test_a_story_before_the_open_counts_toward_that_days_session():
    assert session_for(ny(2026, 11, 17, 7, 30)) == date(2026, 11, 17)


def test_a_story_on_a_holiday_or_a_weekend_counts_toward_the_next_session():
    thanksgiving = ny(2026, 11, 26, 12, 0)
    assert session_for(thanksgiving) == date(2026, 11, 27)
    assert session_for(ny(2026, 11, 21, 10, 0)) == date(2026, 11, 23)  # a Saturday


def test_on_an_early_close_day_the_session_ends_at_one_pm():
    # The day after Thanksgiving closes at 13:00 New York.
    assert session_for(ny(2026, 11, 27, 12, 59)) == date(2026, 11, 27)
    assert session_for(ny(2026, 11, 27, 13, 1)) == date(2026, 11, 30)
    (friday,) = sessions("XNYS", date(2026, 11, 27), date(2026, 11, 27))
    assert friday.early_close
    assert friday.close_at == datetime(2026, 11, 27, 18, 0)  # UTC, without a zone


def test_a_time_without_a_zone_is_utc_like_every_warehouse_timestamp():
    assert session_for(datetime(2026, 11, 17, 21, 1)) == date(2026, 11, 18)
    assert session_for(datetime(2026, 11, 17, 20, 59)) == date(2026, 11, 17)


def test_no_story_is_ever_put_in_a_session_that_had_closed_before_it():
    start = datetime(2026, 11, 1, tzinfo=UTC)
    by_day = {s.session_date: s for s in sessions("XNYS", date(2026, 11, 1), date(2026, 12, 31))}
    for hour in range(0, 24 * 60, 7):
        when = start + timedelta(hours=hour)
        session = by_day[session_for(when)]
        assert session.close_at.replace(tzinfo=UTC) > when
        earlier = [s for s in by_day.values() if s.session_date < session.session_date]
        assert all(s.close_at.replace(tzinfo=UTC) <= when for s in earlier)


def test_sessions_list_trading_days_only_with_their_open_and_close_in_utc():
    week = sessions("XNYS", date(2026, 11, 23), date(2026, 11, 29))
    assert [s.session_date for s in week] == [
        date(2026, 11, 23),
        date(2026, 11, 24),
        date(2026, 11, 25),
        date(2026, 11, 27),
    ]
    assert week[0].open_at == datetime(2026, 11, 23, 14, 30)
    assert [s.early_close for s in week] == [False, False, False, True]


def test_a_session_still_trading_is_not_closed_yet():
    window = (date(2026, 11, 16), date(2026, 11, 17))
    during = closed_sessions("XNYS", window, ny(2026, 11, 17, 15, 0))
    after = closed_sessions("XNYS", window, ny(2026, 11, 17, 16, 0))
    assert during == [date(2026, 11, 16)]
    assert after == [date(2026, 11, 16), date(2026, 11, 17)]


def test_an_unknown_calendar_is_a_clear_error():
    with pytest.raises(CalendarError, match="unknown market calendar 'XNOPE'"):
        session_for(datetime(2026, 11, 17), "XNOPE")

"""Publication times as article files write them: ISO 8601, RFC 2822, US styles, epochs.

A time without a zone is read in the source's `timezone:` (UTC when unset). Zone
abbreviations are read from a fixed table: the common North American, European and Asian
ones whose meaning is not in doubt (IST, for one, is not: India, Ireland or Israel).
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta, timezone, tzinfo
from email.utils import parsedate_to_datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

# Epoch values above this are milliseconds (1e11 s is the year 5138; 1e11 ms is 1973).
_MILLIS_FROM = 1e11
_MICROS_FROM = 1e14


def _fixed(hours: float) -> timezone:
    return timezone(timedelta(hours=hours))


_NEW_YORK, _CHICAGO = ZoneInfo("America/New_York"), ZoneInfo("America/Chicago")
_DENVER, _LOS_ANGELES = ZoneInfo("America/Denver"), ZoneInfo("America/Los_Angeles")
# "ET" and friends follow daylight saving; "EST" and "EDT" name one offset each.
ZONE_ABBREVIATIONS: dict[str, tzinfo] = {
    "UTC": UTC, "GMT": UTC, "Z": UTC, "UT": UTC,
    "ET": _NEW_YORK, "EST": _fixed(-5), "EDT": _fixed(-4),
    "CT": _CHICAGO, "CST": _fixed(-6), "CDT": _fixed(-5),
    "MT": _DENVER, "MST": _fixed(-7), "MDT": _fixed(-6),
    "PT": _LOS_ANGELES, "PST": _fixed(-8), "PDT": _fixed(-7),
    "BST": _fixed(1), "CET": _fixed(1), "CEST": _fixed(2), "EET": _fixed(2), "EEST": _fixed(3),
    "JST": _fixed(9), "KST": _fixed(9), "HKT": _fixed(8), "SGT": _fixed(8),
    "AEST": _fixed(10), "AEDT": _fixed(11),
}  # fmt: skip
_TRAILING_ZONE = re.compile(r"^(?P<rest>.*\S)\s+\(?(?P<zone>[A-Za-z]{1,5})\)?$")
_NUMBER = re.compile(r"^-?\d+(\.\d+)?$")
# The email parser is lenient (it drops an "AM"/"PM"): only text shaped like RFC 2822.
_RFC_2822 = re.compile(r"^([A-Za-z]{3},\s*)?\d{1,2}\s+[A-Za-z]{3}\s+\d{2,4}\s+\d{1,2}:\d{2}")
# Tried in order after ISO 8601 and RFC 2822, on the text without its zone abbreviation.
_FORMATS = (
    "%b %d, %Y %I:%M %p",
    "%b %d, %Y %I:%M:%S %p",
    "%B %d, %Y %I:%M %p",
    "%B %d, %Y %I:%M:%S %p",
    "%b %d, %Y %H:%M",
    "%b %d, %Y",
    "%B %d, %Y",
    "%d %b %Y %H:%M:%S",
    "%d %b %Y %H:%M",
    "%d %B %Y",
    "%m/%d/%Y %I:%M %p",
    "%m/%d/%Y %I:%M:%S %p",
    "%m/%d/%Y %H:%M:%S",
    "%m/%d/%Y %H:%M",
    "%m/%d/%Y",
    "%Y/%m/%d %H:%M:%S",
    "%Y/%m/%d %H:%M",
    "%Y/%m/%d",
)


def zone_named(name: object) -> ZoneInfo:
    """The IANA zone called `name`, or a ValueError saying what is expected."""
    try:
        if isinstance(name, str) and name.strip():
            return ZoneInfo(name.strip())
    except (ZoneInfoNotFoundError, ValueError):
        pass
    raise ValueError(f"timezone {name!r} is not an IANA zone name such as 'America/New_York'")


def to_utc(value: object, zone: tzinfo = UTC) -> datetime:
    """An aware UTC datetime, or a ValueError whose message is the reason the row is skipped.

    Accepts datetimes and dates, epoch seconds or milliseconds (numbers or digit strings),
    ISO 8601, RFC 2822, and US-style text such as "Jan 25, 2024 3:33 AM ET".
    """
    if value is None or (isinstance(value, str) and not value.strip()):
        raise ValueError("no publication time")
    if isinstance(value, datetime):
        parsed = value
    elif isinstance(value, date):
        parsed = datetime(value.year, value.month, value.day)
    elif isinstance(value, int | float) and not isinstance(value, bool):
        parsed = _from_epoch(float(value))
    elif isinstance(value, str):
        parsed = _from_text(value.strip())
    else:
        raise ValueError(f"publication time of unexpected type {type(value).__name__}")
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=zone)
    return parsed.astimezone(UTC)


def _from_epoch(seconds: float) -> datetime:
    if abs(seconds) >= _MICROS_FROM:
        seconds /= 1_000_000
    elif abs(seconds) >= _MILLIS_FROM:
        seconds /= 1000
    try:
        return datetime.fromtimestamp(seconds, tz=UTC)
    except (OverflowError, OSError, ValueError) as exc:
        raise ValueError(f"epoch time {seconds:g} is out of range") from exc


def _from_text(text: str) -> datetime:
    if _NUMBER.match(text):
        return _from_epoch(float(text))
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        pass
    if _RFC_2822.match(text):
        try:
            return parsedate_to_datetime(text)
        except (TypeError, ValueError, IndexError):
            pass
    rest, zone = text, None
    match = _TRAILING_ZONE.match(text)
    if match and match["zone"].upper() in ZONE_ABBREVIATIONS:
        rest, zone = match["rest"], ZONE_ABBREVIATIONS[match["zone"].upper()]
    parsed = _first_format(rest)
    if parsed is None:
        raise ValueError(f"unreadable publication time {text[:40]!r}")
    return parsed if zone is None else parsed.replace(tzinfo=zone)


def _first_format(text: str) -> datetime | None:
    try:
        return datetime.fromisoformat(text)  # "2024-01-25T03:33:00" once "EST" is gone
    except ValueError:
        pass
    for pattern in _FORMATS:
        try:
            return datetime.strptime(text, pattern)
        except ValueError:
            continue
    return None

"""Progress lines for long runs: a multi-year backfill is one run, so its log says how far it is."""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable, Mapping

# At most this many progress lines per pass, however long: a line per 100 articles is
# useful for a day, but 1,000 lines for a 100k-article backfill bury the rest of the log.
MAX_LINES = 20
MIN_STEP = 100


def per_year(per_day: Mapping[str, int]) -> dict[str, int]:
    """Counts per ISO day summed per year, oldest first (years with none included)."""
    years: Counter[str] = Counter()
    for day, count in per_day.items():
        years[day[:4]] += count
    return dict(sorted(years.items()))


def landed_summary(per_day: Mapping[str, int]) -> str:
    """One line: how many articles each year of a range got, and how many days had any."""
    years = ", ".join(f"{year}: {count}" for year, count in per_year(per_day).items())
    with_articles = sum(1 for count in per_day.values() if count)
    return f"landed per year: {years} ({with_articles}/{len(per_day)} days with articles)"


class Progress:
    """Says `done/total`, the rate and the time left every `step` items (and at the end)."""

    def __init__(self, total: int, clock: Callable[[], float] = time.monotonic) -> None:
        self.total = total
        self.step = max(MIN_STEP, -(-total // MAX_LINES))
        self._clock = clock
        self._started = clock()

    def line(self, done: int) -> str | None:
        """The line to log after `done` items, or None when this is not a reporting point."""
        if done <= 0 or (done % self.step and done != self.total):
            return None
        elapsed = max(self._clock() - self._started, 1e-9)
        rate = done / elapsed
        left = (self.total - done) / rate if rate else 0.0
        percent = 100 * done / self.total if self.total else 100.0
        return (
            f"analysed {done}/{self.total} ({percent:.0f}%), {rate:.1f}/s, "
            f"about {_duration(left)} left"
        )


def _duration(seconds: float) -> str:
    if seconds < 90:
        return f"{seconds:.0f} s"
    if seconds < 90 * 60:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / 3600:.1f} h"

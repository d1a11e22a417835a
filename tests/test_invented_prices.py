"""The demo's INVENTED prices: deterministic, labelled, for the demo tickers and benchmark."""

from __future__ import annotations

import math
from datetime import date

from orchestration.demo import demo_dates
from orchestration.paths import PROJECT_ROOT
from orchestration.prices.invented import SOURCE, Storyline, invented_bars
from tests.conftest import STORYLINE

TONE = Storyline.from_csv(PROJECT_ROOT / "orchestration/demo/price_tone.csv")
DAYS = [date.fromisoformat(d) for d in demo_dates()]
WINDOW = (DAYS[0], DAYS[-1])


def bars(window=WINDOW, tickers=(*STORYLINE["tickers"], "SPY"), seed=16):
    return invented_bars(TONE, list(tickers), window, "SPY", "XNYS", seed)


def test_the_tone_file_covers_every_demo_ticker_on_every_demo_day():
    assert set(TONE.tickers) == set(STORYLINE["tickers"])
    assert {day for _, day in TONE.tone} == set(DAYS)
    assert all(-1 <= v <= 1 for v in TONE.tone.values())


def test_every_demo_ticker_and_the_benchmark_get_one_invented_bar_per_demo_session():
    made = bars()
    assert len(made) == (len(STORYLINE["tickers"]) + 1) * len(DAYS)
    assert {b.trade_date for b in made} == set(DAYS)
    assert all(b.invented and b.source == SOURCE for b in made)


def test_invented_prices_are_the_same_on_every_run_and_in_any_window():
    whole = {(b.ticker, b.trade_date): b for b in bars()}
    again = {(b.ticker, b.trade_date): b for b in bars()}
    one_day = {(b.ticker, b.trade_date): b for b in bars((DAYS[2], DAYS[2]))}
    assert whole == again
    assert all(whole[key] == bar for key, bar in one_day.items()) and one_day
    assert bars(seed=17) != bars()


def test_invented_bars_are_well_formed():
    for bar in bars((date(2026, 10, 1), date(2026, 12, 31))):
        assert bar.low <= min(bar.open, bar.close) <= max(bar.open, bar.close) <= bar.high
        assert bar.close > 0 and bar.volume > 0 and bar.adj_close == bar.close
        assert math.isfinite(bar.close)


def test_tickers_outside_the_demo_get_no_invented_prices():
    assert bars(tickers=("ZZZZ", "ORCL")) == []
    assert {b.ticker for b in bars(tickers=("ORCL", "AAPL"))} == {"AAPL"}


def test_weekends_and_holidays_have_no_invented_prices():
    days = {b.trade_date for b in bars((date(2026, 11, 21), date(2026, 11, 27)))}
    assert days == {date(2026, 11, d) for d in (23, 24, 25, 27)}

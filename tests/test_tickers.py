from __future__ import annotations

from orchestration.analysis.tickers import default_reference


def test_the_reference_table_is_the_sp500_list():
    reference = default_reference()
    assert len(reference) == 503
    assert "AAPL" in reference and "BRK.B" in reference
    assert reference.companies["BA"].sector == "Industrials"


def test_names_aliases_and_explicit_listings_are_found():
    text = "Exxon Mobil sued Chevron. Boeing (NYSE: BA) fell; Alphabet's Google unit rose. $NVDA"
    found = [m.symbol for m in default_reference().find(text)]
    assert found == ["XOM", "CVX", "BA", "BA", "GOOGL", "GOOGL", "NVDA"]


def test_longest_name_wins_and_case_matters():
    found = [m.symbol for m in default_reference().find("ExxonMobil and an apple; Apple's iPhone")]
    assert found == ["XOM", "AAPL"]


def test_resolving_names_and_symbols_from_elsewhere():
    reference = default_reference()
    assert reference.resolve("Google") == "GOOGL"
    assert reference.resolve("brk-b") == "BRK.B"
    assert reference.resolve("$msft") == "MSFT"
    assert reference.resolve("boeing") == "BA"
    assert reference.resolve("Imaginary Corp") is None
    assert reference.resolve("ZZZZ") is None

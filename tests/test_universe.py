"""The reference universe: clean names, issuers, security types, aliases, refreshes."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from orchestration.analysis.company_names import GENERIC_WORDS, clean_name
from orchestration.analysis.reference_refresh import keep_referenced
from orchestration.analysis.sec_tickers import SecFileError, SecRecord, parse
from orchestration.analysis.security_types import instrument_type
from orchestration.analysis.universe import (
    Company,
    ReferenceFileError,
    build_universe,
    load_universe,
    read_aliases,
)


@pytest.fixture(scope="module")
def universe() -> dict[str, Company]:
    return {c.symbol: c for c in load_universe()[0]}


@pytest.mark.parametrize(
    ("filed", "clean"),
    [
        ("HONEYWELL INTERNATIONAL INC", "Honeywell International"),
        ("ELI LILLY & Co", "Eli Lilly"),
        ("AMAZON COM INC", "Amazon.com"),
        ("BANK OF AMERICA CORP /DE/", "Bank of America"),
        ("COSTCO WHOLESALE CORP /NEW", "Costco Wholesale"),
        ("MCCORMICK & CO INC", "McCormick"),
        ("INTERNATIONAL BUSINESS MACHINES CORP", "International Business Machines"),
        ("IBM", "IBM"),
        ("AT&T INC.", "AT&T"),
        ("3M CO", "3M"),
        ("PG&E Corp", "PG&E"),
        ("CSX CORP", "CSX"),
        ("VODAFONE GROUP PUBLIC LTD CO", "Vodafone Group"),
        ("ASML HOLDING NV", "ASML Holding"),
        ("BANCO BILBAO VIZCAYA ARGENTARIA, S.A.", "Banco Bilbao Vizcaya Argentaria"),
        ("TOYOTA MOTOR CORP/", "Toyota Motor"),
        ("AMARIN CORP PLC\\UK", "Amarin"),
        ("Meta Platforms, Inc.", "Meta Platforms"),
        ("NEWS CORP", "News Corp"),
        ("Lilly (Eli)", "Eli Lilly"),
    ],
)
def test_filing_case_names_become_the_names_the_press_writes(filed: str, clean: str):
    assert clean_name(filed) == clean


def test_the_sp500_spelling_wins_over_the_filing(universe: dict[str, Company]):
    assert universe["XOM"].name == "ExxonMobil"
    assert "Exxon Mobil" in universe["XOM"].name_variants  # the SEC's spelling stays a variant
    assert universe["LLY"].name == "Eli Lilly"
    assert universe["HON"].is_sp500 and "Honeywell International" in universe["HON"].name_variants


def test_share_classes_are_grouped_under_the_primary_ticker(universe: dict[str, Company]):
    for secondary, primary in [
        ("GOOG", "GOOGL"),
        ("BRK-A", "BRK-B"),
        ("FOX", "FOXA"),
        ("NWS", "NWSA"),
        ("BF-A", "BF-B"),
    ]:
        assert universe[secondary].issuer == primary
        assert universe[primary].issuer == primary
        assert universe[secondary].cik == universe[primary].cik
        assert universe[secondary].security_type == universe[primary].security_type == "common"
        # Names point at the primary only, so a name never resolves to two classes.
        assert universe[secondary].name_variants == ()
        assert universe[primary].name_variants
    assert universe["GOOG"].is_sp500 and not universe["BRK-A"].is_sp500


def test_instruments_are_typed_by_ticker_suffix_or_fifth_letter():
    assert instrument_type("BAC-PK", {"BAC", "BAC-PK"}) == "preferred"
    assert instrument_type("ABC-WT", {"ABC", "ABC-WT"}) == "warrant"
    assert instrument_type("GRP-UN", {"GRP-UN"}) == "unit"
    assert instrument_type("ABCDW", {"ABCD", "ABCDW"}) == "warrant"
    assert instrument_type("ABCDU", {"ABCD", "ABCDU"}) == "unit"
    assert instrument_type("ABCDR", {"ABCD", "ABCDR"}) == "right"
    assert instrument_type("NTRSO", {"NTRS", "NTRSO"}) == "preferred"
    # A fifth letter means nothing without the base ticker of the same filer.
    assert instrument_type("ABCDW", {"ABCDW"}) is None
    assert instrument_type("BRK-B", {"BRK-A", "BRK-B"}) is None


def test_instruments_point_to_their_issuer(universe: dict[str, Company]):
    assert universe["BAC-PK"].security_type == "preferred"
    assert universe["BAC-PK"].issuer == "BAC"
    assert universe["NTRSO"].issuer == "NTRS"


def test_funds_are_flagged_but_banks_and_reits_named_trust_are_not(
    universe: dict[str, Company],
):
    for fund in ("SPY", "QQQ", "GLD", "IWM", "DIA", "SLV", "USO"):
        assert universe[fund].security_type == "fund", fund
    # Northern Trust, Truist and Wintrust are banks; Realty Income, Digital Realty Trust and
    # Vornado Realty Trust are REITs; BlackRock and Invesco manage funds but are companies.
    for company in ("NTRS", "TFC", "WTFC", "O", "DLR", "VNO", "PBT", "BLK", "IVZ"):
        assert universe[company].security_type == "common", company


def test_foreign_companies_listed_in_the_us_are_adrs(universe: dict[str, Company]):
    assert universe["BCS"].security_type == "adr"
    assert universe["BCS"].name == "Barclays"
    for adr in ("SONY", "TM", "NVS", "ASML", "SAP", "SHEL", "BP", "VOD", "BABA", "TSM"):
        assert universe[adr].security_type == "adr", adr
    # Medtronic plc and Linde plc are S&P 500 members filing as US companies.
    assert universe["MDT"].security_type == universe["LIN"].security_type == "common"


def test_name_variants_are_longest_first_and_never_a_bare_generic_word(
    universe: dict[str, Company],
):
    assert "Apple" in universe["AAPL"].name_variants
    assert "Target" in universe["TGT"].name_variants
    assert "Block" in universe["XYZ"].name_variants
    assert "Honeywell" in universe["HON"].name_variants
    assert "Alcoa" in universe["AA"].name_variants
    for company in universe.values():
        lengths = [len(v) for v in company.name_variants]
        assert lengths == sorted(lengths, reverse=True), company.symbol
        generic = [v for v in company.name_variants if v.lower() in GENERIC_WORDS]
        assert generic in ([], [company.name]), company.symbol


def test_sectors_come_from_the_sp500_list_and_are_null_elsewhere(
    universe: dict[str, Company],
):
    assert universe["AAPL"].sector == "Information Technology"
    assert universe["BRK-A"].sector == "Financials"  # through its issuer's CIK
    assert universe["AA"].sector is None and universe["AA"].industry is None


def test_aliases_name_current_companies_and_date_former_names_and_tickers():
    companies, aliases = load_universe()
    symbols = {c.symbol for c in companies}
    assert len(aliases) >= 150
    assert {a.symbol for a in aliases} <= symbols
    by_alias = {(a.alias, a.kind): a for a in aliases}
    fb = by_alias[("FB", "former_ticker")]
    assert (fb.symbol, fb.valid_to) == ("META", date(2022, 6, 9))
    pcln = by_alias[("PCLN", "former_ticker")]
    assert (pcln.symbol, pcln.valid_to) == ("BKNG", date(2018, 2, 27))
    assert by_alias[("Google", "brand")].symbol == "GOOGL"
    assert by_alias[("Raytheon Technologies", "former_name")].symbol == "RTX"
    for short, symbol in [("General Electric", "GE"), ("Honeywell", "HON"), ("Dell", "DELL")]:
        assert by_alias[(short, "short_name")].symbol == symbol


def test_delisted_companies_old_articles_name_are_kept(universe: dict[str, Company]):
    assert universe["TWTR"].delisted and universe["TWTR"].name == "Twitter"
    assert universe["YHOO"].delisted
    assert not universe["AAPL"].delisted


def test_a_malformed_aliases_file_is_refused_with_its_line(tmp_path: Path):
    path = tmp_path / "aliases.csv"
    path.write_text(
        "alias,symbol,kind,valid_from,valid_to,note\nFacebook,META,nickname,,,\n",
        encoding="utf-8",
    )
    with pytest.raises(ReferenceFileError, match=r"line 2.*nickname"):
        read_aliases(path)
    path.write_text(
        "alias,symbol,kind,valid_from,valid_to,note\nFB,META,former_ticker,,9 June 2022,\n",
        encoding="utf-8",
    )
    with pytest.raises(ReferenceFileError, match=r"line 2.*YYYY-MM-DD"):
        read_aliases(path)


def test_a_malformed_sec_file_is_refused():
    with pytest.raises(SecFileError, match="not JSON"):
        parse(b"<html>rate limited</html>")
    with pytest.raises(SecFileError, match="fields"):
        parse(json.dumps({"fields": ["cik", "ticker"], "data": []}).encode())
    with pytest.raises(SecFileError, match="row 1"):
        parse(json.dumps({"fields": ["cik", "name", "ticker", "exchange"], "data": [
            [320193, "Apple Inc.", "AAPL", "Nasdaq"], [None, "?", "", None]
        ]}).encode())  # fmt: skip


def test_a_fresh_sec_file_builds_at_runtime():
    records = [
        SecRecord("1", "NEWCO HOLDINGS INC /DE/", "NEWC", "NYSE"),
        SecRecord("1", "NEWCO HOLDINGS INC /DE/", "NEWCW", "NYSE"),
        SecRecord("320193", "Apple Inc.", "AAPL", "Nasdaq"),
    ]
    companies = {c.symbol: c for c in build_universe(records)[0]}
    assert companies["NEWC"].name == "Newco Holdings"
    assert companies["NEWC"].name_variants == ("Newco Holdings", "Newco")
    assert companies["NEWCW"].security_type == "warrant"
    assert companies["NEWCW"].issuer == "NEWC"
    # S&P 500 members are kept from the shipped list even when a file lacks them.
    assert companies["MSFT"].is_sp500 and companies["MSFT"].exchange is None


def test_a_refresh_keeps_referenced_tickers_as_delisted():
    def company(symbol: str) -> Company:
        return Company(symbol, symbol.title(), None, None, "1", (symbol.title(),), symbol)

    previous = [company("AAA"), company("BBB"), company("CCC")]
    current = [company("AAA"), company("DDD")]
    kept, counts = keep_referenced(current, previous, {"AAA", "BBB", "ZZZ"})
    by_symbol = {c.symbol: c for c in kept}
    assert sorted(by_symbol) == ["AAA", "BBB", "DDD", "ZZZ"]
    assert by_symbol["BBB"].delisted and by_symbol["BBB"].name_variants == ("Bbb",)
    assert by_symbol["ZZZ"].delisted and by_symbol["ZZZ"].name == "ZZZ"
    assert not by_symbol["AAA"].delisted
    assert (counts.rows, counts.new, counts.dropped, counts.kept_as_delisted) == (4, 1, 1, 2)


def test_a_ticker_in_an_older_notation_is_kept_under_the_listed_issuer():
    listed = Company("BRK-B", "Berkshire Hathaway", None, None, "1067983", ("Berkshire",), "BRK-B")
    older = Company("BRK.B", "Berkshire Hathaway", None, None, "1067983", ("Berkshire",), "")
    kept, _ = keep_referenced([listed], [older], {"BRK.B", "BK"})
    by_symbol = {c.symbol: c for c in kept}
    assert by_symbol["BRK.B"].issuer == "BRK-B" and by_symbol["BRK.B"].delisted
    # The names stay with the listed ticker, so a name never resolves to the old one.
    assert by_symbol["BRK.B"].name_variants == ()
    assert by_symbol["BK"].issuer == "BK"

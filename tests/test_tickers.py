from __future__ import annotations

from datetime import date

import pytest

from orchestration.analysis.boilerplate import strip_boilerplate
from orchestration.analysis.offline import OfflineAnalyzer
from orchestration.analysis.relevance import article_companies
from orchestration.analysis.schema import ArticleText
from orchestration.analysis.tickers import Alias, Company, TickerReference, default_reference


def company(symbol: str, name: str, *variants: str, **fields: object) -> Company:
    return Company(symbol, name, None, None, "0", (name, *variants), **fields)  # type: ignore[arg-type]


# A small universe written for these tests, shaped like the SEC-based one: S&P 500 members,
# smaller companies, an ADR, a fund, share classes under one issuer, curated aliases.
UNIVERSE = [
    company("AAPL", "Apple", "Apple Inc.", is_sp500=True),
    company("NDAQ", "Nasdaq", "Nasdaq, Inc.", "Nasdaq Inc", is_sp500=True),
    company("DOW", "Dow", "Dow Inc.", "Dow Chemical", is_sp500=True),
    company("MSCI", "MSCI", "MSCI Inc.", is_sp500=True),
    company("MCO", "Moody's", "Moody's Corporation", is_sp500=True),
    company("TRI", "Thomson Reuters", "Reuters"),
    company("GE", "GE Aerospace", "General Electric", is_sp500=True),
    company("BAC", "Bank of America", "Bank of America Corp", is_sp500=True),
    company("VICI", "VICI Properties", is_sp500=True),
    company("PAYX", "Paychex", is_sp500=True),
    company("CAT", "Caterpillar", is_sp500=True),
    company("T", "AT&T", is_sp500=True),
    company("ALL", "Allstate", is_sp500=True),
    company("META", "Meta Platforms", "Meta", is_sp500=True),
    company("GOOGL", "Alphabet", "Google", issuer="GOOGL", is_sp500=True),
    company("GOOG", "Alphabet Class C", issuer="GOOGL", is_sp500=True),
    company("BRK-B", "Berkshire Hathaway", issuer="BRK-B", is_sp500=True),
    company("BRK-A", "Berkshire Hathaway Class A", issuer="BRK-B"),
    company("TGT", "Target", "Target Corp", is_sp500=True),
    company("VOD", "Vodafone", "Vodafone Group", security_type="adr"),
    company("NSRGY", "Nestle", security_type="adr"),
    company("SPY", "SPDR S&P 500 ETF Trust", "S&P 500", security_type="fund"),
    company("GLD", "SPDR Gold Trust", "Gold", security_type="fund"),
    company("EML", "Eastern", "Eastern Co"),
    company("NVDA", "Nvidia", is_sp500=True),
    company("JPM", "JPMorgan Chase", "JPMorgan", is_sp500=True),
    company("XOM", "Exxon Mobil", "Exxon", is_sp500=True),
    company("WMT", "Walmart", is_sp500=True),
    company("AI", "C3.ai"),
    company("V", "Visa", "Visa Inc.", is_sp500=True),
    company("MA", "Mastercard", is_sp500=True),
    company("GLW", "Corning", "Corning Inc", is_sp500=True),
    company("MAX", "MediaAlpha"),
    company("SE", "Sea Limited"),
]
ALIASES = [
    Alias("Facebook", "META", "former_name", valid_to=date(2021, 10, 28)),
    Alias("FB", "META", "former_ticker", valid_to=date(2022, 6, 9)),
    Alias("GE", "GE", "short_name"),
]


@pytest.fixture(scope="module")
def reference() -> TickerReference:
    return TickerReference(UNIVERSE, ALIASES)


def symbols(reference: TickerReference, text: str, published: date | None = None) -> list[str]:
    return [m.symbol for m in reference.find(text, published)]


def companies(reference: TickerReference, title: str, body: str) -> dict[str, float]:
    found = article_companies(reference, title, strip_boilerplate(body))
    return {symbol: subject.relevance for symbol, subject in found.items()}


NASDAQ_COM_APPLE = """Apple (NASDAQ: AAPL) shares rose 2% on Tuesday as the Nasdaq Composite
gained 1.1%. The tech-heavy Nasdaq has climbed 9% this year, and Apple is its largest
member. Investors on the Nasdaq cheered the iPhone maker's services growth.

The views and opinions expressed herein are the views and opinions of the author and do
not necessarily reflect those of Nasdaq, Inc."""


def test_nasdaq_on_a_nasdaq_com_article_about_apple_finds_apple_only(reference):
    assert set(companies(reference, "Apple leads the Nasdaq higher", NASDAQ_COM_APPLE)) == {"AAPL"}


def test_nasdaq_the_company_counts_when_the_text_means_it(reference):
    assert symbols(reference, "Nasdaq Inc. reported higher trading revenue.") == ["NDAQ"]
    assert symbols(reference, "The exchange operator (NASDAQ: NDAQ) rose.") == ["NDAQ"]
    assert symbols(reference, "Nasdaq shares fell 3% after the results.") == ["NDAQ"]
    assert symbols(reference, "The Nasdaq fell 2% and the NYSE was calm.") == []


def test_dow_jones_and_a_dow_component_are_not_dow_inc(reference):
    text = (
        "The Dow Jones Industrial Average fell 300 points. Walmart, a Dow component, "
        "slipped, and the Dow ended lower; Dow futures were flat."
    )
    assert symbols(reference, text) == ["WMT"]
    assert symbols(reference, "Dow Inc. cut its dividend; Dow shares fell 5%.") == ["DOW", "DOW"]


def test_ishares_msci_and_msci_indexes_are_not_msci_inc(reference):
    text = "The iShares MSCI Japan ETF and the MSCI World index rose; MSCI Emerging Markets fell."
    assert symbols(reference, text) == []
    assert symbols(reference, "MSCI Inc. raised its outlook and MSCI shares jumped.") == [
        "MSCI",
        "MSCI",
    ]


def test_rating_agencies_and_publishers_are_not_the_company_unless_meant(reference):
    text = "Moody's downgraded Caterpillar, Reuters reported. Moody's also cut its outlook."
    assert symbols(reference, text) == ["CAT"]
    assert symbols(reference, "Moody's shares rose after its results.") == ["MCO"]


def test_ge_aerospace_general_electric_and_ge_are_one_company(reference):
    text = "GE Aerospace beat estimates. General Electric, as it was, and GE's engines."
    assert symbols(reference, text) == ["GE", "GE", "GE"]


def test_names_are_found_in_any_case_after_a_capital(reference):
    assert symbols(reference, "Bank Of America and VICI PROPERTIES rose.") == ["BAC", "VICI"]
    assert symbols(reference, "she ate an apple") == []


def test_a_bare_ticker_counts_in_ticker_position_but_not_an_acronym_or_a_headline(reference):
    assert symbols(reference, "PAYX rose 3% while NVDA fell.") == ["PAYX", "NVDA"]
    assert symbols(reference, "The CEO said AI demand lifted EPS.") == []
    assert symbols(reference, "Boeing's 737 MAX deliveries resumed.") == []
    assert symbols(reference, "VICI PAYS RECORD DIVIDEND TO HOLDERS") == []
    assert symbols(reference, "The Philadelphia SE Semiconductor index rose.") == []
    assert symbols(reference, "PAYX Rises After Earnings Beat") == ["PAYX"]
    # An acronym is a ticker only in notation or right before "shares".
    assert symbols(reference, "Shares of AI chip makers rose; AI shares rose.") == ["AI"]


def test_common_word_tickers_need_finance_notation_or_context(reference):
    notation = "CAT shares rose. $T fell. Traders bought shares of ALL. (NYSE: CAT) NYSE:T"
    assert symbols(reference, notation) == ["CAT", "T", "ALL", "CAT", "T"]
    assert symbols(reference, "IT IS ALL OVER. The CAT scan and T cells; A grade.") == []


def test_listing_notation_names_the_ticker_not_the_exchange(reference):
    text = "Apple (NASDAQ: AAPL), Nestle (OTC: NSRGY) and NYSE American: VICI"
    assert symbols(reference, text) == ["AAPL", "AAPL", "NSRGY", "NSRGY", "VICI"]


def test_reuters_codes_and_share_class_spellings_resolve_to_the_us_listing(reference):
    text = "AAPL.O rose, IBM.N was flat, VOD.L fell, SAP.DE gained; BRK.B and BRK/B and BRK-A"
    assert symbols(reference, text) == ["AAPL", "VOD", "BRK-B", "BRK-B", "BRK-B"]
    assert symbols(reference, "In the U.S. and the U.K., J.P. traders") == []


def test_share_classes_are_one_company_in_an_articles_list(reference):
    assert set(companies(reference, "Alphabet up", "GOOG and GOOGL rose; Google said so.")) == {
        "GOOGL"
    }
    assert reference.resolve("GOOG") == "GOOGL"


def test_facebook_and_fb_are_meta_fb_only_while_it_was_the_ticker(reference):
    assert symbols(reference, "Facebook said ad sales rose.") == ["META"]
    assert symbols(reference, "FB shares rose.", published=date(2021, 5, 1)) == ["META"]
    assert symbols(reference, "$FB rallied.", published=date(2020, 1, 2)) == ["META"]
    assert symbols(reference, "FB rose.", published=date(2024, 5, 1)) == []
    text = "Meta Platforms (formerly FB) rose; the company formerly known as FB."
    assert symbols(reference, text, published=date(2024, 5, 1)) == ["META", "META", "META"]


def test_a_fund_is_found_only_by_its_ticker(reference):
    assert symbols(reference, "The S&P 500 rose and Gold hit a record; gold miners too.") == []
    assert symbols(reference, "$SPY rose while GLD fell.") == ["SPY", "GLD"]


def test_ambiguous_names_need_evidence(reference):
    assert symbols(reference, "Analysts raised their price target. Target practice.") == []
    assert symbols(reference, "Target raised its outlook.") == ["TGT"]
    assert symbols(reference, "Target Corp and Target stores.") == ["TGT", "TGT"]
    assert symbols(reference, "Eastern Europe grew.") == []
    assert symbols(reference, "Eastern Co reported earnings.") == ["EML"]
    assert symbols(reference, "Visa rules tightened for a visa holder in Corning, N.Y.") == []
    assert symbols(reference, "Visa and Mastercard gained; Corning jumped 4%.") == [
        "V",
        "MA",
        "GLW",
    ]


@pytest.mark.parametrize(
    "footer",
    [
        "The views and opinions expressed herein are the views and opinions of the author "
        "and do not necessarily reflect those of Nasdaq, Inc.",
        "John Doe has no position in any of the stocks mentioned. The Motley Fool has "
        "positions in and recommends Walmart. The Motley Fool has a disclosure policy.",
        "Want the latest recommendations from Zacks Investment Research? Today, you can "
        "download 7 Best Stocks for the Next 30 Days. Click to get this free report "
        "Walmart Inc. (WMT) : Free Stock Analysis Report",
        "This article was originally published on Benzinga. Read Walmart news there.",
        "Reporting by Jane Roe in New York; Editing by Walmart Desk",
        "Copyright 2025 Walmart Newswire. All rights reserved.",
        "Click here to read about Walmart.",
    ],
)
def test_publisher_footers_are_stripped_before_matching(reference, footer):
    body = f"Paychex (PAYX) raised its forecast.\n\n{footer}"
    stripped = strip_boilerplate(body)
    assert stripped == "Paychex (PAYX) raised its forecast."
    assert set(companies(reference, "Paychex outlook", body)) == {"PAYX"}


def test_a_market_wrap_makes_no_company_a_strong_signal_but_a_story_keeps_its_subject(
    reference,
):
    wrap = (
        "Apple, Nvidia, Walmart, JPMorgan, Exxon, Caterpillar, Paychex, Allstate, "
        "Bank of America, Moody's Corporation, Target Corp and AT&T all moved on Friday."
    )
    wrap_relevance = companies(reference, "Stocks end the week mixed", wrap)
    assert len(wrap_relevance) == 12
    assert max(wrap_relevance.values()) < 0.25

    story = (
        "Nvidia (NASDAQ: NVDA) said revenue doubled. Nvidia expects more. "
        "Supplier Walmart was mentioned once."
    )
    story_relevance = companies(reference, "Nvidia beats estimates", story)
    assert story_relevance["NVDA"] > 0.9
    assert story_relevance["WMT"] < 0.2


def test_resolving_model_answers_by_ticker_or_name(reference):
    assert reference.resolve("Google") == "GOOGL"
    assert reference.resolve("brk.b") == "BRK-B"
    assert reference.resolve("$nvda") == "NVDA"
    assert reference.resolve("Facebook") == "META"
    assert reference.resolve("Bank of America Corporation") == "BAC"
    assert reference.resolve("Imaginary Corp") is None
    assert reference.resolve("ZZZZ") is None
    assert reference.resolve("S&P 500") is None  # a fund's index words are not the fund
    assert reference.resolve("Target") == "TGT" and reference.resolve("TGT") == "TGT"
    assert reference.resolve("Max") is None  # a name is read as a name, not as ticker MAX


def test_the_packaged_reference_is_every_listed_company_with_share_classes_grouped():
    reference = default_reference()
    assert len(reference) > 10_000
    assert "AAPL" in reference and "BRK-B" in reference and "AA" in reference
    assert reference.companies["BA"].sector == "Industrials"
    assert reference.companies["AA"].sector is None  # Alcoa: listed, not in the S&P 500
    assert reference.resolve("GOOG") == reference.resolve("GOOGL") == "GOOGL"


def test_names_aliases_and_explicit_listings_are_found_in_the_packaged_table():
    text = "Exxon Mobil sued Chevron. Boeing (NYSE: BA) fell; Alphabet's Google unit rose. $NVDA"
    found = [m.symbol for m in default_reference().find(text)]
    assert found == ["XOM", "CVX", "BA", "BA", "GOOGL", "GOOGL", "NVDA"]


def test_longest_name_wins_and_case_matters():
    found = [m.symbol for m in default_reference().find("ExxonMobil and an apple; Apple's iPhone")]
    assert found == ["XOM", "AAPL"]


def test_resolving_names_and_symbols_in_the_packaged_table():
    reference = default_reference()
    assert reference.resolve("brk.b") == reference.resolve("BRK/B") == "BRK-B"
    assert reference.resolve("$msft") == "MSFT"
    assert reference.resolve("boeing") == "BA"


def test_the_offline_analyzer_reports_the_shared_relevance_without_boilerplate_companies(
    reference,
):
    title = "Apple leads the Nasdaq higher"
    result = OfflineAnalyzer(reference).analyze(ArticleText("a", title, NASDAQ_COM_APPLE))

    assert [(t.ticker, t.relevance_score) for t in result.tickers] == [
        ("AAPL", companies(reference, title, NASDAQ_COM_APPLE)["AAPL"])
    ]
    assert "views and opinions" not in result.summary_paragraph


@pytest.mark.parametrize(
    ("text", "symbols"),
    [
        ("Honeywell raised its outlook.", {"HON"}),
        ("Dell and Eaton beat estimates; Marvell rallied.", {"DELL", "ETN", "MRVL"}),
        ("Hormel and McCormick lifted guidance.", {"HRL", "MKC"}),
        ("Parker-Hannifin won a contract and AvalonBay bought land.", {"PH", "AVB"}),
        ("Constellation Energy and Constellation Brands both rose.", {"CEG", "STZ"}),
        ("GE Aerospace delivered engines.", {"GE"}),
        ("Bank Of America and VICI PROPERTIES reported.", {"BAC", "VICI"}),
        ("Alcoa cut output at its smelter; Barclays reported a profit.", {"AA", "BCS"}),
        ("Twitter lost advertisers; Priceline bookings rose.", {"TWTR", "BKNG"}),
        # A small OTC company whose name cleans to "Target" must not take the retailer's.
        ("Target said its sales rose.", {"TGT"}),
        ("The Dow Jones Industrial Average rose; a Dow component fell.", set()),
        ("The iShares MSCI Emerging Markets ETF fell as gold rallied.", set()),
    ],
)
def test_the_packaged_universe_finds_the_companies_real_news_names(text, symbols):
    assert {m.symbol for m in default_reference().find(text)} == symbols

"""The embedded analyzer as plain Python: no Dagster, no network."""

from __future__ import annotations

import pytest

from orchestration.analysis.offline import OfflineAnalyzer, explain, sentence_score
from orchestration.analysis.schema import ArticleText, sentiment_label
from orchestration.analysis.text import sentences
from orchestration.analysis.tickers import default_reference


@pytest.fixture(scope="module")
def analyzer() -> OfflineAnalyzer:
    return OfflineAnalyzer(default_reference())


def _article(title: str, body: str = "") -> ArticleText:
    return ArticleText("a1", title, body)


@pytest.mark.parametrize(
    ("score", "label"),
    [
        (-1.0, "Bearish"),
        (-0.35, "Bearish"),
        (-0.3499, "Somewhat-Bearish"),
        (-0.15, "Somewhat-Bearish"),
        (-0.1499, "Neutral"),
        (0.0, "Neutral"),
        (0.1499, "Neutral"),
        (0.15, "Somewhat-Bullish"),
        (0.3499, "Somewhat-Bullish"),
        (0.35, "Bullish"),
        (1.0, "Bullish"),
    ],
)
def test_labels_follow_the_alpha_vantage_scale_at_its_boundaries(score, label):
    assert sentiment_label(score) == label


def test_finance_phrases_carry_their_direction():
    assert sentence_score("The company beat estimates and raised its guidance") > 0.5
    assert sentence_score("The company missed estimates and cut its guidance") < -0.5
    assert sentence_score("Analysts downgraded the stock to sell") < 0


def test_negation_flips_a_hit():
    assert sentence_score("Profit rose") > 0
    assert sentence_score("Profit did not rise") < 0


def test_neutral_news_scores_near_zero(analyzer):
    result = analyzer.analyze(
        _article(
            "Microsoft to hold annual shareholder meeting on December 4",
            "Microsoft will hold its annual meeting of shareholders in Redmond. "
            "The meeting will be webcast.",
        )
    )
    assert result.overall_sentiment_label == "Neutral"
    assert [t.ticker for t in result.tickers] == ["MSFT"]


def test_one_sues_another_gives_each_company_its_own_sentiment(analyzer):
    result = analyzer.analyze(
        _article(
            "Exxon Mobil sues Chevron over pipeline venture",
            "Exxon Mobil reported record profit and strong demand this quarter. "
            "Chevron faces heavy losses and a costly legal fight, and its shares plunged.",
        )
    )
    scores = {t.ticker: t.ticker_sentiment_score for t in result.tickers}
    assert set(scores) == {"XOM", "CVX"}
    assert scores["XOM"] > 0 > scores["CVX"]


def test_a_sentence_naming_two_companies_is_split_at_its_clauses(analyzer):
    result = analyzer.analyze(
        _article("Microsoft beat estimates while Intel missed estimates and cut its forecast")
    )
    scores = {t.ticker: t.ticker_sentiment_score for t in result.tickers}
    assert scores["MSFT"] > 0 > scores["INTC"]


@pytest.mark.parametrize(
    ("headline", "first", "second"),
    [
        ("Microsoft beat estimates while Intel cut its outlook", "MSFT", "INTC"),
        ("Nike raised its full-year guidance while FedEx cut its outlook", "NKE", "FDX"),
        ("Deere won a $500 million contract, while Caterpillar will close two plants", "DE", "CAT"),
        (
            "Ford said operating profit rose to $3 billion from $2 billion, while General Motors "
            "said its operating profit fell to $1 billion from $2 billion",
            "F",
            "GM",
        ),
    ],
)
def test_each_company_in_a_two_company_sentence_gets_its_own_direction(
    analyzer, headline, first, second
):
    result = analyzer.analyze(_article(headline))
    scores = {t.ticker: t.ticker_sentiment_score for t in result.tickers}
    assert scores[first] > 0 > scores[second]


@pytest.mark.parametrize(
    ("sentence", "label"),
    [
        ("Quarterly operating profit rose to $41 million from $29 million a year earlier.", "+"),
        ("Net sales grew 12% to $310 million.", "+"),
        ("The pre-tax loss narrowed to $3 million from $11 million.", "+"),
        ("Operating costs increased by 9%.", "-"),
        ("The group will close two plants and cut 400 jobs.", "-"),
        ("Revenue slipped 4% on weaker demand in Europe.", "-"),
        ("The company is headquartered in Ohio and employs 2,000 people.", "0"),
        ("The transaction is expected to close in the third quarter.", "0"),
    ],
)
def test_results_statements_read_the_way_an_analyst_reads_them(analyzer, sentence, label):
    score = analyzer.analyze(_article(sentence)).overall_sentiment_score
    assert {"+": score >= 0.15, "-": score <= -0.15, "0": abs(score) < 0.15}[label]


def test_a_sentence_score_is_traced_to_its_phrases():
    trace = explain("Operating profit rose to $41 million, but the group will cut 300 jobs.")
    features = {feature for _, feature, _ in trace}
    assert "operating profit up (subject)" in features
    assert "event: job cuts" in features
    assert all(isinstance(phrase, str) and phrase for phrase, _, _ in trace)
    assert any(feature == "lexicon" for feature in features)


def test_the_company_continues_the_last_named_company(analyzer):
    result = analyzer.analyze(
        _article(
            "Boeing update",
            "Boeing said deliveries were on schedule. The company cut its forecast and "
            "warned of heavy losses.",
        )
    )
    (boeing,) = result.tickers
    assert boeing.ticker == "BA"
    assert boeing.ticker_sentiment_score < 0


def test_relevance_is_higher_for_the_headline_company_than_a_passing_mention(analyzer):
    result = analyzer.analyze(
        _article(
            "Nvidia posts record revenue",
            "Nvidia said revenue rose sharply on demand for data-center chips. "
            "Its shares rallied. Customers include many cloud providers. "
            "Separately, Pfizer will present at a conference.",
        )
    )
    relevance = {t.ticker: t.relevance_score for t in result.tickers}
    assert relevance["NVDA"] > 0.8
    assert relevance["PFE"] < 0.3


def test_words_that_are_not_listed_companies_are_not_tickers(analyzer):
    result = analyzer.analyze(
        _article("An apple a day", "Shoppers bought apples; a target of ten was met at the ball.")
    )
    assert result.tickers == []


def test_summaries_are_sentences_from_the_article(analyzer):
    body = (
        "Walmart raised its full-year outlook after strong holiday sales. "
        "The retailer said online orders grew 20 percent. "
        "Weather was mild in the Northeast. "
        "Walmart shares rose 3 percent. "
        "Its grocery business gained market share."
    )
    result = analyzer.analyze(_article("Walmart raises outlook on strong holiday sales", body))
    parts = sentences(body)
    assert result.summary_sentence in parts
    paragraph_sentences = sentences(result.summary_paragraph)
    assert 1 <= len(paragraph_sentences) <= 3
    assert all(s in parts for s in paragraph_sentences)
    # Reading order is kept.
    assert paragraph_sentences == sorted(paragraph_sentences, key=parts.index)


def test_an_empty_body_still_gives_a_valid_analysis(analyzer):
    result = analyzer.analyze(_article("Boeing shares plunge after production halt"))
    assert result.summary_sentence == "Boeing shares plunge after production halt"
    assert result.overall_sentiment_score < 0
    assert -1 <= result.tickers[0].ticker_sentiment_score <= 1


def test_sentence_splitting_keeps_abbreviations_inside_sentences():
    assert sentences("J.P. Morgan upgraded Apple Inc. to buy. U.S. stocks rose.") == [
        "J.P. Morgan upgraded Apple Inc. to buy.",
        "U.S. stocks rose.",
    ]

"""Reading results statements: metric moves, stated figures and event classes."""

from __future__ import annotations

import pytest

from orchestration.analysis import results_language
from orchestration.analysis.financial_events import events
from orchestration.analysis.results_numbers import compared_values


def _features(text: str) -> set[str]:
    return {hit.feature for hit in results_language.explain(text)}


@pytest.mark.parametrize(
    ("text", "sign"),
    [
        ("Quarterly operating profit rose to $41 million from $29 million a year earlier.", 1),
        ("Net sales grew 12% to $310 million.", 1),
        ("The pre-tax loss narrowed to $3 million from $11 million.", 1),
        ("The pre-tax loss widened to $11 million from $3 million.", -1),
        ("Operating costs increased by 9%.", -1),
        ("Revenue slipped 4% on weaker demand in Europe.", -1),
        ("Operating margin narrowed to 6.1% from 9.4%.", -1),
        ("Gross margin widened to 41% from 38%.", 1),
        ("The insurer's combined ratio improved to 91.5% from 95.2%.", 1),
        ("Net debt fell to $610 million from $890 million.", 1),
        ("Kestrel raised its full-year EBITDA guidance.", 1),
        ("Kestrel cut its full-year sales forecast.", -1),
        ("Profit fell as rising costs ate into the margin.", -1),
    ],
)
def test_a_direction_reads_through_the_metric_it_moves(text, sign):
    assert sign * results_language.score(text) >= 1.0


@pytest.mark.parametrize(
    ("text", "sign"),
    [
        ("Operating profit was EUR 3.2 mn, compared with EUR 5.9 mn.", -1),
        ("EBIT was EUR 9.8 million (EUR 6.1 million).", 1),
        ("Net sales totalled EUR 1,250 million versus EUR 980 million a year earlier.", 1),
        ("Unit costs were EUR 41 per tonne, against EUR 37 a year ago.", -1),
    ],
)
def test_stated_figures_give_the_direction_when_no_word_does(text, sign):
    assert sign * results_language.score(text) > 0
    assert any(feature.endswith("(figures)") for feature in _features(text))


def test_a_swing_from_profit_to_loss_is_bad_news_whatever_the_figures_say():
    text = "The group posted a net loss of $8 million, against a profit of $15 million a year ago."
    assert results_language.score(text) <= -1.0
    assert not any(feature.endswith("(figures)") for feature in _features(text))
    back = "The group returned to profit, earning $4 million after a loss of $9 million."
    assert results_language.score(back) >= 1.0


@pytest.mark.parametrize(
    ("text", "feature", "sign"),
    [
        ("The group will close two plants and cut 400 jobs.", "job cuts", -1),
        ("The mill will put 250 employees on temporary layoffs.", "job cuts", -1),
        ("Hartwell will shut its Oregon factory next year.", "closure", -1),
        ("The shipyard was awarded an order for four ferries.", "contract won", 1),
        ("The company lost a $700 million defence contract.", "contract lost", -1),
        ("Earnings per share beat analysts' estimates.", "beat estimates", 1),
        ("Revenue came in below consensus expectations.", "missed estimates", -1),
        ("Moody's downgraded the retailer to B2.", "rating downgrade", -1),
        ("The carmaker is recalling 240,000 vehicles.", "recall", -1),
        ("Regulators fined the bank $85 million.", "litigation or fine", -1),
        ("A court dismissed the shareholder lawsuit.", "legal threat ended", 1),
        ("The board suspended the dividend.", "dividend suspended", -1),
        ("The retailer filed for Chapter 11 bankruptcy protection.", "bankruptcy", -1),
        ("The group issued a profit warning on Monday.", "profit warning", -1),
        ("The drug met its primary endpoint.", "trial read-out", 1),
    ],
)
def test_event_classes_carry_their_usual_direction(text, feature, sign):
    found = {f: value for _, f, value in events(text)}
    assert feature in found
    assert sign * found[feature] > 0


def test_suing_is_bad_news_for_the_one_sued_not_for_the_one_suing():
    assert "litigation or fine" not in {f for _, f, _ in events("Exxon Mobil sues Chevron.")}
    assert "litigation or fine" in {f for _, f, _ in events("Chevron was sued by Exxon Mobil.")}


def test_an_ended_lawsuit_is_not_also_counted_as_litigation():
    found = {feature for _, feature, _ in events("A judge dismissed the lawsuit against Tallis.")}
    assert "litigation or fine" not in found


def test_an_acquisition_is_neutral_unless_the_text_says_why_it_is_good():
    assert results_language.score("Alder Group agreed to acquire Finch Logistics.") == 0
    assert results_language.score("The acquisition will be accretive to earnings.") > 0


@pytest.mark.parametrize(
    "text",
    [
        "The company is headquartered in Ohio and employs 2,000 people.",
        "The transaction is expected to close in the third quarter.",
        "Brightwater Systems is a provider of control software for water utilities.",
        "Net sales in 2024 totalled EUR 312 million.",
        "The company will publish its interim report on 24 July 2025.",
        "The figures for 2024 compared with 2023 are unaudited.",
    ],
)
def test_boilerplate_has_no_results_reading(text):
    assert results_language.score(text) == 0


def test_every_hit_names_its_words_feature_and_contribution():
    text = "Operating profit rose to $41 million from $29 million, but the company cut 300 jobs."
    hits = results_language.explain(text)
    assert ("operating profit rose", "operating profit up (subject)", 1.0) in {
        (h.phrase, h.feature, h.contribution) for h in hits
    }
    assert any(h.feature == "event: job cuts" and h.contribution < 0 for h in hits)
    assert results_language.score(text) == pytest.approx(sum(h.contribution for h in hits))


def test_a_negated_move_is_turned_around():
    assert results_language.score("Sales did not rise in the quarter.") < 0


@pytest.mark.parametrize(
    ("text", "before", "now"),
    [
        ("rose to $41 million from $29 million", 29e6, 41e6),
        ("from EUR 3,2 mn to EUR 4,5 mn", 3.2e6, 4.5e6),
        ("fell to $900 million from $1.2 billion", 1.2e9, 900e6),
        ("EPS of EUR -0.21 compared with EUR 0.05", 0.05, -0.21),
        ("margin of 14.2%, up from 11.9%", 11.9, 14.2),
    ],
)
def test_figures_are_read_with_their_scale_and_sign(text, before, now):
    ((_, got_before, got_now),) = compared_values(text)
    assert got_before == pytest.approx(before)
    assert got_now == pytest.approx(now)


def test_a_decisive_reading_overrides_the_model_and_a_weak_one_does_not():
    negative, neutral, positive = 0, 1, 2
    assert results_language.decide(neutral, 1.8, 1.5) == positive
    assert results_language.decide(positive, -2.0, 1.5) == negative
    assert results_language.decide(neutral, 0.8, 1.5) == neutral
    assert results_language.decide(neutral, 5.0, None) == neutral

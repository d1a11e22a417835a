"""The packaged learned sentence model: numpy-only inference over shipped weights."""

from __future__ import annotations

import csv
from collections import Counter
from importlib import resources
from pathlib import Path

import numpy as np
import pytest

from orchestration.analysis.sentence_model import (
    CLASSES,
    WEIGHTS_FILE,
    SentenceModel,
    default_model,
    preprocess,
)

POSITIVE = [
    "Shares of the chipmaker soared after quarterly profit beat analyst estimates.",
    "The retailer raised its full-year outlook on strong holiday demand.",
    "Analysts upgraded the bank to buy, citing a sharp recovery in lending.",
]
NEGATIVE = [
    "The stock plunged after the company cut its revenue forecast.",
    "The airline warned of a bigger loss as fuel costs jumped.",
    "Regulators fined the lender for misleading customers and shares fell.",
]
NEUTRAL = [
    "The company will hold its annual shareholder meeting in Denver on Tuesday.",
    "The insurer announced the date of its third-quarter earnings conference call.",
    "The board appointed a new chief financial officer effective next month.",
]


@pytest.fixture(scope="module")
def model() -> SentenceModel:
    return default_model()


def test_weights_ship_inside_the_package():
    resource = resources.files("orchestration.analysis").joinpath("data", WEIGHTS_FILE)
    assert resource.is_file()
    assert len(resource.read_bytes()) < 5 * 1024 * 1024


@pytest.mark.parametrize(
    ("texts", "label"), [(POSITIVE, "positive"), (NEGATIVE, "negative"), (NEUTRAL, "neutral")]
)
def test_clear_finance_sentences_get_their_label(model, texts, label):
    assert model.labels(texts) == [label] * len(texts)


def test_negation_turns_a_positive_sentence_around(model):
    plain, negated = model.scores(
        [
            "The drugmaker expects the new treatment to boost sales.",
            "The drugmaker does not expect the new treatment to boost sales.",
        ]
    )
    assert negated < plain
    assert model.labels(["Profit did not improve and the outlook was not strong."]) != ["positive"]


def test_probabilities_and_scores_have_the_documented_shape(model):
    texts = POSITIVE + NEGATIVE + NEUTRAL + ["", "   ", "$AAPL https://t.co/xyz"]
    proba = model.predict_proba(texts)
    assert proba.shape == (len(texts), len(CLASSES))
    assert np.allclose(proba.sum(axis=1), 1.0)
    scores = model.scores(texts)
    assert scores.shape == (len(texts),)
    assert np.all((scores >= -1.0) & (scores <= 1.0))
    assert np.allclose(scores, proba[:, 2] - proba[:, 0])
    assert model.predict_proba([]).shape == (0, 3)


def test_scores_order_the_three_kinds_of_sentence(model):
    pos, neu, neg = (model.scores(t).mean() for t in (POSITIVE, NEUTRAL, NEGATIVE))
    assert pos > 0.3 > neu > -0.3 > neg


def test_preprocess_strips_tweet_artefacts():
    raw = (
        "$AAPL - Apple tops estimates, shares +5% https://t.co/AbC123 via @someone #Stock #Markets"
    )
    clean = preprocess(raw)
    assert "http" not in clean
    assert "aapl" not in clean and "$" not in clean
    assert "@" not in clean and "someone" not in clean
    assert "#" not in clean and "markets" not in clean
    assert clean == "- apple tops estimates, shares pctup"
    assert preprocess("Sales fell 4.5% to $10m") == "sales fell pctval to $ numval"
    assert preprocess("Oil -3% on #OPEC news") == "oil pctdown on opec news"


def test_tweet_artefacts_do_not_change_the_prediction(model):
    plain = "Apple tops estimates as iPhone sales climb"
    tweeted = "$AAPL - Apple tops estimates as iPhone sales climb https://t.co/x1Y2 #Stock #Economy"
    assert np.allclose(model.predict_proba([plain]), model.predict_proba([tweeted]))


def test_loading_twice_gives_the_same_predictions(model):
    again = SentenceModel.load()
    texts = POSITIVE + NEGATIVE + NEUTRAL
    assert np.array_equal(again.predict_proba(texts), model.predict_proba(texts))
    assert default_model() is model
    # a batch is scored like its members one at a time
    one_by_one = np.vstack([model.predict_proba([t]) for t in texts])
    assert np.allclose(one_by_one, model.predict_proba(texts))


def test_top_features_are_explainable(model):
    top = model.top_features(10)
    assert set(top) == set(CLASSES)
    for feats in top.values():
        assert len(feats) == 10
        assert all(isinstance(name, str) and isinstance(w, float) for name, w in feats)


def _labelled(path: Path) -> list[dict[str, str]]:
    with open(path, newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def test_the_announcement_eval_set_is_balanced_and_shares_no_sentence_with_training():
    repo = Path(__file__).resolve().parents[1]
    evaluation = _labelled(repo / "tests" / "data" / "announcements_eval.csv")
    training = _labelled(repo / "orchestration" / "analysis" / "data" / "train_sentences.csv")
    assert len(evaluation) >= 300
    counts = Counter(row["label"] for row in evaluation)
    assert set(counts) == set(CLASSES)
    assert min(counts.values()) >= 0.3 * len(evaluation)
    normalised = {" ".join(row["text"].lower().split()) for row in training}
    assert not normalised & {" ".join(row["text"].lower().split()) for row in evaluation}


def test_results_language_is_part_of_the_model_and_its_override_is_recorded(model):
    everything = len(model.vocab) + 8
    names = {name for feats in model.top_features(everything).values() for name, _ in feats}
    assert {"res_pos", "res_neg", "res_net"} <= names
    assert "rule_threshold" in model.meta

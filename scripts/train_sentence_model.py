"""Train the packaged sentence sentiment model (orchestration/analysis/data/sentence_model.npz).

    python scripts/train_sentence_model.py [TRAIN_CSV] [--report VALID_CSV] [--out PATH]

TRAIN_CSV defaults to ../shared/eval/headlines_train.csv relative to the repository root
(columns text,label; labels negative / neutral / positive). Every hyper-parameter is chosen
by stratified 5-fold cross-validation on TRAIN_CSV alone; the vocabularies and idf weights
are rebuilt inside every fold, so no fold sees its own held-out texts. The final model is
then fitted on all of TRAIN_CSV and written out.

``--report VALID_CSV`` only reports: after the weights are written it scores VALID_CSV with
the numpy inference code (SentenceModel) and prints accuracy, macro-F1, per-class F1 and the
confusion matrix. Nothing from that file feeds back into training or selection.

Training needs numpy and scikit-learn (LogisticRegression, StratifiedKFold); inference needs
numpy only. Runs are deterministic: fixed fold seed, deterministic lbfgs solver, vocabularies
sorted, no use of Python's salted hash().
"""

from __future__ import annotations

import argparse
import csv
import itertools
import math
import sys
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import scipy.sparse as sp
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from orchestration.analysis.sentence_model import (  # noqa: E402
    CLASSES,
    LEXICON_FEATURES,
    Featurizer,
    SentenceModel,
)

DEFAULT_TRAIN = REPO.parent / "shared" / "eval" / "headlines_train.csv"
DEFAULT_OUT = REPO / "orchestration" / "analysis" / "data" / "sentence_model.npz"
SEED = 20240601
FOLDS = 5


@dataclass(frozen=True)
class Params:
    """One point of the search grid."""

    lexicon_context: bool = True
    negation_marks: bool = True
    min_df: int = 2
    lex_weight: float = 1.0
    C: float = 8.0
    # 0 = no reweighting, 1 = fully "balanced"; in between = (balanced weight) ** power.
    class_weight_power: float = 0.5

    def featurizer(self) -> Featurizer:
        return Featurizer(negation_marks=self.negation_marks, lexicon_context=self.lexicon_context)

    def label(self) -> str:
        return (
            f"lexctx={int(self.lexicon_context)} neg={int(self.negation_marks)}"
            f" min_df={self.min_df} lex_weight={self.lex_weight:g} C={self.C:g}"
            f" class_weight_power={self.class_weight_power:g}"
        )


def read_csv(path: Path) -> tuple[list[str], np.ndarray]:
    with open(path, newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    texts = [r["text"] for r in rows]
    y = np.array([CLASSES.index(r["label"].strip().lower()) for r in rows], dtype=np.int64)
    return texts, y


# --- features --------------------------------------------------------------------------------


@dataclass
class Analysed:
    sparse: list[set[str]]
    lex: np.ndarray


def analyse(texts: list[str], featurizer: Featurizer) -> Analysed:
    sparse, lex = [], []
    for text in texts:
        feats, dense = featurizer.analyse(text)
        sparse.append(feats)
        lex.append(dense)
    return Analysed(sparse, np.asarray(lex, dtype=np.float64))


def build_vocab(sets: list[set[str]], min_df: int) -> tuple[list[str], np.ndarray]:
    """Sorted vocabulary of features in >= min_df documents, with smoothed idf."""
    df = Counter(f for s in sets for f in s)
    vocab = sorted(f for f, count in df.items() if count >= min_df)
    n = len(sets)
    idf = np.array([math.log((1 + n) / (1 + df[f])) + 1.0 for f in vocab], dtype=np.float64)
    return vocab, idf


def design(
    data: Analysed, rows: np.ndarray, vocab: list[str], idf: np.ndarray, lex_weight: float
) -> sp.csr_matrix:
    """[binary tf * idf, L2-normalised | lex_weight * lexicon]: SentenceModel's arithmetic."""
    index = {f: i for i, f in enumerate(vocab)}
    indptr, indices = [0], []
    for r in rows:
        indices.extend(sorted(index[f] for f in data.sparse[r] if f in index))
        indptr.append(len(indices))
    cols = np.asarray(indices, dtype=np.int64)
    m = sp.csr_matrix((idf[cols], cols, np.asarray(indptr)), shape=(len(rows), len(vocab)))
    norms = np.sqrt(np.asarray(m.multiply(m).sum(axis=1)).ravel())
    norms[norms == 0] = 1.0
    m = sp.diags(1.0 / norms) @ m
    return sp.csr_matrix(sp.hstack([m, sp.csr_matrix(lex_weight * data.lex[rows])]))


def class_weights(y: np.ndarray, power: float) -> dict[int, float]:
    counts = np.bincount(y, minlength=len(CLASSES))
    balanced = len(y) / (len(CLASSES) * counts)
    return {k: float(balanced[k] ** power) for k in range(len(CLASSES))}


def fit_lr(x: sp.csr_matrix, y: np.ndarray, p: Params) -> LogisticRegression:
    # newton-cg converges in a handful of iterations here (lbfgs needs hundreds); both are
    # deterministic.
    clf = LogisticRegression(
        C=p.C,
        class_weight=class_weights(y, p.class_weight_power),
        solver="newton-cg",
        max_iter=200,
        tol=1e-5,
    )
    clf.fit(x, y)
    return clf


# --- metrics ---------------------------------------------------------------------------------


def confusion(y: np.ndarray, pred: np.ndarray) -> np.ndarray:
    m = np.zeros((len(CLASSES), len(CLASSES)), dtype=np.int64)
    np.add.at(m, (y, pred), 1)
    return m


def metrics(y: np.ndarray, pred: np.ndarray) -> dict:
    m = confusion(y, pred)
    f1 = []
    for k in range(len(CLASSES)):
        tp = m[k, k]
        prec = tp / m[:, k].sum() if m[:, k].sum() else 0.0
        rec = tp / m[k, :].sum() if m[k, :].sum() else 0.0
        f1.append(2 * prec * rec / (prec + rec) if prec + rec else 0.0)
    return {
        "accuracy": float(np.trace(m) / m.sum()),
        "macro_f1": float(np.mean(f1)),
        "f1": dict(zip(CLASSES, map(float, f1), strict=True)),
        "confusion": m,
    }


def print_metrics(title: str, res: dict) -> None:
    print(f"{title}: accuracy {res['accuracy']:.4f}  macro-F1 {res['macro_f1']:.4f}")
    print("  per-class F1: " + "  ".join(f"{k} {v:.4f}" for k, v in res["f1"].items()))
    print("  confusion (rows true, columns predicted: " + ", ".join(CLASSES) + ")")
    for k, row in zip(CLASSES, res["confusion"], strict=True):
        print(f"    {k:>8} " + " ".join(f"{v:6d}" for v in row))


# --- cross-validation ------------------------------------------------------------------------


def cross_validate(
    texts: list[str], y: np.ndarray, grid: list[Params], folds: int = FOLDS
) -> list[tuple[Params, dict]]:
    """Out-of-fold figures for every grid point; vocabulary and idf rebuilt in each fold."""
    splitter = StratifiedKFold(n_splits=folds, shuffle=True, random_state=SEED)
    splits = list(splitter.split(np.zeros(len(y)), y))
    analysed: dict[tuple[bool, bool], Analysed] = {}
    vocabs: dict[tuple, tuple[list[str], np.ndarray]] = {}
    results = []
    for p in grid:
        key = (p.lexicon_context, p.negation_marks)
        if key not in analysed:
            analysed[key] = analyse(texts, p.featurizer())
        data = analysed[key]
        pred = np.empty_like(y)
        for fold, (train_idx, test_idx) in enumerate(splits):
            vkey = (key, p.min_df, fold)
            if vkey not in vocabs:
                vocabs[vkey] = build_vocab([data.sparse[i] for i in train_idx], p.min_df)
            vocab, idf = vocabs[vkey]
            clf = fit_lr(design(data, train_idx, vocab, idf, p.lex_weight), y[train_idx], p)
            pred[test_idx] = clf.predict(design(data, test_idx, vocab, idf, p.lex_weight))
        res = metrics(y, pred)
        results.append((p, res))
        print(
            f"  cv acc {res['accuracy']:.4f} macro-F1 {res['macro_f1']:.4f}  "
            f"(F1 neg {res['f1']['negative']:.3f} neu {res['f1']['neutral']:.3f} "
            f"pos {res['f1']['positive']:.3f})  {p.label()}",
            flush=True,
        )
    return results


def select(results: list[tuple[Params, dict]]) -> tuple[Params, dict]:
    """Best out-of-fold macro-F1 (to 3 decimals), then accuracy."""
    return max(results, key=lambda r: (round(r[1]["macro_f1"], 3), r[1]["accuracy"]))


def default_grid() -> list[Params]:
    """Two ablations of the design (for the record), then the tuning grid."""
    grid = [
        Params(lexicon_context=False, lex_weight=0.0),  # words only
        Params(lexicon_context=False, lex_weight=1.0),  # + dense lexicon features
    ]
    for C, cwp, lex_weight in itertools.product([4.0, 8.0, 16.0], [0.5, 1.0], [1.0, 2.0]):
        grid.append(Params(C=C, class_weight_power=cwp, lex_weight=lex_weight))
    return grid


# --- final fit -------------------------------------------------------------------------------


def fit_final(texts: list[str], y: np.ndarray, p: Params, cv: dict) -> SentenceModel:
    featurizer = p.featurizer()
    data = analyse(texts, featurizer)
    rows = np.arange(len(y))
    vocab, idf = build_vocab(data.sparse, p.min_df)
    clf = fit_lr(design(data, rows, vocab, idf, p.lex_weight), y, p)
    coef = clf.coef_.T.copy()  # (n_features, 3): sparse vocabulary, then lexicon features
    assert coef.shape[0] == len(vocab) + len(LEXICON_FEATURES)
    model = SentenceModel(
        featurizer=featurizer,
        vocab=vocab,
        idf=idf,
        coef=coef,
        intercept=clf.intercept_,
        lex_weight=p.lex_weight,
        meta={
            "params": p.label(),
            "cv_accuracy": round(cv["accuracy"], 4),
            "cv_macro_f1": round(cv["macro_f1"], 4),
            "training_rows": len(y),
            "training_data": "Twitter Financial News Sentiment (zeroshot), MIT licence",
        },
    )
    # The numpy inference path must reproduce scikit-learn's probabilities exactly.
    head = rows[:1000]
    expected = clf.predict_proba(design(data, head, vocab, idf, p.lex_weight))
    got = model.predict_proba([texts[i] for i in head])
    assert np.allclose(got, expected, atol=1e-9), float(np.abs(got - expected).max())
    return model


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("train_csv", nargs="?", type=Path, default=DEFAULT_TRAIN)
    ap.add_argument("--out", type=Path, default=DEFAULT_OUT)
    ap.add_argument("--report", type=Path, metavar="VALID_CSV", help="report-only evaluation")
    args = ap.parse_args(argv)

    np.random.seed(SEED)
    texts, y = read_csv(args.train_csv)
    print(f"train: {len(y)} rows from {args.train_csv}; class counts {np.bincount(y).tolist()}")
    start = time.perf_counter()
    results = cross_validate(texts, y, default_grid())
    best, best_res = select(results)
    print(f"cross-validation took {time.perf_counter() - start:.0f}s; selected: {best.label()}")
    print_metrics(f"{FOLDS}-fold CV on train (selected)", best_res)

    model = fit_final(texts, y, best, best_res)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    model.save(args.out)
    print(
        f"wrote {args.out} ({args.out.stat().st_size / 1024:.0f} KiB; "
        f"{len(model.vocab)} sparse + {len(LEXICON_FEATURES)} lexicon features)"
    )

    loaded = SentenceModel.load(args.out)
    same = np.allclose(
        loaded.predict_proba(texts[:500]), model.predict_proba(texts[:500]), atol=1e-5
    )
    print(f"reloaded weights reproduce the fitted model: {same}")
    for label, feats in loaded.top_features(15).items():
        print(f"top {label}: " + ", ".join(name for name, _ in feats))

    if args.report:
        vt, vy = read_csv(args.report)
        pred = loaded.predict_proba(vt).argmax(axis=1)
        print_metrics(
            f"REPORT ONLY, held-out {args.report.name} ({len(vy)} rows)", metrics(vy, pred)
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""The evaluation command: loading labelled sets, metrics, storage and the CLI report."""

from __future__ import annotations

import argparse
from pathlib import Path

import duckdb
import pytest

from orchestration import evaluation
from orchestration.analysis.base import OneByOne
from orchestration.analysis.schema import ArticleAnalysis, ArticleText
from orchestration.evaluation.cli import add_eval_command
from orchestration.warehouse.connection import connect

EVAL = Path(__file__).parent / "fixtures" / "eval"
# Rows are gold, columns predicted (negative, neutral, positive); checked by hand below.
CONFUSION = {
    "negative": {"negative": 2, "neutral": 1, "positive": 0},
    "neutral": {"negative": 1, "neutral": 3, "positive": 1},
    "positive": {"negative": 0, "neutral": 1, "positive": 3},
}


class FixedAnalyzer(OneByOne):
    """Says the same about every text: overall bearish, Apple bullish, nothing else."""

    name = "fixed"
    model = "fixed-model"
    prompt_version = "v0"

    def analyze(self, article: ArticleText) -> ArticleAnalysis:
        return ArticleAnalysis.build(article.title, article.title, -0.5, {"AAPL": (1.0, 0.5)})


def run_cli(*argv: str) -> int:
    parser = argparse.ArgumentParser()
    add_eval_command(parser.add_subparsers(dest="command"))
    args = parser.parse_args(["eval", *argv])
    return args.handler(args)


def test_metrics_match_a_hand_checked_confusion_matrix():
    figures = evaluation.per_class(CONFUSION)
    assert evaluation.accuracy(CONFUSION) == pytest.approx(8 / 12)
    assert figures["negative"] == pytest.approx(
        {"precision": 2 / 3, "recall": 2 / 3, "f1": 2 / 3, "support": 3}
    )
    assert figures["neutral"]["precision"] == pytest.approx(3 / 5)
    assert figures["positive"] == pytest.approx(
        {"precision": 3 / 4, "recall": 3 / 4, "f1": 3 / 4, "support": 4}
    )
    assert evaluation.macro_f1(CONFUSION) == pytest.approx((2 / 3 + 3 / 5 + 3 / 4) / 3)


def test_a_class_never_seen_does_not_drag_macro_f1_down():
    confusion = evaluation.confusion_of(["positive", "neutral"], ["positive", "neutral"])
    assert evaluation.macro_f1(confusion) == 1.0


def test_scores_map_to_three_classes_on_our_scale():
    assert [evaluation.score_label(s) for s in (-0.15, -0.149, 0.149, 0.15)] == [
        "negative",
        "neutral",
        "neutral",
        "positive",
    ]


@pytest.mark.parametrize(
    ("spelling", "label"),
    [
        ("POS", "positive"),
        ("Bullish", "positive"),
        ("neg", "negative"),
        ("bearish", "negative"),
        ("neu", "neutral"),
        ("Somewhat-Bearish", "negative"),
    ],
)
def test_common_label_spellings_are_understood(spelling, label):
    assert evaluation.normalise_label(spelling) == label


def test_digit_labels_need_a_named_mapping():
    with pytest.raises(ValueError, match="numeric-labels"):
        evaluation.load_dataset(EVAL / "headlines_numeric.csv")
    zeroshot = evaluation.load_dataset(EVAL / "headlines_numeric.csv", numeric="zeroshot")
    ordinal = evaluation.load_dataset(EVAL / "headlines_numeric.csv", numeric="ordinal")
    assert [e.label for e in zeroshot.examples] == ["positive", "negative", "neutral"]
    assert [e.label for e in ordinal.examples] == ["neutral", "negative", "positive"]


def test_csv_and_jsonl_sets_load_with_their_kind():
    headlines = evaluation.load_dataset(EVAL / "headlines_spellings.jsonl")
    entities = evaluation.load_dataset(EVAL / "entities.jsonl")
    assert headlines.kind == "headlines"
    assert [e.label for e in headlines.examples][:3] == ["positive", "negative", "neutral"]
    assert entities.kind == "entities"
    assert [(e.entity, e.label) for e in entities.examples][:2] == [
        ("Apple", "positive"),
        ("MSFT", "negative"),  # from its score, -0.6
    ]
    assert evaluation.load_dataset(EVAL / "headlines.csv", limit=2).sha256 != (
        evaluation.load_dataset(EVAL / "headlines.csv").sha256
    )


def test_entity_sets_score_the_named_ticker_and_count_entities_not_found():
    result = evaluation.evaluate(FixedAnalyzer(), evaluation.load_dataset(EVAL / "entities.jsonl"))
    # Apple is reported (bullish); MSFT, an unlisted name and Intel are not: neutral.
    assert result.entity_not_found == 3
    assert result.confusion["positive"]["positive"] == 1
    assert result.confusion["negative"]["neutral"] == 2
    assert result.confusion["neutral"]["neutral"] == 1


def test_results_are_stored_and_listed_per_data_set(tmp_path):
    headlines = evaluation.load_dataset(EVAL / "headlines.csv")
    entities = evaluation.load_dataset(EVAL / "entities.jsonl")
    with connect(tmp_path / "warehouse.duckdb") as con:
        evaluation.store(con, evaluation.evaluate(FixedAnalyzer(), headlines))
        evaluation.store(con, evaluation.evaluate(FixedAnalyzer(), entities))
        everything = evaluation.list_results(con)
        only_headlines = evaluation.list_results(con, headlines.sha256)
    assert len(everything) == 2
    [row] = only_headlines
    assert (row["analyzer"], row["model"], row["prompt_version"]) == ("fixed", "fixed-model", "v0")
    assert (row["dataset"], row["rows"]) == ("headlines.csv", 6)
    assert row["accuracy"] == pytest.approx(2 / 6)  # everything predicted negative


def test_the_eval_command_reports_stores_and_compares_with_earlier_runs(tmp_path, capsys):
    database = tmp_path / "warehouse.duckdb"
    data = [str(EVAL / "headlines.csv"), str(EVAL / "entities.jsonl")]
    assert run_cli(*data, "--database", str(database)) == 0
    first = capsys.readouterr().out
    assert run_cli(data[0], "--database", str(database)) == 0
    second = capsys.readouterr().out

    assert "accuracy" in first and "macro-F1" in first
    assert "confusion (rows gold, columns predicted)" in first
    assert "entity not found (predicted neutral):" in first
    assert "none yet: this is the first" in first
    assert "offline/" in second.split("compared with earlier results")[1]
    with duckdb.connect(str(database), read_only=True) as con:
        stored = con.execute("select dataset, analyzer from eval.results order by all").fetchall()
    assert [d for d, _ in stored] == ["entities.jsonl", "headlines.csv", "headlines.csv"]
    assert {a for _, a in stored} == {"offline"}


def test_the_eval_command_refuses_bad_input_with_a_message(tmp_path, capsys):
    assert run_cli(str(EVAL / "headlines_numeric.csv"), "--database", str(tmp_path / "e")) == 2
    assert "numeric-labels" in capsys.readouterr().err

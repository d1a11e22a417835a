"""The evaluation command: loading labelled sets, metrics, storage and the CLI report."""

from __future__ import annotations

import argparse
import json
import re
from collections import Counter
from pathlib import Path

import duckdb
import pytest

from orchestration import evaluation
from orchestration.analysis.base import OneByOne
from orchestration.analysis.costs import PriceTable
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


# --- ticker sets, file formats, errors and cost (issue 11 part 4, issue 12 part 5) ---

DEV_SET = Path(evaluation.__file__).parent / "data" / "tickers_articles.jsonl"
# What TitleTickers predicts for each article of tickers_tiny.jsonl: symbol -> relevance.
PREDICTED = {
    "one": {"AAPL": 0.9, "NVDA": 0.2},
    "two": {"NVDA": 0.8, "ZZZQ": 0.6},
    "three": {"MSFT": 0.3},
    "four": {},
    "five": {"AAPL": 0.7, "BRK.B": 0.4},
}


class TitleTickers(OneByOne):
    """Reports the tickers PREDICTED for the article's title, with their relevance."""

    name = "title-tickers"
    model = "table"
    prompt_version = "v0"

    def __init__(self) -> None:
        self.calls = 0

    def analyze(self, article: ArticleText) -> ArticleAnalysis:
        self.calls += 1
        found = PREDICTED.get(article.title, {})
        return ArticleAnalysis.build(article.title, article.title, 0.0, {
            symbol: (relevance, 0.0) for symbol, relevance in found.items()
        })  # fmt: skip


def test_ticker_figures_match_a_hand_counted_set():
    dataset = evaluation.load_dataset(EVAL / "tickers_tiny.jsonl")
    result = evaluation.evaluate_tickers(TitleTickers(), dataset, min_relevance=0.5)
    every, cut = result.cuts

    # Listed gold: AAPL MSFT | NVDA | AAPL BRK-B = 5; ZZZQ is listed nowhere.
    assert (every.gold, every.gold_outside, every.found_outside) == (5, 1, 1)
    assert (every.found, every.predicted, every.extra) == (4, 7, 2)
    assert every.recall == pytest.approx(4 / 5)
    assert every.recall_all == pytest.approx(5 / 6)  # ZZZQ found too
    assert every.precision == pytest.approx(5 / 7)  # ZZZQ is gold, so not an extra
    assert every.extra_per_article == pytest.approx(2 / 5)
    assert (every.articles_all_found, every.articles_with_gold) == (2, 3)
    assert (every.articles_exact, every.articles_without_gold_clean) == (3, 1)
    assert every.wrong == {"NVDA": 1, "MSFT": 1}
    assert every.missed == {"MSFT": 1}

    # At relevance >= 0.5 only AAPL, NVDA, ZZZQ and AAPL remain.
    assert (cut.found, cut.predicted, cut.extra) == (3, 4, 0)
    assert (cut.recall, cut.precision, cut.extra_per_article) == (3 / 5, 1.0, 0.0)
    assert cut.missed == {"MSFT": 1, "BRK-B": 1}
    assert (cut.articles_all_found, cut.articles_exact, cut.articles_without_gold_clean) == (
        1,
        3,
        2,
    )


def test_ticker_figures_are_also_given_per_category():
    dataset = evaluation.load_dataset(EVAL / "tickers_tiny.jsonl")
    [groups] = evaluation.evaluate_tickers(TitleTickers(), dataset).by_category
    pair, rest = groups["pair"], groups["rest"]
    assert (pair.articles, pair.gold, pair.found, pair.predicted, pair.extra) == (2, 3, 2, 4, 1)
    assert (pair.recall, pair.precision, pair.extra_per_article) == (2 / 3, 3 / 4, 1 / 2)
    assert (rest.articles, rest.gold, rest.found, rest.predicted, rest.extra) == (3, 2, 2, 3, 1)
    assert (rest.recall, rest.precision) == (1.0, 2 / 3)


def test_a_relevance_cut_at_zero_is_the_all_tickers_figure_once():
    dataset = evaluation.load_dataset(EVAL / "tickers_tiny.jsonl")
    [every] = evaluation.evaluate_tickers(TitleTickers(), dataset, min_relevance=0.0).cuts
    assert (every.min_relevance, every.predicted) == (0.0, 7)


def test_gold_tickers_are_read_from_lists_and_separated_strings():
    assert evaluation.parse_tickers(["aapl", "$MSFT", "AAPL"]) == ("AAPL", "MSFT")
    assert evaluation.parse_tickers("AAPL| BRK-B") == ("AAPL", "BRK-B")
    assert evaluation.parse_tickers("AAPL, MSFT") == ("AAPL", "MSFT")
    assert evaluation.parse_tickers("") == ()
    assert evaluation.canonical("brk.b") == evaluation.canonical("BRK-B") == "BRK-B"


def test_ticker_sets_take_title_and_body_and_renamed_columns():
    dataset = evaluation.load_dataset(
        EVAL / "tickers_renamed.csv",
        columns=evaluation.Columns.mapped(title="headline", body="story", tickers="companies"),
    )
    first, second = dataset.examples
    assert dataset.kind == "tickers"
    assert (first.title, first.tickers, first.note) == (
        "Apple and Microsoft sign a cloud deal",
        ("AAPL", "MSFT"),
        "comma-separated gold",
    )
    assert second.tickers == ()
    articles, ids = dataset.articles()
    assert articles[0].title == first.title and articles[0].body == first.text
    assert ids == ["0", "1"]


def test_nested_entity_lists_give_one_example_per_entity_and_one_analysis_per_text():
    dataset = evaluation.load_dataset(EVAL / "entities_nested.jsonl")
    assert dataset.kind == "entities"
    assert [(e.entity, e.label) for e in dataset.examples] == [
        ("Apple", "positive"),
        ("MSFT", "negative"),
        ("BA", "negative"),
    ]
    analyzer = TitleTickers()
    evaluation.evaluate(analyzer, dataset)
    assert analyzer.calls == 2  # the Apple/Microsoft text is analysed once


def test_a_cp1252_file_reads_with_its_encoding_and_fails_clearly_without():
    path = EVAL / "headlines_cp1252.csv"
    with pytest.raises(ValueError) as error:
        evaluation.load_dataset(path)
    message = str(error.value)
    assert f"{path}, line 2" in message and "--encoding" in message
    texts = [e.text for e in evaluation.load_dataset(path, encoding="cp1252").examples]
    assert texts == ["Nestlé’s sales beat forecasts", "Café chain closes 40 stores"]
    assert evaluation.load_dataset(path, encoding="latin-1").examples[1].text.startswith("Café")


def test_column_options_map_a_set_with_other_names(tmp_path, capsys):
    assert run_cli(str(EVAL / "headlines_renamed.csv"), "--database", str(tmp_path / "w")) == 2
    assert "expected columns text, label; found columns sentence, sentiment" in (
        capsys.readouterr().err
    )
    argv = ["--text-column", "sentence", "--label-column", "sentiment"]
    assert (
        run_cli(str(EVAL / "headlines_renamed.csv"), *argv, "--database", str(tmp_path / "w")) == 0
    )
    assert "rows 2" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("lines", "kind", "expected"),
    [
        (
            '{"text": "Apple rises"}\n',
            "headlines",
            "line 1: no 'label'; expected columns text, label",
        ),
        ('\n{"title": "x"}\n', "tickers", "line 2: no 'tickers'"),
        ('{"text": "a", "label": "up"}\n', "headlines", "line 1: unknown label 'up'"),
        (
            '{"text": "a", "entities": [{"label": "pos"}]}\n',
            None,
            "line 1: entities[0] has no entity",
        ),
        ('{"text": "a", "label": "pos"}\n{"text": \n', None, "line 2: not JSON"),
        ('["a list"]\n', None, "line 1: a JSON list, not an object"),
    ],
)
def test_errors_name_the_file_the_line_and_the_columns(tmp_path, lines, kind, expected):
    path = tmp_path / "set.jsonl"
    path.write_text(lines, encoding="utf-8")
    with pytest.raises(ValueError) as error:
        evaluation.load_dataset(path, kind)
    assert str(error.value).startswith(f"{path}, line")
    assert expected in str(error.value)


def test_csv_errors_give_the_line_the_row_starts_on(tmp_path):
    path = tmp_path / "set.csv"
    path.write_text('text,label\n"two\nlines",positive\n"third",\n', encoding="utf-8")
    with pytest.raises(
        ValueError, match=r"set\.csv, line 4: no 'label'.*found columns text, label"
    ):
        evaluation.load_dataset(path)


def test_ticker_results_are_stored_and_listed_per_cut(tmp_path):
    dataset = evaluation.load_dataset(EVAL / "tickers_tiny.jsonl")
    with connect(tmp_path / "warehouse.duckdb") as con:
        evaluation.store(con, evaluation.evaluate_tickers(TitleTickers(), dataset, 0.5))
        rows = evaluation.list_ticker_results(con, dataset.sha256)
        top = con.execute("select top_wrong, top_missed from eval.ticker_results").fetchall()
    assert [(r["min_relevance"], r["recall"], r["precision"]) for r in rows] == [
        (0.0, pytest.approx(4 / 5), pytest.approx(5 / 7)),
        (0.5, pytest.approx(3 / 5), 1.0),
    ]
    assert rows[0]["extra_per_article"] == pytest.approx(0.4)
    assert '"MSFT": 1' in top[0][1]


def test_the_eval_schema_upgrades_a_warehouse_with_the_old_results_table(tmp_path):
    database = tmp_path / "warehouse.duckdb"
    with duckdb.connect(str(database)) as con:
        con.execute("create schema eval")
        con.execute(OLD_RESULTS_DDL)
        con.execute(
            "insert into eval.results values ('old', now()::timestamp, 'offline', 'm', '1',"
            " 'h.csv', 'abc', 'headlines', 6, 0.5, 0.4, '{}', '{}', 0, 0, 1.0)"
        )
    with connect(database) as con:
        evaluation.ensure_schema(con)
        evaluation.ensure_schema(con)
        evaluation.store(
            con,
            evaluation.evaluate(FixedAnalyzer(), evaluation.load_dataset(EVAL / "headlines.csv")),
        )
        rows = evaluation.list_results(con)
    old = next(r for r in rows if r["run_id"] == "old")
    assert (old["articles"], old["input_tokens"], old["cost_usd"]) == (0, 0, 0.0)
    assert len(rows) == 2


def test_the_eval_command_reports_ticker_figures_stores_and_compares(tmp_path, capsys):
    database = str(tmp_path / "warehouse.duckdb")
    data = str(EVAL / "tickers_tiny.jsonl")
    assert run_cli(data, "--min-relevance", "0.5", "--database", database) == 0
    first = capsys.readouterr().out
    assert run_cli(data, "--min-relevance", "0.5", "--database", database) == 0
    second = capsys.readouterr().out

    for line in ("recall (gold in the reference)", "precision", "extra tickers per article"):
        assert line in first
    assert "relevance >= 0.5" in first and "most frequent missed" in first
    assert "gold outside the reference (not in recall): 1" in first
    assert "none yet: this is the first" in first
    earlier = second.split("compared with earlier results")[1]
    assert earlier.count("offline/") == 2  # the first run, at both cut-offs
    with duckdb.connect(database, read_only=True) as con:
        stored = con.execute(
            "select min_relevance, found, gold, recall from eval.ticker_results order by all"
        ).fetchall()
    assert [cut for cut, *_ in stored] == [0.0, 0.0, 0.5, 0.5]
    assert all(recall == pytest.approx(found / gold) for _, found, gold, recall in stored)


def test_the_details_file_gives_each_articles_gold_reported_missed_and_extra(tmp_path, capsys):
    details = tmp_path / "details.jsonl"
    argv = ["--details", str(details), "--database", str(tmp_path / "warehouse.duckdb")]
    assert run_cli(str(EVAL / "tickers_tiny.jsonl"), *argv) == 0
    assert f"per-article details in {details}" in capsys.readouterr().out
    rows = [json.loads(line) for line in details.open()]
    assert [r["id"] for r in rows] == ["first", "line 2", "line 3", "line 4", "line 5"]
    assert [r["category"] for r in rows] == ["pair", "pair", "rest", "rest", "rest"]
    assert rows[1]["gold"] == ["NVDA"] and rows[1]["gold_outside"] == ["ZZZQ"]
    for row in rows:
        reported = {evaluation.canonical(s) for s in row["reported"]}
        assert row["missed"] == sorted(set(row["gold"]) - reported)
        assert row["extra"] == sorted(reported - set(row["gold"]) - set(row["gold_outside"]))


def test_min_relevance_is_refused_for_sentiment_sets(tmp_path, capsys):
    argv = [
        str(EVAL / "headlines.csv"),
        "--min-relevance",
        "0.5",
        "--database",
        str(tmp_path / "w"),
    ]
    assert run_cli(*argv) == 2
    assert "--min-relevance applies to ticker sets" in capsys.readouterr().err


def test_an_openai_run_prints_tokens_and_cost_per_thousand_articles(
    tmp_path, capsys, monkeypatch, openai_server
):
    monkeypatch.setenv("OPENAI_BASE_URL", openai_server.base_url)
    monkeypatch.setenv("OPENAI_API_KEY", "test-key")
    database = tmp_path / "warehouse.duckdb"
    argv = ["--analyzer", "openai", "--model", "gpt-4o-mini", "--database", str(database)]
    assert run_cli(str(EVAL / "headlines.csv"), *argv) == 0
    out = capsys.readouterr().out
    with duckdb.connect(str(database), read_only=True) as con:
        articles, tokens_in, tokens_out, cost = con.execute(
            "select articles, input_tokens, output_tokens, cost_usd from eval.results"
        ).fetchone()
    assert articles == 6 and tokens_in > 0 and tokens_out > 0
    assert cost == pytest.approx(PriceTable().cost("gpt-4o-mini", tokens_in, tokens_out))
    assert (
        f"per 1,000 articles: {tokens_in * 1000 / 6:,.0f} input + {tokens_out * 1000 / 6:,.0f} "
        f"output tokens, estimated ${cost * 1000 / 6:,.2f}"
    ) in out


def test_the_team_dev_set_is_balanced_and_uses_sec_style_symbols():
    dataset = evaluation.load_dataset(DEV_SET)
    categories = Counter(json.loads(line)["category"] for line in DEV_SET.open())
    assert dataset.kind == "tickers" and len(dataset.examples) >= 150
    assert categories["single"] >= 60 and categories["multi"] >= 30
    assert categories["wrap"] >= 20 and categories["none"] >= 20 and categories["tricky"] >= 20
    assert sum(not e.tickers for e in dataset.examples) >= 20
    assert sum(len(f"{e.title} {e.text}".split()) >= 600 for e in dataset.examples) >= 3
    assert all(re.fullmatch(r"[A-Z]{1,5}(-[A-Z])?", t) for e in dataset.examples for t in e.tickers)
    wraps = [json.loads(line) for line in DEV_SET.open() if '"category": "wrap"' in line]
    assert all(len(w["tickers"]) >= 10 for w in wraps)


OLD_RESULTS_DDL = """create table eval.results (
    run_id varchar primary key, evaluated_at timestamp not null, analyzer varchar not null,
    model varchar not null, prompt_version varchar not null, dataset varchar not null,
    dataset_sha256 varchar not null, kind varchar not null, rows integer not null,
    accuracy double not null, macro_f1 double not null, per_class json not null,
    confusion json not null, entity_not_found integer not null, failed integer not null,
    seconds double not null)"""

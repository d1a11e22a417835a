"""The text reports `tickerpulse eval` prints: figures, cost and the comparison with before."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

from orchestration import evaluation
from orchestration.analysis.base import Analyzer
from orchestration.evaluation.running import Usage
from orchestration.evaluation.ticker_metrics import TickerFigures, TickerResult

TOP = 10  # wrong and missed tickers shown


def analyzer_id(analyzer: Analyzer) -> str:
    return f"{analyzer.name}/{analyzer.model}/{analyzer.prompt_version}"


def format_usage(usage: Usage, model: str) -> list[str]:
    """Tokens and estimated cost per 1,000 articles; nothing for an analyzer that uses none."""
    if not usage.articles:
        return []
    tokens_in, tokens_out, cost = usage.per_thousand()
    return [
        f"per 1,000 articles: {tokens_in:,.0f} input + {tokens_out:,.0f} output tokens, "
        f"estimated ${cost:,.2f} ({model} list price; {usage.articles} articles analysed)"
    ]


def format_report(result: evaluation.Result, earlier: list[dict[str, object]]) -> str:
    """Headline figures, confusion matrix, per-class table and earlier runs on the same rows."""
    lines = [
        f"accuracy {result.accuracy:.4f}   macro-F1 {result.macro_f1:.4f}   "
        f"rows {result.rows}   {result.seconds:.1f}s",
    ]
    if result.dataset.kind == "entities":
        lines.append(f"entity not found (predicted neutral): {result.entity_not_found}")
    if result.failed:
        lines.append(f"analysis failed (predicted neutral): {result.failed}")
    lines += format_usage(result.usage, result.model)
    lines += ["", "confusion (rows gold, columns predicted)"]
    lines.append(f"{'':<10}" + "".join(f"{c:>10}" for c in evaluation.CLASSES))
    for gold in evaluation.CLASSES:
        counts = "".join(f"{result.confusion[gold][p]:>10}" for p in evaluation.CLASSES)
        lines.append(f"{gold:<10}{counts}")
    lines += ["", f"{'class':<10}{'precision':>10}{'recall':>10}{'F1':>10}{'support':>10}"]
    for name, f in result.per_class.items():
        lines.append(
            f"{name:<10}{f['precision']:>10.4f}{f['recall']:>10.4f}{f['f1']:>10.4f}"
            f"{int(f['support']):>10}"
        )
    lines += [
        "",
        f"compared with earlier results on these rows (sha256 {result.dataset.sha256[:12]})",
    ]
    if not earlier:
        lines.append("  none yet: this is the first")
    for row in earlier[-10:]:
        lines.append(
            f"  {row['evaluated_at']:%Y-%m-%d %H:%M}  "
            f"{row['analyzer']}/{row['model']}/{row['prompt_version']:<8}"
            f" accuracy {row['accuracy']:.4f} ({result.accuracy - row['accuracy']:+.4f})"
            f"  macro-F1 {row['macro_f1']:.4f} ({result.macro_f1 - row['macro_f1']:+.4f})"
        )
    return "\n".join(lines)


def format_ticker_report(result: TickerResult, earlier: list[dict[str, object]]) -> str:
    """Recall, precision and extras per cut-off, the usual mistakes, and earlier runs."""
    cuts = result.cuts
    header = "".join(f"{_cut_name(f):>18}" for f in cuts)
    lines = [
        f"articles {cuts[0].articles}   reference {result.reference_size} companies   "
        f"{result.seconds:.1f}s",
        "",
        f"{'':<36}{header}",
    ]
    rows = [
        ("recall (gold in the reference)", lambda f: f"{f.recall:.4f}"),
        ("recall (all gold)", lambda f: f"{f.recall_all:.4f}"),
        ("precision", lambda f: f"{f.precision:.4f}"),
        ("extra tickers per article", lambda f: f"{f.extra_per_article:.3f}"),
        ("gold found / gold in the reference", lambda f: f"{f.found}/{f.gold}"),
        ("tickers predicted / extra", lambda f: f"{f.predicted}/{f.extra}"),
        (
            "articles with all gold found",
            lambda f: f"{f.articles_all_found}/{f.articles_with_gold}",
        ),
        ("articles exactly right", lambda f: f"{f.articles_exact}/{f.articles}"),
        (
            "no-company articles left empty",
            lambda f: f"{f.articles_without_gold_clean}/{f.articles_without_gold}",
        ),
    ]
    lines += [f"{name:<36}" + "".join(f"{cell(f):>18}" for f in cuts) for name, cell in rows]
    lines += _category_table(result)
    first = cuts[0]
    lines += [
        "",
        f"gold outside the reference (not in recall): {first.gold_outside}, "
        f"found anyway {first.found_outside}; most frequent: {_top(first.outside)}",
    ]
    if result.failed:
        lines.append(f"analysis failed (nothing found): {result.failed}")
    lines += format_usage(result.usage, result.model)
    for f in cuts:
        lines += [
            "",
            f"{_cut_name(f)}:",
            f"  most frequent wrong (extra): {_top(f.wrong)}",
            f"  most frequent missed: {_top(f.missed)}",
        ]
    lines += [
        "",
        f"compared with earlier results on these rows (sha256 {result.dataset.sha256[:12]})",
    ]
    by_cut = {f.min_relevance: f for f in cuts}
    shown = [row for row in earlier if row["min_relevance"] in by_cut]
    if not shown:
        lines.append("  none yet: this is the first")
    for row in shown[-10:]:
        now = by_cut[row["min_relevance"]]
        lines.append(
            f"  {row['evaluated_at']:%Y-%m-%d %H:%M}  "
            f"{row['analyzer']}/{row['model']}/{row['prompt_version']}"
            f"  relevance >= {row['min_relevance']:.2f}"
            f"  recall {row['recall']:.4f} ({now.recall - row['recall']:+.4f})"
            f"  precision {row['precision']:.4f} ({now.precision - row['precision']:+.4f})"
            f"  extra/article {row['extra_per_article']:.3f}"
            f" ({now.extra_per_article - row['extra_per_article']:+.3f})"
        )
    return "\n".join(lines)


def _category_table(result: TickerResult) -> list[str]:
    """Recall, precision and extras per category of the set (a `category` column)."""
    if not result.by_category or not result.by_category[0]:
        return []
    columns = "".join(f"{'recall':>9}{'precision':>10}{'extra/art':>10}" for _ in result.cuts)
    lines = ["", "per category: " + " | ".join(_cut_name(f) for f in result.cuts)]
    lines.append(f"  {'category':<14}{'articles':>8}{columns}")
    for category, first in result.by_category[0].items():
        cells = "".join(
            f"{_rate(f.recall, f.gold):>9}{_rate(f.precision, f.predicted):>10}"
            f"{f.extra_per_article:>10.3f}"
            for f in (cut[category] for cut in result.by_category)
        )
        lines.append(f"  {category:<14}{first.articles:>8}{cells}")
    return lines


def write_details(result: TickerResult, path: Path) -> None:
    """One JSON line per article: gold, what was reported (with relevance), missed, extra."""
    with path.open("w", encoding="utf-8") as fh:
        for example, outcome, reported in zip(
            result.dataset.examples, result.outcomes, result.predicted, strict=True
        ):
            row = {
                "id": example.row_id,
                "category": example.category,
                "title": example.title,
                "note": example.note,
                "gold": sorted(outcome.gold),
                "gold_outside": sorted(outcome.gold_outside),
                "reported": reported,
                "missed": sorted(outcome.missed),
                "extra": sorted(outcome.extra),
            }
            fh.write(json.dumps(row, ensure_ascii=False) + "\n")


def _rate(value: float, denominator: int) -> str:
    return f"{value:.3f}" if denominator else "-"


def _cut_name(figures: TickerFigures) -> str:
    if figures.min_relevance == 0:
        return "all tickers"
    return f"relevance >= {figures.min_relevance:g}"


def _top(counts: Counter[str]) -> str:
    return ", ".join(f"{s} {n}" for s, n in counts.most_common(TOP)) or "none"

"""`tickerpulse eval`: score an analyzer on labelled sets, store and compare the figures."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable
from contextlib import nullcontext
from pathlib import Path

from orchestration import evaluation
from orchestration.analysis.base import Analyzer
from orchestration.analysis.cache import AnswerCache
from orchestration.analysis.factory import AnalyzerSettings, build_analyzer
from orchestration.analysis.tickers import default_reference
from orchestration.paths import project_path, warehouse_path
from orchestration.warehouse.connection import connect

_PROGRESS_EVERY = 100


def add_eval_command(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    """Add `eval` to the tickerpulse command line; dispatch to run_eval(args)."""
    parser = subparsers.add_parser(
        "eval",
        help="evaluate an analyzer on labelled sets and store the result",
        description="Evaluate an analyzer on labelled CSV/JSONL sets (docs/evaluation.md).",
    )
    parser.add_argument("data", nargs="+", type=Path, metavar="DATA", help="CSV or JSONL file")
    parser.add_argument("--kind", choices=evaluation.KINDS, help="default: from the columns")
    parser.add_argument("--analyzer", choices=("offline", "openai"), default="offline")
    parser.add_argument("--model", help="openai: model name at the endpoint")
    parser.add_argument("--prompt-version", help="openai: prompt version (e.g. v2)")
    parser.add_argument("--limit", type=int, help="only the first N rows of each set")
    parser.add_argument(
        "--numeric-labels",
        choices=sorted(evaluation.NUMERIC_MAPPINGS),
        help="what digit labels mean: zeroshot 0/1/2 = neg/pos/neu, ordinal = neg/neu/pos",
    )
    parser.add_argument("--database", help="DuckDB file (default: TICKERPULSE_DUCKDB_PATH)")
    parser.set_defaults(handler=run_eval)
    return parser


def run_eval(args: argparse.Namespace) -> int:
    """Evaluate, print the report and store each result; 2 on bad input."""
    database = project_path(args.database) if args.database else warehouse_path()
    try:
        datasets = [
            evaluation.load_dataset(path, args.kind, args.numeric_labels, args.limit)
            for path in args.data
        ]
        if database.stem == "eval":
            raise ValueError(
                f"{database.name}: DuckDB would confuse this catalog with the eval schema"
            )
        settings = analyzer_settings(args)
    except (OSError, ValueError) as exc:
        print(f"tickerpulse eval: {exc}", file=sys.stderr)
        return 2
    with connect(database) as con:
        # The pipeline's LLM answer cache, on this connection: an answer is paid for once.
        cache = AnswerCache(store=lambda: nullcontext(con))
        analyzer = build_analyzer(settings, default_reference(), cache)
        for dataset in datasets:
            print(f"\n{dataset.name}: {len(dataset.examples)} {dataset.kind} rows")
            print(f"analyzer {analyzer_id(analyzer)}")
            result = evaluation.evaluate(analyzer, dataset, _progress(len(dataset.examples)))
            cache.save(con)
            earlier = evaluation.list_results(con, dataset.sha256)
            evaluation.store(con, result)
            print(format_report(result, earlier))
    print(f"\nstored in {database} (table eval.results)")
    return 0


def analyzer_settings(args: argparse.Namespace) -> AnalyzerSettings:
    """The command line's analyzer; endpoint and key from the environment, as the pipeline's."""
    if args.analyzer == "offline":
        if args.model or args.prompt_version:
            raise ValueError("--model and --prompt-version apply to --analyzer openai only")
        return AnalyzerSettings(backend="offline")
    # Read at call time, never at import: the CLI runs outside Dagster's EnvVar resolution.
    return AnalyzerSettings(
        backend="openai",
        model=args.model or "gpt-4o-mini",
        base_url=os.environ.get("OPENAI_BASE_URL") or None,
        api_key=os.environ.get("OPENAI_API_KEY") or None,
        prompt_version=args.prompt_version,
    )


def analyzer_id(analyzer: Analyzer) -> str:
    return f"{analyzer.name}/{analyzer.model}/{analyzer.prompt_version}"


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


def _progress(total: int) -> Callable[[int], None] | None:
    """Progress on stderr: a live counter on a terminal, a line per 1,000 rows in a log."""
    if total < _PROGRESS_EVERY:
        return None
    live = sys.stderr.isatty()
    every = _PROGRESS_EVERY if live else 1000

    shown = [0]

    def show(done: int) -> None:
        # Batched analyzers report in chunks, so print whenever a multiple of `every` passed.
        if done // every > shown[0] // every or done == total:
            shown[0] = done
            start, end = ("\r", "\n" if done == total else "") if live else ("", "\n")
            print(f"{start}  analysed {done}/{total}", end=end, file=sys.stderr, flush=True)

    return show

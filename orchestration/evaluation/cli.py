"""`tickerpulse eval`: score an analyzer on labelled sets, store and compare the figures."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable
from pathlib import Path

import duckdb

from orchestration import evaluation
from orchestration.analysis.base import Analyzer
from orchestration.analysis.cache import AnswerCache
from orchestration.analysis.tickers import TickerReference, default_reference
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
        analyzer = build_analyzer(args, default_reference())
    except (OSError, ValueError) as exc:
        print(f"tickerpulse eval: {exc}", file=sys.stderr)
        return 2
    with connect(database) as con:
        for dataset in datasets:
            print(f"\n{dataset.name}: {len(dataset.examples)} {dataset.kind} rows")
            print(f"analyzer {analyzer_id(analyzer)}")
            result = _evaluate_cached(con, analyzer, dataset)
            earlier = evaluation.list_results(con, dataset.sha256)
            evaluation.store(con, result)
            print(format_report(result, earlier))
    print(f"\nstored in {database} (table eval.results)")
    return 0


def _evaluate_cached(
    con: duckdb.DuckDBPyConnection, analyzer: Analyzer, dataset: evaluation.Dataset
) -> evaluation.Result:
    """Evaluate with the pipeline's LLM answer cache: an answer is paid for once."""
    cache = getattr(analyzer, "cache", None)
    if cache is not None:
        articles = [evaluation.as_article(i, e.text) for i, e in enumerate(dataset.examples)]
        analyzer.cache = AnswerCache.load(con, [analyzer.cache_key(a) for a in articles])
    result = evaluation.evaluate(analyzer, dataset, _progress(len(dataset.examples)))
    if cache is not None:
        analyzer.cache.save(con)
    return result


def build_analyzer(args: argparse.Namespace, reference: TickerReference) -> Analyzer:
    if args.analyzer == "offline":
        if args.model or args.prompt_version:
            raise ValueError("--model and --prompt-version apply to --analyzer openai only")
        from orchestration.analysis.offline import OfflineAnalyzer

        return OfflineAnalyzer(reference)
    from orchestration.resources import AnalyzerResource

    # Read at call time, never at import: the CLI runs outside Dagster's EnvVar resolution.
    resource = AnalyzerResource(
        backend="openai",
        model=args.model or "gpt-4o-mini",
        base_url=os.environ.get("OPENAI_BASE_URL") or None,
        api_key=os.environ.get("OPENAI_API_KEY") or None,
    )
    if not args.prompt_version:
        return resource.build(reference)
    # AnalyzerResource has no prompt_version field yet, so the one knob it lacks is set here.
    from orchestration.analysis.llm import OpenAICompatibleAnalyzer

    return OpenAICompatibleAnalyzer(
        reference,
        model=resource.model,
        base_url=resource.base_url,
        api_key=resource.api_key,
        timeout_s=resource.timeout_s,
        max_retries=resource.max_retries,
        concurrency=resource.concurrency,
        max_input_tokens=resource.max_input_tokens,
        breaker_threshold=resource.breaker_threshold,
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

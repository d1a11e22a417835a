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
from orchestration.evaluation.reading import Columns
from orchestration.evaluation.report import (
    analyzer_id,
    format_report,
    format_ticker_report,
    write_details,
)
from orchestration.paths import project_path
from orchestration.warehouse.connection import connect
from orchestration.warehouse.location import WarehouseLocation, from_environment

_PROGRESS_EVERY = 100
# The roles a --<role>-column option renames; `entity` also names the key inside a nested list.
COLUMN_ROLES = {
    role: getattr(Columns(), role)
    for role in ("text", "title", "body", "label", "score", "entity", "tickers")
}


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
    parser.add_argument(
        "--min-relevance",
        type=float,
        metavar="R",
        help="tickers: also report the figures counting only tickers with relevance >= R",
    )
    parser.add_argument(
        "--details",
        type=Path,
        metavar="PATH",
        help="tickers: write each article's gold, reported, missed and extra tickers (JSONL)",
    )
    parser.add_argument("--encoding", default="utf-8", help="of the files (default utf-8)")
    columns = parser.add_argument_group("column names (when a set calls them otherwise)")
    for role, default in COLUMN_ROLES.items():
        columns.add_argument(f"--{role}-column", metavar="NAME", help=f"default {default!r}")
    parser.add_argument(
        "--database", help="DuckDB file (default: the warehouse, TICKERPULSE_WAREHOUSE)"
    )
    parser.set_defaults(handler=run_eval)
    return parser


def run_eval(args: argparse.Namespace) -> int:
    """Evaluate, print the report and store each result; 2 on bad input."""
    warehouse = (
        WarehouseLocation(path=project_path(args.database)) if args.database else from_environment()
    )
    try:
        if args.min_relevance is not None and not 0 <= args.min_relevance <= 1:
            raise ValueError("--min-relevance is a relevance score in [0, 1]")
        columns = Columns.mapped(**{r: getattr(args, f"{r}_column") for r in COLUMN_ROLES})
        datasets = [
            evaluation.load_dataset(
                path,
                args.kind,
                args.numeric_labels,
                args.limit,
                encoding=args.encoding,
                columns=columns,
            )
            for path in args.data
        ]
        for option in ("min_relevance", "details"):
            if getattr(args, option) is not None and any(d.kind != "tickers" for d in datasets):
                flag = "--" + option.replace("_", "-")
                raise ValueError(f"{flag} applies to ticker sets (--kind tickers) only")
        if args.details is not None and len(datasets) > 1:
            raise ValueError("--details takes one data set at a time")
        if warehouse.path is not None and warehouse.path.stem == "eval":
            raise ValueError(
                f"{warehouse.path.name}: DuckDB would confuse this catalog with the eval schema"
            )
        settings = analyzer_settings(args)
    except (OSError, ValueError) as exc:
        print(f"tickerpulse eval: {exc}", file=sys.stderr)
        return 2
    tables: set[str] = set()
    with connect(warehouse) as con:
        # The pipeline's LLM answer cache, read on this connection before the calls and
        # saved after each set: an answer is paid for once.
        cache = AnswerCache(loader=lambda: nullcontext(con))
        analyzer = build_analyzer(settings, default_reference(), cache)
        for dataset in datasets:
            print(f"\n{dataset.name}: {len(dataset.examples)} {dataset.kind} rows")
            print(f"analyzer {analyzer_id(analyzer)}")
            if dataset.kind == "tickers":
                result = _evaluate(analyzer, dataset, args.min_relevance)
                earlier = evaluation.list_ticker_results(con, dataset.sha256)
                report = format_ticker_report(result, earlier)
                if args.details is not None:
                    write_details(result, args.details)
                    report += f"\nper-article details in {args.details}"
                tables.add("eval.ticker_results")
            else:
                result = _evaluate(analyzer, dataset)
                earlier = evaluation.list_results(con, dataset.sha256)
                report = format_report(result, earlier)
                tables.add("eval.results")
            cache.save(con)
            evaluation.store(con, result)
            print(report)
    print(f"\nstored in {warehouse.describe()} (table {', '.join(sorted(tables))})")
    return 0


def _evaluate(
    analyzer: Analyzer, dataset: evaluation.Dataset, min_relevance: float | None = None
) -> evaluation.Result | evaluation.TickerResult:
    progress = _progress(dataset.distinct_texts)
    if dataset.kind == "tickers":
        return evaluation.evaluate_tickers(analyzer, dataset, min_relevance, progress)
    return evaluation.evaluate(analyzer, dataset, progress)


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

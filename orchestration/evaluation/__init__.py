"""Evaluate any analyzer on labelled sets, and keep every result in DuckDB to compare.

Plain Python, no Dagster. Headline sets score the article's overall sentiment; entity
sets score the named company's ticker sentiment (scores become three classes on our
scale); ticker sets score which companies an article is found to be about.
`tickerpulse eval` (cli.py) is the command line over these modules.
"""

from orchestration.evaluation.datasets import (
    CLASSES,
    KINDS,
    LABEL_SPELLINGS,
    NUMERIC_MAPPINGS,
    THRESHOLD,
    Dataset,
    Example,
    as_article,
    load_dataset,
    normalise_label,
    parse_tickers,
    score_label,
)
from orchestration.evaluation.metrics import (
    Result,
    accuracy,
    confusion_of,
    evaluate,
    macro_f1,
    per_class,
)
from orchestration.evaluation.reading import Columns, RowError
from orchestration.evaluation.running import Usage
from orchestration.evaluation.store import ensure_schema, list_results, list_ticker_results, store
from orchestration.evaluation.ticker_metrics import (
    TickerFigures,
    TickerResult,
    canonical,
    evaluate_tickers,
)

__all__ = [
    "CLASSES",
    "KINDS",
    "LABEL_SPELLINGS",
    "NUMERIC_MAPPINGS",
    "THRESHOLD",
    "Columns",
    "Dataset",
    "Example",
    "Result",
    "RowError",
    "TickerFigures",
    "TickerResult",
    "Usage",
    "accuracy",
    "as_article",
    "canonical",
    "confusion_of",
    "ensure_schema",
    "evaluate",
    "evaluate_tickers",
    "list_results",
    "list_ticker_results",
    "load_dataset",
    "macro_f1",
    "normalise_label",
    "parse_tickers",
    "per_class",
    "score_label",
    "store",
]

"""Evaluate any analyzer on labelled sets, and keep every result in DuckDB to compare.

Plain Python, no Dagster. Headline sets score the article's overall sentiment; entity
sets score the named company's ticker sentiment. Scores become three classes on our scale.
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
from orchestration.evaluation.store import ensure_schema, list_results, store

__all__ = [
    "CLASSES",
    "KINDS",
    "LABEL_SPELLINGS",
    "NUMERIC_MAPPINGS",
    "THRESHOLD",
    "Dataset",
    "Example",
    "Result",
    "accuracy",
    "as_article",
    "confusion_of",
    "ensure_schema",
    "evaluate",
    "list_results",
    "load_dataset",
    "macro_f1",
    "normalise_label",
    "per_class",
    "score_label",
    "store",
]

"""Dead letters: an article is retried on later runs until it has failed max_attempts runs."""

from orchestration.analysis.base import Failure
from orchestration.analysis.dead_letters import DeadLetters


def _failure(article_id: str) -> Failure:
    return Failure(article_id, "AnalysisError", "garbage")


def test_an_article_rests_once_it_has_failed_max_attempts_runs():
    dead = DeadLetters({"a": (_failure("a"), 2), "b": (_failure("b"), 3)}, max_attempts=3)

    assert list(dead.resting) == ["b"]


def test_a_failure_counts_one_more_run_and_resting_letters_keep_their_count():
    dead = DeadLetters({"a": (_failure("a"), 2), "b": (_failure("b"), 3)}, max_attempts=3)

    failures, attempts = dead.after([_failure("a"), _failure("c")])

    assert [f.article_id for f in failures] == ["a", "c", "b"]
    assert attempts == {"a": 3, "c": 1, "b": 3}

"""Articles whose analysis failed: retried on later runs until they have failed enough."""

from __future__ import annotations

from dataclasses import dataclass

from orchestration.analysis.base import Failure


@dataclass(frozen=True)
class DeadLetters:
    """Earlier runs' failures of one analyzer version: article_id -> (failure, runs failed)."""

    earlier: dict[str, tuple[Failure, int]]
    max_attempts: int

    @property
    def resting(self) -> dict[str, Failure]:
        """Articles that failed `max_attempts` runs: left as they are, not tried again."""
        return {k: f for k, (f, tries) in self.earlier.items() if tries >= self.max_attempts}

    def after(self, failures: list[Failure]) -> tuple[list[Failure], dict[str, int]]:
        """This run's dead letters (new failures and resting ones) and runs failed by each."""
        resting = self.resting
        attempts = {f.article_id: self.earlier.get(f.article_id, (f, 0))[1] + 1 for f in failures}
        attempts |= {k: tries for k, (_, tries) in self.earlier.items() if k in resting}
        return [*failures, *resting.values()], attempts

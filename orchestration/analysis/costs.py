"""Estimated cost of LLM calls and the per-run budget that caps them."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

# US$ per 1M (input, output) tokens, OpenAI list prices for standard (not Batch) calls,
# checked 2025-08; override or extend through AnalyzerResource.prices. Any model not listed
# (Ollama, llama.cpp, vLLM, ...) costs 0.
DEFAULT_PRICES: dict[str, tuple[float, float]] = {
    "gpt-4o-mini": (0.15, 0.60),
    "gpt-4o": (2.50, 10.00),
    "gpt-4.1-nano": (0.10, 0.40),
    "gpt-4.1-mini": (0.40, 1.60),
    "gpt-4.1": (2.00, 8.00),
    "gpt-5-nano": (0.05, 0.40),
    "gpt-5-mini": (0.25, 2.00),
    "gpt-5": (1.25, 10.00),
    "o4-mini": (1.10, 4.40),
}
BATCH_DISCOUNT = 0.5  # the Batch API bills half


class PriceTable:
    """$ per 1M tokens by model; a dated snapshot ("gpt-4o-2024-08-06") uses its family's."""

    def __init__(self, overrides: Mapping[str, tuple[float, float]] | None = None) -> None:
        self.prices = {**DEFAULT_PRICES, **(overrides or {})}

    def per_million(self, model: str) -> tuple[float, float]:
        if model in self.prices:
            return self.prices[model]
        families = [name for name in self.prices if model.startswith(name + "-")]
        return self.prices[max(families, key=len)] if families else (0.0, 0.0)

    def cost(self, model: str, input_tokens: int, output_tokens: int) -> float:
        price_in, price_out = self.per_million(model)
        return (input_tokens * price_in + output_tokens * price_out) / 1_000_000


@dataclass
class Budget:
    """Per-run limits; None means unlimited. Spending is counted as answers arrive.

    Requests never exceed max_requests (reserved before sending). Tokens and cost are known
    only afterwards, so requests already in flight may overshoot them by at most
    `concurrency` answers.
    """

    max_requests: int | None = None
    max_tokens: int | None = None
    max_cost_usd: float | None = None
    requests: int = 0
    tokens: int = 0
    cost_usd: float = 0.0

    def exhausted(self) -> str | None:
        """Why no further request may be sent, or None."""
        if self.max_requests is not None and self.requests >= self.max_requests:
            return f"request budget spent ({self.requests}/{self.max_requests} requests)"
        if self.max_tokens is not None and self.tokens >= self.max_tokens:
            return f"token budget spent ({self.tokens}/{self.max_tokens} tokens)"
        if self.max_cost_usd is not None and self.cost_usd >= self.max_cost_usd:
            return f"cost budget spent (${self.cost_usd:.4f}/${self.max_cost_usd:.4f})"
        return None

    def spend(self, tokens: int, cost_usd: float) -> None:
        self.tokens += tokens
        self.cost_usd += cost_usd

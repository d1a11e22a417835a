"""Invented demo news corpus shipped with TickerPulse."""

import json
from importlib import resources


def demo_dates() -> list[str]:
    """The UTC days the demo corpus covers (from storyline.json)."""
    storyline = resources.files("orchestration.demo") / "storyline.json"
    return json.loads(storyline.read_text("utf-8"))["dates"]

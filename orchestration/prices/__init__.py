"""Daily prices and the market calendar, in plain Python (no Dagster): sources, landing."""

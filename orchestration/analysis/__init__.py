"""Article analysis: schema, ticker reference, offline and LLM analyzers. No Dagster here."""

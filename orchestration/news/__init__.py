"""News ingestion: sources, fetching, parsing and normalisation. No Dagster here."""

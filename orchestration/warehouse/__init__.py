"""The DuckDB warehouse: its tables (schema), connections (connection), polars frames shaped
like its raw tables (frames), and the writes the assets make (landing)."""

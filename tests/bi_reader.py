"""A BI client in its own process: queries the served marts through SQLAlchemy in a loop.

Run by tests/test_serving.py as `python tests/bi_reader.py CATALOG OUT STOP`. Each query
opens a fresh connection (as Superset and Metabase pools do) and checks that the answer
is internally consistent; results and errors go to OUT as JSON lines.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import sqlalchemy as sa

QUERY = sa.text(
    "select (select count(*) from marts.fct_ticker_mentions) as mentions, "
    "(select sum(article_count) from marts.fct_ticker_sentiment_daily) as daily_sum, "
    "(select count(*) from marts.fct_article_sentiment) as articles, "
    "(select version from serving.current_version) as version"
)
MAX_SECONDS = 600


def main(catalog: str, out: str, stop: str) -> None:
    engine = sa.create_engine(
        f"duckdb:///{catalog}",
        connect_args={"read_only": True},
        poolclass=sa.pool.NullPool,
    )
    started = time.monotonic()
    with Path(out).open("a", encoding="utf-8") as sink:
        while not Path(stop).exists() and time.monotonic() - started < MAX_SECONDS:
            try:
                with engine.connect() as connection:
                    row = connection.execute(QUERY).one()
                record = {"ok": True, **row._asdict(), "daily_sum": int(row.daily_sum)}
            except Exception as exc:  # every error is a finding, not a crash
                record = {"ok": False, "error": f"{type(exc).__name__}: {exc}"}
            sink.write(json.dumps(record) + "\n")
            sink.flush()
            time.sleep(0.02)


if __name__ == "__main__":
    main(*sys.argv[1:4])

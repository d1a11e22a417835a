"""Schedules: today's news every few minutes, the marts once after the close, and the
last few sessions' prices again later in the evening."""

from datetime import timedelta

import dagster as dg

from orchestration import settings
from orchestration.jobs import daily_news_job, ingest_job, prices_job
from orchestration.partitions import RANGE_END, RANGE_START


def _today(context: dg.ScheduleEvaluationContext) -> str:
    return context.scheduled_execution_time.strftime("%Y-%m-%d")


@dg.schedule(
    job=ingest_job,
    cron_schedule=settings.ingest_cron(),
    execution_timezone="UTC",
    description="Fetch and analyse today's news (TICKERPULSE_INGEST_CRON, UTC).",
)
def ingest_today(context: dg.ScheduleEvaluationContext) -> dg.RunRequest:
    day = _today(context)
    return dg.RunRequest(
        run_key=f"ingest-{context.scheduled_execution_time:%Y%m%dT%H%M}", partition_key=day
    )


@dg.schedule(
    job=daily_news_job,
    cron_schedule=settings.marts_cron(),
    execution_timezone="UTC",
    description="After the US close: the day end to end, to the served marts "
    "(TICKERPULSE_MARTS_CRON, UTC).",
)
def marts_after_close(context: dg.ScheduleEvaluationContext) -> dg.RunRequest:
    day = _today(context)
    return dg.RunRequest(run_key=f"marts-{day}", partition_key=day)


@dg.schedule(
    job=prices_job,
    cron_schedule=settings.prices_cron(),
    execution_timezone="UTC",
    description="After the close, once vendors publish their end-of-day data: the prices of "
    "the last TICKERPULSE_PRICES_RELAND_DAYS days again, so late corrections replace what "
    "the daily run landed (TICKERPULSE_PRICES_CRON, UTC).",
)
def prices_after_close(context: dg.ScheduleEvaluationContext) -> dg.RunRequest:
    last = context.scheduled_execution_time.date()
    first = last - timedelta(days=settings.prices_reland_days() - 1)
    return dg.RunRequest(
        run_key=f"prices-{last.isoformat()}",
        tags={RANGE_START: first.isoformat(), RANGE_END: last.isoformat()},
    )


SCHEDULES = [ingest_today, marts_after_close, prices_after_close]

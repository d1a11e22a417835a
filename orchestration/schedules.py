"""Schedules: today's news every few minutes, the marts once after the close."""

import dagster as dg

from orchestration import settings
from orchestration.jobs import daily_news_job, ingest_job


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


SCHEDULES = [ingest_today, marts_after_close]

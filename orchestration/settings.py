"""Settings of schedules, sensors and asset checks, read from the environment, and the
helpers resources.build_resources uses for theirs; .env.example documents every variable.

Resources get theirs as Dagster EnvVars where the variable is set, so the UI shows the
variable's name and never a secret. Schedules and sensors are fixed when the definitions
load; checks read their thresholds each time they run.
"""

from __future__ import annotations

import os

import dagster as dg

INGEST_CRON_ENV = "TICKERPULSE_INGEST_CRON"
MARTS_CRON_ENV = "TICKERPULSE_MARTS_CRON"
WEBHOOK_FAILING_RUNS_ENV = "TICKERPULSE_ALERTS_CHECK_FAILING_RUNS"
DEAD_RUN_INTERVAL_ENV = "TICKERPULSE_DEAD_RUN_SENSOR_INTERVAL_S"
FEED_SENSOR_ENV = "TICKERPULSE_FEED_SENSOR"
FEED_SENSOR_INTERVAL_ENV = "TICKERPULSE_FEED_SENSOR_INTERVAL_S"
# Real-time alerts: a story waits at most this long for the feed sensor's look, and a
# look costs one conditional GET per feed (a 304 when nothing changed).
FEED_SENSOR_INTERVAL_S = 30


def env_or(name: str, default: object = None) -> object:
    """An EnvVar when the variable is set (Dagster resolves it, the UI shows only its name)."""
    return dg.EnvVar(name) if name in os.environ else default


def env_int_or(name: str, default: int | None) -> object:
    return dg.EnvVar.int(name) if os.environ.get(name) else default


def env_float(name: str, default: float | None) -> float | None:
    # EnvVar has no float flavour; these are knobs, not secrets, so reading them is fine.
    return float(os.environ[name]) if os.environ.get(name) else default


def env_flag(name: str) -> bool:
    return os.environ.get(name, "").strip().lower() in {"1", "true", "on", "yes"}


# Schedules (UTC crons).
def ingest_cron() -> str:
    return os.environ.get(INGEST_CRON_ENV) or "*/15 * * * *"


def marts_cron() -> str:
    # Every day, weekends too: news and its daily sentiment do not stop on Saturday, and a
    # weekday-only run would leave Saturday's and Sunday's partitions without marts (each run
    # builds its own day's window). Weekend runs land no prices (no session closed).
    return os.environ.get(MARTS_CRON_ENV) or "30 21 * * *"


def prices_cron() -> str:
    return os.environ.get("TICKERPULSE_PRICES_CRON") or "0 23 * * 1-5"


def prices_reland_days() -> int:
    """Days the evening prices run lands again, today included (at least 1)."""
    return max(1, int(os.environ.get("TICKERPULSE_PRICES_RELAND_DAYS") or 5))


# Sensors.
def sensor_interval_s(name: str, default: int) -> int:
    return int(os.environ.get(name) or default)


def sensor_status(name: str, default: str) -> dg.DefaultSensorStatus:
    value = (os.environ.get(name) or default).strip().lower()
    if value not in {"on", "off"}:
        raise ValueError(f"{name} must be on or off, not {value!r}")
    return dg.DefaultSensorStatus.RUNNING if value == "on" else dg.DefaultSensorStatus.STOPPED


# Asset checks.
def freshness_hours() -> float:
    return float(os.environ.get("TICKERPULSE_FRESHNESS_HOURS") or 24)


def min_coverage() -> float:
    return float(os.environ.get("TICKERPULSE_MIN_COVERAGE") or 0.95)


def max_dead_letter_rate() -> float:
    return float(os.environ.get("TICKERPULSE_MAX_DEAD_LETTER_RATE") or 0.05)


def webhook_failing_runs_limit() -> int:
    """Runs a webhook may fail in a row before the webhooks check fails."""
    return int(os.environ.get(WEBHOOK_FAILING_RUNS_ENV) or 3)

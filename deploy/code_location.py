"""The production code location: TickerPulse's definitions on the executor the host names.

The laptop default runs every step in the run's own process (orchestration/definitions.py).
A deployment picks another executor with TICKERPULSE_EXECUTOR, configured from the
preset beside this file, so moving to workers is configuration, not code.
"""

from __future__ import annotations

import importlib
import os
from pathlib import Path

import dagster as dg
import yaml

from orchestration.definitions import build_defs

EXECUTOR_ENV = "TICKERPULSE_EXECUTOR"
DEPLOY_DIR = Path(__file__).resolve().parent
# executor name -> (module, attribute, preset file holding its `execution.config`)
EXECUTORS = {
    "in_process": ("dagster", "in_process_executor", None),
    "multiprocess": ("dagster", "multiprocess_executor", None),
    "celery": ("dagster_celery", "celery_executor", "dagster.celery.yaml"),
    "k8s": ("dagster_k8s", "k8s_job_executor", "dagster.k8s.yaml"),
}


class ExecutorConfigError(ValueError):
    """An unknown executor name, or one whose package is not installed."""


def executor_preset(name: str) -> dict[str, object]:
    """The run config an executor's preset file holds ({} for the local executors)."""
    preset = EXECUTORS[name][2]
    if preset is None:
        return {}
    return yaml.safe_load((DEPLOY_DIR / preset).read_text(encoding="utf-8"))


def unconfigured_executor(name: str) -> dg.ExecutorDefinition:
    """The executor definition itself, before its preset is applied."""
    if name not in EXECUTORS:
        raise ExecutorConfigError(
            f"{EXECUTOR_ENV}={name!r} is not an executor; use one of {', '.join(EXECUTORS)}"
        )
    module_name, attribute, _ = EXECUTORS[name]
    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:
        raise ExecutorConfigError(
            f"{EXECUTOR_ENV}={name} needs the {module_name.replace('_', '-')} package: {exc}"
        ) from exc
    return getattr(module, attribute)


def build_executor(name: str) -> dg.ExecutorDefinition:
    """The named executor, configured from its preset so no run needs run config for it."""
    executor = unconfigured_executor(name)
    preset = executor_preset(name)
    return executor.configured(preset["execution"]["config"]) if preset else executor


def with_executor(defs: dg.Definitions, executor: dg.ExecutorDefinition) -> dg.Definitions:
    """The same definitions with another default executor for every job."""
    return dg.Definitions(
        assets=defs.assets,
        asset_checks=defs.asset_checks,
        jobs=defs.jobs,
        schedules=defs.schedules,
        sensors=defs.sensors,
        resources=defs.resources,
        loggers=defs.loggers,
        metadata=defs.metadata,
        executor=executor,
    )


defs = with_executor(build_defs(), build_executor(os.environ.get(EXECUTOR_ENV) or "in_process"))

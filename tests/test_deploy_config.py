"""deploy/ checked by configuration: the instance on a real Postgres, the executors' presets
against our real jobs, the Dockerfile, docker-compose and Helm values against the repository.

No Docker engine or Kubernetes runs here, so the container files are checked for what they
refer to; the instance itself loads for real into a throw-away Postgres on 127.0.0.1.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import socket
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import dagster as dg
import pytest
import yaml
from dagster._core.run_coordinator import QueuedRunCoordinator
from dagster_celery import celery_executor
from dagster_celery.cli import get_validated_config
from dagster_postgres import PostgresEventLogStorage, PostgresRunStorage

from orchestration.definitions import build_defs
from orchestration.instance import ensure_warehouse_pool
from orchestration.partitions import WAREHOUSE_POOL
from orchestration.paths import PROJECT_ROOT

DEPLOY = PROJECT_ROOT / "deploy"
sys.path.insert(0, str(DEPLOY))
import code_location  # noqa: E402  (deploy/ is a folder of files, not a package)

PG_BIN = Path(os.environ.get("PG_BIN", "/usr/lib/postgresql/15/bin"))
CELERY_ENV = {
    "TICKERPULSE_CELERY_BROKER": "redis://127.0.0.1:6399/0",
    "TICKERPULSE_CELERY_BACKEND": "redis://127.0.0.1:6399/1",
}
JOB_NAMES = ["reference_job", "ingest_job", "marts_job", "daily_news_job"]


def _yaml(name: str) -> dict:
    return yaml.safe_load((DEPLOY / name).read_text(encoding="utf-8"))


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _as_postgres(args: list[str]) -> list[str]:
    # initdb and pg_ctl refuse to run as root.
    return ["runuser", "-u", "postgres", "--", *args] if os.geteuid() == 0 else args


@pytest.fixture(scope="module")
def postgres() -> Iterator[dict[str, str]]:
    """A throw-away Postgres on 127.0.0.1; its connection settings as dagster.yaml reads them."""
    if not (PG_BIN / "initdb").exists():
        pytest.skip(f"PostgreSQL binaries not found in {PG_BIN} (set PG_BIN)")
    if os.geteuid() == 0 and shutil.which("runuser") is None:
        pytest.skip("running as root without runuser: Postgres cannot be started")
    # Not under pytest's tmp_path: as root that folder is closed to the postgres user.
    folder = Path(tempfile.mkdtemp(prefix="tickerpulse-pg-"))
    if os.geteuid() == 0:
        shutil.chown(folder, "postgres")
    data, port = folder / "data", _free_port()
    subprocess.run(
        _as_postgres([str(PG_BIN / "initdb"), "-D", str(data), "-U", "dagster", "--auth=trust"]),
        check=True,
        capture_output=True,
    )
    options = f"-c listen_addresses=127.0.0.1 -p {port} -k {folder}"
    pg_ctl = [str(PG_BIN / "pg_ctl"), "-D", str(data)]
    start = [*pg_ctl, "-l", str(folder / "log"), "-w", "-o", options, "start"]
    subprocess.run(_as_postgres(start), check=True, capture_output=True)
    try:
        yield {
            "DAGSTER_POSTGRES_HOST": "127.0.0.1",
            "DAGSTER_POSTGRES_PORT": str(port),
            "DAGSTER_POSTGRES_USER": "dagster",
            "DAGSTER_POSTGRES_PASSWORD": "unused-with-trust",
            "DAGSTER_POSTGRES_DB": "postgres",
        }
    finally:
        subprocess.run(
            _as_postgres([*pg_ctl, "-m", "immediate", "stop"]),
            capture_output=True,
        )
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture
def instance(
    postgres: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> Iterator[dg.DagsterInstance]:
    for name, value in postgres.items():
        monkeypatch.setenv(name, value)
    with dg.DagsterInstance.from_config(str(DEPLOY)) as instance:
        yield instance


def test_the_production_instance_keeps_its_state_in_postgres(
    instance: dg.DagsterInstance,
) -> None:
    assert isinstance(instance.run_storage, PostgresRunStorage)
    assert isinstance(instance.event_log_storage, PostgresEventLogStorage)
    assert instance.get_runs() == []  # the schema was created and answers
    assert "postgresql+psycopg2://" in instance.run_storage.postgres_url


def test_the_production_instance_queues_runs_and_limits_the_warehouse_pool_per_step(
    instance: dg.DagsterInstance,
) -> None:
    assert isinstance(instance.run_coordinator, QueuedRunCoordinator)
    config = instance.get_concurrency_config()
    assert config.pool_config.default_pool_limit == 1
    assert config.pool_config.pool_granularity.value == "op"
    assert config.run_queue_config.max_concurrent_runs == 4
    ensure_warehouse_pool(instance)
    assert instance.event_log_storage.get_concurrency_info(WAREHOUSE_POOL).slot_count == 1


def test_the_production_instance_monitors_and_retries_runs(instance: dg.DagsterInstance) -> None:
    assert instance.run_monitoring_enabled
    assert instance.run_monitoring_start_timeout_seconds == 180
    assert instance.run_retries_enabled
    assert instance.run_retries_max_retries == 2


@pytest.mark.parametrize("job_name", JOB_NAMES)
def test_the_celery_preset_is_valid_run_config_for_every_job(
    job_name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name, value in CELERY_ENV.items():
        monkeypatch.setenv(name, value)
    defs = code_location.with_executor(build_defs(), celery_executor)
    job = defs.resolve_job_def(job_name)
    assert dg.validate_run_config(job, _yaml("dagster.celery.yaml"))


def test_the_celery_preset_without_its_broker_variable_is_refused(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("TICKERPULSE_CELERY_BROKER", raising=False)
    monkeypatch.setenv("TICKERPULSE_CELERY_BACKEND", CELERY_ENV["TICKERPULSE_CELERY_BACKEND"])
    job = code_location.with_executor(build_defs(), celery_executor).resolve_job_def("ingest_job")
    with pytest.raises(dg.DagsterInvalidConfigError, match="TICKERPULSE_CELERY_BROKER"):
        dg.validate_run_config(job, _yaml("dagster.celery.yaml"))


def test_the_code_location_runs_every_job_on_the_configured_celery_executor(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for name, value in CELERY_ENV.items():
        monkeypatch.setenv(name, value)
    defs = code_location.with_executor(build_defs(), code_location.build_executor("celery"))
    for job_name in JOB_NAMES:
        job = defs.resolve_job_def(job_name)
        assert job.executor_def.name == "celery"
        # Schedules and backfills launch runs with no execution config at all.
        assert dg.validate_run_config(job, {})


def test_the_celery_workers_read_the_same_broker_as_the_executor(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for name, value in CELERY_ENV.items():
        monkeypatch.setenv(name, value)
    config = get_validated_config(str(DEPLOY / "dagster.celery.yaml"))
    assert config["broker"] == CELERY_ENV["TICKERPULSE_CELERY_BROKER"]
    assert config["backend"] == CELERY_ENV["TICKERPULSE_CELERY_BACKEND"]


@pytest.mark.parametrize("job_name", JOB_NAMES)
def test_the_k8s_preset_is_valid_run_config_for_every_job(
    job_name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TICKERPULSE_K8S_NAMESPACE", "tickerpulse")
    dagster_k8s = pytest.importorskip(
        "dagster_k8s", reason="dagster-k8s is not installed (the deploy extra has it)"
    )
    defs = code_location.with_executor(build_defs(), dagster_k8s.k8s_job_executor)
    assert dg.validate_run_config(defs.resolve_job_def(job_name), _yaml("dagster.k8s.yaml"))


def test_an_unknown_executor_name_is_a_clear_error() -> None:
    with pytest.raises(code_location.ExecutorConfigError, match="TICKERPULSE_EXECUTOR='spark'"):
        code_location.build_executor("spark")


def test_the_default_executor_is_the_laptops_in_process_one() -> None:
    assert code_location.build_executor("in_process") is dg.in_process_executor


# --- docker-compose, Dockerfile and Helm values: what they refer to must exist ---------------


def _env_names_read_by(config: object) -> set[str]:
    """Every `env: NAME` a Dagster YAML reads."""
    if isinstance(config, dict):
        names = {config["env"]} if set(config) == {"env"} else set()
        return names.union(*(_env_names_read_by(v) for v in config.values()))
    if isinstance(config, list):
        return set().union(*(_env_names_read_by(v) for v in config))
    return set()


def _env_example() -> dict[str, str]:
    lines = (DEPLOY / ".env.example").read_text(encoding="utf-8").splitlines()
    pairs = [line.split("=", 1) for line in lines if line and not line.startswith("#")]
    return {name: value for name, value in pairs}


def _compose() -> dict:
    return _yaml("docker-compose.yml")


def _service_environment(service: dict) -> set[str]:
    names = set(service.get("environment", {}))
    if "env_file" in service:
        names |= set(_env_example())
    return names


def test_compose_variables_are_all_listed_in_the_env_example() -> None:
    text = (DEPLOY / "docker-compose.yml").read_text(encoding="utf-8")
    used = set(re.findall(r"(?<!\$)\$\{([A-Z0-9_]+)\}", text))
    assert used, "the compose file reads no variables: the pattern is broken"
    assert used <= set(_env_example()), used - set(_env_example())


def test_compose_gives_every_dagster_process_the_variables_its_config_reads() -> None:
    services = _compose()["services"]
    instance_env = _env_names_read_by(_yaml("dagster.yaml"))
    celery_env = _env_names_read_by(_yaml("dagster.celery.yaml"))
    assert instance_env and celery_env
    for name in ("code-location", "webserver", "daemon", "celery-worker"):
        missing = (instance_env | celery_env) - _service_environment(services[name])
        assert not missing, f"{name} lacks {sorted(missing)}"


def test_compose_commands_name_files_that_exist() -> None:
    services = _compose()["services"]
    for name, service in services.items():
        for word in service.get("command", []) if isinstance(service.get("command"), list) else []:
            if word.startswith("deploy/"):
                assert (PROJECT_ROOT / word).is_file(), f"{name}: {word} does not exist"
        for volume in service.get("volumes", []):
            source = volume.split(":")[0]
            if source.startswith("./"):
                assert (DEPLOY / source).is_file(), f"{name}: {source} does not exist"
        for dependency in service.get("depends_on", []):
            assert dependency in services, f"{name} depends on unknown {dependency}"
    build = services["code-location"]["build"]
    assert (DEPLOY / build["context"] / build["dockerfile"]).resolve() == DEPLOY / "Dockerfile"


def test_compose_publishes_only_the_ui_and_only_on_localhost() -> None:
    services = _compose()["services"]
    published = {name: s["ports"] for name, s in services.items() if "ports" in s}
    assert published == {"webserver": ["127.0.0.1:3000:3000"]}


def test_compose_celery_workers_and_code_location_share_one_image_and_executor() -> None:
    services = _compose()["services"]
    images = {services[name]["image"] for name in ("code-location", "webserver", "daemon")}
    assert images == {services["celery-worker"]["image"]}
    assert services["celery-worker"]["environment"]["TICKERPULSE_EXECUTOR"] == "celery"


def _dockerfile() -> list[tuple[str, str]]:
    """(instruction, arguments) pairs, continuation lines joined."""
    text = (DEPLOY / "Dockerfile").read_text(encoding="utf-8").replace("\\\n", " ")
    lines = [line.strip() for line in text.splitlines()]
    return [
        (line.split(None, 1)[0].upper(), line.split(None, 1)[1])
        for line in lines
        if line and not line.startswith("#")
    ]


def test_the_dockerfile_builds_on_python_311_slim_from_the_lock() -> None:
    instructions = _dockerfile()
    assert instructions[0] == ("FROM", "python:3.11-slim")
    runs = " ".join(args for op, args in instructions if op == "RUN")
    assert "-r requirements.lock" in runs
    assert "-e '.[deploy]'" in runs


def test_the_dockerfile_copies_only_what_exists_and_serves_the_code_location() -> None:
    instructions = _dockerfile()
    for op, args in instructions:
        if op == "COPY":
            for source in shlex.split(args)[:-1]:
                assert (PROJECT_ROOT / source).exists(), f"COPY {source}: no such file"
    command = next(args for op, args in instructions if op == "CMD")
    words = yaml.safe_load(command)
    assert words[:3] == ["dagster", "code-server", "start"]
    assert (PROJECT_ROOT / words[words.index("-f") + 1]).is_file()


def test_the_helm_values_use_the_k8s_run_launcher_and_the_k8s_executor() -> None:
    values = _yaml("helm/values.yaml")
    assert values["runLauncher"]["type"] == "K8sRunLauncher"
    (deployment,) = values["dagster-user-deployments"]["deployments"]
    env = {item["name"]: item["value"] for item in deployment["env"]}
    assert env["TICKERPULSE_EXECUTOR"] == "k8s"
    assert "k8s" in code_location.EXECUTORS
    args = deployment["codeServerArgs"]
    assert (PROJECT_ROOT / args[args.index("-f") + 1]).is_file()
    assert values["postgresql"]["postgresqlScheme"] == "postgresql+psycopg2"


def test_the_helm_values_keep_the_instance_limits_of_dagster_yaml() -> None:
    values, instance = _yaml("helm/values.yaml"), _yaml("dagster.yaml")
    runs, pools = values["concurrency"]["runs"], values["concurrency"]["pools"]
    assert runs["maxConcurrentRuns"] == instance["concurrency"]["runs"]["max_concurrent_runs"]
    assert runs["tagConcurrencyLimits"] == instance["concurrency"]["runs"]["tag_concurrency_limits"]
    assert pools["defaultLimit"] == instance["concurrency"]["pools"]["default_limit"]
    assert pools["granularity"] == instance["concurrency"]["pools"]["granularity"]
    retries = values["dagsterDaemon"]["runRetries"]
    assert retries["maxRetries"] == instance["run_retries"]["max_retries"]

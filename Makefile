# Two commands do all the set-up: `make demo` (the main job on embedded defaults) and
# `make test`. Both create .venv on first use and reinstall when the lock file changes.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin

.PHONY: demo test test-slow test-cluster test-real-model dev lint lock clean

# --compile-bytecode: every Dagster run, dbt call and sensor tick is a new process, and where
# PYTHONDONTWRITEBYTECODE is set (CI shells, containers) each would compile its imports again:
# 18 s of CPU per `import orchestration.definitions` without bytecode, 4.5 s with it.
$(VENV)/.installed: pyproject.toml requirements.lock
	@$(PYTHON) -c 'import sys; sys.exit("TickerPulse needs Python 3.11+, found " + sys.version.split()[0]) if sys.version_info < (3, 11) else None'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check uv
	$(BIN)/uv pip install --quiet --compile-bytecode --python $(BIN)/python -r requirements.lock -e '.[dev,deploy]'
	@touch $@

demo: $(VENV)/.installed  ## materialize the whole graph for the demo dates, then print a summary
	$(BIN)/tickerpulse demo

test: $(VENV)/.installed  ## run the test suite on every core (pytest-xdist)
	$(BIN)/python -m pytest

test-slow: $(VENV)/.installed  ## the tests a real dagster-daemon drives (UI backfill, dead runs)
	$(BIN)/python -m pytest -m slow

# Postgres, Redis, SeaweedFS, a code server, two celery workers and dagster-daemon on
# 127.0.0.1 (scripts/cluster/up.sh), the demo through them, then everything stopped; the
# servers' logs stay in data/cluster/logs. CLUSTER_WAREHOUSE=ducklake for the lake mode.
CLUSTER_WAREHOUSE ?= file
test-cluster: $(VENV)/.installed  ## the demo on a production stack: Postgres, celery, daemon
	CLUSTER_WAREHOUSE=$(CLUSTER_WAREHOUSE) bash scripts/cluster/run.sh \
	  $(CURDIR)/$(BIN)/python -m pytest -n 0 -m cluster \
	  tests/test_deploy_cluster.py tests/test_deploy_cluster_backfill.py

test-real-model: $(VENV)/.installed  ## a real LLM (llama.cpp server) through the pipeline; first build ~8 min
	TICKERPULSE_LLAMA_VENV=.venv-llama PYTHON=$(PYTHON) bash scripts/real_model.sh
	set -a && . ./.venv-llama/real_model.env && set +a && \
	  TICKERPULSE_REAL_MODEL_REQUIRED=1 $(BIN)/python -m pytest -n 0 -m real_model tests/test_real_model.py

dev: $(VENV)/.installed  ## open the Dagster UI on http://127.0.0.1:3000
	@home=$${DAGSTER_HOME:-$(CURDIR)/.dagster}; \
	  DAGSTER_HOME=$$home $(BIN)/python -m orchestration.instance && \
	  DAGSTER_HOME=$$home \
	  DAGSTER_EMIT_PARTITION_SUBSET_IN_PLANNED_EVENTS=$${DAGSTER_EMIT_PARTITION_SUBSET_IN_PLANNED_EVENTS:-true} \
	  $(BIN)/dagster dev -w workspace.yaml

# sqlfluff compiles every model with dbt: against an in-memory warehouse (no data file is
# opened or created) and into its own target folder, so the manifest and partial-parse state
# that Dagster reads in dbt_project/target stay as they are.
lint: $(VENV)/.installed  ## ruff on the Python, sqlfluff (dbt templater) on the dbt SQL
	$(BIN)/ruff check orchestration testservers tests bench scripts
	$(BIN)/ruff format --check orchestration testservers tests bench scripts
	cd dbt_project && TICKERPULSE_DUCKDB_PATH=:memory: DBT_TARGET_PATH=target/sqlfluff \
	  DBT_LOG_PATH=logs/sqlfluff ../$(BIN)/sqlfluff lint models tests

lock:  ## re-resolve requirements.lock from pyproject.toml
	$(BIN)/uv pip compile --quiet --universal --python-version 3.11 --extra dev --extra deploy -o requirements.lock pyproject.toml

clean:
	rm -rf $(VENV) data .dagster dbt_project/target dbt_project/logs

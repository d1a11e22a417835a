"""A real model end to end: llama.cpp's server running SmolLM2-135M-Instruct (GGUF).

No one here wrote that server, and it rejects `json_schema` output, so this proves the
OpenAI-compatible path, its json_object+schema fallback, the cache and the bookkeeping
against the real thing, through Dagster. A 135M model's opinions are often wrong: the test
checks the contract (every article analysed or dead-lettered once, valid rows, only
reference tickers, what the calls took recorded), never the sentiment.

Skipped unless TICKERPULSE_REAL_MODEL_GGUF (the model file) and TICKERPULSE_REAL_MODEL_PYTHON
(a python with llama-cpp-python[server]) are set. `make test-real-model` prepares both with
scripts/real_model.sh and sets TICKERPULSE_REAL_MODEL_REQUIRED=1, so there a missing piece
fails instead of skipping.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from orchestration.analysis.llm import NAME, PROMPT_VERSION
from orchestration.analysis.schema import LABELS, sentiment_label
from orchestration.resources import AnalyzerResource
from tests.conftest import Pipeline, make_pipeline, write_sources

pytestmark = pytest.mark.real_model

MODEL = "smollm2-135m-instruct"  # the alias the server answers to
DAY = "2026-11-17"
ARTICLES = [
    ("pfe", "Pfizer shares jump after drug trial succeeds", "Pfizer said its trial met goals."),
    ("ba", "Boeing delays jet deliveries again", "Boeing cut its delivery forecast for the year."),
    ("aapl", "Apple iPhone sales beat forecasts", "Apple reported record iPhone revenue."),
    ("msft", "Microsoft cloud revenue slows", "Microsoft said Azure growth slowed this quarter."),
    ("nvda", "Nvidia raises guidance on AI chip demand", "Nvidia lifted its sales outlook."),
    ("xom", "Exxon Mobil profit falls with oil prices", "Exxon Mobil earned less as crude fell."),
]
_READY_S = 120.0


@dataclass
class LlamaServer:
    base_url: str  # the OpenAI-compatible /v1 URL
    log: Path


def _configured() -> tuple[Path, Path]:
    gguf = os.environ.get("TICKERPULSE_REAL_MODEL_GGUF", "")
    python = os.environ.get("TICKERPULSE_REAL_MODEL_PYTHON", "")
    missing = [
        name
        for name, value in (
            ("TICKERPULSE_REAL_MODEL_GGUF", gguf),
            ("TICKERPULSE_REAL_MODEL_PYTHON", python),
        )
        if not value or not Path(value).is_file()
    ]
    if missing:
        reason = (
            f"real model not configured: {', '.join(missing)} must name existing files "
            "(`make test-real-model` prepares them)"
        )
        if os.environ.get("TICKERPULSE_REAL_MODEL_REQUIRED") == "1":
            pytest.fail(reason)
        pytest.skip(reason)
    return Path(gguf), Path(python)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _tail(log: Path, lines: int = 30) -> str:
    return "\n".join(log.read_text(errors="replace").splitlines()[-lines:])


def _wait_until_ready(server: subprocess.Popen[bytes], base_url: str, log: Path) -> None:
    deadline = time.monotonic() + _READY_S
    while time.monotonic() < deadline:
        code = server.poll()
        if code is not None:
            # -4 is SIGILL: a llama.cpp built for instructions this CPU lacks.
            pytest.fail(f"the llama.cpp server exited with {code}:\n{_tail(log)}")
        try:
            if httpx.get(f"{base_url}/models", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    pytest.fail(f"the llama.cpp server was not ready within {_READY_S:.0f} s:\n{_tail(log)}")


@pytest.fixture(scope="module")
def llama_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LlamaServer]:
    gguf, python = _configured()
    port = _free_port()
    base_url = f"http://127.0.0.1:{port}/v1"
    log = tmp_path_factory.mktemp("llama") / "server.log"
    command = [
        str(python), "-m", "llama_cpp.server",
        "--model", str(gguf), "--model_alias", MODEL,
        "--host", "127.0.0.1", "--port", str(port),
        # Our prompt and a short article take ~460 tokens. The context also caps an answer
        # that rambles (greedy decoding loops on some articles): ~560 tokens, not 1,600.
        "--n_ctx", "1024",
        # One thread: llama.cpp's threads spin while they wait for each other, and on two
        # busy cores (CI, other jobs) that made a 135M model ten times slower.
        "--n_threads", "1", "--n_threads_batch", "1",
    ]  # fmt: skip
    with log.open("wb") as out:
        # Its own session, so teardown can kill the server and anything it started at once.
        server = subprocess.Popen(
            command,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        _wait_until_ready(server, base_url, log)
        yield LlamaServer(base_url, log)
    finally:
        # SIGKILL: processes on these machines may ignore SIGTERM.
        os.killpg(server.pid, signal.SIGKILL)
        server.wait(timeout=30)


def write_feed(path: Path) -> Path:
    items = "".join(
        f"""
    <item>
      <title>{title}</title>
      <link>https://news.example.com/real/{slug}</link>
      <guid>real-{slug}</guid>
      <pubDate>Tue, 17 Nov 2026 {9 + i:02d}:00:00 +0000</pubDate>
      <description>{body}</description>
    </item>"""
        for i, (slug, title, body) in enumerate(ARTICLES)
    )
    path.write_text(
        '<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0"><channel>'
        f"<title>Real model wire</title><link>https://news.example.com/real</link>{items}"
        "\n</channel></rss>\n",
        encoding="utf-8",
    )
    return path


def _run_day(pipeline: Pipeline) -> tuple[dict[str, object], float]:
    started = time.monotonic()
    result = pipeline.defs.resolve_job_def("ingest_job").execute_in_process(
        instance=pipeline.instance, partition_key=DAY
    )
    elapsed = time.monotonic() - started
    assert result.success
    event = result.asset_materializations_for_node("article_analysis")[0]
    return {k: v.value for k, v in event.metadata.items()}, elapsed


def _ids(pipeline: Pipeline, table: str) -> list[str]:
    return [row[0] for row in pipeline.query(f"select article_id from {table}")]


def test_a_real_model_through_the_pipeline_keeps_the_contract(
    tmp_path: Path, llama_server: LlamaServer, capsys: pytest.CaptureFixture[str]
):
    sources = write_sources(tmp_path / "sources.yaml", {"real": str(write_feed(tmp_path / "f"))})
    resource = AnalyzerResource(
        backend="openai",
        base_url=llama_server.base_url,
        model=MODEL,
        concurrency=1,  # the server answers one request at a time anyway
        timeout_s=120,
        max_retries=1,
        max_attempts=1,  # a failure rests at once, so the re-run below needs no call
    )
    pipeline = make_pipeline(tmp_path, sources_file=sources, analyzer=resource)
    pipeline.load_reference()

    metadata, elapsed = _run_day(pipeline)

    # Every article analysed or dead-lettered, exactly once; none left pending.
    articles = _ids(pipeline, "raw.articles")
    analysed = _ids(pipeline, "raw.article_analysis")
    dead = _ids(pipeline, "raw.analysis_dead_letters")
    assert len(articles) == len(ARTICLES)
    assert len(analysed) == len(set(analysed)) and len(dead) == len(set(dead))
    assert not set(analysed) & set(dead)
    assert set(analysed) | set(dead) == set(articles)
    assert _ids(pipeline, "raw.analysis_pending") == []
    assert analysed, "the real model produced no usable answer at all"

    rows = pipeline.query(
        "select analyzer, model, prompt_version, overall_sentiment_score, "
        "overall_sentiment_label, input_tokens, output_tokens, latency_ms, attempts, "
        "cost_usd, cache_hit, summary_sentence from raw.article_analysis"
    )
    for analyzer, model, prompt, score, label, tokens_in, tokens_out, latency, tries, *rest in rows:
        assert (analyzer, model, prompt) == (NAME, MODEL, PROMPT_VERSION)
        assert -1.0 <= score <= 1.0 and label == sentiment_label(score)
        assert tokens_in > 0 and tokens_out > 0 and latency > 0 and tries >= 1
        assert rest[:2] == [0.0, False]  # a local model costs nothing; these were calls
        assert rest[2]  # a summary sentence
    tickers = pipeline.query(
        "select t.ticker, t.relevance_score, t.ticker_sentiment_score, t.ticker_sentiment_label "
        "from (select unnest(tickers) as t from raw.article_analysis)"
    )
    symbols = {row[0] for row in pipeline.query("select symbol from raw.tickers")}
    for symbol, relevance, score, label in tickers:
        assert symbol in symbols  # nothing invented lands
        assert 0.0 <= relevance <= 1.0 and -1.0 <= score <= 1.0
        assert label in LABELS and label == sentiment_label(score)
    for model, prompt, error_class in pipeline.query(
        "select model, prompt_version, error_class from raw.analysis_dead_letters"
    ):
        assert (model, prompt) == (MODEL, PROMPT_VERSION) and error_class

    assert (metadata["model"], metadata["prompt_version"]) == (MODEL, PROMPT_VERSION)
    assert (metadata["analysed"], metadata["dead_letters"]) == (len(analysed), len(dead))
    assert metadata["pending"] == 0 and metadata["circuit_open"] is False
    # llama.cpp's server answers json_schema with an error; JSON mode with a schema works.
    assert metadata["response_format"] == "json_object_with_schema"
    calls = metadata["llm_calls"]
    assert isinstance(calls, int) and calls >= len(ARTICLES)
    assert metadata["input_tokens"] > 0 and metadata["output_tokens"] > 0
    assert metadata["cache_entries_written"] == len(analysed)
    assert metadata["estimated_cost_usd"] == 0

    # A re-run: every analysed article comes from the cache, dead letters rest, no call.
    again, _ = _run_day(pipeline)
    assert (again["llm_calls"], again["cache_hits"]) == (0, len(analysed))
    assert again["dead_letters_resting"] == len(dead)
    assert sorted(_ids(pipeline, "raw.article_analysis")) == sorted(analysed)
    assert sorted(_ids(pipeline, "raw.analysis_dead_letters")) == sorted(dead)
    assert pipeline.query("select distinct cache_hit from raw.article_analysis") == [(True,)]

    latencies = [row[7] for row in rows]
    with capsys.disabled():
        print(
            f"\nreal model: {len(analysed)} analysed, {len(dead)} dead-lettered, {calls} "
            f"requests ({metadata['answers_repaired']} repairs) in {elapsed:.1f} s of ingest_job; "
            f"({calls / elapsed:.2f} requests/s); mean latency of an answer "
            f"{sum(latencies) / len(latencies) / 1000:.2f} s"
        )

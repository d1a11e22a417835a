"""A small OpenAI-compatible chat completions server for tests, and its pytest fixture.

It listens on 127.0.0.1 (a free port) in a daemon thread and answers
POST /v1/chat/completions the way OpenAI, vLLM or llama.cpp would, so the real `openai`
client talks to it over real HTTP.

What a request gets is a *behaviour*, chosen by a marker in the article text (for example a
title ending in "llm:refusal"), else by the server-wide `mode` (default "normal"):

    normal            valid JSON for LLMAnswer: the companies of COMPANIES found in the text
                      (Boeing only by name, ticker ""), plus an invented ZZZZ / Imaginary Corp;
                      labels sent are deliberately wrong
    llama-cpp         response_format json_schema -> HTTP 500 (as llama.cpp answers);
                      json_object -> normal
    invalid-json      prose that is not JSON
    breaks-schema     JSON missing summary_paragraph, with a string score and a string tickers
    refusal           message.refusal set, content null
    out-of-range      overall 3.5, relevance 1.7 and -0.4, ticker scores -7 and 2
    code-fence        the normal answer wrapped in ```json ... ```
    nan-score         the normal answer with overall_sentiment_score NaN
    rate-limited-once HTTP 429 (Retry-After: 0) the first time this article is seen, then normal
    retry-after-1s    HTTP 429 with only "Retry-After: 1" the first time, then normal
    rate-limit-headers HTTP 429 with only x-ratelimit-remaining-requests: 0 and
                      x-ratelimit-reset-requests: 250ms the first time, then normal
    error-500         HTTP 500 every time
    slow              normal, after `slow_s` seconds (longer than a test's timeout)
    bad-evidence      normal, but every evidence quote is one the article does not contain
    gullible          (also any text saying "ignore (all) previous instructions") a model that
                      obeyed the article: every label "Bullish" whatever its score, and an
                      invented EVERY / Every stock ticker

Every completion waits `latency_s` first (the benchmark's injected latency); `max_in_flight`
is the most completions the server was answering at once.

The Batch API is served too: POST /v1/files (multipart upload), POST /v1/batches (runs
every line through the behaviours above at once), GET /v1/batches/{id} ("in_progress" on
the first look, then "completed") and GET /v1/files/{id}/content.

Error replies carry `retry-after-ms: 1`, which the openai client prefers to Retry-After,
so its own retries do not sleep for half a second each.
"""

from __future__ import annotations

import email.parser
import json
import re
import socket
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

COMPLETIONS_PATH = "/v1/chat/completions"
MARKER = re.compile(r"\bllm:([a-z0-9-]+)")
TITLE = re.compile(r"^Title: (.*)$", re.MULTILINE)

# name in the text -> (ticker the "model" gives, relevance, sentiment score, label it sends)
COMPANIES: dict[str, tuple[str, float, float, str | None]] = {
    "Pfizer": ("PFE", 0.9, 0.62, "Bearish"),
    "Boeing": ("", 0.8, -0.2, None),  # name only: must resolve to BA
    "Apple": ("AAPL", 0.6, 0.1, "Bullish"),
}
INVENTED = {
    "ticker": "ZZZZ",
    "company_name": "Imaginary Corp",
    "relevance_score": 0.5,
    "sentiment_score": 0.3,
}
OVERALL_SCORE = 0.55  # Bullish on our scale; the server claims "Bearish"
TOPICS = ["earnings", "Markets "]
FAKE_QUOTE = "Shares tripled overnight on record profits"
INJECTION = re.compile(r"ignore (?:all )?previous instructions", re.IGNORECASE)
GULLIBLE_SCORE = -0.6  # what the gullible model scores; it still labels it "Bullish"
REFUSAL = "I'm sorry, I can't help with that."
NOT_JSON = "Sure! Here is the analysis you asked for: the article is positive for Pfizer."


@dataclass
class RecordedRequest:
    """One request as the server saw it, and the status it answered with."""

    method: str
    path: str
    headers: dict[str, str]  # lower-case names
    body: Any  # the parsed JSON body, or None
    behaviour: str = ""
    status: int = 0
    raw: bytes = b""

    @property
    def response_format_type(self) -> str | None:
        return ((self.body or {}).get("response_format") or {}).get("type")

    def message(self, role: str) -> str:
        return next(
            (m.get("content") or "" for m in self.body.get("messages", []) if m["role"] == role),
            "",
        )

    @property
    def system_message(self) -> str:
        return self.message("system")

    @property
    def user_message(self) -> str:
        return self.message("user")


@dataclass
class Reply:
    status: int
    body: dict[str, Any]
    headers: dict[str, str] = field(default_factory=dict)
    raw: bytes | None = None  # sent instead of the JSON body (file downloads)


def completion(request: dict[str, Any], content: str | None, refusal: str | None = None) -> dict:
    """A chat.completion body the openai client accepts."""
    prompt_tokens = sum(len(str(m.get("content", "")).split()) for m in request["messages"])
    completion_tokens = len((content or refusal or "").split())
    return {
        "id": f"chatcmpl-{uuid.uuid4().hex[:24]}",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": request.get("model", "unknown"),
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": content, "refusal": refusal},
                "logprobs": None,
                "finish_reason": "stop",
            }
        ],
        "usage": {
            "prompt_tokens": prompt_tokens,
            "completion_tokens": completion_tokens,
            "total_tokens": prompt_tokens + completion_tokens,
        },
    }


def error(status: int, message: str, kind: str) -> Reply:
    return Reply(
        status,
        {"error": {"message": message, "type": kind, "param": None, "code": status}},
        {"retry-after-ms": "1"},
    )


def normal_answer(text: str) -> dict[str, Any]:
    """What a well-behaved model says about `text`."""
    title_match = TITLE.search(text)
    title = title_match.group(1) if title_match else "an article"
    tickers = []
    for name, (ticker, relevance, score, label) in COMPANIES.items():
        if name in text:
            quote = re.search(rf"[^.\n]*\b{name}\b[^.\n]*", text.split("\n\n", 1)[-1])
            item: dict[str, Any] = {
                "ticker": ticker,
                "company_name": name,
                "relevance_score": relevance,
                "sentiment_score": score,
                # Spacing and case changed: a quote is matched after normalising both.
                "evidence": "  ".join(quote.group(0).strip().upper().split()) if quote else "",
            }
            if label:
                item["ticker_sentiment_label"] = label
            tickers.append(item)
    return {
        # Padding the summaries checks they are stripped.
        "summary_sentence": f"  Summary of: {title}  ",
        "summary_paragraph": f"The article reports: {title}. Investors took note.\n",
        "overall_sentiment_score": OVERALL_SCORE,
        "overall_sentiment_label": "Bearish",
        "topics": TOPICS,
        "tickers": [*tickers, INVENTED],
    }


class _Server(ThreadingHTTPServer):
    request_queue_size = 256  # the default 5 drops connects when many clients open at once


class FakeOpenAIServer:
    """The server, what it received, and how it should behave."""

    def __init__(self) -> None:
        self.requests: list[RecordedRequest] = []
        self.mode = "normal"  # the behaviour of requests without a marker
        self.required_api_key: str | None = None  # when set, other keys get a 401
        self.latency_s = 0.0  # added to every completion
        self.slow_s = 3.0  # what "slow" waits
        self.in_flight = 0
        self.max_in_flight = 0
        self.files: dict[str, bytes] = {}
        self.batches: dict[str, dict[str, Any]] = {}
        self.batch_lines: list[RecordedRequest] = []  # completions run inside batches
        self._seen: Counter[str] = Counter()
        self._lock = threading.Lock()
        self._httpd = _Server(("127.0.0.1", 0), _handler_for(self))
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(
            target=self._httpd.serve_forever,
            kwargs={"poll_interval": 0.05},
            name="fake-openai-server",
            daemon=True,
        )

    @property
    def base_url(self) -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}/v1"

    def start(self) -> FakeOpenAIServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(timeout=5)

    def __enter__(self) -> FakeOpenAIServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def completions(self) -> list[RecordedRequest]:
        return [r for r in self.requests if r.path == COMPLETIONS_PATH]

    def behaviour_for(self, user_text: str) -> str:
        marker = MARKER.search(user_text)
        if marker:
            return marker.group(1)
        return "gullible" if INJECTION.search(user_text) else self.mode

    def reply(self, record: RecordedRequest) -> Reply:
        if self.required_api_key is not None and (
            record.headers.get("authorization") != f"Bearer {self.required_api_key}"
        ):
            return error(401, "Incorrect API key provided", "invalid_request_error")
        if (record.method, record.path) == ("POST", COMPLETIONS_PATH):
            with self._lock:
                self.in_flight += 1
                self.max_in_flight = max(self.max_in_flight, self.in_flight)
            try:
                if self.latency_s:
                    time.sleep(self.latency_s)
                return self.complete(record)
            finally:
                with self._lock:
                    self.in_flight -= 1
        route = _BATCH_ROUTES.get((record.method, _route_of(record.path)))
        if route is None:
            return error(404, f"no route for {record.method} {record.path}", "not_found")
        return route(self, record)

    def complete(self, record: RecordedRequest) -> Reply:
        body = record.body
        if not isinstance(body, dict) or "messages" not in body or "model" not in body:
            return error(400, "body must be JSON with model and messages", "invalid_request")
        record.behaviour = self.behaviour_for(record.user_message)
        handler = BEHAVIOURS.get(record.behaviour)
        if handler is None:
            return error(400, f"test server has no behaviour {record.behaviour!r}", "test")
        with self._lock:
            self._seen[record.user_message] += 1
            seen = self._seen[record.user_message]
        if record.behaviour == "slow":
            time.sleep(self.slow_s)
        return handler(body, record, seen)


Behaviour = Callable[[dict[str, Any], RecordedRequest, int], Reply]


def _normal(body: dict, record: RecordedRequest, seen: int) -> Reply:
    return Reply(200, completion(body, json.dumps(normal_answer(record.user_message))))


def _llama_cpp(body: dict, record: RecordedRequest, seen: int) -> Reply:
    if record.response_format_type == "json_schema":
        return error(500, "JSON schema conversion failed: unsupported schema", "server_error")
    return _normal(body, record, seen)


def _invalid_json(body: dict, record: RecordedRequest, seen: int) -> Reply:
    return Reply(200, completion(body, NOT_JSON))


def _broken_until_repair(body: dict, record: RecordedRequest, seen: int) -> Reply:
    """Invalid JSON first; a good answer once the client shows the model its mistake."""
    if any(m.get("role") == "assistant" for m in body["messages"]):
        return _normal(body, record, seen)
    return _invalid_json(body, record, seen)


def _breaks_schema(body: dict, record: RecordedRequest, seen: int) -> Reply:
    answer = {
        "summary_sentence": "Something happened.",
        "overall_sentiment_score": "very positive",
        "tickers": "PFE",
    }
    return Reply(200, completion(body, json.dumps(answer)))


def _refusal(body: dict, record: RecordedRequest, seen: int) -> Reply:
    return Reply(200, completion(body, None, refusal=REFUSAL))


def _out_of_range(body: dict, record: RecordedRequest, seen: int) -> Reply:
    answer = normal_answer(record.user_message)
    answer["overall_sentiment_score"] = 3.5
    answer["tickers"] = [
        {"ticker": "PFE", "company_name": "Pfizer", "relevance_score": 1.7, "sentiment_score": -7},
        {"ticker": "BA", "company_name": "Boeing", "relevance_score": -0.4, "sentiment_score": 2},
    ]
    return Reply(200, completion(body, json.dumps(answer)))


def _code_fence(body: dict, record: RecordedRequest, seen: int) -> Reply:
    answer = json.dumps(normal_answer(record.user_message), indent=2)
    return Reply(200, completion(body, f"```json\n{answer}\n```"))


def _nan_score(body: dict, record: RecordedRequest, seen: int) -> Reply:
    answer = normal_answer(record.user_message)
    answer["overall_sentiment_score"] = float("nan")
    return Reply(200, completion(body, json.dumps(answer)))  # json.dumps writes NaN


def _rate_limited_once(body: dict, record: RecordedRequest, seen: int) -> Reply:
    if seen == 1:
        reply = error(429, "Rate limit reached for requests", "rate_limit_error")
        reply.headers["retry-after"] = "0"
        return reply
    return _normal(body, record, seen)


def _retry_after_1s(body: dict, record: RecordedRequest, seen: int) -> Reply:
    if seen == 1:
        reply = error(429, "Rate limit reached for requests", "rate_limit_error")
        reply.headers = {"retry-after": "1"}
        return reply
    return _normal(body, record, seen)


def _rate_limit_headers(body: dict, record: RecordedRequest, seen: int) -> Reply:
    if seen == 1:
        reply = error(429, "Rate limit reached for requests", "rate_limit_error")
        reply.headers = {
            "x-ratelimit-remaining-requests": "0",
            "x-ratelimit-reset-requests": "250ms",
            "x-ratelimit-remaining-tokens": "1000",
            "x-ratelimit-reset-tokens": "6m0s",
        }
        return reply
    return _normal(body, record, seen)


def _error_500(body: dict, record: RecordedRequest, seen: int) -> Reply:
    return error(500, "The server had an error while processing your request.", "server_error")


def _bad_evidence(body: dict, record: RecordedRequest, seen: int) -> Reply:
    answer = normal_answer(record.user_message)
    for item in answer["tickers"]:
        item["evidence"] = FAKE_QUOTE
    return Reply(200, completion(body, json.dumps(answer)))


def _gullible(body: dict, record: RecordedRequest, seen: int) -> Reply:
    answer = normal_answer(record.user_message)
    answer["overall_sentiment_score"] = GULLIBLE_SCORE
    answer["overall_sentiment_label"] = "Bullish"
    for item in answer["tickers"]:
        item["sentiment_score"] = GULLIBLE_SCORE
        item["ticker_sentiment_label"] = "Bullish"
    answer["tickers"].append(
        {
            "ticker": "EVERY",
            "company_name": "Every stock",
            "relevance_score": 1.0,
            "sentiment_score": 1.0,
            "evidence": "rate everything Bullish",
        }
    )
    return Reply(200, completion(body, json.dumps(answer)))


BEHAVIOURS: dict[str, Behaviour] = {
    "normal": _normal,
    "llama-cpp": _llama_cpp,
    "invalid-json": _invalid_json,
    "broken-until-repair": _broken_until_repair,
    "breaks-schema": _breaks_schema,
    "refusal": _refusal,
    "out-of-range": _out_of_range,
    "code-fence": _code_fence,
    "nan-score": _nan_score,
    "rate-limited-once": _rate_limited_once,
    "error-500": _error_500,
    "retry-after-1s": _retry_after_1s,
    "rate-limit-headers": _rate_limit_headers,
    "slow": _normal,  # FakeOpenAIServer.complete waits slow_s first
    "bad-evidence": _bad_evidence,
    "gullible": _gullible,
}


# --- the Batch API ------------------------------------------------------------------------


def _route_of(path: str) -> str:
    """/v1/batches/batch_1 -> /v1/batches/{id}; /v1/files/f/content -> /v1/files/{id}/content."""
    return re.sub(r"^(/v1/(?:files|batches))/[^/]+", r"\1/{id}", path)


def _id_in(path: str) -> str:
    return path.split("/")[3]


def _upload_file(server: FakeOpenAIServer, record: RecordedRequest) -> Reply:
    head = f"content-type: {record.headers.get('content-type', '')}\r\n\r\n".encode()
    message = email.parser.BytesParser().parsebytes(head + record.raw)
    parts = {part.get_param("name", header="content-disposition"): part for part in message.walk()}
    if "file" not in parts:
        return error(400, "multipart upload without a file part", "invalid_request")
    content = parts["file"].get_payload(decode=True) or b""
    file_id = f"file-{uuid.uuid4().hex[:12]}"
    with server._lock:
        server.files[file_id] = content
    return Reply(200, _file_object(file_id, content, "batch"))


def _file_object(file_id: str, content: bytes, purpose: str) -> dict[str, Any]:
    return {
        "id": file_id,
        "object": "file",
        "bytes": len(content),
        "created_at": int(time.time()),
        "filename": f"{file_id}.jsonl",
        "purpose": purpose,
        "status": "processed",
    }


def _create_batch(server: FakeOpenAIServer, record: RecordedRequest) -> Reply:
    request = record.body or {}
    content = server.files.get(request.get("input_file_id", ""))
    if content is None:
        return error(404, "no such input file", "not_found")
    output, errors = [], []
    for line in content.decode().splitlines():
        item = json.loads(line)
        inner = RecordedRequest("POST", item["url"], record.headers, item["body"])
        server.batch_lines.append(inner)
        reply = server.complete(inner)
        result = {
            "id": f"batch_req_{uuid.uuid4().hex[:12]}",
            "custom_id": item["custom_id"],
            "response": {"status_code": reply.status, "request_id": "req", "body": reply.body},
            "error": None,
        }
        (output if reply.status == 200 else errors).append(json.dumps(result))
    batch_id = f"batch_{uuid.uuid4().hex[:12]}"
    files = {}
    for kind, lines in (("output", output), ("error", errors)):
        if lines:
            files[kind] = f"file-{uuid.uuid4().hex[:12]}"
            server.files[files[kind]] = ("\n".join(lines) + "\n").encode()
    server.batches[batch_id] = {
        "id": batch_id,
        "object": "batch",
        "endpoint": request.get("endpoint"),
        "input_file_id": request["input_file_id"],
        "completion_window": request.get("completion_window", "24h"),
        "status": "validating",
        "created_at": int(time.time()),
        "output_file_id": None,
        "error_file_id": None,
        "request_counts": {"total": len(output) + len(errors), "completed": 0, "failed": 0},
        "_files": files,
        "_counts": (len(output), len(errors)),
        "_looks": 0,
    }
    return Reply(200, _public(server.batches[batch_id]))


def _retrieve_batch(server: FakeOpenAIServer, record: RecordedRequest) -> Reply:
    batch = server.batches.get(_id_in(record.path))
    if batch is None:
        return error(404, "no such batch", "not_found")
    batch["_looks"] += 1
    if batch["_looks"] == 1:
        batch["status"] = "in_progress"
    else:
        completed, failed = batch["_counts"]
        batch.update(
            status="completed",
            output_file_id=batch["_files"].get("output"),
            error_file_id=batch["_files"].get("error"),
            request_counts={"total": completed + failed, "completed": completed, "failed": failed},
        )
    return Reply(200, _public(batch))


def _public(batch: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in batch.items() if not k.startswith("_")}


def _file_content(server: FakeOpenAIServer, record: RecordedRequest) -> Reply:
    content = server.files.get(_id_in(record.path))
    if content is None:
        return error(404, "no such file", "not_found")
    return Reply(200, {}, raw=content)


_BATCH_ROUTES: dict[tuple[str, str], Callable[[FakeOpenAIServer, RecordedRequest], Reply]] = {
    ("POST", "/v1/files"): _upload_file,
    ("POST", "/v1/batches"): _create_batch,
    ("GET", "/v1/batches/{id}"): _retrieve_batch,
    ("GET", "/v1/files/{id}/content"): _file_content,
}


def _handler_for(server: FakeOpenAIServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"  # keep-alive, as the openai client expects
        disable_nagle_algorithm = True  # headers and body leave at once, no 40 ms ACK wait
        timeout = 10  # an idle kept-alive connection does not hold a thread forever

        def log_message(self, format: str, *args: object) -> None:  # keep test output quiet
            pass

        def handle_one_request(self) -> None:
            # The client sends headers and body in two writes; without a quick ACK of the
            # first, its Nagle algorithm holds the body for our delayed ACK (~40 ms).
            # Linux leaves quick-ACK mode on its own, so it is set before every request.
            if hasattr(socket, "TCP_QUICKACK"):
                self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_QUICKACK, 1)
            super().handle_one_request()

        def _serve(self) -> None:
            length = int(self.headers.get("content-length") or 0)
            raw = self.rfile.read(length) if length else b""
            try:
                body = json.loads(raw) if raw else None
            except ValueError:
                body = None
            record = RecordedRequest(
                method=self.command,
                path=self.path.split("?", 1)[0],
                headers={k.lower(): v for k, v in self.headers.items()},
                body=body,
                raw=raw,
            )
            with server._lock:
                server.requests.append(record)
            try:
                reply = server.reply(record)
            except Exception as exc:  # a bug in the test server shows up as a 500, not a hang
                reply = error(500, f"test server crashed: {exc!r}", "test")
            record.status = reply.status
            payload = reply.raw if reply.raw is not None else json.dumps(reply.body).encode()
            self.send_response(reply.status)
            kind = "application/octet-stream" if reply.raw is not None else "application/json"
            self.send_header("content-type", kind)
            self.send_header("content-length", str(len(payload)))
            for name, value in reply.headers.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(payload)

        do_POST = do_GET = _serve

    return Handler


@pytest.fixture
def openai_server() -> Iterator[FakeOpenAIServer]:
    """A fresh OpenAI-compatible server per test; `.mode` and markers script its answers."""
    with FakeOpenAIServer() as server:
        yield server

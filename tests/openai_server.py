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
    error-500         HTTP 500 every time

Error replies carry `retry-after-ms: 1`, which the openai client prefers to Retry-After,
so its own retries do not sleep for half a second each.
"""

from __future__ import annotations

import json
import re
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
            item: dict[str, Any] = {
                "ticker": ticker,
                "company_name": name,
                "relevance_score": relevance,
                "sentiment_score": score,
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
        "tickers": [*tickers, INVENTED],
    }


class FakeOpenAIServer:
    """The server, what it received, and how it should behave."""

    def __init__(self) -> None:
        self.requests: list[RecordedRequest] = []
        self.mode = "normal"  # the behaviour of requests without a marker
        self.required_api_key: str | None = None  # when set, other keys get a 401
        self._seen: Counter[str] = Counter()
        self._lock = threading.Lock()
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(self))
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
        return marker.group(1) if marker else self.mode

    def reply(self, record: RecordedRequest) -> Reply:
        if record.method != "POST" or record.path != COMPLETIONS_PATH:
            return error(404, f"no route for {record.method} {record.path}", "not_found")
        body = record.body
        if not isinstance(body, dict) or "messages" not in body or "model" not in body:
            return error(400, "body must be JSON with model and messages", "invalid_request")
        if self.required_api_key is not None and (
            record.headers.get("authorization") != f"Bearer {self.required_api_key}"
        ):
            return error(401, "Incorrect API key provided", "invalid_request_error")
        record.behaviour = self.behaviour_for(record.user_message)
        handler = BEHAVIOURS.get(record.behaviour)
        if handler is None:
            return error(400, f"test server has no behaviour {record.behaviour!r}", "test")
        with self._lock:
            self._seen[record.user_message] += 1
            seen = self._seen[record.user_message]
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


def _error_500(body: dict, record: RecordedRequest, seen: int) -> Reply:
    return error(500, "The server had an error while processing your request.", "server_error")


BEHAVIOURS: dict[str, Behaviour] = {
    "normal": _normal,
    "llama-cpp": _llama_cpp,
    "invalid-json": _invalid_json,
    "breaks-schema": _breaks_schema,
    "refusal": _refusal,
    "out-of-range": _out_of_range,
    "code-fence": _code_fence,
    "nan-score": _nan_score,
    "rate-limited-once": _rate_limited_once,
    "error-500": _error_500,
}


def _handler_for(server: FakeOpenAIServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"  # keep-alive, as the openai client expects
        timeout = 10  # an idle kept-alive connection does not hold a thread forever

        def log_message(self, format: str, *args: object) -> None:  # keep test output quiet
            pass

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
            )
            with server._lock:
                server.requests.append(record)
            try:
                reply = server.reply(record)
            except Exception as exc:  # a bug in the test server shows up as a 500, not a hang
                reply = error(500, f"test server crashed: {exc!r}", "test")
            record.status = reply.status
            payload = json.dumps(reply.body).encode()
            self.send_response(reply.status)
            self.send_header("content-type", "application/json")
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

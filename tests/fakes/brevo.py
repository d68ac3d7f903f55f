"""A fake of Brevo's transactional email API, as anymail's Brevo backend calls it.

A real HTTP server (stdlib, one thread per connection) on 127.0.0.1 only, so that tests and
benchmarks exercise the real client path: anymail builds the JSON, `requests` posts it with its
timeouts, the processor classifies real HTTP answers.

    with FakeBrevo(api_key="test-key") as fake:      # settings: BREVO_API_URL = fake.base_url
        fake.script(Reply(503), Reply.hang())         # the next two requests, then 201 again
        ...
        fake.deliveries()                             # {"<X-ASF-Event-Id>": times accepted}

`POST /v3/smtp/email` answers 201 `{"messageId": "<...>"}` (after `latency` seconds) unless a
scripted reply is queued, the api-key is wrong (401, Brevo's body) or the body lacks what Brevo
requires (400). Every request is recorded; a delivery counts only when a 2xx was answered.
`GET /__fake__/stats` gives the counts to a process that runs the fake in the foreground:

    python -m tests.fakes.brevo --port 8025 --latency-ms 50
"""

from __future__ import annotations

import argparse
import contextlib
import json
import signal
import threading
import time
import uuid
from collections import Counter, deque
from dataclasses import dataclass, field
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

HOST = "127.0.0.1"  # never another interface: the fake accepts anything from anyone
SEND_PATH = "/v3/smtp/email"
STATS_PATH = "/__fake__/stats"
EVENT_HEADER = "x-asf-event-id"
# Longer than any client timeout a test sets, short enough that a forgotten hang ends by itself.
HANG_SECONDS = 5.0
UNAUTHORIZED = {"code": "unauthorized", "message": "Key not found"}


@dataclass(frozen=True)
class Reply:
    """One scripted answer: `status` with `body` (JSON when not a str) after `delay` seconds;
    `drop` closes the connection without answering (what a hung provider looks like)."""

    status: int = 201
    body: Any = None
    delay: float = 0.0
    drop: bool = False

    @classmethod
    def hang(cls, seconds: float = HANG_SECONDS) -> Reply:
        return cls(status=0, delay=seconds, drop=True)


@dataclass(frozen=True)
class RecordedRequest:
    method: str
    path: str
    headers: dict[str, str]  # names lower-cased
    raw_body: bytes
    json: Any  # the parsed body, None when it is not JSON
    status: int  # what the fake answered; 0 when it dropped the connection
    event_id: str | None
    received_at: float = field(default_factory=time.monotonic)


def _message_headers(body: Any) -> dict[str, str]:
    """The email's own headers (JSON `headers`), names lower-cased: Brevo's are case-blind."""
    headers = body.get("headers") if isinstance(body, dict) else None
    if not isinstance(headers, dict):
        return {}
    return {str(name).lower(): str(value) for name, value in headers.items()}


def missing_parameter(body: Any) -> str | None:
    """What Brevo would refuse with 400 `missing_parameter` (a subset of its checks)."""
    if not isinstance(body, dict):
        return "body must be a JSON object"
    if "templateId" in body:
        return None
    for name in ("sender", "to", "subject"):
        if not body.get(name):
            return f"{name} is missing"
    if not (body.get("htmlContent") or body.get("textContent")):
        return "htmlContent is missing"
    return None


def _default_body(status: int) -> dict[str, str]:
    if 200 <= status < 300:
        return {"messageId": f"<{uuid.uuid4().hex}@smtp-relay.mailin.fr>"}
    try:
        phrase = HTTPStatus(status).phrase
    except ValueError:
        phrase = "Error"
    return {"code": phrase.lower().replace(" ", "_"), "message": phrase}


class _Server(ThreadingHTTPServer):
    daemon_threads = True  # a hung request must not keep the test process alive
    fake: FakeBrevo


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"  # keep-alive, as requests uses it
    # The headers and the body leave in two writes: with Nagle's algorithm the body would wait
    # for the client's delayed ACK (40 ms) on a kept-alive connection.
    disable_nagle_algorithm = True
    timeout = 30  # an idle keep-alive connection ends by itself

    def log_message(self, format: str, *args: Any) -> None:
        pass  # the tests assert on the records, not on a log

    def do_GET(self) -> None:
        if self.path == STATS_PATH:
            self._answer(200, self.server.fake.stats())
        else:
            self._answer(404, {"code": "not_found", "message": "Not found"})

    def do_POST(self) -> None:
        fake = self.server.fake
        raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        try:
            body: Any = json.loads(raw) if raw else None
        except ValueError:
            body = None
        headers = {name.lower(): value for name, value in self.headers.items()}
        event_id = _message_headers(body).get(EVENT_HEADER)
        reply = fake._next_reply(self.path, headers, body)
        if reply.delay:
            fake._stopping.wait(reply.delay)
        status = 0 if reply.drop else reply.status
        fake._record(RecordedRequest(self.command, self.path, headers, raw, body, status, event_id))
        if reply.drop:
            self.close_connection = True
            return
        self._answer(reply.status, reply.body)

    def _answer(self, status: int, body: Any) -> None:
        data = body.encode() if isinstance(body, str) else json.dumps(body).encode()
        try:
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
        except OSError:
            self.close_connection = True  # the client gave up (its timeout): nothing to do


class FakeBrevo:
    def __init__(self, *, api_key: str | None = None, latency: float = 0.0, port: int = 0) -> None:
        """`api_key`: the only key accepted (None accepts any); `latency`: seconds before each
        answer; `port` 0 picks a free one."""
        self.api_key = api_key
        self.latency = latency
        self.port = port
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._replies: deque[Reply] = deque()
        self._requests: list[RecordedRequest] = []
        self._deliveries: Counter[str] = Counter()
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    # --- lifecycle -------------------------------------------------------------------------

    def start(self) -> FakeBrevo:
        if self._server is not None:
            raise RuntimeError("FakeBrevo already started")
        self._stopping.clear()
        self._server = _Server((HOST, self.port), _Handler)
        self._server.fake = self
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.05},  # stop() returns quickly
            name=f"fake-brevo-{self.port}",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is None:
            return
        self._stopping.set()  # ends hangs and latencies now
        self._server.shutdown()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._server, self._thread = None, None

    def __enter__(self) -> FakeBrevo:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    @property
    def base_url(self) -> str:
        """What BREVO_API_URL is set to: anymail appends `smtp/email`."""
        return f"http://{HOST}:{self.port}/v3/"

    # --- scripting -------------------------------------------------------------------------

    def script(self, *replies: Reply) -> None:
        """The next requests get these replies, in order; then the normal behaviour resumes."""
        with self._lock:
            self._replies.extend(replies)

    def _next_reply(self, path: str, headers: dict[str, str], body: Any) -> Reply:
        with self._lock:
            scripted = self._replies.popleft() if self._replies else None
        if scripted is not None:
            body = scripted.body if scripted.body is not None else _default_body(scripted.status)
            return Reply(scripted.status, body, scripted.delay + self.latency, scripted.drop)
        if path != SEND_PATH:
            return Reply(404, {"code": "not_found", "message": "Invalid URL"}, self.latency)
        if self.api_key is not None and headers.get("api-key") != self.api_key:
            return Reply(401, UNAUTHORIZED, self.latency)
        problem = missing_parameter(body)
        if problem:
            return Reply(400, {"code": "missing_parameter", "message": problem}, self.latency)
        return Reply(201, _default_body(201), self.latency)

    # --- records ---------------------------------------------------------------------------

    def _record(self, request: RecordedRequest) -> None:
        with self._lock:
            self._requests.append(request)
            if 200 <= request.status < 300 and request.event_id is not None:
                self._deliveries[request.event_id] += 1

    @property
    def requests(self) -> list[RecordedRequest]:
        with self._lock:
            return list(self._requests)

    def deliveries(self) -> dict[str, int]:
        """Accepted sends per X-ASF-Event-Id: every value should be 1."""
        with self._lock:
            return dict(self._deliveries)

    def stats(self) -> dict[str, Any]:
        deliveries = self.deliveries()
        return {
            "requests": len(self.requests),
            "accepted": sum(deliveries.values()),
            "events": len(deliveries),
            "duplicates": {event: n for event, n in deliveries.items() if n > 1},
        }

    def reset(self) -> None:
        with self._lock:
            self._replies.clear()
            self._requests.clear()
            self._deliveries.clear()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Fake Brevo API on 127.0.0.1 (foreground).")
    parser.add_argument("--port", type=int, default=0, help="0: a free port (printed)")
    parser.add_argument("--latency-ms", type=float, default=0.0, help="delay before each answer")
    parser.add_argument("--api-key", default=None, help="the only key accepted (default: any)")
    args = parser.parse_args(argv)
    done = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: done.set())
    with FakeBrevo(api_key=args.api_key, latency=args.latency_ms / 1000, port=args.port) as fake:
        print(f"BREVO_API_URL={fake.base_url}", flush=True)
        with contextlib.suppress(KeyboardInterrupt):  # Ctrl-C: print the counts and stop
            done.wait()
        print(json.dumps(fake.stats()), flush=True)


if __name__ == "__main__":
    main()

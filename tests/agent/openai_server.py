"""A real OpenAI-compatible HTTP server on 127.0.0.1 for the LLM backend tests (stdlib only).

It speaks ``GET /v1/models`` and ``POST /v1/chat/completions`` like vLLM does (including vLLM's 404 body for an
unknown model), and can be scripted per request: answer with a status and headers, drop the connection, or be
slow. With ``ignore_n`` it behaves like the llama.cpp server and returns one choice whatever ``n`` says.
"""

from __future__ import annotations

import json
import socket
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Reply:
    """A scripted answer to one chat-completions request instead of the normal completion."""

    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    body: Any = None
    drop: bool = False  # close the connection without answering


def completion_text(body: dict[str, Any], index: int) -> str:
    """Deterministic text: the seed, the choice index and the last user message, so tests can tell them apart."""
    prompt = next((m["content"] for m in reversed(body["messages"]) if m["role"] == "user"), "")
    return f"seed={body.get('seed')} choice={index}: {prompt}"


class FakeOpenAIServer:
    """Start with ``with FakeOpenAIServer() as server:``; ``server.url`` is the base URL (ending in /v1)."""

    def __init__(self, models: tuple[str, ...] = ("tiny-chat",), *, ignore_n: bool = False, delay_s: float = 0.0):
        self.models = models
        self.ignore_n = ignore_n
        self.delay_s = delay_s
        self.script: deque[Reply | None] = deque()  # None: answer normally
        self.requests: list[dict[str, Any]] = []
        self.model_list_requests = 0
        self.inflight = 0
        self.max_inflight = 0
        self._lock = threading.Lock()
        self._connections: list[socket.socket] = []
        owner = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def setup(self) -> None:
                super().setup()
                with owner._lock:
                    owner._connections.append(self.connection)

            def log_message(self, format: str, *args: Any) -> None:
                pass

            def _send(self, status: int, payload: Any, headers: dict[str, str] | None = None) -> None:
                data = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                for name, value in (headers or {}).items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self) -> None:
                if self.path == "/v1/models":
                    with owner._lock:
                        owner.model_list_requests += 1
                    data = [{"id": m, "object": "model", "owned_by": "test"} for m in owner.models]
                    self._send(200, {"object": "list", "data": data})
                else:
                    self._send(404, {"detail": "Not Found"})

            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                if self.path != "/v1/chat/completions":
                    self._send(404, {"detail": "Not Found"})
                    return
                with owner._lock:
                    owner.requests.append(body)
                    reply = owner.script.popleft() if owner.script else None
                    owner.inflight += 1
                    owner.max_inflight = max(owner.max_inflight, owner.inflight)
                try:
                    self._answer(body, reply)
                finally:
                    with owner._lock:
                        owner.inflight -= 1

            def _answer(self, body: dict[str, Any], reply: Reply | None) -> None:
                if owner.delay_s:
                    time.sleep(owner.delay_s)
                if reply is not None and reply.drop:
                    self.close_connection = True
                    self.connection.shutdown(socket.SHUT_RDWR)
                    return
                if reply is not None:
                    self._send(
                        reply.status, reply.body or {"error": {"message": f"scripted {reply.status}"}}, reply.headers
                    )
                    return
                if body["model"] not in owner.models:
                    message = f"The model `{body['model']}` does not exist."
                    self._send(404, {"object": "error", "message": message, "type": "NotFoundError", "code": 404})
                    return
                n = 1 if owner.ignore_n else int(body.get("n", 1))
                texts = [completion_text(body, i) for i in range(n)]
                prompt_tokens = sum(len(m["content"].split()) for m in body["messages"])
                completion_tokens = sum(len(t.split()) for t in texts)
                self._send(
                    200,
                    {
                        "id": "chatcmpl-test",
                        "object": "chat.completion",
                        "created": int(time.time()),
                        "model": body["model"],
                        "choices": [
                            {"index": i, "message": {"role": "assistant", "content": t}, "finish_reason": "stop"}
                            for i, t in enumerate(texts)
                        ],
                        "usage": {
                            "prompt_tokens": prompt_tokens,
                            "completion_tokens": completion_tokens,
                            "total_tokens": prompt_tokens + completion_tokens,
                        },
                    },
                )

        class Server(ThreadingHTTPServer):
            request_queue_size = 128  # the default backlog of 5 drops bursts of parallel connects
            daemon_threads = True
            block_on_close = False

        self._server = Server(("127.0.0.1", 0), Handler)
        self.port = self._server.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}/v1"
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)

    def __enter__(self) -> FakeOpenAIServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.kill()

    def kill(self) -> None:
        """Stop listening and cut every open connection, as a crashed server would."""
        if self._thread.is_alive():
            self._server.shutdown()
            self._thread.join()
        self._server.server_close()
        with self._lock:
            for connection in self._connections:
                try:
                    connection.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
            self._connections.clear()


class SilentServer:
    """Accepts TCP connections (the kernel completes the handshake) and never reads or answers."""

    def __init__(self) -> None:
        self._socket = socket.socket()
        self._socket.bind(("127.0.0.1", 0))
        self._socket.listen(16)
        self.url = f"http://127.0.0.1:{self._socket.getsockname()[1]}/v1"

    def __enter__(self) -> SilentServer:
        return self

    def __exit__(self, *exc: object) -> None:
        self._socket.close()


def free_port() -> int:
    """A loopback port with nothing listening on it (bound, then released)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])

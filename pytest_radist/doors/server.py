"""The loopback HTTP front door: a threaded werkzeug server on 127.0.0.1.

werkzeug is imported when a server starts, not before, so that loading the
plugin stays cheap.
"""

from __future__ import annotations

import json
import socket
import threading
from http import HTTPStatus
from typing import TYPE_CHECKING, Any, Callable, Iterable, Optional
from urllib.parse import urlsplit

from ..api.app import ApiRequest, parse_body

if TYPE_CHECKING:
    from ..fake import RadistFake

StartResponse = Callable[..., Any]

#: The port ``radist-fake`` listens on by default (tests always use port 0).
DEFAULT_CLI_PORT = 8765
_NO_TARGET = json.dumps({"error": "No fake is attached to this server."}).encode()


class LoopbackServer:
    """Serves the fake it is attached to (``target``) over HTTP.

    The plugin keeps one per session and points it at each test's fresh fake,
    so no port is reused between tests of different workers and no test
    pays for a server start.
    """

    def __init__(self, target: Optional[RadistFake] = None, host: str = "127.0.0.1", port: int = 0) -> None:
        self.target = target
        self.host = host
        self.port = port
        self._server: Any = None
        self._thread: Optional[threading.Thread] = None
        self._lock = threading.Lock()

    @property
    def running(self) -> bool:
        return self._server is not None

    @property
    def url(self) -> str:
        """``http://127.0.0.1:<port>``, starting the server on first use."""
        self.start()
        host = self.host if ":" not in self.host else f"[{self.host}]"
        return f"http://{host}:{self.port}"

    def start(self) -> None:
        with self._lock:
            if self._server is not None:
                return
            server = _pooled_server_class()(self.host, self.port, self._wsgi)
            self.port = server.server_port
            thread = threading.Thread(
                target=server.serve_forever, kwargs={"poll_interval": 0.05},
                name=f"radist-fake-server:{self.port}", daemon=True,
            )
            thread.start()
            self._server, self._thread = server, thread

    def stop(self) -> None:
        """Stop serving and release the port; waits for the server thread."""
        with self._lock:
            server, thread = self._server, self._thread
            self._server = self._thread = None
        if server is not None:
            server.shutdown()
            server.server_close()  # also joins the worker threads
        if thread is not None:
            thread.join(timeout=5)

    def __enter__(self) -> LoopbackServer:
        self.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def _wsgi(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        fake = self.target
        if fake is None:
            start_response("503 SERVICE UNAVAILABLE", [("Content-Type", "application/json"), ("Content-Length", str(len(_NO_TARGET)))])
            return [_NO_TARGET]
        try:
            request = self._request(environ)
            outcome = fake.dispatch(request, door="http")
        except Exception as exc:  # a bug of the fake; never a bare traceback page
            message = f"internal error in the HTTP front door: {type(exc).__name__}: {exc}"
            fake.report_problem(message)
            return _respond(start_response, 500, json.dumps({"error": f"pytest-radist fake: {message}"}).encode())
        if outcome.delay:
            threading.Event().wait(outcome.delay)
        if outcome.drop:
            sock: socket.socket = environ["werkzeug.socket"]
            sock.shutdown(socket.SHUT_RDWR)
            raise ConnectionAbortedError("radist fake: dropped connection (fault injection)")
        payload = outcome.raw if outcome.raw is not None else json.dumps(outcome.body).encode()
        return _respond(start_response, outcome.status, payload)

    def _request(self, environ: dict[str, Any]) -> ApiRequest:
        target = environ.get("RAW_URI") or environ.get("PATH_INFO") or "/"
        if not target.startswith("/"):  # absolute-form request target
            parts = urlsplit(target)
            target = parts.path + ("?" + parts.query if parts.query else "")
        path, _, query = target.partition("?")
        stream = environ["wsgi.input"]
        if environ.get("wsgi.input_terminated"):
            raw = stream.read()
        else:
            try:
                length = max(0, int(environ.get("CONTENT_LENGTH") or 0))
            except ValueError:
                length = 0
            raw = stream.read(length) if length else b""
        host = environ.get("HTTP_HOST") or f"{self.host}:{self.port}"
        return ApiRequest(
            method=environ["REQUEST_METHOD"].upper(),
            path=path,
            query=query,
            authorization=environ.get("HTTP_AUTHORIZATION"),
            body=parse_body(raw),
            base_url=f"http://{host}",
        )


#: Most requests the server works on at once; more wait for a free worker.
MAX_WORKERS = 64


def _pooled_server_class() -> type:
    """A werkzeug server whose requests run on a pool of reused threads.

    werkzeug's own threaded server starts a thread per request, which costs
    more than the fake spends answering; reusing threads keeps the loopback
    door about as cheap as a single-threaded static stub while still serving
    requests concurrently (racing clients, slow-response faults).
    """
    from concurrent.futures import ThreadPoolExecutor

    from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler

    class QuietHandler(WSGIRequestHandler):
        def log(self, type: str, message: str, *args: Any) -> None:
            pass  # tests should not drown in access logs

    class PooledWSGIServer(BaseWSGIServer):
        multithread = True

        def __init__(self, host: str, port: int, app: Any) -> None:
            super().__init__(host, port, app, handler=QuietHandler)
            self._pool = ThreadPoolExecutor(MAX_WORKERS, thread_name_prefix=f"radist-fake-worker:{self.server_port}")

        def process_request(self, request: Any, client_address: Any) -> None:
            self._pool.submit(self._work, request, client_address)

        def _work(self, request: Any, client_address: Any) -> None:
            try:
                self.finish_request(request, client_address)
            except Exception:
                self.handle_error(request, client_address)
            finally:
                self.shutdown_request(request)

        def server_close(self) -> None:
            super().server_close()
            self._pool.shutdown(wait=True)

    return PooledWSGIServer


_REASONS = {status.value: f"{status.value} {status.phrase}" for status in HTTPStatus}


def _respond(start_response: StartResponse, status: int, payload: bytes) -> list[bytes]:
    start_response(_REASONS.get(status, f"{status} Unknown"), [("Content-Type", "application/json"), ("Content-Length", str(len(payload)))])
    return [payload]

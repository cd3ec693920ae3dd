"""Live mode keeps its connections to the service alive: against the real
service each new one costs a TCP and a TLS handshake. A connection is reused
only while fit to be: not closed by the service, idle for a short while at
most, not cut by the deadline; and none outlives the test."""

from __future__ import annotations

import socketserver
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler
from typing import Any

import pytest

from pytest_radist.api.app import ApiRequest
from pytest_radist.live import LiveCredentials, RadistLive
from pytest_radist.remote import _WATCHDOG, Connections


class Service(socketserver.ThreadingTCPServer):
    """Answers every request ``{}`` over HTTP/1.1, counting connections;
    ``close_after`` answers per connection (``None``: as many as come)."""

    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, close_after: Any = None, connection_close: bool = False) -> None:
        self.accepted = 0
        self.open = 0
        self.close_after = close_after
        self.connection_close = connection_close
        self.lock = threading.Lock()
        super().__init__(("127.0.0.1", 0), Handler)

    def shutdown_request(self, request: Any) -> None:
        super().shutdown_request(request)  # closed: the client may see it now
        with self.lock:
            self.open -= 1

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: Service

    def setup(self) -> None:
        super().setup()
        with self.server.lock:
            self.server.accepted += 1
            self.server.open += 1
        self.answered = 0


    def do_DELETE(self) -> None:
        self.do_POST()

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", "2")
        if self.server.connection_close:
            self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(b"{}")
        self.answered += 1
        if self.server.close_after is not None and self.answered >= self.server.close_after:
            self.close_connection = True

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def service(request: pytest.FixtureRequest) -> Iterator[Service]:
    options = getattr(request, "param", {})
    server = Service(**options)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()
    thread.join(5)


def live_for(service: Service) -> RadistLive:
    return RadistLive(LiveCredentials("p", "rad_sk_" + "s" * 32, "rad_pk_" + "p" * 32, service.url), timeout=5.0)


def forward(live: RadistLive, method: str = "POST") -> int:
    request = ApiRequest(method, "/api/v1/projects/p/calls", authorization=f"Bearer {live.credentials.secret_key}",
                         body={}, raw_body=b"{}") if method == "POST" else \
        ApiRequest(method, "/api/v1/projects/p/spaces/s1", authorization=f"Bearer {live.credentials.secret_key}")
    outcome = live.dispatch(request, "transport")
    return outcome.status


def wait_until(condition: Any, seconds: float = 5.0) -> bool:
    deadline = time.monotonic() + seconds
    while not condition() and time.monotonic() < deadline:
        time.sleep(0.01)
    return bool(condition())


def test_live_mode_sends_a_test_s_requests_on_one_connection(service: Service) -> None:
    live = live_for(service)
    assert [forward(live) for _ in range(5)] == [200] * 5
    assert service.accepted == 1
    live.clean_up()  # the test is over: nothing stays open
    assert wait_until(lambda: service.open == 0)


@pytest.mark.parametrize("service", [{"close_after": 1}], indirect=True)
def test_a_connection_the_service_closed_is_not_reused(service: Service) -> None:
    live = live_for(service)
    for _ in range(3):
        assert forward(live) == 200
        assert wait_until(lambda: service.open == 0)  # the service closed it after its answer
    assert service.accepted == 3
    live.close()


@pytest.mark.parametrize("service", [{"connection_close": True}], indirect=True)
def test_an_answer_that_closes_the_connection_leaves_none_kept(service: Service) -> None:
    live = live_for(service)
    assert forward(live) == 200 and forward(live) == 200
    assert service.accepted == 2 and len(live._connections) == 0
    live.close()


def test_a_connection_idle_too_long_is_closed_not_reused(service: Service, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(Connections, "REUSE_WITHIN", 0.05)
    live = live_for(service)
    assert forward(live) == 200
    time.sleep(0.1)
    assert forward(live) == 200
    assert service.accepted == 2
    assert wait_until(lambda: service.open == 1)  # the idle one was closed, the new one waits
    live.close()
    assert wait_until(lambda: service.open == 0)


def test_the_deadline_s_cut_is_known_to_whoever_cancels_it() -> None:
    ran = threading.Event()
    handle = _WATCHDOG.at(time.monotonic() + 0.01, ran.set)
    assert ran.wait(5)
    assert _WATCHDOG.cancel(handle) is False  # it ran: the connection it cut is not kept
    later = _WATCHDOG.at(time.monotonic() + 60, ran.clear)
    assert _WATCHDOG.cancel(later) is True and ran.is_set()


def test_concurrent_forwards_share_the_kept_connections_safely(service: Service) -> None:
    from concurrent.futures import ThreadPoolExecutor

    live = live_for(service)
    with ThreadPoolExecutor(8) as pool:
        statuses = list(pool.map(lambda _: forward(live), range(200)))
    assert statuses == [200] * 200
    assert service.accepted <= 8 + 4 * 8  # one per thread at most at a time, kept or not (4 kept)
    assert len(live._connections) <= 4
    live.clean_up()
    assert wait_until(lambda: service.open == 0)
    assert len(live.requests) == 200


@pytest.mark.parametrize("service", [{"close_after": 1}], indirect=True)
def test_a_kept_connection_found_closed_is_retried_only_when_the_request_may_be_sent_twice(
        service: Service, monkeypatch: pytest.MonkeyPatch) -> None:
    import pytest_radist.remote as remote

    monkeypatch.setattr(remote, "_still_open", lambda connection: True)  # as if the close had not arrived yet
    live = live_for(service)
    assert forward(live, "DELETE") == 200
    assert wait_until(lambda: service.open == 0)
    assert forward(live, "DELETE") == 200  # the kept one was closed: sent again on a new connection
    assert service.accepted == 2
    assert wait_until(lambda: service.open == 0)
    assert forward(live, "POST") == 502  # a POST may have been carried out: not sent twice
    assert service.accepted == 2 and "before a whole answer" in live.problems[0]
    live.strict = False
    live.close()

"""Forwarding at the timescale users live at: ``radist-fake verify`` and live
mode's forwarder against targets that trickle, never end, or announce
2 GiB, and against targets that echo the keys they were given.

Every forward is bounded: ``--timeout`` (live mode: ``timeout``) bounds the
whole request, and an answer over ``MAX_ANSWER_BYTES`` is refused without
being read whole.
"""

from __future__ import annotations

import json
import re
import resource
import socket
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from pytest_radist import RadistFake
from pytest_radist.api.app import ApiRequest
from pytest_radist.live import LiveCredentials, RadistLive
from pytest_radist.target import Outcome

from .helpers import credentials_of

#: The timeout these tests give; an answer must fail within it plus a second.
TIMEOUT = 1.0


def rss_mb() -> float:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * resource.getpagesize() / 2**20


def _trickle(connection: socket.socket, stop: threading.Event) -> None:
    """A head, then one byte of body every 0.3 s, for 20 s."""
    connection.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n")
    for _ in range(66):
        if stop.wait(0.3):
            return
        connection.sendall(b" ")


def _trickled_head(connection: socket.socket, stop: threading.Event) -> None:
    """The head itself, one byte every 0.3 s, for 20 s."""
    for byte in b"HTTP/1.1 200 OK\r\nX-Slow: " + b"a" * 60:
        if stop.wait(0.3):
            return
        connection.sendall(bytes([byte]))


def _endless(connection: socket.socket, stop: threading.Event) -> None:
    """A chunked body, as fast as it is read, up to 300 MB."""
    connection.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n")
    chunk = b"%x\r\n%s\r\n" % (65536, b"[" * 65536)
    for _ in range(300 * 16):
        if stop.is_set():
            return
        connection.sendall(chunk)


def _two_gib(connection: socket.socket, stop: threading.Event) -> None:
    """Content-Length 2 GiB, then bytes as fast as they are read, up to 300 MB."""
    connection.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n" % 2**31)
    for _ in range(300 * 16):
        if stop.is_set():
            return
        connection.sendall(b"[" * 65536)


TARGETS: dict[str, Callable[[socket.socket, threading.Event], None]] = {
    "trickling body": _trickle, "trickling head": _trickled_head, "endless body": _endless, "2 GiB announced": _two_gib,
}


@pytest.fixture
def hostile() -> Iterator[Callable[[str], str]]:
    """``hostile(kind)``: the base URL of a target that answers every
    request the ``kind`` way."""
    listener = socket.create_server(("127.0.0.1", 0))
    stop = threading.Event()
    threads: list[threading.Thread] = []
    behaviour: list[Callable[[socket.socket, threading.Event], None]] = []

    def answer(connection: socket.socket) -> None:
        with connection:
            try:
                connection.recv(65536)
                behaviour[0](connection, stop)
            except OSError:
                pass  # the forwarder hung up: what it should do

    listener.settimeout(0.1)  # a closed listener does not wake accept(): look at stop instead

    def accept() -> None:
        while not stop.is_set():
            try:
                connection, _ = listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            connection.settimeout(None)
            thread = threading.Thread(target=answer, args=(connection,), daemon=True)
            thread.start()
            threads.append(thread)

    acceptor = threading.Thread(target=accept, daemon=True)

    def start(kind: str) -> str:
        behaviour.append(TARGETS[kind])
        acceptor.start()
        return f"http://127.0.0.1:{listener.getsockname()[1]}"

    yield start
    stop.set()
    listener.close()
    for thread in threads + ([acceptor] if acceptor.is_alive() else []):
        thread.join(5)


@pytest.mark.parametrize("kind", list(TARGETS))
def test_verify_fails_in_one_line_within_its_timeout(hostile: Callable[[str], str], run_verify: Any, kind: str) -> None:
    base_url = hostile(kind)
    before, started = rss_mb(), time.monotonic()
    status, report, _, err = run_verify(base_url, credentials_of(RadistFake(seed=1)), "--timeout", str(TIMEOUT))
    assert time.monotonic() - started < TIMEOUT + 1
    assert rss_mb() - before < 64
    assert status == 2 and report is None and len(err.strip().splitlines()) == 1, err
    expected = "no whole answer within 1 s" if kind.startswith("trickling") else "bytes"
    assert f"cannot talk to {base_url}: " in err and expected in err


@pytest.mark.parametrize("kind", list(TARGETS))
def test_the_live_forwarder_answers_502_within_its_timeout(hostile: Callable[[str], str], kind: str) -> None:
    base_url = hostile(kind)
    live = RadistLive(LiveCredentials("p", "rad_sk_live0000", "rad_pk_live0000", base_url), timeout=TIMEOUT, strict=True)
    before, started = rss_mb(), time.monotonic()
    outcome = live.dispatch(ApiRequest("GET", "/api/v1/projects/p/calls", "", "Bearer rad_sk_live0000"), door="http")
    assert time.monotonic() - started < TIMEOUT + 1
    assert rss_mb() - before < 64
    assert outcome.status == 502 and outcome.body is not None
    if kind.startswith("trickling"):
        assert outcome.body["error"] == f"Live mode: could not reach {base_url}: no whole answer within 1 s"
    else:
        from pytest_radist.remote import MAX_ANSWER_BYTES

        assert outcome.body["error"].startswith(f"Live mode: {base_url} answered too much: ")
        assert str(MAX_ANSWER_BYTES) in outcome.body["error"]
    assert live.problems == [outcome.body["error"]]


# -- secrets never leave ------------------------------------------------------------------


def test_the_journal_redacts_keys_and_passwords_wherever_a_client_puts_them(radist_fake: RadistFake) -> None:
    secret = radist_fake.project.secret_key
    auth = f"Bearer {secret}"
    sends = [
        ApiRequest("GET", f"/api/v1/projects/{radist_fake.project.id}/calls", f"limit=5&key={secret}", auth),
        ApiRequest("POST", f"/api/v1/projects/{radist_fake.project.id}/calls", "", auth, {"key": secret, "note": f"my key is {secret}"}),
        ApiRequest("GET", f"/api/v1/projects/{secret}/calls", "", auth),
        ApiRequest("POST", f"/api/v1/projects/{radist_fake.project.id}/spaces", "password=hunter2", auth,
                   {"name": "Board", "accessType": "password", "password": "hunter1",
                    "meta": {"Password": "hunter3", "list": [{"PASSWORD": "hunter4", "newPassword": "hunter5"}]}}),
    ]
    for request in sends:
        radist_fake.dispatch(request, door="http")
    journaled = repr(radist_fake.requests) + "".join(r.describe() for r in radist_fake.requests)
    control = radist_fake.dispatch(ApiRequest("GET", "/_radist/requests"), door="http").body
    for shown in (journaled, json.dumps(control)):
        assert secret not in shown and not re.search("hunter[1-5]", shown)
        assert f"rad_sk_...{secret[-4:]}" in shown
    first, second, third, fourth = radist_fake.requests
    assert first.query == {"limit": "5", "key": f"rad_sk_...{secret[-4:]}"}
    assert second.json == {"key": f"rad_sk_...{secret[-4:]}", "note": f"my key is rad_sk_...{secret[-4:]}"}
    assert third.path == f"/api/v1/projects/rad_sk_...{secret[-4:]}/calls" and third.params["projectId"] == f"rad_sk_...{secret[-4:]}"
    assert fourth.json["meta"] == {"Password": "***", "list": [{"PASSWORD": "***", "newPassword": "***"}]}
    assert fourth.query == {"password": "***"} and fourth.json["password"] == "***"


@pytest.mark.parametrize("query, kept", [
    ("page=1&limit=20", "page=1&limit=20"),  # nothing to hide: kept as sent, unparsed
    ("pass%77ord=hunter6", "password=%2A%2A%2A"),  # a name spelled in escapes
    ("PASSWORD=hunter6&page=2", "PASSWORD=%2A%2A%2A&page=2"),
    ("note=my+key+is+{secret}", "note=my+key+is+rad_sk_...{hint}"),
    ("k=rad%5Fsk%5F{rest}", "k=rad_sk_...{hint}"),  # a key spelled in escapes
    ("publicKey={public}", "publicKey=rad_pk_...{public_hint}"),
])
def test_a_query_is_redacted_however_it_spells_what_it_hides(radist_fake: RadistFake, query: str, kept: str) -> None:
    project = radist_fake.project
    secret, public = project.secret_key, project.public_key
    values = {"secret": secret, "hint": secret[-4:], "rest": secret.removeprefix("rad_sk_"), "public": public,
              "public_hint": public[-4:]}
    radist_fake.dispatch(ApiRequest("GET", f"/api/v1/projects/{project.id}/calls", query.format(**values),
                                    f"Bearer {secret}"), door="http")
    recorded = radist_fake.requests[-1]
    assert recorded.raw_query == kept.format(**values)
    assert "hunter6" not in recorded.raw_query and secret not in recorded.raw_query


def echo_keys(request: ApiRequest, outcome: Outcome) -> Outcome:
    """A target that echoes the key it was sent, in errors and answers."""
    body = dict(outcome.body or {})
    if "error" in body:
        body["error"] = f"{body['error']} (you sent {request.authorization})"
    body["seenKey"] = request.authorization
    return Outcome(outcome.status, body)


def test_verify_never_shows_a_key_a_target_echoes(standin: Any, run_verify: Any, tmp_path: Path) -> None:
    fake = standin(echo_keys)
    upstream = tmp_path / "issue.md"
    status, report, out, err = run_verify(fake.url, credentials_of(fake), "--upstream", str(upstream))
    assert report is not None and report["doc_disagreements"], "the echoed keys change the documented messages"
    shown = json.dumps(report) + out + err + upstream.read_text()
    for key in (fake.project.secret_key, fake.project.public_key):
        assert key not in shown
    assert f"rad_sk_...{fake.project.secret_key[-4:]}" in shown and f"rad_pk_...{fake.project.public_key[-4:]}" in shown


def test_verify_never_shows_a_key_on_stderr(httpserver: HTTPServer, run_verify: Any) -> None:
    fake = RadistFake(seed=1)

    def refuse(request: Request) -> Response:
        return Response(json.dumps({"error": f"no such key {request.headers.get('Authorization')}"}), status=401,
                        content_type="application/json")

    httpserver.expect_request(re.compile(".*")).respond_with_handler(refuse)
    status, report, out, err = run_verify(httpserver.url_for(""), credentials_of(fake))
    assert status == 2 and "refused the secret key" in err
    assert fake.project.secret_key not in out + err and f"rad_sk_...{fake.project.secret_key[-4:]}" in err


def test_live_mode_never_journals_a_key_the_service_echoes(httpserver: HTTPServer) -> None:
    service = RadistFake(seed=3)
    secret, public = service.project.secret_key, service.project.public_key

    def echo(request: Request) -> Response:
        return Response(json.dumps({"error": f"nope: {request.headers.get('Authorization')} / {public}", "key": secret}),
                        status=500, content_type="application/json")

    httpserver.expect_request(re.compile(".*")).respond_with_handler(echo)
    live = RadistLive(LiveCredentials(service.project.id, secret, public, httpserver.url_for("").rstrip("/")))
    outcome = live.dispatch(ApiRequest("GET", f"/api/v1/projects/{service.project.id}/calls", "", f"Bearer {secret}"), door="http")
    assert outcome.status == 500
    live.report_problem(f"the service said {outcome.body}")
    shown = repr(live.requests) + repr(live.problems)
    assert secret not in shown and public not in shown
    assert live.requests[0].response == {"error": f"nope: Bearer rad_sk_...{secret[-4:]} / rad_pk_...{public[-4:]}",
                                         "key": f"rad_sk_...{secret[-4:]}"}


def test_an_unfinished_answer_is_never_taken_for_a_whole_one(hostile: Callable[[str], str]) -> None:
    """A body without a length ends at the close: the watchdog's cut must not read as one."""
    from pytest_radist.remote import Unreachable, forward

    base_url = hostile("trickling body")
    with pytest.raises(Unreachable, match="no whole answer within 0.5 s"):
        forward(base_url, "GET", "/", timeout=0.5)

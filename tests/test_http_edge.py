"""The loopback server's edge, row by row as issue 25 found it with raw
sockets: answers that leave at once and in request order (HEAD included),
heads measured for themselves, and a Host, framing and expectations held
to RFC 9110 and 9112 as h11 holds them. Each test failed before the one
pipeline (``doors/pipeline.py``) and the rules at the edge
(``doors/http_rules.py``).

"At once" is checked against a keep-alive timeout of 30 s: an answer held
until the connection closes shows as a read that times out after
:data:`HANG` seconds, which no answer on time comes near (a hang bound,
not a performance target).
"""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator
from typing import Any, Optional

import pytest

from pytest_radist import LoopbackServer, RadistFake
from pytest_radist.doors.limits import ServerLimits

from .helpers import calls_path
from .test_server_robustness import serving

HANG = 3.0
PATIENT = ServerLimits(keep_alive_timeout=30.0, read_timeout=30.0)


@pytest.fixture
def served() -> Iterator[tuple[RadistFake, LoopbackServer]]:
    with serving(PATIENT) as both:
        yield both


class Reader:
    """Reads answers off one connection, each framed by the request it answers
    (a HEAD's, a 204's and a 304's have no body, RFC 9112 6.3)."""

    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock
        self.buffer = b""

    def _more(self) -> None:
        chunk = self.sock.recv(65536)
        if not chunk:
            raise ConnectionError(f"closed; unread: {self.buffer!r}")
        self.buffer += chunk

    def answer(self, method: str = "GET") -> tuple[int, dict[str, str], bytes]:
        while b"\r\n\r\n" not in self.buffer:
            self._more()
        head, _, self.buffer = self.buffer.partition(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        status = int(lines[0].split()[1])
        headers = {k.strip().lower(): v.strip() for k, _, v in (line.partition(":") for line in lines[1:])}
        length = 0 if method == "HEAD" or status in (204, 304) or status < 200 else int(headers.get("content-length", "0"))
        while len(self.buffer) < length:
            self._more()
        body, self.buffer = self.buffer[:length], self.buffer[length:]
        return status, headers, body

    def closed(self) -> bool:
        """Whether the server closed the connection with nothing more to say."""
        try:
            self._more()
        except ConnectionError:
            return self.buffer == b""
        return False


def connect(server: LoopbackServer) -> tuple[socket.socket, Reader]:
    sock = socket.create_connection(("127.0.0.1", server.port), timeout=HANG)
    return sock, Reader(sock)


def request(fake: RadistFake, method: str, path: str, *, body: bytes = b"", headers: str = "",
            host: Optional[str] = "127.0.0.1", version: str = "1.1") -> bytes:
    lines = f"{method} {path} HTTP/{version}\r\n"
    if host is not None:
        lines += f"Host: {host}\r\n"
    lines += f"Authorization: Bearer {fake.project.secret_key}\r\n{headers}"
    if (body or method in ("POST", "PATCH")) and "transfer-encoding" not in headers.lower():
        lines += f"Content-Length: {len(body)}\r\n"
    return (lines + "\r\n").encode("latin-1") + body


def test_head_then_get_on_one_connection_both_answered_at_once_in_order(served: tuple[RadistFake, LoopbackServer]) -> None:
    fake, server = served
    fake.make_call()
    sock, reader = connect(server)
    with sock:
        sock.sendall(request(fake, "HEAD", calls_path(fake)))
        status, headers, body = reader.answer("HEAD")
        assert (status, body) == (200, b"")
        sock.sendall(request(fake, "GET", calls_path(fake)))
        status, got_headers, got = reader.answer("GET")
        assert status == 200 and json.loads(got)["total"] == 1
        assert headers["content-length"] == got_headers["content-length"]  # the HEAD says the GET's length
        sock.sendall(request(fake, "HEAD", calls_path(fake)) + request(fake, "POST", calls_path(fake)))  # pipelined
        assert reader.answer("HEAD")[0] == 200
        status, _, created = reader.answer("POST")
        assert status == 200 and "callId" in json.loads(created)
    assert [(e.method, e.endpoint) for e in fake.requests][:2] == [("HEAD", "list_calls"), ("GET", "list_calls")]


@pytest.mark.parametrize("origin", [None, "http://app.test"], ids=["plain", "with Origin"])
def test_head_and_get_through_the_request_cycle_leave_in_order_at_once(served: tuple[RadistFake, LoopbackServer],
                                                                       origin: Optional[str]) -> None:
    # a chunked body takes uvicorn's request cycle: its HEAD's head was held until the connection closed
    fake, server = served
    extra = "Transfer-Encoding: chunked\r\n" + (f"Origin: {origin}\r\n" if origin else "")
    sock, reader = connect(server)
    with sock:
        sock.sendall(request(fake, "HEAD", calls_path(fake), headers=extra, body=b"0\r\n\r\n"))
        assert reader.answer("HEAD")[0] == 200
        sock.sendall(request(fake, "GET", calls_path(fake), headers=extra, body=b"0\r\n\r\n"))
        status, _, body = reader.answer("GET")
        assert status == 200 and json.loads(body)["calls"] == []


def test_a_head_of_a_route_without_get_is_405(served: tuple[RadistFake, LoopbackServer]) -> None:
    fake, server = served
    sock, reader = connect(server)
    with sock:
        sock.sendall(request(fake, "HEAD", f"/api/v1/projects/{fake.project.id}/rooms"))
        status, headers, body = reader.answer("HEAD")
        assert (status, body, headers["allow"]) == (405, b"", "POST")


def test_a_large_body_then_a_head_split_across_reads_are_both_answered(served: tuple[RadistFake, LoopbackServer]) -> None:
    # the 40 KB body was counted as the next head's: 414 for a 40-byte URL
    fake, server = served
    big = json.dumps({"accessControl": "public", "pad": "x" * 40_000}).encode()
    following = request(fake, "GET", calls_path(fake))
    sock, reader = connect(server)
    with sock:
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        sock.sendall(request(fake, "POST", calls_path(fake), body=big) + following[:20])
        status, _, body = reader.answer("POST")
        assert status == 200 and json.loads(body)["accessControl"] == "public"
        sock.sendall(following[20:])
        status, _, body = reader.answer("GET")
        assert status == 200 and json.loads(body)["total"] == 1


def test_a_100_kb_create_then_a_partial_head_creates_then_answers_the_next(served: tuple[RadistFake, LoopbackServer]) -> None:
    fake, server = served
    big = json.dumps({"pad": "y" * 100_000}).encode()
    following = request(fake, "GET", calls_path(fake))
    sock, reader = connect(server)
    with sock:
        sock.sendall(request(fake, "POST", calls_path(fake), body=big) + following[:30])
        status, _, body = reader.answer("POST")
        assert status == 200 and "callId" in json.loads(body)
        sock.sendall(following[30:])
        assert reader.answer("GET")[0] == 200
    assert len(fake.calls) == 1


def test_300_pipelined_gets_whose_read_ends_mid_head_are_all_answered(served: tuple[RadistFake, LoopbackServer]) -> None:
    fake, server = served
    one = request(fake, "GET", calls_path(fake) + "?limit=1")
    burst = one * 300
    sock, reader = connect(server)
    with sock:
        sock.sendall(burst + one[:25])
        for _ in range(300):
            assert reader.answer("GET")[0] == 200
        sock.sendall(one[25:])
        assert reader.answer("GET")[0] == 200


def test_an_endless_header_is_refused_once_the_head_passes_its_limit() -> None:
    limits = ServerLimits(max_head_bytes=8 * 1024)
    fake = RadistFake(seed=1)
    with LoopbackServer(fake, limits=limits) as server:
        fake.serve_on(server)
        sock, reader = connect(server)
        with sock:
            sock.sendall(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Endless: ")
            try:
                for _ in range(64):  # 64 KB of one header value, in pieces
                    sock.sendall(b"v" * 1024)
            except OSError:  # refused and closed meanwhile
                pass
            status, _, body = reader.answer()
            assert status == 431 and json.loads(body) == {"error": "Request header fields too large."}


@pytest.mark.parametrize("host", ["[", "127.0.0.1/evil?x=", "a b", "127.0.0.1:80:80", "exa%mple", "[::1", "host:port"])
def test_a_malformed_host_is_a_400_never_a_500_nor_a_url(served: tuple[RadistFake, LoopbackServer], host: str) -> None:
    fake, server = served
    body = json.dumps({"name": "Standup", "accessType": "public"}).encode()
    sock, reader = connect(server)
    with sock:
        sock.sendall(request(fake, "POST", f"/api/v1/projects/{fake.project.id}/spaces", body=body, host=host))
        status, _, answer = reader.answer("POST")
    assert status == 400 and json.loads(answer) == {"error": "Invalid Host header: expected host[:port]."}
    assert fake.spaces == {} and fake.problems == []


def test_a_good_host_is_what_urls_are_built_on(served: tuple[RadistFake, LoopbackServer]) -> None:
    fake, server = served
    body = json.dumps({"name": "Standup", "accessType": "public"}).encode()
    sock, reader = connect(server)
    with sock:
        sock.sendall(request(fake, "POST", f"/api/v1/projects/{fake.project.id}/spaces", body=body, host=f"localhost:{server.port}"))
        status, _, answer = reader.answer("POST")
    assert status == 200 and json.loads(answer)["participantUrl"] == f"http://localhost:{server.port}/s/standup"


@pytest.mark.parametrize("hosts, version, message", [
    ("Host: 127.0.0.1\r\nHost: evil.test\r\n", "1.1", "More than one Host header: send exactly one."),
    ("", "1.1", "Missing Host header: an HTTP/1.1 request must carry exactly one."),
    ("Host: a\r\nHost: b\r\n", "1.0", "More than one Host header: send exactly one."),
], ids=["two", "none on 1.1", "two on 1.0"])
def test_exactly_one_host(served: tuple[RadistFake, LoopbackServer], hosts: str, version: str, message: str) -> None:
    fake, server = served
    sock, reader = connect(server)
    with sock:
        sock.sendall(request(fake, "GET", calls_path(fake), host=None, headers=hosts, version=version))
        status, headers, body = reader.answer()
        assert (status, json.loads(body)) == (400, {"error": message})
        assert headers["connection"] == "close" and reader.closed()
    assert fake.requests == []


def test_http_1_0_needs_no_host(served: tuple[RadistFake, LoopbackServer]) -> None:
    fake, server = served
    sock, reader = connect(server)
    with sock:
        sock.sendall(request(fake, "GET", calls_path(fake), host=None, version="1.0"))
        assert reader.answer()[0] == 200
        assert reader.closed()  # HTTP/1.0: one answer per connection


@pytest.mark.parametrize("name, value", [("X-Note", "a\x01b"), ("X-Note", "a\x7fb"), ("Authorization", "Bearer \x0b")])
def test_control_bytes_in_a_header_value_are_refused(served: tuple[RadistFake, LoopbackServer], name: str, value: str) -> None:
    fake, server = served
    sock, reader = connect(server)
    with sock:
        sock.sendall(f"GET {calls_path(fake)} HTTP/1.1\r\nHost: 127.0.0.1\r\n{name}: {value}\r\n\r\n".encode("latin-1"))
        status, _, body = reader.answer()
    assert status == 400 and json.loads(body)["error"] in (
        f"Invalid value of header {name.lower()}: control characters are not allowed.", "Malformed HTTP request.")


@pytest.mark.parametrize("coding", ["gzip, chunked", "identity", "chunked, chunked"])
def test_a_transfer_coding_other_than_chunked_is_refused(served: tuple[RadistFake, LoopbackServer], coding: str) -> None:
    fake, server = served
    sock, reader = connect(server)
    with sock:
        sock.sendall(request(fake, "POST", calls_path(fake), headers=f"Transfer-Encoding: {coding}\r\n")[:-2]
                     .replace(b"Content-Length: 0\r\n", b"") + b"\r\n0\r\n\r\n")
        status, _, body = reader.answer()
    assert 400 <= status < 500 and "error" in json.loads(body)
    assert fake.calls == {}


@pytest.mark.parametrize("version, continues", [("1.1", True), ("1.0", False)])
def test_expect_100_continue_is_honoured_on_http_1_1_only(served: tuple[RadistFake, LoopbackServer], version: str,
                                                         continues: bool) -> None:
    fake, server = served
    body = b'{"accessControl": "public"}'
    sock, reader = connect(server)
    with sock:
        sock.sendall(request(fake, "POST", calls_path(fake), headers="Expect: 100-continue\r\n", version=version)[:-2]
                     .replace(b"Content-Length: 0", f"Content-Length: {len(body)}".encode()) + b"\r\n")
        if continues:
            assert reader.answer()[0] == 100
        sock.sendall(body)
        status, _, answer = reader.answer("POST")
    assert status == 200 and json.loads(answer)["accessControl"] == "public"


def test_a_bug_of_the_door_is_a_500_in_the_envelope_and_a_problem(served: tuple[RadistFake, LoopbackServer],
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    # the direct path answered its own bugs without telling the fake: strict mode saw nothing
    fake, server = served
    from pytest_radist.doors import pipeline

    def broken(*args: Any, **kwargs: Any) -> Any:
        raise LookupError("boom")

    monkeypatch.setattr(pipeline.Pipeline, "answer", broken)
    sock, reader = connect(server)
    with sock:
        sock.sendall(request(fake, "GET", calls_path(fake)))
        status, _, body = reader.answer()
    assert status == 500 and json.loads(body)["error"].endswith("LookupError: boom")
    assert fake.problems == ["internal error in the HTTP front door: LookupError: boom"]


def test_holding_fake_lock_across_a_request_to_the_server_fails_within_a_second_naming_it() -> None:
    # it froze every connection and socket until the client gave up, silently
    import urllib.error
    import urllib.request

    fake = RadistFake(seed=4)
    request = urllib.request.Request(fake.url + calls_path(fake), method="POST", data=b"{}",
                                     headers={"Authorization": f"Bearer {fake.project.secret_key}", "Content-Type": "application/json"})
    with fake.lock:
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(request, timeout=HANG)
    assert refused.value.code == 503 and "fake.lock" in json.loads(refused.value.read())["error"]
    assert len(fake.problems) == 1 and "the state's lock (fake.lock) was held" in fake.problems[0]
    assert fake.calls == {}  # nothing was done
    assert urllib.request.urlopen(request, timeout=HANG).status == 200  # released: served again

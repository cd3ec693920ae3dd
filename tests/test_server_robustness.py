"""The loopback server under hostile input, idle and slow clients, and stop.

Every case talks raw bytes over a real socket, then checks the answer is the
JSON envelope with a 4xx (or a close), and that the server still serves a
normal request afterwards. Servers here use short timeouts so the suite
stays quick; the defaults are in ``ServerLimits``.
"""

from __future__ import annotations

import json
import resource
import socket
import threading
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Optional

import pytest

from pytest_radist import LoopbackServer, RadistFake
from pytest_radist.api.app import ApiRequest, Outcome
from pytest_radist.controls.journal import OmittedBody
from pytest_radist.doors.limits import ServerLimits

from .helpers import calls_path

SHORT = ServerLimits(read_timeout=0.5, keep_alive_timeout=0.5)
#: A bound that only a hang exceeds (the old server never stopped); not a
#: performance target, which lives in bench/.
HANG = 5.0


@contextmanager
def serving(limits: ServerLimits) -> Iterator[tuple[RadistFake, LoopbackServer]]:
    fake = RadistFake(seed=3)
    server = LoopbackServer(fake, limits=limits)
    fake.serve_on(server)
    server.start()
    try:
        yield fake, server
    finally:
        server.stop()


@pytest.fixture
def served() -> Iterator[tuple[RadistFake, LoopbackServer]]:
    with serving(SHORT) as both:
        yield both


def connect(server: LoopbackServer) -> socket.socket:
    return socket.create_connection(("127.0.0.1", server.port), timeout=HANG)


def read_response(sock: socket.socket) -> tuple[int, dict[str, str], Any]:
    """Status, headers and JSON body of one response (by Content-Length)."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        if not chunk:
            raise ConnectionError(f"closed before a response; got {data!r}")
        data += chunk
    head, _, rest = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    headers = {k.strip().lower(): v.strip() for k, _, v in (line.partition(":") for line in lines[1:])}
    length = int(headers["content-length"])
    while len(rest) < length:
        chunk = sock.recv(65536)
        if not chunk:
            break
        rest += chunk
    return status, headers, json.loads(rest[:length])


def exchange(server: LoopbackServer, data: bytes) -> tuple[int, dict[str, str], Any]:
    with connect(server) as sock:
        sock.sendall(data)
        return read_response(sock)


def still_serves(fake: RadistFake, server: LoopbackServer) -> None:
    request = urllib.request.Request(server.url + calls_path(fake), method="POST",
                                     headers={"Authorization": f"Bearer {fake.project.secret_key}"})
    with urllib.request.urlopen(request, timeout=HANG) as response:
        assert response.status == 200 and json.loads(response.read())["callId"]


def head(fake: RadistFake, extra: str = "", method: str = "POST", path: Optional[str] = None, version: str = "HTTP/1.1") -> bytes:
    return (f"{method} {path or calls_path(fake)} {version}\r\nHost: x\r\n"
            f"Authorization: Bearer {fake.project.secret_key}\r\n{extra}\r\n").encode()


def rss_mb() -> float:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * resource.getpagesize() / 2**20


CHUNKED = "Transfer-Encoding: chunked\r\n"

# (name, request bytes built from the fake, expected status, expected message or None for any)
BAD_INPUTS = [
    ("invalid chunk size", lambda f: head(f, CHUNKED) + b"zz\r\nab\r\n0\r\n\r\n", 400, "Malformed HTTP request."),
    ("negative chunk size", lambda f: head(f, CHUNKED) + b"-2\r\nab\r\n0\r\n\r\n", 400, "Malformed HTTP request."),
    ("chunk without its CRLF", lambda f: head(f, CHUNKED) + b"2\r\n{}XX0\r\n\r\n", 400, "Malformed HTTP request."),
    ("Content-Length 10**20", lambda f: head(f, f"Content-Length: {10**20}\r\n"), 400, "Malformed HTTP request."),
    ("Content-Length 2**40", lambda f: head(f, f"Content-Length: {2**40}\r\n"), 413, "Request body too large: at most 1048576 bytes."),
    ("HTTP/2.0 request line", lambda f: head(f, version="HTTP/2.0"), 400, "Unsupported HTTP version: use HTTP/1.1."),
    ("garbage request line", lambda f: b"\x16\x03\x01 hello there\r\n\r\n", 400, "Malformed HTTP request."),
    ("100 KB id", lambda f: head(f, path=f"/api/v1/p2p/calls/{'x' * 100_000}/token"), 414, "Request URL too long: at most 8192 bytes."),
    ("10 KB id", lambda f: head(f, path=f"/api/v1/p2p/calls/{'x' * 10_000}/token"), 414, "Request URL too long: at most 8192 bytes."),
    ("64 KB header", lambda f: head(f, f"X-Big: {'a' * 65536}\r\n"), 431, "Request header fields too large."),
    ("101 headers", lambda f: head(f, "".join(f"X-{i}: {i}\r\n" for i in range(101))), 431, "Too many request header fields: at most 100."),
    ("page of 5,000 digits", lambda f: head(f, method="GET", path=calls_path(f) + "?page=" + "9" * 5000), 400, "Invalid page query parameter."),
    ("limit of 5,000 digits", lambda f: head(f, method="GET", path=calls_path(f) + "?limit=" + "9" * 5000), 400, "Invalid limit query parameter."),
]


@pytest.mark.parametrize("build, status, message", [case[1:] for case in BAD_INPUTS], ids=[case[0] for case in BAD_INPUTS])
def test_bad_input_gets_a_json_4xx_and_the_server_goes_on(served: tuple[RadistFake, LoopbackServer], build: Any, status: int, message: str) -> None:
    fake, server = served
    got_status, headers, body = exchange(server, build(fake))
    assert (got_status, body) == (status, {"error": message})
    assert headers["content-type"] == "application/json"
    assert fake.problems == []
    still_serves(fake, server)


def test_a_legal_chunk_extension_is_read(served: tuple[RadistFake, LoopbackServer]) -> None:
    fake, server = served
    body = b'{"accessControl":"public"}'
    request = head(fake, CHUNKED) + f"{len(body):x};ext=1\r\n".encode() + body + b"\r\n0\r\n\r\n"
    status, _, answer = exchange(server, request)
    assert status == 200 and answer["accessControl"] == "public"


@pytest.mark.parametrize("announced", ["7fffffffffffffff", "10000000"])
def test_a_huge_announced_chunk_then_a_close_costs_no_memory(served: tuple[RadistFake, LoopbackServer], announced: str) -> None:
    fake, server = served
    before = rss_mb()
    for _ in range(5):
        with connect(server) as sock:
            sock.sendall(head(fake, CHUNKED) + f"{announced}\r\nab".encode())
    still_serves(fake, server)
    assert rss_mb() - before < 50
    assert fake.requests[-1].endpoint == "create_call" and len(fake.requests) == 1  # the broken ones never reached the API


def test_a_body_over_the_limit_is_413_without_reading_it_all(served: tuple[RadistFake, LoopbackServer]) -> None:
    fake, server = served
    with connect(server) as sock:
        sock.sendall(head(fake, CHUNKED))
        chunk = b"%x\r\n%s\r\n" % (65536, b"a" * 65536)
        try:
            for _ in range(40):  # 2.5 MiB, but the server answers after 1 MiB
                sock.sendall(chunk)
        except (BrokenPipeError, ConnectionResetError):
            pass
        status, headers, body = read_response(sock)
    assert status == 413 and body == {"error": "Request body too large: at most 1048576 bytes."}
    assert headers["connection"] == "close"
    still_serves(fake, server)


@pytest.mark.parametrize("partial", [b"GET /\r\n", b"POST /api/v1/projects/p/calls HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\n{}"],
                         ids=["HTTP/0.9 line without a blank line", "body shorter than Content-Length"])
def test_a_request_that_never_completes_times_out_with_408(served: tuple[RadistFake, LoopbackServer], partial: bytes) -> None:
    fake, server = served
    with connect(server) as sock:
        sock.sendall(partial)
        status, _, body = read_response(sock)
        assert status == 408 and body["error"].startswith("Request not received in time")
        assert sock.recv(10) == b""  # and the server closed it
    still_serves(fake, server)


def test_an_idle_connection_is_closed_silently(served: tuple[RadistFake, LoopbackServer]) -> None:
    _, server = served
    with connect(server) as sock:
        assert sock.recv(10) == b""


def test_keep_alive_serves_many_requests_on_one_connection(served: tuple[RadistFake, LoopbackServer]) -> None:
    fake, server = served
    with connect(server) as sock:
        for _ in range(3):
            sock.sendall(head(fake))
            status, headers, _ = read_response(sock)
            assert status == 200 and headers.get("connection") != "close"
    assert len(fake.requests) == 3


def test_each_request_moves_the_deadline_for_the_next_and_silence_still_ends_it() -> None:
    with serving(ServerLimits(read_timeout=0.5, keep_alive_timeout=5.0)) as (fake, server):
        with connect(server) as sock:
            started = time.monotonic()
            for _ in range(4):  # 0.3 s apart: past the first request's deadline, within each one's own
                sock.sendall(head(fake, "Content-Length: 0\r\n"))
                assert read_response(sock)[0] == 200
                time.sleep(0.3)
            assert time.monotonic() - started > 1.0
            sock.sendall(b"POST / HTTP/1.1\r\n")  # half a head, then nothing: 408 once its own deadline passes
            status, _, body = read_response(sock)
            assert status == 408 and body["error"].startswith("Request not received in time")
            assert sock.recv(10) == b""
        with connect(server) as sock:
            sock.sendall(head(fake, "Content-Length: 0\r\n"))
            assert read_response(sock)[0] == 200
            sock.settimeout(HANG)
            assert sock.recv(10) == b""  # silence after an answer: closed after read_timeout, not keep_alive_timeout


def test_keep_alive_closes_an_idle_connection_and_a_request_begun_gets_its_read_timeout() -> None:
    with serving(ServerLimits(read_timeout=1.0, keep_alive_timeout=0.3)) as (fake, server):
        with connect(server) as sock:
            sock.sendall(head(fake, "Content-Length: 0\r\n"))
            assert read_response(sock)[0] == 200
            sock.settimeout(0.9)  # closed by keep-alive, before the read timeout
            assert sock.recv(10) == b""
        with connect(server) as sock:
            sock.sendall(head(fake, "Content-Length: 0\r\n"))
            assert read_response(sock)[0] == 200
            time.sleep(0.1)
            sock.sendall(b"POST / HTTP/1.1\r\n")  # a request begins: keep-alive no longer applies
            status, _, body = read_response(sock)
            assert status == 408 and body["error"] == "Request not received in time: send the whole request within 1.0 seconds."


class _Cycle:
    def __init__(self) -> None:
        self.response_started = False


class _Written:
    """A transport that records its writes."""

    def __init__(self) -> None:
        self.writes: list[bytes] = []
        self.closed = self.aborted = False

    def write(self, data: bytes) -> None:
        self.writes.append(data)

    def close(self) -> None:
        self.closed = True

    def abort(self) -> None:
        self.aborted = True

    def get_write_buffer_size(self) -> int:
        return 7


def test_an_answer_is_one_segment_on_the_wire(served: tuple[RadistFake, LoopbackServer]) -> None:
    fake, server = served
    with connect(server) as sock:
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        for _ in range(3):
            sock.sendall(head(fake, "Content-Length: 0\r\n"))
            time.sleep(0.05)  # the whole answer is there: one write, one segment
            data = sock.recv(65536)
            _, _, body = data.partition(b"\r\n\r\n")
            assert data.startswith(b"HTTP/1.1 200") and json.loads(body)["callId"]


@pytest.mark.parametrize("slow_first", [False, True], ids=["plain", "the first delayed by a fault"])
def test_pipelined_requests_are_answered_in_order(served: tuple[RadistFake, LoopbackServer], slow_first: bool) -> None:
    fake, server = served
    if slow_first:  # the first takes the ASGI path and waits: the others queue behind it
        fake.fail("create_call", latency=0.2, times=1)
    listing = head(fake, "Content-Length: 0\r\n", method="GET", path=calls_path(fake) + "?limit=5")
    body = json.dumps({"accessControl": "public"}).encode()
    with connect(server) as sock:
        sock.sendall(head(fake, "Content-Length: 0\r\n") + head(fake, f"Content-Length: {len(body)}\r\n") + body + listing)
        with sock.makefile("rb") as stream:  # the answers may come in one segment: read them one by one
            answers = []
            for _ in range(3):
                lines = iter(stream.readline, b"\r\n")
                status = int(next(lines).split()[1])
                length = next(int(line.split(b":")[1]) for line in lines if line.lower().startswith(b"content-length"))
                for _ in lines:  # the rest of the head
                    pass
                answers.append((status, json.loads(stream.read(length))))
    assert [status for status, _ in answers] == [200, 200, 200]
    first, second, listed = (answer for _, answer in answers)
    assert first["accessControl"] == "private" and second["accessControl"] == "public"
    assert [c["callId"] for c in listed["calls"]] == [second["callId"], first["callId"]]
    assert [r.endpoint for r in fake.requests] == ["create_call", "create_call", "list_calls"]


def test_an_answer_that_is_not_json_is_a_500_and_a_problem_on_the_direct_path(served: tuple[RadistFake, LoopbackServer]) -> None:
    fake, server = served
    fake.dispatch = lambda request, door: Outcome(200, {"callId": object()})  # type: ignore[method-assign]
    with connect(server) as sock:
        sock.sendall(head(fake, "Content-Length: 0\r\n"))
        status, _, body = read_response(sock)
    assert status == 500 and "TypeError" in body["error"]
    assert any("TypeError" in problem for problem in fake.problems)


def test_a_body_too_large_to_wait_for_takes_the_full_path(served: tuple[RadistFake, LoopbackServer]) -> None:
    fake, server = served
    body = json.dumps({"accessControl": "public", "note": "x" * 100_000}).encode()  # over uvicorn's 64 KiB high-water mark
    with connect(server) as sock:
        sock.sendall(head(fake, f"Content-Length: {len(body)}\r\n") + body)
        status, _, answer = read_response(sock)
    assert status == 200 and answer["accessControl"] == "public"


def test_hundreds_of_idle_and_slow_clients_do_not_stop_normal_requests(served: tuple[RadistFake, LoopbackServer]) -> None:
    fake, server = served
    idle = [connect(server) for _ in range(300)]
    slow = [connect(server) for _ in range(100)]
    try:
        for sock in slow:
            sock.sendall(head(fake, "Content-Length: 100\r\n") + b"{")
        for _ in range(20):
            still_serves(fake, server)
        assert len(fake.requests) == 20
    finally:
        for sock in idle + slow:
            sock.close()


def test_racing_keep_alive_clients_lose_no_update(served: tuple[RadistFake, LoopbackServer]) -> None:
    fake, server = served
    fake.project.connection_limit = 100

    def client(_: int) -> list[int]:
        with connect(server) as sock:
            statuses = []
            for _ in range(10):
                sock.sendall(head(fake))
                statuses.append(read_response(sock)[0])
            return statuses

    with ThreadPoolExecutor(16) as pool:
        statuses = [s for batch in pool.map(client, range(16)) for s in batch]
    assert sorted(statuses) == [200] * 100 + [429] * 60
    assert fake.project.live_calls == 100


@pytest.mark.parametrize("client", ["idle keep-alive", "half-sent head", "half-sent body", "waiting on a latency fault", "200 idle"])
def test_stop_returns_promptly_whatever_the_clients_do(client: str) -> None:
    fake = RadistFake(seed=1)
    server = LoopbackServer(fake)  # default (long) timeouts: stop must not wait for them
    fake.serve_on(server)
    threads_before = set(threading.enumerate())
    server.start()
    socks = [connect(server) for _ in range(200 if client == "200 idle" else 1)]
    if client == "idle keep-alive":
        socks[0].sendall(head(fake))
        read_response(socks[0])
    elif client == "half-sent head":
        socks[0].sendall(b"POST / HTTP/1.1\r\nHost:")
    elif client == "half-sent body":
        socks[0].sendall(head(fake, "Content-Length: 100\r\n") + b"{")
    elif client == "waiting on a latency fault":
        fake.slow_backend(60)
        socks[0].sendall(head(fake))
        time.sleep(0.2)  # the request is in, the fault's wait has begun
    started = time.monotonic()
    server.stop()
    assert time.monotonic() - started < HANG
    for sock in socks:  # every connection was closed by the server
        sock.settimeout(HANG)
        try:
            assert sock.recv(100) == b""
        except ConnectionResetError:
            pass
        sock.close()
    assert set(threading.enumerate()) - threads_before == set()
    with pytest.raises(OSError):
        socket.create_connection(("127.0.0.1", server.port), timeout=1)


def test_a_latency_fault_ends_when_the_client_gives_up(served: tuple[RadistFake, LoopbackServer]) -> None:
    fake, server = served
    fake.slow_backend(60, times=1)
    with connect(server) as sock:
        sock.settimeout(0.3)
        sock.sendall(head(fake))
        with pytest.raises(socket.timeout):
            sock.recv(10)
    still_serves(fake, server)


def test_the_drop_fault_closes_without_an_answer(served: tuple[RadistFake, LoopbackServer]) -> None:
    fake, server = served
    fake.fail("create_call", drop=True)
    with connect(server) as sock:
        sock.sendall(head(fake))
        assert sock.recv(10) == b""
    still_serves(fake, server)
    assert [r.status for r in fake.requests] == [0, 200]


def test_the_journal_keeps_large_bodies_as_a_marker(served: tuple[RadistFake, LoopbackServer]) -> None:
    fake, server = served
    body = json.dumps({"accessControl": "public", "padding": "x" * 100_000}).encode()
    status, _, _ = exchange(server, head(fake, f"Content-Length: {len(body)}\r\n") + body)
    assert status == 200
    assert fake.requests[0].json == OmittedBody(len(body))


def test_a_capped_journal_keeps_the_newest_entries() -> None:
    fake = RadistFake(seed=1, journal_limit=3)
    client = fake.client()
    for _ in range(5):
        client.create_p2p_connection()
    client.create_room()
    assert [r.endpoint for r in fake.requests] == ["create_call", "create_call", "create_room"]


@pytest.mark.parametrize("limit", [0, -1, 1.5, True])
def test_journal_limits_must_be_positive_whole_numbers(limit: Any) -> None:
    with pytest.raises(ValueError, match="whole number >= 1"):
        RadistFake(journal_limit=limit)


@pytest.mark.parametrize("setting", [{"max_body_bytes": 0}, {"read_timeout": 0}, {"read_timeout": float("nan")}, {"max_headers": "100"}])
def test_server_limits_are_checked(setting: dict[str, Any]) -> None:
    with pytest.raises(ValueError, match=next(iter(setting))):
        ServerLimits(**setting)


# -- the journal, read while it is full ----------------------------------------------------


@pytest.fixture(scope="module")
def full_journal() -> Iterator[tuple[RadistFake, LoopbackServer]]:
    """10,000 journal entries of about 1 KB (list_calls pages of ten calls)."""
    fake = RadistFake(seed=5, journal_limit=10_000)
    for _ in range(10):
        fake.make_call()
    listing = ApiRequest("GET", calls_path(fake), "limit=10", f"Bearer {fake.project.secret_key}")
    for _ in range(10_000):
        fake.dispatch(listing, door="transport")
    server = LoopbackServer(fake, limits=ServerLimits(keep_alive_timeout=0.5, write_timeout=0.5))
    fake.serve_on(server)
    server.start()
    yield fake, server
    server.stop()


def test_the_journal_reads_in_pages(full_journal: tuple[RadistFake, LoopbackServer]) -> None:
    fake, server = full_journal

    def read(query: str) -> Any:
        with urllib.request.urlopen(f"{server.url}/_radist/requests{query}", timeout=HANG) as response:
            return json.loads(response.read())

    first = read("")
    assert (first["page"], first["limit"], first["total"], len(first["requests"])) == (1, 100, 10_000, 100)
    last = read("?page=10&limit=1000")
    assert (last["page"], last["limit"], len(last["requests"])) == (10, 1000, 1000)
    assert read("?page=11&limit=1000")["requests"] == []
    entries = fake.requests
    assert [r["at"] for r in last["requests"]][-1] == first["requests"][0]["at"]  # one clock tick: ordered by position
    assert fake.journal.page(10, 1000)[0] == entries[9000:] and fake.journal.page(1, 3, newest_first=True)[0] == entries[::-1][:3]
    assert read("?status=0")["total"] == 0 and read("?endpoint=list_calls&limit=1")["total"] == 10_000
    status, _, body = exchange(server, b"GET /_radist/requests?limit=1001 HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
    assert status == 400 and body["error"].startswith('"limit" must be a whole number (>= 1 and <= 1000)')


def test_a_client_that_pipelines_and_never_reads_holds_a_bounded_buffer(served: tuple[RadistFake, LoopbackServer]) -> None:
    fake, server = served
    listing = head(fake, "Content-Length: 0\r\n", method="GET", path=calls_path(fake) + "?limit=100")
    for _ in range(100):  # a full page: each answer about 10 KB
        fake.make_call()
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    sock.connect(("127.0.0.1", server.port))
    sock.settimeout(0.2)
    sent = 0
    try:
        try:
            for _ in range(2_000):  # 20 MB of answers, were they all written
                sock.sendall(listing * 10)
                sent += 10
        except socket.timeout:  # the server stopped reading: what it has not answered waits in the client's kernel
            pass
        time.sleep(0.5)  # what the server did read, it has answered by now
        assert server._served is not None
        connection = next(iter(server._served.connections.values()))
        buffered = connection.transport.get_write_buffer_size()
        assert buffered < 1_000_000, f"{buffered} bytes of answers wait for a client that does not read ({sent} requests sent)"
    finally:
        sock.close()


def test_clients_that_never_read_a_full_journal_are_bounded_and_closed(full_journal: tuple[RadistFake, LoopbackServer]) -> None:
    fake, server = full_journal
    before = rss_mb()
    readers = []
    for query in [""] * 6 + ["?limit=1000"] * 5:  # the default page, and the largest (about 1 MB)
        sock = socket.socket()
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        sock.connect(("127.0.0.1", server.port))
        sock.sendall(f"GET /_radist/requests{query} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".encode())
        readers.append(sock)
    try:
        assert server._served is not None
        deadline = time.monotonic() + HANG
        while server._served.connections and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not server._served.connections, "a client that does not read is closed after the write timeout"
        assert rss_mb() - before < 50, "at most one page per client, and only until it is closed"
    finally:
        for sock in readers:
            sock.close()
    with urllib.request.urlopen(f"{server.url}/_radist/health", timeout=HANG) as response:  # not journaled
        assert json.loads(response.read()) == {"ok": True}


def test_the_loopback_server_keeps_its_info_lines_out_of_an_app_s_logging() -> None:
    """An app under test that logs everything at INFO to the root logger
    (Litestar's default) must not get uvicorn's lines for the loopback server."""
    import logging

    from pytest_radist.doors.server import LoopbackServer

    heard: list[logging.LogRecord] = []

    class Keep(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            heard.append(record)

    root, handler = logging.getLogger(), Keep(logging.DEBUG)
    level = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    try:
        server = LoopbackServer()
        server.start()
        server.stop()
        logging.getLogger("uvicorn.error").warning("an app's own uvicorn still logs")
    finally:
        root.removeHandler(handler)
        root.setLevel(level)
    from_uvicorn = [r.getMessage() for r in heard if r.name.startswith("uvicorn")]
    assert from_uvicorn == ["an app's own uvicorn still logs"]

"""The loopback server held to h11, byte stream by byte stream.

A case is the bytes a client sends on one connection. The reference is h11
(a sans-I/O HTTP/1.1 implementation, the one uvicorn's pure-Python server
uses) with the fake's declared deviations (:data:`DEVIATIONS`, the same list
as ``docs/http.md``): for each case it says which requests are accepted, in
order, and whether the stream then goes wrong. The fake, sent the same bytes
over a raw socket, must answer exactly those requests once each and in
order (its journal), then refuse with a 4xx and close where the reference
refuses, and never answer a 5xx.

Used by ``tests/test_http_differential.py`` (a corpus and a Hypothesis smoke,
in the default suite) and ``bench/differential.py`` (the long run).
"""

from __future__ import annotations

import re
import socket
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Optional
from urllib.parse import urlsplit

import h11

from pytest_radist import LoopbackServer, RadistFake
from pytest_radist.doors.limits import ServerLimits

#: Short timeouts: a stream that stops mid-request is answered 408 (or an idle one closed) in half a second.
LIMITS = ServerLimits(read_timeout=0.5, keep_alive_timeout=0.5)
#: Every case ends with this: the server answers it and closes, so a reader knows where the stream ends.
SENTINEL = b"GET /_radist/health HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
HANG = 5.0

# -- where the fake departs from h11, on purpose ------------------------------------------------------------------

_HOST = re.compile(rb"(\[[0-9A-Fa-f:.]+\]|([-A-Za-z0-9._~!$&'()*+,;=]|%[0-9A-Fa-f]{2})*)(:[0-9]{0,5})?")
# llhttp's methods (what it parses; h11 takes any token)
_METHODS = {b"GET", b"HEAD", b"POST", b"PUT", b"DELETE", b"CONNECT", b"OPTIONS", b"TRACE", b"PATCH", b"PROPFIND",
            b"PROPPATCH", b"MKCOL", b"COPY", b"MOVE", b"LOCK", b"UNLOCK", b"SEARCH", b"REPORT", b"MKACTIVITY",
            b"CHECKOUT", b"MERGE", b"M-SEARCH", b"NOTIFY", b"SUBSCRIBE", b"UNSUBSCRIBE", b"PURGE", b"MKCALENDAR",
            b"LINK", b"UNLINK", b"SOURCE", b"BIND", b"REBIND", b"UNBIND", b"ACL", b"QUERY"}


def _lines(head: bytes) -> list[bytes]:
    return head.split(b"\n")


def _fields(head: bytes) -> list[tuple[bytes, bytes]]:
    found = []
    for line in _lines(head)[1:]:
        name, colon, value = line.rstrip(b"\r").partition(b":")
        if colon:
            found.append((name.lower(), value.strip(b" \t")))
    return found


def _bare_lf(head: bytes) -> bool:
    return any(not line.endswith(b"\r") for line in _lines(head)[:-1])


def _framing(body: bytes, payloads: list[bytes]) -> bytes:
    """A message's bytes after its head, less its data: chunk lines and trailers."""
    framing, cursor = b"", 0
    for payload in payloads:
        at = body.find(payload, cursor)
        framing, cursor = framing + body[cursor:at], at + len(payload)
    return framing + body[cursor:]


BARE_LF = "lines ended by a bare LF, in a head or a chunked body's framing (RFC 9112 2.2 allows refusing them)"
#: Where a chunked body's framing (chunk lines, trailers) is refused though h11 takes it.
FRAMING_DEVIATIONS: tuple[tuple[str, Callable[[bytes], bool]], ...] = (
    (BARE_LF, _bare_lf),
    ("whitespace after a chunk size (h11 takes it as chunk-ext whitespace)",
     lambda framing: re.search(rb"(^|\n)[0-9A-Fa-f]+[ \t]", framing) is not None),
    ("a framing field (Content-Length, Transfer-Encoding) in a chunked body's trailers (RFC 9110 6.5.1)",
     lambda framing: re.search(rb"(?i)(^|\n)(content-length|transfer-encoding)[ \t]*:", framing) is not None),
)


@dataclass(frozen=True)
class Deviation:
    """A request head the fake refuses though h11 accepts it, and why."""

    name: str
    applies: Callable[[bytes, h11.Request], bool]


DEVIATIONS: tuple[Deviation, ...] = (
    Deviation("a Host that is not host[:port] (RFC 9110 7.2; h11 takes any field value)",
              lambda head, req: any(n == b"host" and _HOST.fullmatch(v) is None for n, v in req.headers)),
    Deviation("control bytes in a field value (h11 lets all but NUL through)",
              lambda head, req: any(re.search(rb"[\x00-\x08\x0a-\x1f\x7f]", v) for _, v in req.headers)),
    Deviation("Content-Length beside Transfer-Encoding (RFC 9112 6.3 allows refusing it; h11 lets TE win)",
              lambda head, req: {b"content-length", b"transfer-encoding"} <= {n for n, _ in _fields(head)}),
    Deviation("Content-Length repeated or a list, even of one value (h11 merges them)",
              lambda head, req: sum(n == b"content-length" for n, _ in _fields(head)) > 1
              or any(n == b"content-length" and b"," in v for n, v in _fields(head))),
    Deviation("obsolete line folding (RFC 9112 5.2 allows refusing it; h11 unfolds)",
              lambda head, req: any(line[:1] in (b" ", b"\t") for line in _lines(head)[1:-1])),
    Deviation(BARE_LF, lambda head, req: _bare_lf(head)),
    Deviation("a method llhttp does not know, or in lower case (h11 takes any token)",
              lambda head, req: req.method not in _METHODS),
    Deviation("a request target in none of RFC 9112 3.2's forms (h11 takes any visible characters)",
              lambda head, req: not (req.target.startswith(b"/") or req.target == b"*"
                                     or re.match(rb"[A-Za-z][A-Za-z0-9+.-]*://", req.target))),
    Deviation("an HTTP version other than 1.0 and 1.1", lambda head, req: req.http_version not in (b"1.0", b"1.1")),
    Deviation("the server's limits: URL, header count, head and body size (ServerLimits)",
              lambda head, req: len(req.target) > LIMITS.max_url_bytes or len(req.headers) > LIMITS.max_headers
              or sum(len(n) + len(v) for n, v in req.headers) + len(req.target) > LIMITS.max_head_bytes
              or any(n == b"content-length" and v.isdigit() and int(v) > LIMITS.max_body_bytes for n, v in req.headers)),
)
#: Where the fake takes what h11 refuses, as RFC 9112 lets a server.
LENIENCE = ("empty lines before a request line are ignored (RFC 9112 2.2; h11 refuses them)",
            "runs of spaces between a request line's parts are read as one (RFC 9112 3; h11 refuses them)")


# -- the reference -------------------------------------------------------------------------------------------------

@dataclass
class Verdict:
    """What should happen to one stream."""

    #: (method, path) of each request answered, in order (the sentinel excluded).
    accepted: list[tuple[str, str]] = field(default_factory=list)
    #: ``refused``: the stream goes wrong (a 4xx, then close); ``closed``: it ends cleanly;
    #: ``waiting``: it stops mid-request (408) or between requests (closed).
    end: str = "closed"
    why: str = ""


def _path(target: bytes) -> str:
    text = target.decode("latin-1")
    if text.startswith("/"):
        return text.partition("?")[0]
    return text if text == "*" else urlsplit(text).path or "/"


def _next_request(data: bytes, position: int) -> tuple[bytes, int]:
    """``data`` read as the fake reads it from ``position``, where a request
    begins (:data:`LENIENCE`): empty lines skipped, runs of spaces in the request line made one."""
    while position < len(data) and data[position:position + 1] in (b"\r", b"\n"):
        position += 1
    end = data.find(b"\n", position)
    end = len(data) if end < 0 else end
    line = re.sub(rb"  +", b" ", data[position:end])
    return data[:position] + line + data[end:], position


def reference(data: bytes) -> Verdict:
    """h11's reading of ``data`` (fed a byte at a time, so each request's head is known), with the deviations."""
    verdict = Verdict()
    connection = h11.Connection(h11.SERVER, max_incomplete_event_size=LIMITS.max_head_bytes + 1024)
    data, position = _next_request(data, 0)
    began = position
    request: Optional[h11.Request] = None
    head_end, payloads = position, []
    try:
        while position < len(data):
            connection.receive_data(data[position:position + 1])
            position += 1
            while True:
                event = connection.next_event()
                if event is h11.NEED_DATA or event is h11.PAUSED:
                    break
                if isinstance(event, h11.Request):
                    request, head_end, payloads = event, position, []
                    for deviation in DEVIATIONS:
                        if deviation.applies(data[began:position], event):
                            verdict.end, verdict.why = "refused", deviation.name
                            return verdict
                elif isinstance(event, h11.Data):
                    payloads.append(bytes(event.data))
                elif isinstance(event, h11.EndOfMessage):
                    assert request is not None
                    framing = _framing(data[head_end:position], payloads)
                    for name, applies in FRAMING_DEVIATIONS if framing else ():
                        if applies(framing):
                            verdict.end, verdict.why = "refused", name
                            return verdict
                    if request.target != b"/_radist/health":
                        verdict.accepted.append((request.method.decode(), _path(request.target)))
                    connection.send(h11.Response(status_code=200, headers=[("Content-Length", "0")]))
                    connection.send(h11.EndOfMessage())
                    if connection.our_state is h11.MUST_CLOSE:
                        return verdict
                    connection.start_next_cycle()
                    data, position = _next_request(data, position)
                    began = position
                    request = None
                    break
    except h11.RemoteProtocolError as exc:
        verdict.end, verdict.why = "refused", str(exc)
        return verdict
    verdict.end = "waiting"
    return verdict


# -- the fake ------------------------------------------------------------------------------------------------------

@dataclass
class Observed:
    statuses: list[int]
    #: The status of the last answer when it closed the connection (a refusal, the sentinel's, a Connection: close).
    closing_status: Optional[int]
    journal: list[tuple[str, str]]
    problems: list[str]


def _read_all(sock: socket.socket) -> bytes:
    """Everything the server sends until it closes (or :data:`HANG` passes)."""
    data = b""
    deadline = time.monotonic() + HANG
    while time.monotonic() < deadline:
        try:
            chunk = sock.recv(65536)
        except (ConnectionResetError, TimeoutError, socket.timeout):
            break
        if not chunk:
            break
        data += chunk
    return data


def _answers(data: bytes, methods: list[str]) -> list[tuple[int, dict[bytes, bytes]]]:
    """The final answers in ``data`` (1xx skipped), the n-th framed as the
    answer to the n-th of ``methods`` (a HEAD's has no body), then the rest
    (a refusal, the sentinel's) by their length."""
    answers = []
    while data:
        head, sep, data = data.partition(b"\r\n\r\n")
        if not sep:
            raise AssertionError(f"a torn answer: {head!r}")
        lines = head.split(b"\r\n")
        status = int(lines[0].split()[1])
        headers = {k.strip().lower(): v.strip() for k, _, v in (line.partition(b":") for line in lines[1:])}
        if status < 200:
            continue
        head_only = len(answers) < len(methods) and methods[len(answers)] == "HEAD" and b"connection" not in headers
        if not head_only and status not in (204, 304):
            data = data[int(headers.get(b"content-length", b"0")):]
        answers.append((status, headers))
    return answers


class Served:
    """One fake on one server for many cases (its journal read per case)."""

    def __init__(self, fake: RadistFake, server: LoopbackServer) -> None:
        self.fake, self.server = fake, server

    def send(self, data: bytes, methods: list[str]) -> Observed:
        """Send one case on a new connection; ``methods``: of the requests
        the reference accepts, to frame their answers."""
        before = len(self.fake.requests)
        problems_before = len(self.fake.problems)
        with socket.create_connection(("127.0.0.1", self.server.port), timeout=HANG) as sock:
            try:
                sock.sendall(data)
            except (BrokenPipeError, ConnectionResetError):  # refused and closed while sending
                pass
            answers = _answers(_read_all(sock), methods)
        journal = [(entry.method, entry.path) for entry in self.fake.requests[before:]]
        closing = answers[-1][0] if answers and answers[-1][1].get(b"connection") == b"close" else None
        return Observed([status for status, _ in answers], closing, journal, self.fake.problems[problems_before:])


@contextmanager
def serving() -> Iterator[Served]:
    fake = RadistFake(seed=25, strict=False, journal_limit=None)
    server = LoopbackServer(fake, limits=LIMITS)
    fake.serve_on(server)
    server.start()
    try:
        yield Served(fake, server)
    finally:
        server.stop()


def check(served: Served, data: bytes) -> Optional[str]:
    """Why the fake's reading of ``data`` (the sentinel appended) is not the reference's, or ``None``."""
    data += SENTINEL
    expected = reference(data)
    try:
        seen = served.send(data, [method for method, _ in expected.accepted])
    except AssertionError as exc:
        return str(exc)
    return disagreement(expected, seen)


def disagreement(expected: Verdict, seen: Observed) -> Optional[str]:
    """Why what the fake did is not what the reference says, or ``None``."""
    if any(status >= 500 for status in seen.statuses) or seen.problems:
        return f"a 5xx or a problem: {seen.statuses} {seen.problems}"
    if seen.journal != expected.accepted:
        return (f"answered {len(seen.journal)} requests {seen.journal[:3]}..., the reference accepts {len(expected.accepted)} "
                f"{expected.accepted[:3]}... ({expected.end}: {expected.why}); answers {seen.statuses[:5]}")
    # the answers past the journaled requests': the edge's refusal, the sentinel's, a 408
    extra = seen.statuses[len(seen.journal):]
    if expected.end == "refused":
        if not extra or not 400 <= extra[0] < 500 or seen.closing_status != extra[0]:
            return f"not refused with a 4xx and a close: {seen.statuses} (the reference: {expected.why})"
    elif expected.end == "closed":
        if extra not in ([], [200]):
            return f"refused what the reference accepts: answers {seen.statuses} past {len(seen.journal)} requests"
    elif extra not in ([], [408]):
        return f"a stream that stops was answered {extra}"
    return None

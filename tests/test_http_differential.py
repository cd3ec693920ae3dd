"""The loopback server against h11 (``tests/differential.py``): the fake
accepts exactly what h11 accepts, less the declared deviations, answers
every accepted request once and in order, refuses the rest with a 4xx and a
close, and never answers a 5xx. A corpus of raw byte streams, pipelining
split at every byte, and Hypothesis mutations of valid requests (a smoke
here; ``bench/differential.py`` runs it long and prints the counts and
every disagreement, and CI runs its smoke)."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from . import differential as D

AUTH = b"Authorization: Bearer rad_sk_unknown\r\n"
CALLS = b"/api/v1/projects/p/calls"


def get(path: bytes = CALLS, extra: bytes = b"", version: bytes = b"1.1") -> bytes:
    return b"GET " + path + b" HTTP/" + version + b"\r\nHost: 127.0.0.1\r\n" + AUTH + extra + b"\r\n"


def post(body: bytes, extra: bytes = b"") -> bytes:
    return (b"POST " + CALLS + b" HTTP/1.1\r\nHost: 127.0.0.1\r\n" + AUTH + b"Content-Type: application/json\r\n"
            + b"Content-Length: " + str(len(body)).encode() + b"\r\n" + extra + b"\r\n" + body)


def chunked(chunks: bytes, extra: bytes = b"") -> bytes:
    return (b"POST " + CALLS + b" HTTP/1.1\r\nHost: 127.0.0.1\r\n" + AUTH + b"Transfer-Encoding: chunked\r\n" + extra
            + b"\r\n" + chunks)


H = b"Host: 127.0.0.1\r\n"
CORPUS: dict[str, bytes] = {
    "get": get(),
    "head then get": get().replace(b"GET", b"HEAD", 1) + get(),
    "three pipelined": get() + post(b"{}") + get(CALLS + b"?limit=1"),
    "a 40 KB post then a get": post(b'{"pad": "' + b"x" * 40_000 + b'"}') + get(),
    "a 100 KB post then a get": post(b'{"pad": "' + b"y" * 100_000 + b'"}') + get(),
    "300 pipelined gets": get(CALLS + b"?limit=1") * 300,
    "host [": b"GET / HTTP/1.1\r\nHost: [\r\n\r\n",
    "host with a path": b"GET / HTTP/1.1\r\nHost: 127.0.0.1/evil?x=\r\n\r\n",
    "two hosts": b"GET / HTTP/1.1\r\n" + H + b"Host: other\r\n\r\n",
    "no host on 1.1": b"GET / HTTP/1.1\r\n\r\n",
    "no host on 1.0": b"GET / HTTP/1.0\r\n\r\n",
    "an empty host": b"GET " + CALLS + b" HTTP/1.1\r\nHost:\r\n\r\n",
    "te gzip, chunked": chunked(b"0\r\n\r\n").replace(b"chunked\r\n", b"gzip, chunked\r\n", 1),
    "te identity": chunked(b"0\r\n\r\n").replace(b"chunked\r\n", b"identity\r\n", 1),
    "te twice": chunked(b"0\r\n\r\n", b"Transfer-Encoding: chunked\r\n"),
    "te upper case": chunked(b"0\r\n\r\n").replace(b"chunked\r\n", b"CHUNKED\r\n", 1),
    "cl and te": chunked(b"0\r\n\r\n", b"Content-Length: 5\r\n"),
    "cl twice, the same": post(b"{}", b"Content-Length: 2\r\n"),
    "cl twice, differing": post(b"{}", b"Content-Length: 3\r\n"),
    "cl a list": post(b"{}").replace(b"Content-Length: 2", b"Content-Length: 2, 2"),
    "cl negative": post(b"{}").replace(b"Content-Length: 2", b"Content-Length: -2"),
    "cl with a plus": post(b"{}").replace(b"Content-Length: 2", b"Content-Length: +2"),
    "obs-fold": get(extra=b"X-Folded: a\r\n b\r\n"),
    "bare lf": get().replace(b"\r\n", b"\n"),
    "bare lf once": get().replace(b"\r\n", b"\n", 1),
    "bare cr": get().replace(b"\r\n", b"\r", 1),
    "absolute-form target": get(b"http://127.0.0.1" + CALLS),
    "asterisk-form": b"OPTIONS * HTTP/1.1\r\n" + H + b"\r\n",
    "expect 100-continue": post(b"{}", b"Expect: 100-continue\r\n"),
    "expect 100-continue on 1.0": post(b"{}", b"Expect: 100-continue\r\n").replace(b"HTTP/1.1", b"HTTP/1.0"),
    "expect something else": post(b"{}", b"Expect: 200-ok\r\n"),
    "chunked with extensions": chunked(b"2;name=value\r\n{}\r\n0;last\r\n\r\n"),
    "chunked with trailers": chunked(b"2\r\n{}\r\n0\r\nX-Trailer: 1\r\n\r\n"),
    "a chunk without its crlf": chunked(b"2\r\n{}0\r\n\r\n"),
    "a bad chunk size": chunked(b"zz\r\n{}\r\n0\r\n\r\n"),
    "http/1.0 keep-alive": get(extra=b"Connection: keep-alive\r\n", version=b"1.0") + get(),
    "connection close then more": get(extra=b"Connection: close\r\n") + get(),
    "http/1.2": get(version=b"1.2"),
    "http/2.0": get(version=b"2.0"),
    "a lower-case method": get().replace(b"GET", b"get", 1),
    "an unknown method": get().replace(b"GET", b"BREW", 1),
    "a space before the colon": get(extra=b"X-Space : a\r\n"),
    "a nul in a value": get(extra=b"X-Nul: a\x00b\r\n"),
    "a control byte in a value": get(extra=b"X-Ctl: a\x01b\r\n"),
    "a tab in a value": get(extra=b"X-Tab: a\tb\r\n"),
    "obs-text in a value": get(extra=b"X-Text: caf\xe9\r\n"),
    "a space in the target": b"GET /a b HTTP/1.1\r\n" + H + b"\r\n",
    "a control byte in the target": b"GET /a\x01 HTTP/1.1\r\n" + H + b"\r\n",
    "empty lines before a request": b"\r\n\r\n" + get(),
    "empty lines between requests": get() + b"\r\n" + get(),
    "an oversized head": get(extra=b"X-Big: " + b"v" * 70_000 + b"\r\n"),
    "too many headers": get(extra=b"".join(b"X-%d: v\r\n" % n for n in range(120))),
    "an oversized url": get(b"/" + b"u" * 9_000),
    "a body over the limit": post(b"{}").replace(b"Content-Length: 2", b"Content-Length: 2000000"),
    "a head and no body yet": post(b"").replace(b"Content-Length: 0", b"Content-Length: 10"),
}

@pytest.fixture(scope="module")
def served() -> Iterator[D.Served]:
    with D.serving() as served:
        yield served


@pytest.mark.parametrize("name", sorted(CORPUS))
def test_the_corpus(served: D.Served, name: str) -> None:
    found = D.check(served, CORPUS[name])
    assert found is None, found


@pytest.mark.parametrize("stream", ["head then get", "three pipelined", "chunked with trailers"])
def test_pipelining_split_at_every_byte(served: D.Served, stream: str) -> None:
    # the same bytes, in two sends at every possible split: the same answers
    import socket

    data = CORPUS[stream] + D.SENTINEL
    expected = D.reference(data)
    assert expected.end == "closed"
    for split in range(1, len(data)):
        before = len(served.fake.requests)
        with socket.create_connection(("127.0.0.1", served.server.port), timeout=D.HANG) as sock:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            sock.sendall(data[:split])
            sock.sendall(data[split:])
            answers = D._answers(D._read_all(sock), [m for m, _ in expected.accepted])
        journal = [(e.method, e.path) for e in served.fake.requests[before:]]
        assert journal == expected.accepted and len(answers) == len(expected.accepted) + 1, (split, journal, answers)


# -- mutations of valid requests -------------------------------------------------------------------------------------

VALID = [get(), post(b'{"accessControl": "public"}'), get().replace(b"GET", b"HEAD", 1), chunked(b"2\r\n{}\r\n0\r\n\r\n"),
         get(version=b"1.0"), post(b"{}", b"Expect: 100-continue\r\n")]
BYTES = st.sampled_from([b"\r", b"\n", b"\r\n", b"\x00", b" ", b"\t", b":", b",", b"\x01", b"\x7f", b"\xff", b"0", b"9",
                         b"a", b"Z", b"-", b"/", b"?", b"[", b"%", b"Host: x\r\n", b"Content-Length: 1\r\n",
                         b"Transfer-Encoding: chunked\r\n"])


@st.composite
def mutated(draw: st.DrawFn) -> bytes:
    data = bytearray(b"".join(draw(st.lists(st.sampled_from(VALID), min_size=1, max_size=3))))
    for _ in range(draw(st.integers(0, 3))):
        at = draw(st.integers(0, len(data)))
        kind = draw(st.sampled_from(["insert", "delete", "replace", "duplicate a line"]))
        if kind == "insert":
            data[at:at] = draw(BYTES)
        elif kind == "delete":
            del data[at:at + draw(st.integers(1, 8))]
        elif kind == "replace" and at < len(data):
            data[at:at + 1] = draw(BYTES)
        else:
            start = data.rfind(b"\n", 0, at) + 1
            end = data.find(b"\n", at)
            if end > start:
                data[end + 1:end + 1] = data[start:end + 1]
    return bytes(data)


EXAMPLES = int(os.environ.get("RADIST_DIFFERENTIAL_EXAMPLES", "60"))


@settings(max_examples=EXAMPLES, deadline=None, database=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(data=mutated())
def test_mutations_of_valid_requests(served: D.Served, data: bytes) -> None:
    found = D.check(served, data)
    assert found is None, f"{found}\n{data!r}"

"""What a request head means, decided once, with no I/O: the loopback
server's rules at the edge, held to h11 by ``tests/test_http_differential.py``.

The parser (llhttp, through httptools) frames the byte stream; this module
decides the rest of RFC 9112 and RFC 9110 that h11 decides: exactly one
valid ``Host`` on HTTP/1.1 (and at most one on HTTP/1.0), header names that
are tokens and values without control bytes, ``Transfer-Encoding`` that is
exactly ``chunked``, ``Expect: 100-continue`` honoured on HTTP/1.1 only, and
the server's own limits on the URL and the head. Where it is stricter than
h11 (a ``Host`` that is not ``host[:port]``, control bytes h11 lets through),
``docs/http.md`` says so.

Both delivery paths of :mod:`.protocols` (the direct one and uvicorn's
request cycle) act on what :func:`read_head` decided; neither decides again.
"""

from __future__ import annotations

import re
from typing import NamedTuple, Optional, Union

from .. import errors as E
from ..api import grammar
from .limits import ServerLimits

#: A refusal: (status, message); the connection is closed after it.
Refusal = tuple[int, str]
#: Where the protocol leaves a request's :class:`Head` in its ASGI scope.
HEAD_KEY = "pytest_radist.head"

_TOKEN, _CONTROL = grammar.TOKEN, grammar.CONTROL  # RFC 9110 5.1 and 5.5 (see api/grammar.py)
# RFC 9110 7.2 and RFC 3986 3.2.2: Host = uri-host [ ":" port ], empty allowed
_HOST = re.compile(
    rb"(?:\[[0-9A-Fa-f:.]+\]|(?:[-A-Za-z0-9._~!$&'()*+,;=]|%[0-9A-Fa-f]{2})*)(?::[0-9]{0,5})?"
)


class Head(NamedTuple):
    """What a request head that passed the rules says about delivery."""

    #: The ``Host`` header's value, ``None`` when the request sent none (HTTP/1.0).
    host: Optional[bytes]
    #: The body's declared length (``None``: chunked, or no body).
    content_length: Optional[int]
    chunked: bool
    #: The client waits for ``100 Continue`` before sending its body (HTTP/1.1 only, RFC 9110 10.1.1).
    expects_continue: bool
    #: The connection stays open after the answer.
    keep_alive: bool


def read_head(http_version: str, url: bytes, headers: list[tuple[bytes, bytes]], limits: ServerLimits,
              parser_keep_alive: bool) -> Union[Head, Refusal]:
    """Decide a complete request head: the facts its delivery needs, or the
    refusal to answer. ``headers`` are as the parser gave them, names
    lowercased; ``parser_keep_alive`` is the parser's reading of
    ``Connection`` (and of the version's default)."""
    if http_version not in ("1.1", "1.0"):
        return 400, E.UNSUPPORTED_HTTP_VERSION
    if len(url) > limits.max_url_bytes:  # the URL parser stops at 64 KiB
        return 414, E.URL_TOO_LONG.format(limit=limits.max_url_bytes)
    if len(headers) > limits.max_headers:
        return 431, E.TOO_MANY_HEADERS.format(limit=limits.max_headers)
    size = len(url)
    host: Optional[bytes] = None
    hosts = 0
    content_length: Optional[int] = None
    chunked = expects_continue = False
    for name, value in headers:
        size += len(name) + len(value)
        if _TOKEN.fullmatch(name) is None:
            return 400, E.BAD_HEADER_NAME
        if _CONTROL.search(value) is not None:
            return 400, E.BAD_HEADER_VALUE.format(name=name.decode("latin-1"))
        if name == b"host":
            hosts += 1
            host = value.strip(b" \t")  # the parser leaves a value's trailing whitespace (not part of it, RFC 9110 5.5)
        elif name == b"content-length":
            # the parser refuses a repeated or non-numeric Content-Length
            content_length = int(value)
        elif name == b"transfer-encoding":
            if chunked or value.strip(b" \t").lower() != b"chunked":
                return 400, E.TRANSFER_ENCODING_UNSUPPORTED
            chunked = True
        elif name == b"expect" and http_version == "1.1" and value.strip(b" \t").lower() == b"100-continue":
            expects_continue = True
    if size > limits.max_head_bytes:
        return 431, E.HEADERS_TOO_LARGE
    if hosts > 1:
        return 400, E.HOST_REPEATED
    if host is None:
        if http_version == "1.1":
            return 400, E.HOST_MISSING
    elif _HOST.fullmatch(host) is None:
        return 400, E.HOST_INVALID
    if content_length is not None and content_length > limits.max_body_bytes:
        return 413, E.BODY_TOO_LARGE.format(limit=limits.max_body_bytes)
    return Head(host, content_length, chunked, expects_continue, http_version == "1.1" and parser_keep_alive)


def host_of(head: Head, default: str) -> str:
    """The ``host[:port]`` a client named (what answers' URLs are built on), or ``default``."""
    return head.host.decode("ascii") if head.host else default

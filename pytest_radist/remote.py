"""Talking to a Radist somewhere else: one request to a real Radist (or anything at a base
URL), for live mode and ``radist-fake verify``.

The standard library's ``http.client`` does it: forwarding is a handful of
requests per test, so a connection pool would buy nothing, and live mode
then needs no dependency the fake does not already have. Paths are sent as
given, still percent-encoded, so an encoded ``/`` stays part of an id.
Redirects are answers, not followed. Proxies from the environment
(``HTTPS_PROXY``, ``NO_PROXY``...) are used as ``urllib`` would.

Every forward is bounded, whatever the other end does: ``timeout`` is the
whole request (connect, head and body), enforced by a watchdog that cuts the
connection at the deadline, and an answer larger than ``max_bytes`` is
refused without being read whole.
"""

from __future__ import annotations

import base64
import heapq
import http.client
import itertools
import json
import socket
import ssl
import threading
import time
import urllib.request
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, Callable, Mapping, Optional
from urllib.parse import unquote, urlsplit

from .errors import RadistFakeError

#: Seconds a forwarded request may take, whole, before it counts as unreachable.
DEFAULT_TIMEOUT = 30.0
#: Largest answer read from a target; a larger one is refused (live mode: 502).
MAX_ANSWER_BYTES = 8 * 1024 * 1024
USER_AGENT = "pytest-radist (live mode)"
_READ = 64 * 1024


class Unreachable(RadistFakeError, OSError):
    """The target could not be reached or did not answer in time."""


class AnswerTooLarge(Unreachable):
    """The target's answer is larger than the forwarder reads."""


@dataclass(frozen=True)
class Reply:
    """What the target answered."""

    status: int
    content_type: str
    raw: bytes
    #: Every header as sent, in order (names as the target spelled them).
    headers: tuple[tuple[str, str], ...] = field(default=())

    @cached_property
    def _parsed(self) -> tuple[bool, Any]:
        try:
            return True, json.loads(self.raw)
        except ValueError:  # UnicodeDecodeError is one
            return False, None

    @property
    def json(self) -> Any:
        """The body as JSON, or ``None`` if it is not JSON."""
        return self._parsed[1]

    @property
    def is_json(self) -> bool:
        return self._parsed[0]

    def header(self, name: str) -> Optional[str]:
        """The first value of a header, by case-insensitive name."""
        lowered = name.lower()
        return next((value for key, value in self.headers if key.lower() == lowered), None)


class _Watchdog:
    """One daemon thread that runs callbacks at their deadlines: a forward
    registers the cut of its connection, and cancels it when it is done. The
    thread ends when no deadline is left, so none outlives the last forward."""

    def __init__(self) -> None:
        self._lock = threading.Condition()
        self._heap: list[tuple[float, int, Callable[[], None]]] = []
        self._cancelled: set[int] = set()
        self._ids = itertools.count()
        self._thread: Optional[threading.Thread] = None

    def at(self, deadline: float, callback: Callable[[], None]) -> int:
        with self._lock:
            handle = next(self._ids)
            heapq.heappush(self._heap, (deadline, handle, callback))
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="radist-forward-watchdog", daemon=True)
                self._thread.start()
            self._lock.notify()
            return handle

    def cancel(self, handle: int) -> None:
        with self._lock:
            self._cancelled.add(handle)
            self._lock.notify()

    def _run(self) -> None:
        while True:
            with self._lock:
                while self._heap and self._heap[0][1] in self._cancelled:
                    self._cancelled.discard(heapq.heappop(self._heap)[1])
                if not self._heap:
                    self._thread = None
                    self._cancelled.clear()
                    return
                deadline, handle, callback = self._heap[0]
                wait = deadline - time.monotonic()
                if wait > 0:
                    self._lock.wait(wait)
                    continue
                heapq.heappop(self._heap)
            callback()


_WATCHDOG = _Watchdog()


def _cut(connection: http.client.HTTPConnection, cut: list[bool]) -> None:
    """The deadline passed: end every read and write on the connection now."""
    cut.append(True)
    sock = connection.sock
    if sock is not None:
        try:
            socket.socket.shutdown(sock, socket.SHUT_RDWR)  # the plain socket's, under TLS too
        except OSError:
            pass


def _connection(url: str, timeout: float) -> tuple[http.client.HTTPConnection, str]:
    """A connection for ``url`` (through the environment's proxy, if any),
    and the request target to send on it."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise Unreachable(f"{url!r} is not an http:// or https:// URL")
    target = parts.path + (f"?{parts.query}" if parts.query else "")
    proxy = None if urllib.request.proxy_bypass(parts.hostname) else urllib.request.getproxies().get(parts.scheme)
    secure = parts.scheme == "https"
    port = parts.port
    if proxy is None:
        kind = http.client.HTTPSConnection if secure else http.client.HTTPConnection
        return kind(parts.hostname, port, timeout=timeout), target
    via = urlsplit(proxy if "://" in proxy else f"http://{proxy}")
    auth = {}
    if via.username is not None:
        credentials = f"{unquote(via.username)}:{unquote(via.password or '')}".encode()
        auth["Proxy-Authorization"] = "Basic " + base64.b64encode(credentials).decode()
    if secure:  # a CONNECT tunnel through the proxy, TLS to the target
        connection = http.client.HTTPSConnection(via.hostname or "", via.port or 8080, timeout=timeout)
        connection.set_tunnel(parts.hostname, port or 443, headers=auth)
        return connection, target
    return http.client.HTTPConnection(via.hostname or "", via.port or 8080, timeout=timeout), url


def forward(
    base_url: str,
    method: str,
    path_and_query: str,
    *,
    authorization: Optional[str] = None,
    body: Optional[bytes] = None,
    timeout: float = DEFAULT_TIMEOUT,
    max_bytes: int = MAX_ANSWER_BYTES,
    headers: Optional[Mapping[str, str]] = None,
) -> Reply:
    """Send one request to ``base_url`` + ``path_and_query``, as the SDKs do
    (``Accept: application/json``; ``Content-Type`` only with a body), with
    ``headers`` added (or replacing those). Raises :class:`Unreachable` when
    no whole HTTP answer comes back within ``timeout`` seconds,
    :class:`AnswerTooLarge` past ``max_bytes``."""
    url = base_url.rstrip("/") + path_and_query
    sent = {"Accept": "application/json", "User-Agent": USER_AGENT}
    if authorization is not None:
        sent["Authorization"] = authorization
    if body is not None:
        sent["Content-Type"] = "application/json"
    sent.update(headers or {})
    connection, target = _connection(url, timeout)
    cut: list[bool] = []
    handle = _WATCHDOG.at(time.monotonic() + timeout, lambda: _cut(connection, cut))
    try:
        connection.request(method, target, body=body, headers=sent)
        response = connection.getresponse()
        declared = response.getheader("Content-Length")
        if declared is not None and declared.strip().isdigit() and int(declared) > max_bytes:
            raise AnswerTooLarge(f"its answer announces {int(declared)} bytes; at most {max_bytes} are read")
        chunks, size = [], 0
        while True:
            chunk = response.read1(_READ)
            if not chunk:
                break
            size += len(chunk)
            if size > max_bytes:
                raise AnswerTooLarge(f"its answer is larger than {max_bytes} bytes, the most that is read")
            chunks.append(chunk)
        if cut:  # the watchdog's cut looks like the end of a body without a length
            raise socket.timeout()
        reply = Reply(response.status, response.getheader("Content-Type", ""), b"".join(chunks), tuple(response.getheaders()))
    except AnswerTooLarge:
        raise
    except (socket.timeout, TimeoutError):
        raise Unreachable(f"no whole answer within {timeout:g} s") from None
    except (http.client.IncompleteRead, http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError) as exc:
        if cut:
            raise Unreachable(f"no whole answer within {timeout:g} s") from None
        raise Unreachable(f"the connection ended before a whole answer ({type(exc).__name__})") from None
    except http.client.HTTPException as exc:  # the other end does not speak HTTP
        if cut:
            raise Unreachable(f"no whole answer within {timeout:g} s") from None
        first = str(exc.args[0] if exc.args else "")[:40]
        raise Unreachable(f"it answered something that is not HTTP ({type(exc).__name__}: {first!r})") from None
    except ValueError as exc:  # http.client refused to send it (a header with a line break)
        raise Unreachable(f"the request cannot be sent: {exc}") from None
    except ssl.SSLError as exc:
        raise Unreachable(f"TLS failed: {exc.reason or exc}") from None
    except OSError as exc:
        if cut:
            raise Unreachable(f"no whole answer within {timeout:g} s") from None
        raise Unreachable(_reason(exc)) from None
    finally:
        _WATCHDOG.cancel(handle)
        connection.close()
    return reply


def _reason(exc: OSError) -> str:
    if isinstance(exc, socket.gaierror):
        return f"cannot resolve the host ({exc.strerror or exc})"
    return exc.strerror or str(exc) or type(exc).__name__

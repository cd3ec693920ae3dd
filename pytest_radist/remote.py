"""Talking to a Radist somewhere else: one request to a real Radist (or anything at a base
URL), for live mode and ``radist-fake verify``.

The standard library's ``http.client`` does it, so live mode needs no
dependency the fake does not already have. Live mode keeps its
connections alive in a :class:`Connections`: against the real service each
new one costs a TCP and a TLS handshake, more than the request itself.
``verify`` opens one per request: it sends what a server may close a
connection over, and must not take a connection closed that way for the
target's failure to answer. Paths are sent as given,
still percent-encoded, so an encoded ``/`` stays part of an id.
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
import select
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
        self._running: Optional[int] = None

    def at(self, deadline: float, callback: Callable[[], None]) -> int:
        with self._lock:
            handle = next(self._ids)
            heapq.heappush(self._heap, (deadline, handle, callback))
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="radist-forward-watchdog", daemon=True)
                self._thread.start()
            self._lock.notify()
            return handle

    def cancel(self, handle: int) -> bool:
        """Cancel the callback; ``False`` if it ran or is running (waits for
        it to end, so that its effect is there to see)."""
        with self._lock:
            if not any(entry[1] == handle for entry in self._heap):
                while self._running == handle:
                    self._lock.wait()
                return False
            self._cancelled.add(handle)
            self._lock.notify()
            return True

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
                self._running = handle
            try:
                callback()
            finally:
                with self._lock:
                    self._running = None
                    self._lock.notify_all()


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


class Connections:
    """Connections kept alive between the requests of one caller (a live
    test, a verify run), by target. A connection is reused only while it has
    been idle for less than :attr:`REUSE_WITHIN` seconds and the other end
    has not closed it, so a request is never sent on one the server is
    about to drop; one found closed anyway is tried again only for a method
    that may be sent twice (a POST might have been carried out).
    :meth:`close_idle` closes what waits; the caller calls it when done."""

    #: Seconds an idle connection stays reusable: well under the keep-alive
    #: timeouts servers use (uvicorn's 5 s, nginx's 75 s).
    REUSE_WITHIN = 2.0

    def __init__(self, keep: int = 4) -> None:
        self._keep = keep  # idle connections kept per target
        self._lock = threading.Lock()
        self._idle: dict[str, list[tuple[float, http.client.HTTPConnection]]] = {}
        self._proxies: dict[tuple[str, str], Optional[str]] = {}

    def proxy_of(self, scheme: str, host: str) -> Optional[str]:
        """:func:`proxy_of`, read once per target: urllib reads the whole
        environment for each answer, a cost larger than a request on loopback."""
        key = (scheme, host)
        if key not in self._proxies:
            self._proxies[key] = proxy_of(scheme, host)
        return self._proxies[key]

    def take(self, target: str) -> Optional[http.client.HTTPConnection]:
        """An idle connection to ``target`` (scheme://host:port) still fit to use, if any."""
        now, found, stale = time.monotonic(), None, []
        with self._lock:
            idle = self._idle.get(target, [])
            while idle and found is None:
                since, connection = idle.pop()
                if now - since < self.REUSE_WITHIN and _still_open(connection):
                    found = connection
                else:
                    stale.append(connection)
        for connection in stale:
            connection.close()
        return found

    def give(self, target: str, connection: http.client.HTTPConnection) -> None:
        """Keep ``connection`` for the next request to ``target`` (closed if enough wait)."""
        with self._lock:
            idle = self._idle.setdefault(target, [])
            if len(idle) < self._keep:
                idle.append((time.monotonic(), connection))
                return
        connection.close()

    def close_idle(self) -> None:
        """Close every connection waiting for a next request."""
        with self._lock:
            idle, self._idle = self._idle, {}
        for entries in idle.values():
            for _, connection in entries:
                connection.close()

    def __len__(self) -> int:
        with self._lock:
            return sum(len(entries) for entries in self._idle.values())


def _still_open(connection: http.client.HTTPConnection) -> bool:
    """Whether the other end has said nothing since the last answer (a
    readable idle socket has been closed, or sends what nobody asked for)."""
    sock = connection.sock
    if sock is None:
        return False
    try:
        readable, _, _ = select.select([sock], [], [], 0)
    except (OSError, ValueError):  # closed meanwhile
        return False
    return not readable


def proxy_of(scheme: str, host: str) -> Optional[str]:
    """The environment's proxy for ``scheme`` to ``host``, as ``urllib`` picks it
    (``HTTPS_PROXY``, ``NO_PROXY``...), or ``None``."""
    return None if urllib.request.proxy_bypass(host) else urllib.request.getproxies().get(scheme)


def _connection(url: str, timeout: float, proxies: Callable[[str, str], Optional[str]] = proxy_of,
                ) -> tuple[http.client.HTTPConnection, str]:
    """A connection for ``url`` (through the environment's proxy, if any),
    and the request target to send on it."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise Unreachable(f"{url!r} is not an http:// or https:// URL")
    target = parts.path + (f"?{parts.query}" if parts.query else "")
    proxy = proxies(parts.scheme, parts.hostname)
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
    connections: Optional[Connections] = None,
) -> Reply:
    """Send one request to ``base_url`` + ``path_and_query``, as the SDKs do
    (``Accept: application/json``; ``Content-Type`` only with a body), with
    ``headers`` added (or replacing those). Raises :class:`Unreachable` when
    no whole HTTP answer comes back within ``timeout`` seconds,
    :class:`AnswerTooLarge` past ``max_bytes``. With ``connections``, a
    connection kept alive there is used, and kept again afterwards; without,
    the connection is closed after the answer."""
    url = base_url.rstrip("/") + path_and_query
    sent = {"Accept": "application/json", "User-Agent": USER_AGENT}
    if authorization is not None:
        sent["Authorization"] = authorization
    if body is not None:
        sent["Content-Type"] = "application/json"
    sent.update(headers or {})
    connection, target = _connection(url, timeout, proxy_of if connections is None else connections.proxy_of)
    pool_key = base_url.rstrip("/")
    kept = connections.take(pool_key) if connections is not None else None
    if kept is not None:
        kept.timeout = timeout
        if kept.sock is not None:
            kept.sock.settimeout(timeout)
        try:
            return _exchange(kept, method, target, body, sent, timeout, max_bytes, connections, pool_key,
                             retry_if_stale=method.upper() in _REPLAYABLE)
        except _Stale:  # the service closed it as the request left: once more, on a new connection
            pass
    return _exchange(connection, method, target, body, sent, timeout, max_bytes, connections, pool_key)


#: Methods a request may be sent again with, when a kept connection turns out
#: closed before any answer (as Go's net/http does; a POST may have been carried out).
_REPLAYABLE = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE"})


class _Stale(Exception):
    """A kept connection the other end had closed: nothing was answered."""


def _exchange(connection: http.client.HTTPConnection, method: str, target: str, body: Optional[bytes],
              sent: Mapping[str, str], timeout: float, max_bytes: int, connections: Optional[Connections],
              pool_key: str, retry_if_stale: bool = False) -> Reply:
    """One request and its whole answer on ``connection``, kept in
    ``connections`` afterwards if it may be reused, closed otherwise."""
    reusable = False
    response: Optional[http.client.HTTPResponse] = None
    cut: list[bool] = []
    handle = _WATCHDOG.at(time.monotonic() + timeout, lambda: _cut(connection, cut))
    try:
        if connection.sock is None:
            connection.connect()
            connected: socket.socket = connection.sock  # type: ignore[assignment]  # connect() set it
            # the head and the body go in two writes: without this, the body may wait for the head's ACK
            connected.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
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
        # read whole: closed at a last chunk, or its length read (http.client then waits for one more read)
        whole = response.isclosed() or response.length == 0
        response.close()
        reusable = connections is not None and whole and not response.will_close
    except AnswerTooLarge:
        raise
    except (socket.timeout, TimeoutError):
        raise Unreachable(f"no whole answer within {timeout:g} s") from None
    except (http.client.IncompleteRead, http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError) as exc:
        if cut:
            raise Unreachable(f"no whole answer within {timeout:g} s") from None
        if retry_if_stale and response is None:
            raise _Stale() from None
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
        if not _WATCHDOG.cancel(handle):  # the deadline came: the connection was cut
            reusable = False
        if reusable:
            assert connections is not None
            connections.give(pool_key, connection)
        else:
            connection.close()
    return reply


def _reason(exc: OSError) -> str:
    if isinstance(exc, socket.gaierror):
        return f"cannot resolve the host ({exc.strerror or exc})"
    return exc.strerror or str(exc) or type(exc).__name__

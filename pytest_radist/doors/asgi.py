"""The loopback server's application: HTTP requests in, the fake's answers out.

An ASGI application served by uvicorn (see :mod:`.server`). It only
translates: limits first (414, 431, 413, each as ``{"error": ...}``), then
the request goes through :meth:`RadistFake.dispatch` like every other door.
Fault latency is awaited here, never slept on a thread, and ends early when
the client leaves or the server stops.
"""

from __future__ import annotations

import asyncio
import json
from typing import TYPE_CHECKING, Any, Awaitable, Callable, Optional, Union
from urllib.parse import urlsplit

from .. import errors as E
from ..api.app import ApiRequest, parse_body
from .limits import ServerLimits

if TYPE_CHECKING:
    from ..fake import RadistFake
    from .http_protocol import RadistHttpProtocol

Scope = dict[str, Any]
Receive = Callable[[], Awaitable[dict[str, Any]]]
Send = Callable[[dict[str, Any]], Awaitable[None]]

_JSON = (b"content-type", b"application/json")
_CLOSE = (b"connection", b"close")
#: A refusal before the body is read: (status, message).
Refusal = tuple[int, str]


class ServedApp:
    """What the server hands the application: the fake to answer from, the
    limits, and how to drop a connection or notice that the server stops."""

    def __init__(self, limits: ServerLimits) -> None:
        self.limits = limits
        self.target: Optional[RadistFake] = None
        self.stopping: Optional[asyncio.Event] = None  # made on the server's loop
        #: Open HTTP connections by client address (the protocol keeps it).
        self.connections: dict[Any, RadistHttpProtocol] = {}

    def drop(self, scope: Scope) -> None:
        """Close the connection of this request without an answer."""
        connection = self.connections.get(scope.get("client"))
        if connection is not None:
            connection.drop()


class RadistApp:
    """The ASGI application of one :class:`~.server.LoopbackServer`."""

    def __init__(self, served: ServedApp, default_host: str) -> None:
        self.served = served
        self.default_host = default_host

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            if self.served.stopping is not None and self.served.stopping.is_set():
                self.served.drop(scope)
                return
            await self._http(scope, receive, send)
        elif scope["type"] == "websocket":  # no socket endpoint yet
            await send({"type": "websocket.close", "code": 1008})

    async def _http(self, scope: Scope, receive: Receive, send: Send) -> None:
        limits = self.served.limits
        headers = _headers(scope)
        refusal = _refuse_early(scope, headers, limits)
        if refusal is not None:
            await _respond(send, refusal[0], {"error": refusal[1]}, close=True)
            return
        body = await _read_body(receive, limits.max_body_bytes)
        if body is None:
            return  # the client left, or the protocol already answered (408, 400)
        if isinstance(body, tuple):
            await _respond(send, body[0], {"error": body[1]}, close=True)
            return
        fake = self.served.target
        if fake is None:
            await _respond(send, 503, {"error": E.NO_FAKE_ATTACHED})
            return
        try:
            request = _api_request(scope, headers, body, self.default_host)
            outcome = fake.dispatch(request, door="http")
        except Exception as exc:  # a bug of the fake; never a bare traceback page
            message = f"internal error in the HTTP front door: {type(exc).__name__}: {exc}"
            fake.report_problem(message)
            await _respond(send, 500, {"error": f"pytest-radist fake: {message}"})
            return
        if outcome.delay and not await self._pause(outcome.delay, receive):
            self.served.drop(scope)  # the client left, or the server stops
            return
        if outcome.drop:
            self.served.drop(scope)
            return
        await _respond(send, outcome.status, outcome.body, raw=outcome.raw)

    async def _pause(self, seconds: float, receive: Receive) -> bool:
        """Wait out a latency fault. ``False`` if the client disconnected or
        the server began to stop first."""
        waits: set[asyncio.Future[Any]] = {asyncio.ensure_future(receive())}  # answers only on disconnect
        if self.served.stopping is not None:
            waits.add(asyncio.ensure_future(self.served.stopping.wait()))
        done, pending = await asyncio.wait(waits, timeout=seconds, return_when=asyncio.FIRST_COMPLETED)
        for future in pending:
            future.cancel()
        return not done


def _headers(scope: Scope) -> dict[bytes, bytes]:
    """The request's headers by lowercase name (the first of repeated ones)."""
    found: dict[bytes, bytes] = {}
    for name, value in scope["headers"]:
        found.setdefault(name, value)
    return found


def _refuse_early(scope: Scope, headers: dict[bytes, bytes], limits: ServerLimits) -> Optional[Refusal]:
    """What can be refused before reading the body."""
    if scope["http_version"] not in ("1.1", "1.0"):
        return 400, E.UNSUPPORTED_HTTP_VERSION
    if len(scope["raw_path"]) + len(scope["query_string"]) > limits.max_url_bytes:
        return 414, E.URL_TOO_LONG.format(limit=limits.max_url_bytes)
    if len(scope["headers"]) > limits.max_headers:
        return 431, E.TOO_MANY_HEADERS.format(limit=limits.max_headers)
    # the protocol bounds a head that arrives in pieces; one that arrives
    # whole is measured here
    if sum(len(name) + len(value) for name, value in scope["headers"]) > limits.max_head_bytes:
        return 431, E.HEADERS_TOO_LARGE
    declared = headers.get(b"content-length")
    if declared is not None and int(declared) > limits.max_body_bytes:  # the parser checked it is digits
        return 413, E.BODY_TOO_LARGE.format(limit=limits.max_body_bytes)
    return None


async def _read_body(receive: Receive, limit: int) -> Union[bytes, Refusal, None]:
    """The whole body, a 413 refusal, or ``None`` if the request ended
    without one (the client left, or the protocol timed it out)."""
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] != "http.request":
            return None
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            return 413, E.BODY_TOO_LARGE.format(limit=limit)
        chunks.append(chunk)
        if not message.get("more_body", False):
            return b"".join(chunks)


def _api_request(scope: Scope, headers: dict[bytes, bytes], body: bytes, default_host: str) -> ApiRequest:
    target = scope["raw_path"].decode("latin-1")
    if not target.startswith("/"):  # absolute-form request target
        target = urlsplit(target).path or "/"
    authorization = headers.get(b"authorization")
    host = headers.get(b"host")
    return ApiRequest(
        method=scope["method"].upper(),
        path=target,
        query=scope["query_string"].decode("latin-1"),
        authorization=None if authorization is None else authorization.decode("latin-1"),
        body=parse_body(body),
        base_url=f"http://{host.decode('latin-1') if host else default_host}",
        body_size=len(body),
    )


async def _respond(
    send: Send, status: int, body: Optional[dict[str, Any]], *, raw: Optional[bytes] = None, close: bool = False
) -> None:
    payload = raw if raw is not None else json.dumps(body).encode()
    headers = [_JSON, (b"content-length", str(len(payload)).encode())]
    if close:  # the body may be unread: do not parse what follows as a request
        headers.append(_CLOSE)
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": payload})

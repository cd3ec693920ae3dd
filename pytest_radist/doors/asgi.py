"""The loopback server's application: HTTP requests and signaling sockets
in, the fake's answers out.

An ASGI application served by uvicorn (see :mod:`.server`). It only
translates: limits first (414, 431, 413, each as ``{"error": ...}``), then
what a browser may do (CORS, the control plane's Host and Content-Type
guard, see :mod:`..controls.browser`), then the request goes through
:meth:`RadistFake.dispatch` like every other door. A signaling socket's
handshake is dispatched the same way; :mod:`.signaling` runs it afterwards.
Fault latency is awaited here, never slept on a thread, and ends early when
the client leaves or the server stops.
"""

from __future__ import annotations

import asyncio
import json
import threading
from typing import TYPE_CHECKING, Any, Awaitable, Callable, Optional, TypeVar, Union, cast
from urllib.parse import urlsplit

from .. import errors as E
from ..api import routes
from ..api.app import NO_BODY, ApiRequest, parse_body
from ..controls.browser import Audience, is_preflight
from ..controls.control_plane import PREFIX as CONTROL_PREFIX
from .limits import ServerLimits
from .signaling import SignalingHub, SocketPeer

if TYPE_CHECKING:
    from ..api.app import Outcome
    from .contract import RelayTarget, Served, SignalingTarget
    from .protocols import RadistHttpProtocol
    from .socket_protocol import RadistWebSocketProtocol

_T = TypeVar("_T")
Scope = dict[str, Any]
Receive = Callable[[], Awaitable[dict[str, Any]]]
Send = Callable[[dict[str, Any]], Awaitable[None]]

_JSON = (b"content-type", b"application/json")
_CLOSE = (b"connection", b"close")
#: Bytes of an answer handed to the server at a time.
_SLICE = 64 * 1024
#: A refusal before the body is read: (status, message).
Refusal = tuple[int, str]


class ServedApp:
    """What the server hands the application: the fake to answer from, the
    limits, and how to drop a connection or notice that the server stops."""

    def __init__(self, limits: ServerLimits, host: str) -> None:
        self.limits = limits
        #: The address the server was started on (for the Host guard).
        self.host = host
        self.target: Optional[Served] = None
        self.stopping: Optional[asyncio.Event] = None  # made on the server's loop
        #: Open HTTP connections and sockets by client address (the protocols keep them).
        self.connections: dict[Any, RadistHttpProtocol] = {}
        self.sockets: dict[Any, RadistWebSocketProtocol] = {}
        self.hub = SignalingHub()

    def drop(self, scope: Scope) -> None:
        """Close the connection of this request without an answer."""
        registry: dict[Any, Any] = self.sockets if scope["type"] == "websocket" else self.connections
        connection = registry.get(scope.get("client"))
        if connection is not None:
            connection.drop()


class RadistApp:
    """The ASGI application of one :class:`~.server.LoopbackServer`."""

    def __init__(self, served: ServedApp, default_host: str) -> None:
        self.served = served
        self.default_host = default_host

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if self.served.stopping is not None and self.served.stopping.is_set():
            self.served.drop(scope)
        elif scope["type"] == "http":
            await self._http(scope, receive, send)
        elif scope["type"] == "websocket":
            await self._websocket(scope, receive, send)

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
        path = _path(scope)
        origin = _text(headers.get(b"origin"))
        host = _text(headers.get(b"host"))
        policy = fake.browser
        host_allowed = policy.host_allowed(host, self.served.host)
        if not fake.live and origin is not None and is_preflight(scope["method"], origin, b"access-control-request-method" in headers):
            await self._preflight(send, fake, path, origin, _text(headers[b"access-control-request-method"]) or "")
            return
        if path.startswith(CONTROL_PREFIX):
            guard = _guard_control(scope["method"], headers, host_allowed, policy.control_token_matches(_text(headers.get(b"authorization"))))
            if guard is not None:
                await _respond(send, guard[0], {"error": guard[1]})
                return
        try:
            request = _api_request(scope, path, headers, body, host if host and host_allowed else self.default_host)
            if fake.live:  # forwarding waits on the network: never on the server's loop
                wanted, forwarded = await self._while_wanted(_off_loop(fake.dispatch, request, "http"), receive)
                if not wanted:
                    self.served.drop(scope)  # the client left, or the server stops
                    return
                outcome = cast("Outcome", forwarded)
            else:
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
        audience = None if fake.live else _audience(scope["method"], path)  # live: the service's own CORS, as sent
        extra = policy.cors_headers(origin, audience) if audience is not None else []
        extra += [(name.lower().encode(), value.encode("latin-1")) for name, value in outcome.headers.items()]
        await _respond(send, outcome.status, outcome.body, raw=outcome.raw, extra=extra)

    async def _preflight(self, send: Send, fake: Served, path: str, origin: str, method: str) -> None:
        """A CORS preflight: answered here, never journaled (radist-api.md 6.5)."""
        audience = _audience(method.upper(), path)
        if audience is None or not fake.browser.origin_allowed(origin, audience):
            message = E.SECRET_CORS if audience == "secret" else E.ORIGIN_NOT_ALLOWED
            await _respond(send, 403, {"error": message})
            return
        await send({"type": "http.response.start", "status": 204, "headers": fake.browser.preflight_headers(origin, audience)})
        await send({"type": "http.response.body", "body": b""})

    async def _websocket(self, scope: Scope, receive: Receive, send: Send) -> None:
        await receive()  # websocket.connect
        path = _path(scope)
        found = routes.match("GET", path)
        if found.route is None or found.route.key != "socket":
            await send({"type": "websocket.close"})  # not a socket endpoint: 403 to the upgrade
            return
        headers = _headers(scope)
        fake = self.served.target
        origin = _text(headers.get(b"origin"))
        if fake is None:
            await _refuse_socket(send, 503, "error", E.NO_FAKE_ATTACHED)
            return
        if fake.live:  # relayed to the real service, which answers the handshake and decides origins
            relay = cast("RelayTarget", fake).relay_socket
            headers_as_sent = [(name.decode("latin-1"), value.decode("latin-1")) for name, value in scope["headers"]]
            await relay(path, scope["query_string"].decode("latin-1"), headers_as_sent, receive, send)
            return
        if origin is not None and not fake.browser.origin_allowed(origin, "client"):
            await _refuse_socket(send, 403, "origin", E.ORIGIN_NOT_ALLOWED)
            return
        await self._signal(scope, receive, send, cast("SignalingTarget", fake), path)

    async def _signal(self, scope: Scope, receive: Receive, send: Send, fake: SignalingTarget, path: str) -> None:
        """The handshake through the fake's dispatch, then the socket's life."""
        self.served.hub.watch(fake)
        request = ApiRequest("GET", path, scope["query_string"].decode("latin-1"), None, NO_BODY,
                             f"http://{self.default_host}", websocket=True)
        outcome = fake.dispatch(request, door="socket")
        if outcome.delay and not await self._pause(outcome.delay, receive):
            self.served.drop(scope)
            return
        if outcome.drop:
            self.served.drop(scope)
            return
        body = outcome.body or {}
        if outcome.raw is not None:  # a malformed answer: the raw text, then an abnormal close
            await send({"type": "websocket.accept"})
            await send({"type": "websocket.send", "text": outcome.raw.decode("utf-8", "replace")})
            await send({"type": "websocket.close", "code": 1011})
        elif outcome.status != 200:
            await _refuse_socket(send, outcome.status, body.get("reason") or E.socket_reason(outcome.status), body.get("error", ""))
        else:
            peer = fake.peers[body["peerId"]]
            wire = self.served.sockets.get(scope["client"])
            if wire is None:  # the connection went away meanwhile: it disconnects at once
                peer.leave()
                return
            await send({"type": "websocket.accept"})
            await self.served.hub.serve(SocketPeer(peer, fake, wire), json.dumps(body), receive, send)

    async def _pause(self, seconds: float, receive: Receive) -> bool:
        """Wait out a latency fault. ``False`` if the client disconnected or
        the server began to stop first."""
        wanted, _ = await self._while_wanted(asyncio.sleep(seconds), receive)
        return wanted

    async def _while_wanted(self, work: Awaitable[_T], receive: Receive) -> tuple[bool, Optional[_T]]:
        """``(True, result of work)``, or ``(False, None)`` if the client
        disconnected or the server began to stop first."""
        task = asyncio.ensure_future(work)
        waits: set[asyncio.Future[Any]] = {task, asyncio.ensure_future(receive())}  # receive answers only on disconnect
        if self.served.stopping is not None:
            waits.add(asyncio.ensure_future(self.served.stopping.wait()))
        done, pending = await asyncio.wait(waits, return_when=asyncio.FIRST_COMPLETED)
        for future in pending:
            future.cancel()
        return (True, task.result()) if task in done else (False, None)


async def _off_loop(call: Callable[..., Any], *args: Any) -> Any:
    """``call(*args)`` on a daemon thread of its own. Not the loop's default
    executor: a stopping server would wait for that to finish (a forward can
    take its whole timeout), while this thread ends by itself and finds
    nobody waiting."""
    loop = asyncio.get_running_loop()
    result: asyncio.Future[Any] = loop.create_future()

    def settle(value: Any, error: Optional[BaseException]) -> None:
        if not result.done():  # the request may have been given up
            if error is not None:
                result.set_exception(error)
            else:
                result.set_result(value)

    def run() -> None:
        value: Any = None
        error: Optional[BaseException] = None
        try:
            value = call(*args)
        except BaseException as exc:  # handed to the awaiting request
            error = exc
        try:
            loop.call_soon_threadsafe(settle, value, error)
        except RuntimeError:  # the server stopped meanwhile: nobody waits
            pass

    threading.Thread(target=run, name="radist-live-forward", daemon=True).start()
    return await result


def _headers(scope: Scope) -> dict[bytes, bytes]:
    """The request's headers by lowercase name (the first of repeated ones)."""
    found: dict[bytes, bytes] = {}
    for name, value in scope["headers"]:
        found.setdefault(name, value)
    return found


def _text(value: Optional[bytes]) -> Optional[str]:
    return None if value is None else value.decode("latin-1")


def _path(scope: Scope) -> str:
    """The raw (still percent-encoded) path of the request target."""
    target = str(scope["raw_path"].decode("latin-1"))
    if not target.startswith("/"):  # absolute-form request target
        target = urlsplit(target).path or "/"
    return target


def _audience(method: str, path: str) -> Optional[Audience]:
    """Whose rules a browser request falls under, if any."""
    if path.startswith(CONTROL_PREFIX):
        return "control"
    route = routes.match(method, path).route
    if route is None:
        return None
    return "secret" if route.key == "secret" else "client"


def _guard_control(method: str, headers: dict[bytes, bytes], host_allowed: bool, token_ok: bool) -> Optional[Refusal]:
    """The control plane's guard against web pages (radist-api.md 6.6) and,
    with a control token, against anyone without it."""
    if not host_allowed:
        return 403, E.HOST_NOT_ALLOWED
    if not token_ok:
        return 401, E.CONTROL_TOKEN_NEEDED
    if method not in ("GET", "HEAD"):
        content_type = headers.get(b"content-type", b"").split(b";")[0].strip().lower()
        if content_type != b"application/json":
            return 415, E.CONTROL_NEEDS_JSON
    return None


async def _refuse_socket(send: Send, status: int, reason: str, message: str) -> None:
    """Accept (a browser cannot read a refused handshake), say why, close."""
    await send({"type": "websocket.accept"})
    await send({"type": "websocket.send", "text": json.dumps({"type": "error", "reason": reason, "error": message})})
    await send({"type": "websocket.close", "code": 4000 + status, "reason": message})


def _refuse_early(scope: Scope, headers: dict[bytes, bytes], limits: ServerLimits) -> Optional[Refusal]:
    """What can be refused before reading the body (the protocol refused an
    oversized head already)."""
    if scope["http_version"] not in ("1.1", "1.0"):
        return 400, E.UNSUPPORTED_HTTP_VERSION
    # the URL and the headers were measured by the protocol (doors/protocols.py)
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


def _api_request(scope: Scope, path: str, headers: dict[bytes, bytes], body: bytes, host: str) -> ApiRequest:
    return ApiRequest(
        method=scope["method"].upper(),
        path=path,
        query=scope["query_string"].decode("latin-1"),
        authorization=_text(headers.get(b"authorization")),
        body=parse_body(body),
        base_url=f"http://{host}",
        body_size=len(body),
        raw_body=body,
        headers=tuple((name.decode("latin-1"), value.decode("latin-1")) for name, value in scope["headers"]),
    )


async def _respond(
    send: Send, status: int, body: Optional[dict[str, Any]], *, raw: Optional[bytes] = None, close: bool = False,
    extra: Optional[list[tuple[bytes, bytes]]] = None,
) -> None:
    payload = raw if raw is not None else json.dumps(body).encode()
    extra = extra or []
    content_type = [] if any(name == b"content-type" for name, _ in extra) else [_JSON]  # the dashboard is HTML
    headers = content_type + [(b"content-length", str(len(payload)).encode())] + extra
    if close:  # the body may be unread: do not parse what follows as a request
        headers.append(_CLOSE)
    await send({"type": "http.response.start", "status": status, "headers": headers})
    # in slices, so that the write buffer's high-water mark holds: uvicorn
    # waits for a slow client to drain before each one, and a client that
    # never reads is closed after ServerLimits.write_timeout
    last = max(0, len(payload) - 1) // _SLICE * _SLICE
    for start in range(0, last, _SLICE):
        await send({"type": "http.response.body", "body": payload[start:start + _SLICE], "more_body": True})
    await send({"type": "http.response.body", "body": payload[last:]})

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
from typing import TYPE_CHECKING, Any, Awaitable, Callable, Optional, TypeVar, Union, cast

from .. import errors as E
from ..api import routes
from ..api.app import NO_BODY, ApiRequest, Outcome
from ..controls.browser import is_preflight
from ..controls.control_plane import PREFIX as CONTROL_PREFIX
from .asgi_io import (Receive, Scope, Send, api_request, audience_of, encode_answer, guard_control, headers_of, off_loop,
                      path_of, read_body, refuse_early, refuse_socket, respond, text_of)
from .limits import ServerLimits
from .signaling import SignalingHub, SocketPeer

if TYPE_CHECKING:
    from .contract import RelayTarget, Served, SignalingTarget
    from .protocols import RadistHttpProtocol
    from .socket_protocol import RadistWebSocketProtocol

_T = TypeVar("_T")
#: An ASGI application.
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]


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
        #: Requests and socket upgrades received (``radist-fake`` reads it to notice it is idle).
        self.received = 0

    @property
    def stopped(self) -> bool:
        """Whether the server has begun to stop (nothing new is answered)."""
        return self.stopping is not None and self.stopping.is_set()

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
        self.served.received += 1
        if self.served.stopped:
            self.served.drop(scope)
        elif scope["type"] == "http":
            await self._http(scope, receive, send)
        elif scope["type"] == "websocket":
            await self._websocket(scope, receive, send)

    async def _http(self, scope: Scope, receive: Receive, send: Send) -> None:
        limits = self.served.limits
        headers = headers_of(scope)
        refusal = refuse_early(scope, headers, limits)
        if refusal is not None:
            await respond(send, refusal[0], {"error": refusal[1]}, close=True)
            return
        body = await read_body(receive, limits.max_body_bytes)
        if body is None:
            return  # the client left, or the protocol already answered (408, 400)
        if isinstance(body, tuple):
            await respond(send, body[0], {"error": body[1]}, close=True)
            return
        fake = self.served.target
        if fake is None:
            await respond(send, 503, {"error": E.NO_FAKE_ATTACHED})
            return
        path = path_of(scope)
        origin = text_of(headers.get(b"origin"))
        host = text_of(headers.get(b"host"))
        policy = fake.browser
        host_allowed = policy.host_allowed(host, self.served.host)
        if not fake.live and origin is not None and is_preflight(scope["method"], origin, b"access-control-request-method" in headers):
            await self._preflight(send, fake, path, origin, text_of(headers[b"access-control-request-method"]) or "")
            return
        if path.startswith(CONTROL_PREFIX):
            guard = guard_control(scope["method"], headers, host_allowed, policy.control_token_matches(text_of(headers.get(b"authorization"))),
                                  lambda page: page.rstrip("/") == f"http://{host}" or policy.origin_allowed(page, "control"))
            if guard is not None:
                await respond(send, guard[0], {"error": guard[1]})
                return
        request = api_request(scope, path, headers, body, host if host and host_allowed else self.default_host,
                              keep_headers=fake.live)
        if fake.live:  # forwarding waits on the network: never on the server's loop
            try:
                wanted, forwarded = await self._while_wanted(off_loop(fake.dispatch, request, "http"), receive)
            except Exception as exc:  # a bug of the forwarder; never a bare traceback page
                outcome = self._bug(fake, exc)
            else:
                if not wanted:
                    self.served.drop(scope)  # the client left, or the server stops
                    return
                outcome = cast("Outcome", forwarded)
        else:
            outcome = self._dispatch(fake, request)
        await self._deliver(scope, receive, send, fake, outcome, origin, path)

    def answer_at_once(self, scope: Scope, body: bytes, keep_alive: bool) -> Union[bytes, ASGIApp, None]:
        """For the protocol's direct path (:mod:`.protocols`): a plain
        request (no ``Origin``, not the control plane, a fake that is not
        live) dispatched at once, and its whole answer as bytes to write;
        or, when a fault delays or drops it, the ASGI application that
        delivers it; ``None`` if only the full ASGI path may answer it (it
        was not dispatched)."""
        served = self.served
        fake = served.target
        if fake is None or fake.live or served.stopped:
            return None
        headers = headers_of(scope)
        path = path_of(scope)
        if b"origin" in headers or path.startswith(CONTROL_PREFIX) or refuse_early(scope, headers, served.limits) is not None:
            return None
        served.received += 1
        host = text_of(headers.get(b"host"))
        host = host if host and fake.browser.host_allowed(host, served.host) else self.default_host
        outcome = self._dispatch(fake, api_request(scope, path, headers, body, host, keep_headers=False))
        if outcome.delay or outcome.drop:
            async def deliver(scope: Scope, receive: Receive, send: Send) -> None:
                await receive()  # the body, read already: receive() now answers only a disconnect
                await self._deliver(scope, receive, send, fake, outcome, None, path)

            return deliver
        try:
            return encode_answer(outcome.status, outcome.body, raw=outcome.raw,
                                 extra=self._extra(fake, scope["method"], path, None, outcome), close=not keep_alive)
        except Exception as exc:  # an answer that is not JSON: a bug of the fake, answered and reported
            bug = self._bug(fake, exc)
            return encode_answer(bug.status, bug.body, close=not keep_alive)

    def _dispatch(self, fake: Served, request: ApiRequest) -> Outcome:
        try:
            return fake.dispatch(request, door="http")
        except Exception as exc:  # a bug of the fake; never a bare traceback page
            return self._bug(fake, exc)

    @staticmethod
    def _bug(fake: Served, exc: Exception) -> Outcome:
        message = E.DOOR_INTERNAL_ERROR.format(kind=type(exc).__name__, error=exc)
        fake.report_problem(message)
        return Outcome(500, {"error": f"pytest-radist fake: {message}"})

    async def _deliver(self, scope: Scope, receive: Receive, send: Send, fake: Served, outcome: Outcome,
                       origin: Optional[str], path: str) -> None:
        """Send a dispatched request's answer: after a fault's latency, or not at all (``drop``)."""
        if outcome.delay and not await self._pause(outcome.delay, receive):
            self.served.drop(scope)  # the client left, or the server stops
            return
        if outcome.drop:
            self.served.drop(scope)
            return
        await respond(send, outcome.status, outcome.body, raw=outcome.raw, extra=self._extra(fake, scope["method"], path, origin, outcome))

    @staticmethod
    def _extra(fake: Served, method: str, path: str, origin: Optional[str], outcome: Outcome) -> list[tuple[bytes, bytes]]:
        """An answer's headers beyond its type and length: CORS (live: the
        service's own, as sent), and the outcome's own."""
        audience = None if fake.live else audience_of(method, path)
        extra = fake.browser.cors_headers(origin, audience) if audience is not None else []
        if outcome.headers:
            extra += [(name.lower().encode(), value.encode("latin-1")) for name, value in outcome.headers.items()]
        return extra

    async def _preflight(self, send: Send, fake: Served, path: str, origin: str, method: str) -> None:
        """A CORS preflight: answered here, never journaled (radist-api.md 6.5)."""
        audience = audience_of(method.upper(), path)
        if audience is None or not fake.browser.origin_allowed(origin, audience):
            message = E.SECRET_CORS if audience == "secret" else E.ORIGIN_NOT_ALLOWED
            await respond(send, 403, {"error": message})
            return
        await send({"type": "http.response.start", "status": 204, "headers": fake.browser.preflight_headers(origin, audience)})
        await send({"type": "http.response.body", "body": b""})

    async def _websocket(self, scope: Scope, receive: Receive, send: Send) -> None:
        await receive()  # websocket.connect
        path = path_of(scope)
        found = routes.match("GET", path)
        if found.route is None or found.route.key != "socket":
            await send({"type": "websocket.close"})  # not a socket endpoint: 403 to the upgrade
            return
        headers = headers_of(scope)
        fake = self.served.target
        origin = text_of(headers.get(b"origin"))
        if fake is None:
            await refuse_socket(send, 503, "error", E.NO_FAKE_ATTACHED)
            return
        if fake.live:  # relayed to the real service, which answers the handshake and decides origins
            relay = cast("RelayTarget", fake).relay_socket
            headers_as_sent = [(name.decode("latin-1"), value.decode("latin-1")) for name, value in scope["headers"]]
            await relay(path, scope["query_string"].decode("latin-1"), headers_as_sent, receive, send)
            return
        if origin is not None and not fake.browser.origin_allowed(origin, "client"):
            await refuse_socket(send, 403, "origin", E.ORIGIN_NOT_ALLOWED)
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
        elif outcome.status != 101:
            await refuse_socket(send, outcome.status, body.get("reason") or E.socket_reason(outcome.status), body.get("error", ""))
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

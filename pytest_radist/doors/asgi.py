"""The loopback server's application: HTTP requests and signaling sockets
in, the fake's answers out.

An ASGI application served by uvicorn (see :mod:`.server`). What an HTTP
request is answered is decided by :mod:`.pipeline` (admit, dispatch,
encode), the same for the protocol's direct path (:meth:`RadistApp.answer_now`)
and for uvicorn's request cycle (here), which only delivers: it reads a
body that streams, awaits live mode's forward and a fault's latency (ended
early when the client leaves or the server stops), and sends. A signaling
socket's handshake is dispatched like any request; :mod:`.signaling` runs
the socket afterwards.
"""

from __future__ import annotations

import asyncio
import json
from typing import TYPE_CHECKING, Any, Awaitable, Callable, Optional, TypeVar, Union, cast

from .. import errors as E
from ..api import routes
from ..api.app import NO_BODY, ApiRequest, Outcome
from .asgi_io import Receive, Scope, Send, headers_of, off_loop, path_of, read_body, refuse_socket, text_of
from .http_rules import HEAD_KEY, Head, Refusal, read_head
from .limits import ServerLimits
from .pipeline import Answer, Pipeline, refusal
from .signaling import SignalingHub, SocketPeer

if TYPE_CHECKING:
    from .contract import RelayTarget, Served, SignalingTarget
    from .protocols import RadistHttpProtocol
    from .socket_protocol import RadistWebSocketProtocol

_T = TypeVar("_T")
#: Bytes of an answer handed to uvicorn at a time.
_SLICE = 64 * 1024
#: An ASGI application.
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]


async def send_answer(send: Send, answer: Answer, *, close: bool = False) -> None:
    """Deliver a decided answer through uvicorn's request cycle (it leaves
    out the body of a ``HEAD`` itself)."""
    payload = answer.body()
    await send({"type": "http.response.start", "status": answer.status, "headers": answer.headers(close)})
    # in slices, so that the write buffer's high-water mark holds: uvicorn
    # waits for a slow client to drain before each one, and a client that
    # never reads is closed after ServerLimits.write_timeout
    last = max(0, len(payload) - 1) // _SLICE * _SLICE
    for start in range(0, last, _SLICE):
        await send({"type": "http.response.body", "body": payload[start:start + _SLICE], "more_body": True})
    await send({"type": "http.response.body", "body": payload[last:]})


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
        self.pipeline = Pipeline(served, default_host)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        self.served.received += 1
        if self.served.stopped:
            self.served.drop(scope)
        elif scope["type"] == "http":
            try:
                await self._http(scope, receive, send)
            except Exception as exc:  # a bug of this door: answered in the envelope if nothing was sent yet, and reported
                try:
                    await send_answer(send, self.failed(exc), close=True)
                except RuntimeError:  # the answer had begun: uvicorn closes the connection
                    pass
        elif scope["type"] == "websocket":
            await self._websocket(scope, receive, send)

    async def _http(self, scope: Scope, receive: Receive, send: Send) -> None:
        """The request cycle's delivery: the body read (bounded), the answer
        decided by the pipeline, awaited where it must be (live mode's
        forward, a fault's latency), sent."""
        head = scope.get(HEAD_KEY) or self._read_head(scope)
        if not isinstance(head, Head):
            await send_answer(send, refusal(*head), close=True)
            return
        body = await read_body(receive, self.served.limits.max_body_bytes)
        if body is None:
            return  # the client left, or the protocol already answered (408, 400)
        if isinstance(body, tuple):
            await send_answer(send, refusal(*body), close=True)
            return
        pipeline = self.pipeline
        path = path_of(scope)
        admitted = pipeline.admit(scope["method"], path, scope["query_string"], scope["headers"], head.host, body)
        if isinstance(admitted, Answer):
            answer = admitted
        else:
            fake = self.served.target
            assert fake is not None  # admit answered 503 otherwise
            if fake.live:  # forwarding waits on the network: never on the server's loop
                try:
                    wanted, forwarded = await self._while_wanted(off_loop(fake.dispatch, admitted, "http"), receive)
                except Exception as exc:  # a bug of the forwarder; never a bare traceback page
                    outcome = pipeline.bug(exc)
                else:
                    if not wanted:
                        self.served.drop(scope)  # the client left, or the server stops
                        return
                    outcome = cast("Outcome", forwarded)
            else:
                outcome = pipeline.dispatch(fake, admitted)
            answer = pipeline.encode(admitted, outcome, headers_of(scope).get(b"origin"))
        await self.deliver(scope, receive, send, answer)

    def _read_head(self, scope: Scope) -> Union[Head, Refusal]:
        """The rules at the edge for a scope no protocol of ours read (the
        application served on its own, as Schemathesis calls it)."""
        url = scope["raw_path"] + (b"?" + scope["query_string"] if scope["query_string"] else b"")
        return read_head(scope["http_version"], url, list(scope["headers"]), self.served.limits, True)

    def answer_now(self, scope: Scope, head: Head, body: bytes) -> Optional[Answer]:
        """For the protocol's direct path (:mod:`.protocols`): the request
        answered by the pipeline now, or ``None`` when it must be awaited
        on the request cycle (live mode's forward; a stopping server)."""
        served = self.served
        fake = served.target
        if served.stopped or (fake is not None and fake.live):
            return None
        served.received += 1
        return self.pipeline.answer(scope["method"], path_of(scope), scope["query_string"], scope["headers"], head.host, body)

    def failed(self, exc: BaseException) -> Answer:
        """The answer to a bug of the server's own code (reported as a problem of the fake)."""
        outcome = self.pipeline.bug(exc)
        assert outcome.body is not None
        return refusal(outcome.status, outcome.body["error"])

    async def deliver(self, scope: Scope, receive: Receive, send: Send, answer: Answer) -> None:
        """Send a decided answer: after a fault's latency, or not at all (``drop``)."""
        if answer.delay and not await self._pause(answer.delay, receive):
            self.served.drop(scope)  # the client left, or the server stops
            return
        if answer.drop:
            self.served.drop(scope)
            return
        await send_answer(send, answer)

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

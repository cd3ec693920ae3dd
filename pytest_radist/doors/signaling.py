"""The signaling sockets' door: frames in, model calls; model events out, frames.

The handshake goes through :meth:`RadistFake.dispatch` like any request
(journal, faults, the refusal order); from then on a socket is a model
:class:`~pytest_radist.Peer`. This module keeps which peer owns which open
socket, relays ``signal`` frames, answers ``ping`` and ``leave``, and turns
the model's presence events (from sockets, simulated peers and test
controls alike) into ``peer-joined`` / ``peer-left`` frames and closes.
Everything here runs on the server's event loop; model events arriving from
other threads are handed over with ``call_soon_threadsafe``.

Every socket has a send budget (``ServerLimits.socket_send_budget``): the
bytes queued for it here plus those its connection has not delivered. A
frame that would go over it closes the socket with 1008 instead, frees its
queue at once, and disconnects its peer like any closed socket.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import json
import math
import weakref
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Awaitable, Callable, Optional, Protocol, Union

from .. import errors as E
from ..controls.network import Disruption
from ..model.world import PresenceEvent
from .limits import SEND_BUDGET_CLOSE, ServerLimits

if TYPE_CHECKING:
    from .contract import SignalingTarget
    from ..model.entities import Peer

Send = Callable[[dict[str, Any]], Awaitable[None]]
Receive = Callable[[], Awaitable[dict[str, Any]]]


#: Seconds a disruption asked from another thread waits for the server's loop.
DISRUPT_WAIT = 2.0


@dataclass(frozen=True)
class _Close:
    code: int
    reason: str


class Wire(Protocol):
    """What a socket needs of its connection (the WebSocket protocol)."""

    @property
    def limits(self) -> ServerLimits: ...

    def buffered(self) -> int: ...
    def close_by_server(self, code: int, reason: str) -> None: ...
    def cut(self) -> None: ...
    def freeze(self, seconds: float) -> None: ...


class SocketPeer:
    """One open signaling socket and the peer it carries."""

    def __init__(self, peer: Peer, fake: SignalingTarget, wire: Wire) -> None:
        self.peer = peer
        self.fake = fake
        self.wire = wire
        self.outbox: asyncio.Queue[Union[str, _Close]] = asyncio.Queue()
        #: Bytes on the wire of the frames in :attr:`outbox` (JSON text is
        #: ASCII; each frame has its header).
        self.queued = 0
        #: No longer the peer's socket (replaced, removed, closed by the
        #: server): its end must not disconnect the peer again.
        self.detached = False
        #: Went over its send budget: it takes no more frames.
        self.over_budget = False
        #: Loop time until which this sender's relayed frames wait (a ``signal``
        #: latency fault): later ones queue behind, so its frames keep their order.
        self.relay_tail = 0.0
        #: Cleared while the socket is frozen (a disruption): frames wait, in order.
        self.thawed = asyncio.Event()
        self.thawed.set()

    def send(self, frame: Union[dict[str, Any], str]) -> None:
        """Queue a frame (a dict, or its JSON text when shared by many),
        within the socket's send budget."""
        if self.detached or self.over_budget:
            return
        text = frame if isinstance(frame, str) else json.dumps(frame)
        budget = self.wire.limits.socket_send_budget
        size = frame_size(text)
        if self.queued + size + self.wire.buffered() > budget:
            self._overflow(budget)
            return
        self.queued += size
        self.outbox.put_nowait(text)

    def _overflow(self, budget: int) -> None:
        """The client does not read: free its queue now and close it (1008);
        its peer then disconnects like any socket that closed."""
        self.over_budget = True
        while not self.outbox.empty():
            self.outbox.get_nowait()
        self.queued = 0
        self.wire.close_by_server(SEND_BUDGET_CLOSE, E.SEND_BUDGET_EXCEEDED.format(limit=budget))

    def close(self, code: int, reason: str) -> None:
        """Close from the server side; the peer is no longer this socket's."""
        if not self.detached:
            self.detached = True
            self.outbox.put_nowait(_Close(code, reason))


class SignalingHub:
    """The open sockets of one loopback server, by peer id."""

    def __init__(self) -> None:
        self.loop: Optional[asyncio.AbstractEventLoop] = None
        self.sockets: dict[str, SocketPeer] = {}
        self._watched: weakref.WeakSet[SignalingTarget] = weakref.WeakSet()

    def watch(self, fake: SignalingTarget) -> None:
        """Hear ``fake``'s presence events and disruptions (once per fake)."""
        if fake not in self._watched:
            self._watched.add(fake)
            fake.subscribe(self._heard)
            fake.watch_sockets(self.disrupt)

    def _heard(self, event: PresenceEvent) -> None:
        loop = self.loop
        if loop is not None and not loop.is_closed():
            try:
                loop.call_soon_threadsafe(self._apply, event)
            except RuntimeError:  # the loop closed in between: nobody to tell
                pass

    def _in_session(self, session_id: str) -> list[SocketPeer]:
        return [s for s in self.sockets.values() if s.peer.session.id == session_id]

    def _apply(self, event: PresenceEvent) -> None:
        if event.kind == "tombstoned":
            for socket in self._in_session(event.session_id):
                self._unregister(socket).close(4410, E.CALL_TERMINATED)
            return
        if event.kind == "joined":
            notice = json.dumps({"type": "peer-joined", "peerId": event.peer_id})
        else:
            notice = json.dumps({"type": "peer-left", "peerId": event.peer_id, "reason": event.reason})
        for socket in self._in_session(event.session_id):
            if socket.peer.id != event.peer_id:
                socket.send(notice)
        own = self.sockets.get(event.peer_id or "")
        if event.kind == "left" and own is not None:
            # the test removed or disconnected a socket peer: its socket follows
            code, reason = (4403, E.REMOVED) if event.reason == "removed" else (1000, "") if event.reason == "left" else (4000, E.DISCONNECTED_BY_TEST)
            self._unregister(own).close(code, reason)

    def _unregister(self, socket: SocketPeer) -> SocketPeer:
        if self.sockets.get(socket.peer.id) is socket:
            del self.sockets[socket.peer.id]
        return socket

    def disrupt(self, disruption: Disruption) -> bool:
        """Disturb the socket of ``disruption.peer_id`` on this server's loop
        (waiting for it from another thread); ``False`` if it has none here."""
        loop = self.loop
        if loop is None or loop.is_closed() or disruption.peer_id not in self.sockets:
            return False
        try:
            running: Optional[asyncio.AbstractEventLoop] = asyncio.get_running_loop()
        except RuntimeError:
            running = None
        if running is loop:  # the control plane, answered on the loop itself
            return self._disrupt(disruption)
        done: concurrent.futures.Future[bool] = concurrent.futures.Future()

        def on_loop() -> None:
            try:
                done.set_result(self._disrupt(disruption))
            except BaseException as exc:  # handed to the caller's thread
                done.set_exception(exc)

        try:
            loop.call_soon_threadsafe(on_loop)
            return done.result(timeout=DISRUPT_WAIT)
        except (RuntimeError, concurrent.futures.TimeoutError):  # the loop closed or stopped meanwhile
            return False

    def _disrupt(self, disruption: Disruption) -> bool:
        socket = self.sockets.get(disruption.peer_id)
        if socket is None:
            return False
        if disruption.mode == "freeze":
            socket.thawed.clear()
            socket.wire.freeze(disruption.seconds)
            asyncio.get_running_loop().call_later(disruption.seconds, socket.thawed.set)
            return True
        self._unregister(socket)
        if disruption.mode == "drop":
            socket.detached = True
            socket.wire.cut()
        else:
            socket.close(disruption.code, "")
        socket.peer.leave()  # disconnected, as if its network went away: it may reconnect within the grace
        return True

    def register(self, socket: SocketPeer) -> None:
        """The peer's socket from now on; an older one is replaced (4409)."""
        old = self.sockets.get(socket.peer.id)
        if old is not None:
            old.close(4409, E.REPLACED)
        self.sockets[socket.peer.id] = socket

    def detach_all(self, code: int = 1001, reason: str = E.SERVER_DETACHED) -> None:
        """Close every socket without touching the state (the fake is gone)."""
        for socket in list(self.sockets.values()):
            self._unregister(socket).close(code, reason)

    async def serve(self, socket: SocketPeer, welcome: str, receive: Receive, send: Send) -> None:
        """Run one connected socket until either side closes it."""
        socket.send(welcome)
        self.register(socket)
        reader = asyncio.ensure_future(self._read(socket, receive))
        writer = asyncio.ensure_future(_write(socket, send))
        try:
            await asyncio.wait({reader, writer}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for task in (reader, writer):
                task.cancel()
            await asyncio.gather(reader, writer, return_exceptions=True)
            if not socket.detached:  # it closed without leave: disconnected
                self._unregister(socket)
                socket.detached = True
                socket.peer.leave()

    async def _read(self, socket: SocketPeer, receive: Receive) -> None:
        while True:
            message = await receive()
            if message["type"] != "websocket.receive":
                return  # disconnected
            if not socket.thawed.is_set():  # frozen: what the client sent waits, in order
                await socket.thawed.wait()
            text = message.get("text")
            frame, problem = _parse(text) if text is not None else (None, E.BAD_MESSAGE)
            kind = frame.get("type") if frame is not None else None
            if kind == "ping":
                socket.send({"type": "pong"})
            elif kind == "signal" and frame is not None and "data" in frame:
                self._relay(socket, frame)
            elif kind == "leave":
                self._unregister(socket)
                socket.peer.leave("left")
                socket.close(1000, "")
                return
            else:
                socket.send({"type": "error", "reason": "bad_message", "error": problem or E.BAD_MESSAGE})

    def _relay(self, sender: SocketPeer, frame: dict[str, Any]) -> None:
        """Relay a ``signal`` frame, as a ``signal`` fault rule disturbs it:
        dropped, delayed (the sender's later frames behind it) or twice."""
        rule = sender.fake.signal_fault(sender.peer, frame)
        copies = 0 if rule is not None and rule.drop else 2 if rule is not None and rule.duplicate else 1
        loop = asyncio.get_running_loop()
        now = loop.time()
        delay = rule.frame_delay() if rule is not None else 0.0
        if delay or sender.relay_tail > now:
            sender.relay_tail = max(now + delay, sender.relay_tail + 1e-6)  # strictly later: the timers keep the order
            loop.call_at(sender.relay_tail, self._deliver, sender, frame, copies)
        else:
            self._deliver(sender, frame, copies)

    def _deliver(self, sender: SocketPeer, frame: dict[str, Any], copies: int = 1) -> None:
        if copies == 0:
            return
        relayed = json.dumps({"type": "signal", "from": sender.peer.id, "data": frame["data"]})
        for _ in range(copies):
            self._send_relayed(sender, frame, relayed)

    def _send_relayed(self, sender: SocketPeer, frame: dict[str, Any], relayed: str) -> None:
        session = sender.peer.session
        to = frame.get("to")
        if to is None:
            for socket in self._in_session(session.id):
                if socket is not sender:
                    socket.send(relayed)
            return
        target = session.peers.get(to) if isinstance(to, str) else None
        if target is None or not target.connected or target is sender.peer:
            sender.send({"type": "error", "reason": "unknown_peer", "error": E.PEER_NOT_FOUND})
            return
        receiver = self.sockets.get(target.id)
        if receiver is not None:  # a simulated peer has no socket: nothing to deliver
            receiver.send(relayed)


def _not_json(constant: str) -> Any:
    raise ValueError(constant)


def _finite(text: str) -> float:
    """A JSON number as a float, refused when it overflows (``1e999`` would be relayed as a bare ``Infinity``)."""
    value = float(text)
    if math.isinf(value):
        raise ValueError("Infinity")
    return value


def _parse(text: str) -> tuple[Optional[dict[str, Any]], Optional[str]]:
    """A frame's JSON object, or why it is not one. Strict JSON: ``NaN`` and
    ``Infinity``, which Python reads and a browser's ``JSON.parse`` refuses,
    and numbers that overflow to infinity, are never relayed."""
    try:
        value = json.loads(text, parse_constant=_not_json, parse_float=_finite)
    except (ValueError, RecursionError) as exc:
        return None, E.BAD_NUMBER if exc.args and exc.args[0] in ("NaN", "Infinity", "-Infinity") else E.BAD_MESSAGE
    return (value, None) if isinstance(value, dict) else (None, E.BAD_MESSAGE)


def frame_size(text: str) -> int:
    """Bytes a server's text frame of ``text`` takes on the wire (RFC 6455
    5.2: unmasked, the length in 7, 16 or 64 bits)."""
    n = len(text)
    return n + (2 if n < 126 else 4 if n < 65536 else 10)


async def _write(socket: SocketPeer, send: Send) -> None:
    while True:
        item = await socket.outbox.get()
        if not socket.thawed.is_set():  # frozen: held, then delivered in order
            await socket.thawed.wait()
        if isinstance(item, _Close):
            await send({"type": "websocket.close", "code": item.code, "reason": item.reason})
            return
        socket.queued -= frame_size(item)
        await send({"type": "websocket.send", "text": item})

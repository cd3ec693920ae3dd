"""WebSockets on the wire for the loopback server: uvicorn's sans-I/O
``websockets`` protocol, whose refused handshakes answer the JSON envelope,
whose write buffer is held to the socket's send budget, and which can close
a socket idle for too long.

Imported on the first upgrade, not at server start: ``websockets`` costs
about 40 ms to import, which a session without sockets need not pay.
"""

from __future__ import annotations

import asyncio
from typing import Any, ClassVar, Optional

from uvicorn.protocols.utils import ClientDisconnected
from websockets.exceptions import InvalidState
from uvicorn.protocols.websockets.websockets_sansio_impl import WebSocketsSansIOProtocol

from .. import errors as E
from .limits import CLOSE_GRACE, IDLE_CLOSE, SEND_BUDGET_CLOSE, ServerLimits
from .protocols import LOGGER, error_response


class RadistWebSocketProtocol(WebSocketsSansIOProtocol):
    """A signaling socket. :class:`~.server.LoopbackServer` makes a subclass
    per server that sets :attr:`limits` and :attr:`registry`."""

    limits: ClassVar[ServerLimits] = ServerLimits()
    registry: ClassVar[dict[Any, RadistWebSocketProtocol]] = {}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.logger = LOGGER
        #: Set when the server closed the socket on its own (send budget,
        #: idle): what the application still sends is dropped.
        self.closed_by_server = False
        self._idle_timer: Optional[asyncio.TimerHandle] = None
        self._cut_timer: Optional[asyncio.TimerHandle] = None
        self._frozen: Optional[asyncio.TimerHandle] = None

    def connection_made(self, transport: Any) -> None:
        super().connection_made(transport)
        self.registry[self.client] = self

    def connection_lost(self, exc: Optional[Exception]) -> None:
        for timer in (self._idle_timer, self._cut_timer, self._frozen):
            if timer is not None:
                timer.cancel()
        self._idle_timer = self._cut_timer = self._frozen = None
        if self.registry.get(self.client) is self:
            del self.registry[self.client]
        super().connection_lost(exc)

    def handle_connect(self, event: Any) -> None:
        response = self.conn.accept(event)
        if response.status_code == 101:
            super().handle_connect(event)
            self._touch()
            return
        # not a valid upgrade (a missing key, a wrong version): say so in JSON
        self.handshake_initiated = self.handshake_complete = self.close_sent = True
        self.transport.write(error_response(400, E.BAD_UPGRADE))
        self.transport.close()

    # -- the send budget --------------------------------------------------------

    def buffered(self) -> int:
        """Bytes written for the client that it has not read yet."""
        return 0 if self.transport is None else self.transport.get_write_buffer_size()

    def handle_ping(self) -> None:
        # the pongs of protocol PINGs are written at once, whether the client
        # reads or not; one read may bring hundreds of PINGs, so the pongs
        # they queued are counted before any is written
        pongs = self.conn.data_to_send()
        budget = self.limits.socket_send_budget
        if self.buffered() + sum(map(len, pongs)) > budget:
            self.close_by_server(SEND_BUDGET_CLOSE, E.SEND_BUDGET_EXCEEDED.format(limit=budget))
            return
        self.transport.write(b"".join(pongs))

    def close_by_server(self, code: int, reason: str) -> None:
        """Close the socket now: a close frame after what is already buffered
        (at most the budget), the application told at once, and the
        connection cut after :data:`CLOSE_GRACE` if the client does not read
        even that."""
        if self.closed_by_server or self.close_sent or self.transport.is_closing():
            return
        self.closed_by_server = self.close_sent = True
        try:
            self.conn.send_close(code, reason)
            self.transport.write(b"".join(self.conn.data_to_send()))
        except InvalidState:  # the handshake is not answered yet: nothing to close politely
            self.transport.abort()
            return
        self.queue.put_nowait({"type": "websocket.disconnect", "code": code, "reason": reason})
        if self.read_paused:
            self.read_paused = False
            self.transport.resume_reading()
        self.transport.close()
        self._cut_timer = self.loop.call_later(CLOSE_GRACE, self.transport.abort)

    async def send(self, message: Any) -> None:
        if self.closed_by_server:
            raise ClientDisconnected()  # ends the application's writer quietly
        await super().send(message)

    # -- idle sockets -------------------------------------------------------------

    def data_received(self, data: bytes) -> None:
        self._touch()
        super().data_received(data)

    def _touch(self) -> None:
        """The client sent something: the idle limit (if any) starts again."""
        seconds = self.limits.socket_idle_timeout
        if seconds is None or not self.handshake_initiated:
            return
        if self._idle_timer is not None:
            self._idle_timer.cancel()
        self._idle_timer = self.loop.call_later(seconds, self._idle)

    def _idle(self) -> None:
        self._idle_timer = None
        seconds = self.limits.socket_idle_timeout
        self.close_by_server(IDLE_CLOSE, E.SOCKET_IDLE.format(limit=f"{seconds:g}"))

    def cut(self) -> None:
        """Cut the connection with no close frame, as a network that went
        away does (the client sees 1006)."""
        self.closed_by_server = True
        self.transport.abort()

    def freeze(self, seconds: float) -> None:
        """Read nothing for ``seconds`` (the client's frames, pings included,
        wait in the connection, in order); what the server writes is held
        by the socket (:class:`~.signaling.SocketPeer`)."""
        if self.transport.is_closing():
            return
        self.transport.pause_reading()
        self._frozen = self.loop.call_later(seconds, self._thaw)

    def _thaw(self) -> None:
        self._frozen = None
        if not self.transport.is_closing() and not self.read_paused:
            self.transport.resume_reading()

    def drop(self) -> None:
        """Close the connection at once, without a handshake answer or a
        close frame (the ``drop`` fault)."""
        self.handshake_complete = True  # nothing more is owed: no 500, no error log
        self.transport.abort()

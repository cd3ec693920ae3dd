"""WebSockets on the wire for the loopback server: uvicorn's sans-I/O
``websockets`` protocol, whose refused handshakes answer the JSON envelope.

Imported on the first upgrade, not at server start: ``websockets`` costs
about 40 ms to import, which a session without sockets need not pay.
"""

from __future__ import annotations

from typing import Any, ClassVar, Optional

from uvicorn.protocols.websockets.websockets_sansio_impl import WebSocketsSansIOProtocol

from .. import errors as E
from .protocols import LOGGER, error_response


class RadistWebSocketProtocol(WebSocketsSansIOProtocol):
    """A signaling socket. :class:`~.server.LoopbackServer` makes a subclass
    per server that sets :attr:`registry`."""

    registry: ClassVar[dict[Any, RadistWebSocketProtocol]] = {}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.logger = LOGGER

    def connection_made(self, transport: Any) -> None:
        super().connection_made(transport)
        self.registry[self.client] = self

    def connection_lost(self, exc: Optional[Exception]) -> None:
        if self.registry.get(self.client) is self:
            del self.registry[self.client]
        super().connection_lost(exc)

    def handle_connect(self, event: Any) -> None:
        response = self.conn.accept(event)
        if response.status_code == 101:
            super().handle_connect(event)
            return
        # not a valid upgrade (a missing key, a wrong version): say so in JSON
        self.handshake_initiated = self.handshake_complete = self.close_sent = True
        self.transport.write(error_response(400, E.BAD_UPGRADE))
        self.transport.close()

    def drop(self) -> None:
        """Close the connection at once, without a handshake answer or a
        close frame (the ``drop`` fault)."""
        self.handshake_complete = True  # nothing more is owed: no 500, no error log
        self.transport.abort()

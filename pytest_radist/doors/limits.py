"""What the loopback server accepts, and how long it waits: one place, so the
server, ``radist-fake`` and the docs agree."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

from ..settings import check

#: Close code of a signaling socket whose client did not read what it was
#: sent (its send budget ran out): 1008, policy violation (RFC 6455 7.4.1).
SEND_BUDGET_CLOSE = 1008
#: Close code of a signaling socket idle for longer than ``socket_idle_timeout``
#: (``4000 + 408``, like the other refusals of the fake's socket protocol).
IDLE_CLOSE = 4408
#: Seconds a socket closed by the server (send budget, idle) may take to
#: flush its close frame before the connection is cut.
CLOSE_GRACE = 1.0


@dataclass(frozen=True)
class ServerLimits:
    """Limits of the loopback server. Every refusal is ``{"error": ...}``
    with a 4xx status, and the connection is closed after it.

    No limit here ends a signaling socket whose client keeps reading: a
    socket lives as long as its client keeps it open, unless
    ``socket_idle_timeout`` is set."""

    #: Largest request body; more is 413.
    max_body_bytes: int = 1024 * 1024
    #: Longest path and query together; more is 414.
    max_url_bytes: int = 8 * 1024
    #: Largest request line and headers together; more is 431 (414 when the
    #: request line alone is too long). WebSocket upgrades included.
    max_head_bytes: int = 32 * 1024
    #: Most header fields; more is 431. WebSocket upgrades included.
    max_headers: int = 100
    #: Seconds a client has to send a whole request (head, then body),
    #: counted from when the connection is ready for it; then 408 and close.
    #: It ends with the upgrade of a signaling socket.
    read_timeout: float = 10.0
    #: Seconds an idle keep-alive connection stays open between requests.
    keep_alive_timeout: float = 5.0
    #: Seconds a client may leave an answer unread once the server's write
    #: buffer for it is full; then the connection is closed and its buffer freed.
    write_timeout: float = 10.0
    #: Bytes that may wait to be sent on one signaling socket (frames, error
    #: frames and pongs alike). A client over it is closed with 1008.
    socket_send_budget: int = 1024 * 1024
    #: Seconds a signaling socket may go without a frame from its client
    #: before it is closed with 4408; ``None`` (the default): never.
    socket_idle_timeout: Optional[float] = None

    def __post_init__(self) -> None:
        for name in self.__dataclass_fields__:  # one validator: pytest_radist.settings
            check(name, getattr(self, name), f"ServerLimits({name}=...)")

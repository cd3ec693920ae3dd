"""HTTP/1.1 on the wire for the loopback server: uvicorn's h11 protocol,
answering what h11 refuses with the JSON envelope, and timing out clients
that never finish a request.

uvicorn answers framing errors with a plain-text 400 and waits forever for a
request that never completes; a fake that a test suite or a browser talks to must answer
``{"error": ...}`` with the right 4xx and must not be held by idle or slow
sockets. Imported only when a server starts (it imports uvicorn and h11).
"""

from __future__ import annotations

import asyncio
import json
import logging
import sys
from http import HTTPStatus
from typing import Any, ClassVar, Optional

import h11
from uvicorn.protocols.http.h11_impl import H11Protocol

from .. import errors as E
from .limits import ServerLimits

#: The server's own logger. A client that sends garbage gets its answer; it is
#: no warning for the test's log, so only errors (a bug) pass by default, and
#: the NullHandler keeps them off a bare stderr.
LOGGER = logging.getLogger("pytest_radist.server")
LOGGER.addHandler(logging.NullHandler())
LOGGER.setLevel(logging.ERROR)


def error_response(status: int, message: str) -> bytes:
    """A complete HTTP/1.1 response carrying ``{"error": message}``, then close."""
    body = json.dumps({"error": message}).encode()
    head = (
        f"HTTP/1.1 {status} {HTTPStatus(status).phrase}\r\n"
        "content-type: application/json\r\n"
        f"content-length: {len(body)}\r\n"
        "connection: close\r\n\r\n"
    )
    return head.encode("ascii") + body


class RadistH11Protocol(H11Protocol):
    """One client connection. :class:`~.server.LoopbackServer` makes a
    subclass per server that sets :attr:`limits` and :attr:`registry`."""

    limits: ClassVar[ServerLimits] = ServerLimits()
    #: Open connections by client address, so the app can drop one (a fault).
    registry: ClassVar[dict[Any, RadistH11Protocol]] = {}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.logger = LOGGER
        self._request_timer: Optional[asyncio.TimerHandle] = None
        self._waiting_since: Any = None

    # -- lifecycle -----------------------------------------------------------

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self.registry[self.client] = self
        self._await_request()

    def connection_lost(self, exc: Optional[Exception]) -> None:
        self._cancel_request_timer()
        if self.registry.get(self.client) is self:
            del self.registry[self.client]
        super().connection_lost(exc)

    def on_response_complete(self) -> None:
        super().on_response_complete()
        if not self.transport.is_closing():
            self._await_request()

    # -- a deadline for each request ------------------------------------------

    def _await_request(self) -> None:
        """Give the client ``read_timeout`` seconds to send its next request,
        head and body. uvicorn's keep-alive timer stops at the first byte, so
        a client that sends half a request would otherwise hold the socket
        forever."""
        self._cancel_request_timer()
        self._waiting_since = self.cycle
        self._request_timer = self.loop.call_later(self.limits.read_timeout, self._request_timed_out)

    def _cancel_request_timer(self) -> None:
        if self._request_timer is not None:
            self._request_timer.cancel()
            self._request_timer = None

    def _request_timed_out(self) -> None:
        self._request_timer = None
        if self.transport.is_closing():
            return
        message = E.REQUEST_TIMEOUT.format(limit=self.limits.read_timeout)
        cycle = self.cycle
        if cycle is self._waiting_since:  # no complete request head yet
            pending, _ = self.conn.trailing_data
            if pending:
                self.transport.write(error_response(408, message))
            self.transport.close()
        elif cycle is not None and cycle.more_body and not cycle.response_started:  # the body is late
            self.answer_and_close(408, message)

    # -- what h11 refuses ----------------------------------------------------

    def send_400_response(self, msg: str) -> None:
        # uvicorn calls this from its ``except h11.RemoteProtocolError`` block,
        # so the error (and h11's status hint: 431 for an oversized head) is
        # the exception being handled.
        error = sys.exc_info()[1]
        status = getattr(error, "error_status_hint", 400) if isinstance(error, h11.RemoteProtocolError) else 400
        if status == 431:
            pending, _ = self.conn.trailing_data
            if len(pending.partition(b"\r\n")[0]) > self.limits.max_url_bytes:  # the request line alone
                self.answer_and_close(414, E.URL_TOO_LONG.format(limit=self.limits.max_url_bytes))
            else:
                self.answer_and_close(431, E.HEADERS_TOO_LARGE)
        else:
            self.answer_and_close(400, E.MALFORMED_REQUEST)

    def answer_and_close(self, status: Optional[int], message: str = "") -> None:
        """Send a JSON error (unless a response already started, or
        ``status`` is ``None``: a dropped connection) and close."""
        cycle = self.cycle
        in_progress = cycle is not None and not cycle.response_complete
        if status is not None and not (in_progress and cycle.response_started):
            self.transport.write(error_response(status, message))
        if in_progress:
            # the app's receive() now answers http.disconnect and its sends are
            # ignored, so it ends without uvicorn writing a 500 of its own
            cycle.disconnected = True
            cycle.message_event.set()
        self.transport.close()

    def drop(self) -> None:
        """Close the connection without an answer (the ``drop`` fault)."""
        self.answer_and_close(None)

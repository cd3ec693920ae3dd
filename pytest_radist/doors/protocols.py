"""HTTP/1.1 on the wire for the loopback server: uvicorn's httptools
protocol (llhttp, a C parser), answering what the parser refuses with the
JSON envelope, bounding request heads, timing out clients that never
finish a request, and closing clients that never read their answers.

uvicorn answers framing errors with a plain-text 400, lets a request head
grow without bound, waits forever for a request that never completes and
for a client that never reads; a fake that a test suite or a browser talks
to must answer ``{"error": ...}`` with the right 4xx and must not be held by
idle, slow or stalled sockets. Every timer here belongs to the HTTP phase of
a connection: an upgrade to a signaling socket ends them all. Imported only
when a server starts (it imports uvicorn and httptools).
"""

from __future__ import annotations

import asyncio
import logging
from http import HTTPStatus
from typing import Any, ClassVar, Optional, Protocol, cast
from urllib.parse import unquote

import httptools
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol, RequestResponseCycle

from .. import errors as E
from .json_bytes import json_bytes
from .limits import ServerLimits

#: The server's own logger. A client that sends garbage gets its answer; it is
#: no warning for the test's log, so only errors (a bug) pass by default, and
#: the NullHandler keeps them off a bare stderr.
LOGGER = logging.getLogger("pytest_radist.server")
LOGGER.addHandler(logging.NullHandler())
LOGGER.setLevel(logging.ERROR)


def error_response(status: int, message: str) -> bytes:
    """A complete HTTP/1.1 response carrying ``{"error": message}``, then close."""
    body = json_bytes({"error": message})
    head = (
        f"HTTP/1.1 {status} {HTTPStatus(status).phrase}\r\n"
        "content-type: application/json\r\n"
        f"content-length: {len(body)}\r\n"
        "connection: close\r\n\r\n"
    )
    return head.encode("ascii") + body


class HeadWithBody:
    """The transport as uvicorn's request cycle sees it: the head of an
    answer waits for the first bytes of its body and goes out with them, in
    one write. uvicorn writes each on its own: a system call and a packet
    more per answer, the largest cost of a small one. Everything else is
    the transport's own."""

    __slots__ = ("transport", "_protocol", "_head", "_held_for")

    def __init__(self, transport: asyncio.Transport, protocol: RadistHttpProtocol) -> None:
        self.transport = transport
        self._protocol = protocol
        self._head: Optional[bytes] = None
        self._held_for: Any = None  # the request cycle whose head was held

    def write(self, data: bytes) -> None:
        head = self._head
        if head is not None:
            self._head = None
            self.transport.write(head + data)
            return
        cycle = self._protocol.cycle
        if cycle is not None and cycle.response_started and self._held_for is not cycle:
            self._held_for, self._head = cycle, data  # the head: uvicorn writes it first, alone
            return
        self.transport.write(data)

    def flush(self) -> None:
        head, self._head = self._head, None
        if head is not None:
            self.transport.write(head)

    def is_closing(self) -> bool:
        return self.transport.is_closing()

    def close(self) -> None:
        self.flush()
        self.transport.close()

    def abort(self) -> None:
        self._head = None
        self.transport.abort()

    def __getattr__(self, name: str) -> Any:
        return getattr(self.transport, name)


#: The largest request body the direct path waits for: uvicorn's high-water
#: mark, above which it stops reading until the application reads.
DIRECT_BODY_LIMIT = 65536


class DirectAnswers(Protocol):
    """What answers the direct path (:class:`~.asgi.RadistApp`)."""

    def answer_at_once(self, scope: dict[str, Any], body: bytes, keep_alive: bool) -> Any: ...


class DirectRequest:
    """A plain request on its way to the direct path: its scope, and its body as it arrives."""

    __slots__ = ("scope", "body", "keep_alive")

    def __init__(self, scope: Any, keep_alive: bool) -> None:
        self.scope = scope
        self.body = b""
        self.keep_alive = keep_alive


class RadistHttpProtocol(HttpToolsProtocol):
    """One client connection. :class:`~.server.LoopbackServer` makes a
    subclass per server that sets :attr:`limits` and :attr:`registry`."""

    limits: ClassVar[ServerLimits] = ServerLimits()
    #: Open connections by client address, so the app can drop one (a fault).
    registry: ClassVar[dict[Any, RadistHttpProtocol]] = {}
    #: Answers plain requests without an ASGI task (``None``: every request takes the ASGI path).
    direct: ClassVar[Optional[DirectAnswers]] = None

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.logger = LOGGER
        self._request_timer: Optional[asyncio.TimerHandle] = None
        self._request_deadline: Optional[float] = None  # loop time
        self._idle_since: Optional[float] = None  # loop time of the last answer, while no request has begun
        #: Runs while the transport's write buffer is over its high-water mark.
        self._write_timer: Optional[asyncio.TimerHandle] = None
        self._waiting_since: Any = None
        #: Bytes received towards a request head not yet complete.
        self._head_bytes = 0
        self._in_head = False  # between the first byte of a request and its blank line
        #: Why a parser callback stopped the parse (answered by send_400_response).
        self._refusal: Optional[tuple[int, str]] = None
        #: A plain request whose body is still arriving (the direct path).
        self._pending: Optional[DirectRequest] = None

    # -- lifecycle -----------------------------------------------------------

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._wire = transport  # the direct path writes whole answers: nothing to hold
        self.transport = cast(asyncio.Transport, HeadWithBody(transport, self))
        self.registry[self.client] = self
        self._await_request()

    def connection_lost(self, exc: Optional[Exception]) -> None:
        self._end_http_phase()
        super().connection_lost(exc)

    def handle_websocket_upgrade(self) -> None:
        """The connection is a signaling socket from now on: no HTTP timer,
        deadline or registry entry outlives the upgrade."""
        self._end_http_phase()
        if isinstance(self.transport, HeadWithBody):  # the socket writes frames: nothing to hold
            self.transport.flush()
            self.transport = self.transport.transport
        super().handle_websocket_upgrade()

    def _end_http_phase(self) -> None:
        self._cancel_request_timer()
        if self._write_timer is not None:
            self._write_timer.cancel()
            self._write_timer = None
        if self.registry.get(self.client) is self:
            del self.registry[self.client]

    def on_response_complete(self) -> None:
        if self.pipeline:  # a queued request starts now: uvicorn's own way
            super().on_response_complete()
            if not self.transport.is_closing():
                self._await_request()
            return
        # uvicorn's, less its keep-alive timer (one per answer): the connection's one timer keeps that deadline too
        self.server_state.total_requests += 1
        if self.transport.is_closing():
            return
        self._unset_keepalive_if_required()
        self.flow.resume_reading()
        self._await_request(idle=True)

    # -- a bound on request heads ----------------------------------------------

    def data_received(self, data: bytes) -> None:
        super().data_received(data)
        # what was fed while the head stays incomplete is all head: the
        # parser buffers it (an endless header value would grow forever)
        if self._in_head and not self.transport.is_closing():
            self._head_bytes += len(data)
            if self._head_bytes > self.limits.max_head_bytes:
                if len(self.url) > self.limits.max_url_bytes or not self.headers:
                    self.answer_and_close(414, E.URL_TOO_LONG.format(limit=self.limits.max_url_bytes))
                else:
                    self.answer_and_close(431, E.HEADERS_TOO_LARGE)

    def on_message_begin(self) -> None:
        super().on_message_begin()
        self._in_head = True
        if self._request_deadline is not None and self._idle_since is not None:  # a request began: its own deadline
            self._request_deadline = self._idle_since + self.limits.read_timeout
            self._idle_since = None

    def on_headers_complete(self) -> None:
        self._in_head, self._head_bytes = False, 0
        limits = self.limits
        # refused here, before uvicorn reads the head or hands it to the
        # WebSocket upgrade (whose own parser stops at 128 headers, unanswered)
        if len(self.url) > limits.max_url_bytes:  # the URL parser stops at 64 KiB
            self._refusal = (414, E.URL_TOO_LONG.format(limit=limits.max_url_bytes))
        elif len(self.headers) > limits.max_headers:
            self._refusal = (431, E.TOO_MANY_HEADERS.format(limit=limits.max_headers))
        elif sum(len(name) + len(value) for name, value in self.headers) > limits.max_head_bytes:
            # one that arrived in pieces is bounded as it comes (data_received)
            self._refusal = (431, E.HEADERS_TOO_LARGE)
        if self._refusal is not None:
            raise ValueError(self._refusal[1])  # stops the parse: see send_400_response
        if self.direct is not None and self._plain():
            self._pending = self._direct_request()
            return
        super().on_headers_complete()

    # -- the direct path: a plain request answered without an ASGI task --------

    def _plain(self) -> bool:
        """Whether the request may wait for the direct path: nothing in flight
        on this connection, a client that reads its answers (once the write
        buffer is over its high-water mark, the ASGI path waits for it to
        drain and stops reading meanwhile), no upgrade, no 100-continue, not
        HEAD, and a body
        of a known length the parser will hand over whole (above uvicorn's
        high-water mark it stops reading until the application reads). What
        the application alone decides (``Origin``, the control plane, a live
        target) it decides in ``answer_at_once``."""
        cycle = self.cycle
        if (cycle is not None and not cycle.response_complete) or self.flow.write_paused:
            return False
        if self.expect_100_continue or self.parser.should_upgrade():
            return False
        if self.parser.get_method() == b"HEAD":
            return False
        for name, value in self.headers:
            if name == b"content-length":
                if len(value) > 5 or int(value) > DIRECT_BODY_LIMIT:  # the parser checked it is digits
                    return False
            elif name == b"transfer-encoding":
                return False
        return True

    def _direct_request(self) -> DirectRequest:
        """What uvicorn's own ``on_headers_complete`` puts in the scope."""
        scope = self.scope
        http_version = self.parser.get_http_version()
        scope["method"] = self.parser.get_method().decode("ascii")
        if http_version != "1.1":
            scope["http_version"] = http_version
        url = httptools.parse_url(self.url)
        scope["raw_path"] = url.path
        path = url.path.decode("ascii")
        scope["path"] = unquote(path) if "%" in path else path
        scope["query_string"] = url.query or b""
        return DirectRequest(scope, http_version != "1.0" and self.parser.should_keep_alive())

    def on_body(self, body: bytes) -> None:
        pending = self._pending
        if pending is None:
            super().on_body(body)
        else:
            pending.body += body

    def on_message_complete(self) -> None:
        pending = self._pending
        if pending is None:
            super().on_message_complete()
            return
        self._pending = None
        assert self.direct is not None  # it made the request pending
        try:
            answer = self.direct.answer_at_once(pending.scope, pending.body, pending.keep_alive)
        except Exception as exc:  # a bug of this door: a 500 in the envelope, never the parser's 400
            LOGGER.exception("the direct path failed")
            self._wire.write(error_response(500, "pytest-radist fake: " + E.DOOR_INTERNAL_ERROR.format(kind=type(exc).__name__, error=exc)))
            self.transport.close()
            return
        if isinstance(answer, bytes):
            self._wire.write(answer)
            if not pending.keep_alive:
                self.transport.close()
            self.on_response_complete()
        else:  # a fault delays or drops it, or only the full path answers it: a task, as uvicorn starts one
            self._run_asgi(pending, self.app if answer is None else answer)

    def _run_asgi(self, pending: DirectRequest, app: Any) -> None:
        cycle = RequestResponseCycle(
            scope=pending.scope, transport=self.transport, flow=self.flow, logger=self.logger,
            access_logger=self.access_logger, access_log=self.access_log,
            default_headers=self.server_state.default_headers, message_event=asyncio.Event(),
            expect_100_continue=False, keep_alive=pending.keep_alive, on_response=self.on_response_complete,
        )
        cycle.body, cycle.more_body = bytearray(pending.body), False
        cycle.message_event.set()  # the whole body is there for the application's first receive()
        self.cycle = cycle
        task = self.loop.create_task(cycle.run_asgi(app))
        task.add_done_callback(self.tasks.discard)
        self.tasks.add(task)

    # -- clients that do not read ---------------------------------------------

    def pause_writing(self) -> None:
        """The write buffer is over its high-water mark: uvicorn waits before
        writing more, and the client gets ``write_timeout`` seconds to read."""
        super().pause_writing()
        if self._write_timer is None:
            self._write_timer = self.loop.call_later(self.limits.write_timeout, self._write_timed_out)

    def resume_writing(self) -> None:
        super().resume_writing()
        if self._write_timer is not None:
            self._write_timer.cancel()
            self._write_timer = None

    def _write_timed_out(self) -> None:
        self._write_timer = None
        self.transport.abort()  # the client does not read: free what waits for it now

    # -- a deadline for each request ------------------------------------------

    def _await_request(self, idle: bool = False) -> None:
        """Give the client ``read_timeout`` seconds to send its next request,
        head and body. uvicorn's keep-alive timer stops at the first byte, so
        a client that sends half a request would otherwise hold the socket
        forever. After an answer (``idle``) the connection is idle: it is
        closed after ``keep_alive_timeout`` unless a request begins. One timer
        serves the whole connection: a request only moves its deadline, and
        the timer, when it fires early, waits on."""
        self._waiting_since = self.cycle
        now = self.loop.time()
        limits = self.limits
        if idle:
            self._idle_since = now
            self._request_deadline = now + min(limits.read_timeout, limits.keep_alive_timeout)
        else:
            self._idle_since = None
            self._request_deadline = now + limits.read_timeout
        timer = self._request_timer
        if timer is not None and timer.when() > self._request_deadline:  # an idle deadline comes sooner
            timer.cancel()
            timer = None
        if timer is None:
            self._request_timer = self.loop.call_at(self._request_deadline, self._request_timer_fired)

    def _request_timer_fired(self) -> None:
        self._request_timer = None
        deadline = self._request_deadline
        if deadline is None:
            return
        if self.loop.time() < deadline:  # a later request moved the deadline
            self._request_timer = self.loop.call_at(deadline, self._request_timer_fired)
        else:
            self._request_timed_out()

    def _cancel_request_timer(self) -> None:
        self._request_deadline = None
        if self._request_timer is not None:
            self._request_timer.cancel()
            self._request_timer = None

    def _request_timed_out(self) -> None:
        self._request_deadline = None
        if self.transport.is_closing():
            return
        message = E.REQUEST_TIMEOUT.format(limit=self.limits.read_timeout)
        if self._pending is not None:  # the body of a plain request is late
            self.answer_and_close(408, message)
            return
        cycle = self.cycle
        if cycle is self._waiting_since:  # no complete request head yet
            if self._in_head:
                self.transport.write(error_response(408, message))
            self.transport.close()
        elif cycle is not None and cycle.more_body and not cycle.response_started:  # the body is late
            self.answer_and_close(408, message)

    # -- what the parser refuses ----------------------------------------------

    def send_400_response(self, msg: str) -> None:
        self.answer_and_close(*(self._refusal or (400, E.MALFORMED_REQUEST)))

    def answer_and_close(self, status: Optional[int], message: str = "") -> None:
        """Send a JSON error (unless a response already started, or
        ``status`` is ``None``: a dropped connection) and close."""
        if self.transport.is_closing():
            return
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

"""HTTP/1.1 on the wire for the loopback server: uvicorn's httptools
protocol (llhttp, a C parser) framing the bytes, :mod:`.http_rules`
deciding each head, and two ways of delivering what :mod:`.pipeline`
answers: written at once (a request whose body is there), or through
uvicorn's request cycle (a body that streams, a fault's latency, live
mode). Also: what the parser refuses answered with the JSON envelope,
request heads bounded, clients that never finish a request timed out, and
clients that never read their answers closed.

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
from typing import TYPE_CHECKING, Any, ClassVar, Optional, Protocol, cast
from urllib.parse import unquote

import httptools
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol, RequestResponseCycle

from .. import errors as E
from .http_rules import HEAD_KEY, Head, Refusal, read_head
from .json_bytes import json_bytes
from .limits import ServerLimits

if TYPE_CHECKING:
    from .pipeline import Answer

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


#: The largest request body the direct path waits for: uvicorn's high-water
#: mark, above which it stops reading until the application reads.
DIRECT_BODY_LIMIT = 65536


#: Bytes fed to the parser at a time: a request head that is still
#: incomplete is measured to within this many bytes of its own (the parser
#: says where a message begins only by calling back, once per feed).
FEED_SLICE = 4096


class DirectAnswers(Protocol):
    """What answers the direct path (:class:`~.asgi.RadistApp`)."""

    def answer_now(self, scope: dict[str, Any], head: Head, body: bytes) -> Optional[Answer]: ...
    def failed(self, exc: BaseException) -> Answer: ...
    async def deliver(self, scope: dict[str, Any], receive: Any, send: Any, answer: Answer) -> None: ...


class DirectRequest:
    """A plain request on its way to the direct path: its scope, its head, and its body as it arrives."""

    __slots__ = ("scope", "head", "body")

    def __init__(self, scope: Any, head: Head) -> None:
        self.scope = scope
        self.head = head
        self.body = b""


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
        self._refusal: Optional[Refusal] = None
        #: A plain request whose body is still arriving (the direct path).
        self._pending: Optional[DirectRequest] = None
        #: A refusal that waits for the requests before it to be answered.
        self._refuse_after: Optional[Refusal] = None
        #: Upgraded to a signaling socket: the HTTP parser is fed no more.
        self._upgraded = False

    # -- lifecycle -----------------------------------------------------------

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self.registry[self.client] = self
        self._await_request()

    def connection_lost(self, exc: Optional[Exception]) -> None:
        self._end_http_phase()
        super().connection_lost(exc)

    def handle_websocket_upgrade(self) -> None:
        """The connection is a signaling socket from now on: no HTTP timer,
        deadline or registry entry outlives the upgrade."""
        self._end_http_phase()
        self._upgraded = True
        super().handle_websocket_upgrade()

    def _end_http_phase(self) -> None:
        self._cancel_request_timer()
        if self._write_timer is not None:
            self._write_timer.cancel()
            self._write_timer = None
        if self.registry.get(self.client) is self:
            del self.registry[self.client]

    def on_response_complete(self) -> None:
        if self._refuse_after is not None and not self.pipeline:  # every request before the bad one is answered
            refusal, self._refuse_after = self._refuse_after, None
            self.answer_and_close(*refusal)
            return
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

    # -- feeding the parser, and a bound on request heads ----------------------

    def data_received(self, data: bytes) -> None:
        if self._refuse_after is not None:  # the stream went wrong: nothing after it is read
            return
        if len(data) <= FEED_SLICE:
            self._feed(data)
            return
        view = memoryview(data)
        for start in range(0, len(data), FEED_SLICE):
            if self._upgraded or self.transport.is_closing() or self._refuse_after is not None:
                return  # what follows belongs to the socket, or to nobody
            self._feed(bytes(view[start:start + FEED_SLICE]))

    def _feed(self, data: bytes) -> None:
        super().data_received(data)
        # a head still incomplete: what was fed since the slice it began in
        # is head (the parser buffers an endless header value), so the head
        # alone is over the limit once that is more than the limit and a slice
        if self._in_head and not self.transport.is_closing():
            self._head_bytes += len(data)
            limits = self.limits
            if len(self.url) > limits.max_url_bytes:
                self.answer_and_close(414, E.URL_TOO_LONG.format(limit=limits.max_url_bytes))
            elif self._head_bytes - FEED_SLICE > limits.max_head_bytes:
                self.answer_and_close(431, E.HEADERS_TOO_LARGE)

    def on_message_begin(self) -> None:
        if self.transport.is_closing():  # an answer closed the connection: what follows is never dispatched
            self._refusal = (400, E.MALFORMED_REQUEST)  # nobody reads it: answer_and_close sends nothing on a closing transport
            raise ValueError("a request after the connection's last answer")
        super().on_message_begin()
        self._in_head, self._head_bytes = True, 0
        if self._request_deadline is not None and self._idle_since is not None:  # a request began: its own deadline
            self._request_deadline = self._idle_since + self.limits.read_timeout
            self._idle_since = None

    def on_headers_complete(self) -> None:
        self._in_head, self._head_bytes = False, 0
        # decided here, before uvicorn reads the head or hands it to the
        # WebSocket upgrade (whose own parser stops at 128 headers, unanswered)
        head = read_head(self.parser.get_http_version(), self.url, self.headers, self.limits, self.parser.should_keep_alive())
        if not isinstance(head, Head):
            self._refusal = head
            raise ValueError(head[1])  # stops the parse: see send_400_response
        cast("dict[str, Any]", self.scope)[HEAD_KEY] = head  # the application reads it
        self.expect_100_continue = head.expects_continue  # not on HTTP/1.0 (RFC 9110 10.1.1)
        if self.direct is not None and self._deliverable_now(head):
            self._pending = self._direct_request(head)
            return
        super().on_headers_complete()

    # -- the direct path: a request answered without an ASGI task ---------------

    def _deliverable_now(self, head: Head) -> bool:
        """Whether the request may be answered as soon as its body is there,
        in one write: nothing in flight on this connection (answers leave in
        order), a client that reads its answers (once the write buffer is
        over its high-water mark, the request cycle waits for it to drain
        and stops reading meanwhile), no upgrade, no ``100 Continue`` to
        send first, and a body of a known length the parser hands over
        whole (above uvicorn's high-water mark it stops reading until the
        application reads). What to answer is the pipeline's, on either path."""
        cycle = self.cycle
        if (cycle is not None and not cycle.response_complete) or self.flow.write_paused:
            return False
        if head.expects_continue or head.chunked or self.parser.should_upgrade():
            return False
        return head.content_length is None or head.content_length <= DIRECT_BODY_LIMIT

    def _direct_request(self, head: Head) -> DirectRequest:
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
        return DirectRequest(scope, head)

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
        direct = self.direct
        assert direct is not None  # it made the request pending
        try:
            answer = direct.answer_now(pending.scope, pending.head, pending.body)
        except Exception as exc:  # a bug of this door: a 500 in the envelope, reported, never the parser's 400
            LOGGER.exception("the direct path failed")
            answer = direct.failed(exc)
        if answer is None:  # only the request cycle may answer it (live mode's forward)
            self._run_asgi(pending, self.app)
        elif answer.delay or answer.drop:  # a fault: awaited, then delivered in order, as the request cycle does
            async def deliver(scope: Any, receive: Any, send: Any) -> None:
                await receive()  # the body, read already: receive() now answers only a disconnect
                await direct.deliver(scope, receive, send, answer)

            self._run_asgi(pending, deliver)
        else:
            keep_alive = pending.head.keep_alive
            self.transport.write(answer.wire(close=not keep_alive))
            if not keep_alive:
                self.transport.close()
            self.on_response_complete()

    def _run_asgi(self, pending: DirectRequest, app: Any) -> None:
        cycle = RequestResponseCycle(
            scope=pending.scope, transport=self.transport, flow=self.flow, logger=self.logger,
            access_logger=self.access_logger, access_log=self.access_log,
            default_headers=self.server_state.default_headers, message_event=asyncio.Event(),
            expect_100_continue=False, keep_alive=pending.head.keep_alive, on_response=self.on_response_complete,
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
        """The stream went wrong: refuse and close, once every request
        received whole before it is answered, in order (as h11 has a server
        do); a request whose own body went wrong is never run."""
        refusal = self._refusal or (400, E.MALFORMED_REQUEST)
        broken = self.cycle
        earlier = bool(self.pipeline)
        if broken is not None and not broken.response_complete:
            if broken.more_body:  # the broken request is this one, mid-body
                queued = [entry for entry in self.pipeline if entry[0] is broken]
                if queued:  # behind others: taken out of the queue, they are answered
                    self.pipeline.remove(queued[0])
                    broken.disconnected = True
                    earlier = True
            else:  # a request received whole, still being answered
                earlier = True
        if earlier and not self.transport.is_closing():
            self._refuse_after = refusal
            self.flow.pause_reading()
            return
        self.answer_and_close(*refusal)

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

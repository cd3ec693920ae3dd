"""The loopback HTTP front door: uvicorn on 127.0.0.1, in a background thread.

One asyncio loop serves every connection (HTTP/1.1 with keep-alive), so
idle or slow clients cost a socket, not a thread, and a latency fault is an
awaited timer. ``stop()`` returns within about half a second whatever the
clients are doing. uvicorn is imported when a server starts, not before, so
that loading the plugin stays cheap.
"""

from __future__ import annotations

import asyncio
import logging
import socket
import threading
from typing import TYPE_CHECKING, Any, Optional

from .limits import ServerLimits

if TYPE_CHECKING:
    from .contract import Served
    from .asgi import ServedApp

#: Largest signaling frame; a larger one closes the socket with 1009 (radist-api.md 6.3).
SOCKET_MAX_FRAME = 64 * 1024
#: Seconds a stopping server lets running requests finish before closing them.
STOP_GRACE = 0.3
_START_TIMEOUT = 10.0


#: The loopback server's thread is named this, then ``:<port>``.
THREAD_NAME = "radist-fake-server"


class _QuietServerThreads(logging.Filter):
    """uvicorn logs "Started server process" and "Shutting down" at INFO
    for every server: the loopback server's would reach any root handler
    the app under test installs (Litestar's default logging has one) and
    land in the middle of pytest's progress. Its warnings and errors pass."""

    def filter(self, record: logging.LogRecord) -> bool:
        return record.levelno > logging.INFO or not str(record.threadName).startswith(THREAD_NAME)


def _quiet_uvicorn() -> None:
    """Keep the loopback server's INFO lines out of uvicorn's logger (once;
    another uvicorn in the process logs as it did)."""
    logger = logging.getLogger("uvicorn.error")
    if not any(isinstance(f, _QuietServerThreads) for f in logger.filters):
        logger.addFilter(_QuietServerThreads())


class LoopbackServer:
    """Serves the fake it is attached to (``target``) over HTTP.

    The plugin keeps one per session and points it at each test's fresh fake,
    so no port is reused between tests of different workers and no test
    pays for a server start.
    """

    def __init__(
        self,
        target: Optional[Served] = None,
        host: str = "127.0.0.1",
        port: int = 0,
        limits: Optional[ServerLimits] = None,
    ) -> None:
        self.host = host
        self.port = port
        #: What the server accepts and how long it waits (see :class:`ServerLimits`).
        self.limits = limits or ServerLimits()
        self._served: Optional[ServedApp] = None
        self._target = target
        self._uvicorn: Any = None
        self._loop: Optional[asyncio.AbstractEventLoop] = None
        self._thread: Optional[threading.Thread] = None
        self._lock = threading.Lock()

    @property
    def target(self) -> Optional[Served]:
        """The fake that answers; ``None`` answers 503 to every request."""
        return self._target

    @target.setter
    def target(self, fake: Optional[Served]) -> None:
        previous, self._target = self._target, fake
        served, loop = self._served, self._loop
        if served is not None:
            served.target = fake
            if previous is not None and previous is not fake and loop is not None:
                # the previous test's sockets belong to a fake that is gone
                try:
                    loop.call_soon_threadsafe(served.hub.detach_all)
                except RuntimeError:  # the loop closed in between
                    pass

    @property
    def running(self) -> bool:
        return self._thread is not None

    @property
    def received(self) -> int:
        """Requests and socket upgrades received since the server started
        (it only grows while the server runs; ``0`` when it is stopped)."""
        served = self._served
        return 0 if served is None else served.received

    @property
    def url(self) -> str:
        """``http://127.0.0.1:<port>``, starting the server on first use (a
        server on every interface is reached through loopback)."""
        self.start()
        host = connectable_host(self.host)
        return f"http://{f'[{host}]' if ':' in host else host}:{self.port}"

    def start(self) -> None:
        """Bind and start serving. Raises ``OSError`` (for example address in
        use) here, in the caller's thread."""
        with self._lock:
            if self._thread is not None:
                return
            sock = _bind(self.host, self.port)
            try:
                self.port = sock.getsockname()[1]
                self._uvicorn, self._served = self._build()
                self._served.target = self._target
                ready = threading.Event()
                failure: list[BaseException] = []
                thread = threading.Thread(
                    target=self._run, args=(self._uvicorn, self._served, sock, ready, failure),
                    name=f"{THREAD_NAME}:{self.port}", daemon=True,
                )
                thread.start()
                if not ready.wait(_START_TIMEOUT) or failure:
                    raise RuntimeError(f"the loopback server did not start: {failure[0] if failure else 'timed out'}")
            except BaseException:
                sock.close()
                raise
            self._thread = thread

    def _build(self) -> tuple[Any, ServedApp]:
        import uvicorn

        _quiet_uvicorn()

        from .asgi import RadistApp, ServedApp
        from .protocols import RadistHttpProtocol

        served = ServedApp(self.limits, self.host)
        app = RadistApp(served, f"{self.host}:{self.port}")
        http = type("LoopbackProtocol", (RadistHttpProtocol,), {"limits": self.limits, "registry": served.connections, "direct": app})
        socket_protocols: list[type] = []

        def ws(**kwargs: Any) -> Any:
            """uvicorn builds one per upgrade; the class is made on the first."""
            if not socket_protocols:
                from .socket_protocol import RadistWebSocketProtocol

                socket_protocols.append(type("LoopbackSocketProtocol", (RadistWebSocketProtocol,), {"limits": self.limits, "registry": served.sockets}))
            return socket_protocols[0](**kwargs)

        config = uvicorn.Config(
            app,
            http=http, ws=ws,  # type: ignore[arg-type]  # uvicorn only calls it: a factory works
            ws_max_size=SOCKET_MAX_FRAME, ws_ping_interval=None, ws_ping_timeout=None,
            lifespan="off", interface="asgi3",
            log_config=None, access_log=False, proxy_headers=False,
            server_header=False, date_header=False,
            timeout_keep_alive=self.limits.keep_alive_timeout,  # type: ignore[arg-type]  # a float works
            timeout_graceful_shutdown=STOP_GRACE,  # type: ignore[arg-type]
        )
        return uvicorn.Server(config), served

    def _run(
        self, server: Any, served: ServedApp, sock: socket.socket, ready: threading.Event, failure: list[BaseException]
    ) -> None:
        async def serve() -> None:
            self._loop = served.hub.loop = asyncio.get_running_loop()
            served.stopping = asyncio.Event()
            serving = asyncio.ensure_future(server.serve(sockets=[sock]))
            while not server.started and not serving.done():
                await asyncio.sleep(0.001)
            ready.set()
            await serving
            for connection in list(server.server_state.connections):
                connection.transport.abort()  # what outlived the grace

        try:
            asyncio.run(serve())
        except BaseException as exc:  # reported to start(), or lost at exit
            failure.append(exc)
        finally:
            ready.set()

    def stop(self) -> None:
        """Stop serving and release the port. Requests still running get
        :data:`STOP_GRACE` seconds, then every connection is closed; returns
        when the server thread has ended."""
        with self._lock:
            thread, loop, server, served = self._thread, self._loop, self._uvicorn, self._served
            self._thread = self._loop = self._uvicorn = self._served = None
        if thread is None or served is None:
            return
        if loop is not None and not loop.is_closed():
            try:
                loop.call_soon_threadsafe(_begin_stop, server, served)
            except RuntimeError:  # the loop closed in between
                pass
        thread.join(timeout=5)

    def __enter__(self) -> LoopbackServer:
        self.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()


def _begin_stop(server: Any, served: ServedApp) -> None:
    """On the server's loop: end latency waits, close the connections whose
    request is unfinished, and let uvicorn close the idle ones and the
    sockets (1012) and stop. What is left after half the grace (a request
    that was on its way, a client that reads nothing of what it was sent)
    is cut then, so the stop never waits on a client."""
    if served.stopping is not None:
        served.stopping.set()
    for connection in list(served.connections.values()):
        cycle = connection.cycle
        if cycle is not None and not cycle.response_complete:
            connection.drop()
    asyncio.get_running_loop().call_later(STOP_GRACE / 2, _cut_the_rest, served)
    server.should_exit = True


def _cut_the_rest(served: ServedApp) -> None:
    for connection in list(served.connections.values()):
        connection.transport.abort()
    for socket_connection in list(served.sockets.values()):
        socket_connection.transport.abort()


def listens_everywhere(host: str) -> bool:
    return host in ("", "0.0.0.0", "::", "[::]")


def connectable_host(host: str) -> str:
    """Where a client on this machine reaches a server bound to ``host``."""
    if host in ("", "0.0.0.0"):
        return "127.0.0.1"
    if host in ("::", "[::]"):
        return "::1"
    return host


def _bind(host: str, port: int) -> socket.socket:
    host = host.strip("[]")
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    # IPPROTO_TCP, not 0: asyncio sets TCP_NODELAY on accepted sockets only
    # when their proto says TCP, and without it Nagle's algorithm meets the
    # client's delayed ACK and every keep-alive answer waits 40 ms
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
        sock.listen(2048)
        sock.setblocking(False)
    except BaseException:
        sock.close()
        raise
    return sock

"""The ASGI side of one request, for the loopback server's application
(:mod:`.asgi`): reading the scope (headers, the raw path, the body within
its limit), refusing a socket, and running
live mode's forwarding off the event loop. What to answer is decided in
:mod:`.pipeline`."""

from __future__ import annotations

import asyncio
import json
import threading
from typing import Any, Awaitable, Callable, Optional, Union
from urllib.parse import urlsplit

from .. import errors as E
from ..api import routes
from ..controls.browser import Audience
from ..controls.control_plane import PREFIX as CONTROL_PREFIX

from .http_rules import Refusal

Scope = dict[str, Any]
Receive = Callable[[], Awaitable[dict[str, Any]]]
Send = Callable[[dict[str, Any]], Awaitable[None]]



async def off_loop(call: Callable[..., Any], *args: Any) -> Any:
    """``call(*args)`` on a daemon thread of its own. Not the loop's default
    executor: a stopping server would wait for that to finish (a forward can
    take its whole timeout), while this thread ends by itself and finds
    nobody waiting."""
    loop = asyncio.get_running_loop()
    result: asyncio.Future[Any] = loop.create_future()

    def settle(value: Any, error: Optional[BaseException]) -> None:
        if not result.done():  # the request may have been given up
            if error is not None:
                result.set_exception(error)
            else:
                result.set_result(value)

    def run() -> None:
        value: Any = None
        error: Optional[BaseException] = None
        try:
            value = call(*args)
        except BaseException as exc:  # handed to the awaiting request
            error = exc
        try:
            loop.call_soon_threadsafe(settle, value, error)
        except RuntimeError:  # the server stopped meanwhile: nobody waits
            pass

    threading.Thread(target=run, name="radist-live-forward", daemon=True).start()
    return await result


def headers_of(scope: Scope) -> dict[bytes, bytes]:
    """The request's headers by lowercase name (the first of repeated ones)."""
    return first_of_each(scope["headers"])


def first_of_each(raw_headers: list[tuple[bytes, bytes]]) -> dict[bytes, bytes]:
    """Headers as the parser gave them, by lowercase name (the first of repeated ones)."""
    found: dict[bytes, bytes] = {}
    for name, value in raw_headers:
        found.setdefault(name, value)
    return found


def text_of(value: Optional[bytes]) -> Optional[str]:
    return None if value is None else value.decode("latin-1")


def path_of(scope: Scope) -> str:
    """The raw (still percent-encoded) path of the request target."""
    target = str(scope["raw_path"].decode("latin-1"))
    if not target.startswith("/"):  # absolute-form request target
        target = urlsplit(target).path or "/"
    return target


def audience_of(method: str, path: str) -> Optional[Audience]:
    """Whose rules a browser request falls under, if any (the router keeps its matches)."""
    if path.startswith(CONTROL_PREFIX):
        return "control"
    route = routes.match(method, path).route
    if route is None:
        return None
    return "secret" if route.key == "secret" else "client"


async def refuse_socket(send: Send, status: int, reason: str, message: str) -> None:
    """Accept (a browser cannot read a refused handshake), say why, close."""
    await send({"type": "websocket.accept"})
    await send({"type": "websocket.send", "text": json.dumps({"type": "error", "reason": reason, "error": message})})
    await send({"type": "websocket.close", "code": 4000 + status, "reason": message})


async def read_body(receive: Receive, limit: int) -> Union[bytes, Refusal, None]:
    """The whole body, a 413 refusal, or ``None`` if the request ended
    without one (the client left, or the protocol timed it out)."""
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] != "http.request":
            return None
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            return 413, E.BODY_TOO_LARGE.format(limit=limit)
        chunks.append(chunk)
        if not message.get("more_body", False):
            return b"".join(chunks)

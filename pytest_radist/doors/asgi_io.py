"""The ASGI side of one request, for the loopback server's application
(:mod:`.asgi`): reading the scope (headers, the raw path, the body within
its limit), refusing early, guarding the control plane, answering in JSON,
and running live mode's forwarding off the event loop."""

from __future__ import annotations

import asyncio
import json
import threading
from functools import lru_cache
from http import HTTPStatus
from typing import Any, Awaitable, Callable, Optional, Union
from urllib.parse import urlsplit

from .. import errors as E
from ..api import routes
from ..api.app import ApiRequest, parse_body
from ..controls.browser import Audience
from ..controls.control_plane import PREFIX as CONTROL_PREFIX
from .json_bytes import json_bytes
from .limits import ServerLimits

Scope = dict[str, Any]
Receive = Callable[[], Awaitable[dict[str, Any]]]
Send = Callable[[dict[str, Any]], Awaitable[None]]

_JSON = (b"content-type", b"application/json")
_JSON_HEAD = _JSON[0] + b": " + _JSON[1] + b"\r\ncontent-length: "  # most answers' head, less the length
_CLOSE = (b"connection", b"close")
#: Bytes of an answer handed to the server at a time.
_SLICE = 64 * 1024
#: A refusal before the body is read: (status, message).
Refusal = tuple[int, str]


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
    found: dict[bytes, bytes] = {}
    for name, value in scope["headers"]:
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


@lru_cache(maxsize=1024)
def audience_of(method: str, path: str) -> Optional[Audience]:
    """Whose rules a browser request falls under, if any (clients repeat their paths: each is matched once)."""
    if path.startswith(CONTROL_PREFIX):
        return "control"
    route = routes.match(method, path).route
    if route is None:
        return None
    return "secret" if route.key == "secret" else "client"


def guard_control(method: str, headers: dict[bytes, bytes], host_allowed: bool, token_ok: bool,
                  origin_allowed: Callable[[str], bool]) -> Optional[Refusal]:
    """The control plane's guard against web pages (radist-api.md 6.6) and,
    with a control token, against anyone without it.

    Browsers send ``Origin`` with every request that changes state, so the
    rules for pages apply to requests that carry one: the page must be the
    dashboard's own origin or an allowed control origin, and send JSON (a
    cross-origin "simple" POST cannot). A client without ``Origin`` (curl,
    an SDK's plain HTTP client) needs no Content-Type for a body-less request."""
    if not host_allowed:
        return 403, E.HOST_NOT_ALLOWED
    if not token_ok:
        return 401, E.CONTROL_TOKEN_NEEDED
    origin = text_of(headers.get(b"origin"))
    if method in ("GET", "HEAD") or origin is None:
        return None
    if not origin_allowed(origin):
        return 403, E.CONTROL_ORIGIN_REFUSED.format(origin=origin)
    content_type = headers.get(b"content-type", b"").split(b";")[0].strip().lower()
    if content_type != b"application/json":
        return 415, E.CONTROL_NEEDS_JSON
    return None


async def refuse_socket(send: Send, status: int, reason: str, message: str) -> None:
    """Accept (a browser cannot read a refused handshake), say why, close."""
    await send({"type": "websocket.accept"})
    await send({"type": "websocket.send", "text": json.dumps({"type": "error", "reason": reason, "error": message})})
    await send({"type": "websocket.close", "code": 4000 + status, "reason": message})


def refuse_early(scope: Scope, headers: dict[bytes, bytes], limits: ServerLimits) -> Optional[Refusal]:
    """What can be refused before reading the body (the protocol refused an
    oversized head already)."""
    if scope["http_version"] not in ("1.1", "1.0"):
        return 400, E.UNSUPPORTED_HTTP_VERSION
    # the URL and the headers were measured by the protocol (doors/protocols.py)
    declared = headers.get(b"content-length")
    if declared is not None and int(declared) > limits.max_body_bytes:  # the parser checked it is digits
        return 413, E.BODY_TOO_LARGE.format(limit=limits.max_body_bytes)
    return None


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


def api_request(scope: Scope, path: str, headers: dict[bytes, bytes], body: bytes, host: str, *,
                keep_headers: bool = True) -> ApiRequest:
    """The request for :meth:`~..target.RadistTarget.dispatch`; only a
    forwarder needs every header (``keep_headers``), the fake reads none."""
    authorization = headers.get(b"authorization")
    return ApiRequest(
        method=scope["method"].upper(), path=path, query=scope["query_string"].decode("latin-1"),
        authorization=None if authorization is None else authorization.decode("latin-1"),
        body=parse_body(body), base_url=f"http://{host}", body_size=len(body), raw_body=body,
        headers=tuple((name.decode("latin-1"), value.decode("latin-1")) for name, value in scope["headers"]) if keep_headers else (),
    )


def _head(payload: bytes, extra: Optional[list[tuple[bytes, bytes]]], close: bool) -> list[tuple[bytes, bytes]]:
    extra = extra or []
    content_type = [] if any(name == b"content-type" for name, _ in extra) else [_JSON]  # the dashboard is HTML
    headers = content_type + [(b"content-length", str(len(payload)).encode())] + extra
    if close:  # the body may be unread: do not parse what follows as a request
        headers.append(_CLOSE)
    return headers


async def respond(
    send: Send, status: int, body: Optional[dict[str, Any]], *, raw: Optional[bytes] = None, close: bool = False,
    extra: Optional[list[tuple[bytes, bytes]]] = None,
) -> None:
    payload = raw if raw is not None else json_bytes(body)
    await send({"type": "http.response.start", "status": status, "headers": _head(payload, extra, close)})
    # in slices, so that the write buffer's high-water mark holds: uvicorn
    # waits for a slow client to drain before each one, and a client that
    # never reads is closed after ServerLimits.write_timeout
    last = max(0, len(payload) - 1) // _SLICE * _SLICE
    for start in range(0, last, _SLICE):
        await send({"type": "http.response.body", "body": payload[start:start + _SLICE], "more_body": True})
    await send({"type": "http.response.body", "body": payload[last:]})


def encode_answer(status: int, body: Optional[dict[str, Any]], *, raw: Optional[bytes] = None, close: bool = False,
                  extra: Optional[list[tuple[bytes, bytes]]] = None) -> bytes:
    """The bytes :func:`respond` has uvicorn write, for the direct path: a
    REST answer is small (a page of calls at most), written at once."""
    payload = raw if raw is not None else json_bytes(body)
    if not extra and not close:  # most answers: JSON, kept alive
        return b"".join((_status_line(status), _JSON_HEAD, str(len(payload)).encode(), b"\r\n\r\n", payload))
    head = [_status_line(status)]
    for name, value in _head(payload, extra, close):
        head += [name, b": ", value, b"\r\n"]
    head += [b"\r\n", payload]
    return b"".join(head)


@lru_cache(maxsize=None)
def _status_line(status: int) -> bytes:
    try:
        phrase = HTTPStatus(status).phrase
    except ValueError:  # a status no standard names (a fault may answer any)
        phrase = ""
    return f"HTTP/1.1 {status} {phrase}\r\n".encode()

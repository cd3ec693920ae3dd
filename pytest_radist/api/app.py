"""The HTTP shape of Radist, independent of any transport.

A front door builds an :class:`ApiRequest` from whatever it received (an SDK
transport call, a WSGI environ) and gets an :class:`ApiResponse` back: a
status and a JSON object. Checks run in the documented order: route (404,
405), bearer token (401), JSON body (400), then the endpoint's own.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Optional
from urllib.parse import urlsplit

from .. import errors as E
from ..model.world import World
from . import routes, signaling
from .handlers import Context


class _Marker:
    def __init__(self, name: str) -> None:
        self.name = name

    def __repr__(self) -> str:
        return self.name


#: The request carried no body at all.
NO_BODY: Any = _Marker("NO_BODY")
#: The request carried bytes that are not JSON.
INVALID_JSON: Any = _Marker("INVALID_JSON")


def parse_body(raw: Optional[bytes]) -> Any:
    """Bytes off the wire to a JSON value, :data:`NO_BODY` or :data:`INVALID_JSON`."""
    if not raw:
        return NO_BODY
    try:
        return json.loads(raw)
    except (ValueError, RecursionError):  # UnicodeDecodeError is a ValueError
        return INVALID_JSON


@dataclass
class ApiRequest:
    method: str
    path: str  # raw: still percent-encoded
    query: str = ""
    authorization: Optional[str] = None
    body: Any = NO_BODY
    #: scheme://host[:port] the client used, for the URLs of spaces
    base_url: str = "http://127.0.0.1"
    #: bytes of body on the wire, when a door read them (``None`` in process)
    body_size: Optional[int] = None
    #: a WebSocket upgrade (the signaling sockets answer nothing else)
    websocket: bool = False
    #: the body's bytes as received, when a door read them (live mode forwards them as they came)
    raw_body: Optional[bytes] = None
    #: the request's headers as received, when a door has them (live mode forwards them)
    headers: tuple[tuple[str, str], ...] = ()


def request_from_url(method: str, url: str, authorization: Optional[str], body: Any) -> ApiRequest:
    """An :class:`ApiRequest` for a full URL, as the in-process doors receive it."""
    parts = urlsplit(url)
    return ApiRequest(method.upper(), parts.path, parts.query, authorization, body, f"{parts.scheme}://{parts.netloc}")


@dataclass(slots=True)
class ApiResponse:
    """What the API answers one request: a status and a JSON object."""

    status: int
    body: dict[str, Any]
    endpoint: Optional[str] = None
    #: ``"secret"`` or ``"public"`` once a key authenticated the request
    key_type: Optional[str] = None
    project_id: Optional[str] = None
    #: headers of its own (``Allow`` on a 405); ``None``: none (no dict made per answer)
    headers: Optional[dict[str, str]] = None
    #: why it was refused, in the fake's words (the journal's, never the client's)
    why: Optional[str] = None


@dataclass
class Outcome:
    """What a front door must send back for one request."""

    status: int
    body: Optional[dict[str, Any]]
    raw: Optional[bytes] = None  # a body to send as is instead of JSON
    drop: bool = False  # close the connection without an answer
    delay: float = 0.0  # seconds of real time to wait first
    #: headers beyond Content-Type (``Allow`` on a 405; a forwarded answer's own)
    headers: dict[str, str] = field(default_factory=dict)
    #: live mode: the forward itself failed (this 502 is the forwarder's, not the service's)
    forward_failed: bool = False

    def head(self) -> list[tuple[str, str]]:
        """The answer's headers: its own, with ``Content-Type:
        application/json`` unless it names another type."""
        own = list(self.headers.items())
        if any(name.lower() == "content-type" for name, _ in own):
            return own
        return [("Content-Type", "application/json"), *own]


def bearer(authorization: Optional[str]) -> Optional[str]:
    """The token of a ``Bearer <token>`` header, or ``None``."""
    if not authorization:
        return None
    scheme, _, token = authorization.partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token:
        return None
    return token


def error(status: int, message: str, endpoint: Optional[str] = None, reason: Optional[str] = None,
          why: Optional[str] = None) -> ApiResponse:
    body = {"error": message} if reason is None else {"error": message, "reason": reason}
    return ApiResponse(status, body, endpoint, why=why)


def handle(
    world: World,
    request: ApiRequest,
    public_base_url: Optional[str] = None,
    found: Optional[routes.Match] = None,
) -> ApiResponse:
    """Answer one request against ``world``. Raises nothing for bad input.

    ``found`` is the route match if the caller already made it."""
    if found is None:
        found = routes.match(request.method, request.path)
    route = found.route
    if route is None:
        return error(404, E.NOT_FOUND, why=E.WHY_NO_ROUTE.format(method=request.method, path=request.path))
    if not found.method_allowed:
        refused = error(405, E.METHOD_NOT_ALLOWED, why=E.WHY_METHOD.format(
            method=request.method, endpoint=route.endpoint, allowed=", ".join(routes.allowed_methods(request.path))))
        refused.headers = {"Allow": ", ".join(routes.allowed_methods(request.path))}  # RFC 9110
        return refused
    endpoint = route.endpoint
    if route.key == "socket":
        return _socket(world, request, endpoint)
    key = bearer(request.authorization)
    if key is None:
        return error(401, E.MISSING_BEARER, endpoint, why=E.WHY_NO_BEARER)
    try:
        if route.key == "secret":
            project = world.authenticate_secret(found.params["projectId"], key)
        else:
            project = world.authenticate_public(key)
    except E.ApiError as exc:
        return error(exc.status, exc.message, endpoint, why=exc.why)
    try:
        body = request.body
        if body is NO_BODY:
            body = {}
        elif not isinstance(body, dict):
            raise E.ApiError(400, E.INVALID_JSON_BODY, why=E.WHY_NOT_AN_OBJECT)
        ctx = Context(world, project, found.params, body, request.query, public_base_url or request.base_url)
        assert route.handler is not None  # every REST route has one
        return ApiResponse(200, route.handler(ctx), endpoint, route.key, project.id)
    except E.ApiError as exc:
        return ApiResponse(exc.status, {"error": exc.message}, endpoint, route.key, project.id, why=exc.why)


def _socket(world: World, request: ApiRequest, endpoint: str) -> ApiResponse:
    """A signaling handshake: ``welcome`` (101, the socket is accepted) or a
    refusal with its reason."""
    if not request.websocket:
        return error(426, E.NOT_A_SOCKET, endpoint)
    try:
        return ApiResponse(101, signaling.connect(world, endpoint, request.query), endpoint, "public")
    except E.ApiError as exc:
        return error(exc.status, exc.message, endpoint, exc.reason, why=exc.why)

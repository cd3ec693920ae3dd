"""What live mode passes on, and how: the hop-by-hop headers it drops
(RFC 9110 7.6.1), the close codes a relay may send (RFC 6455 7.4.1), and a
forwarded answer as the doors send it."""

from __future__ import annotations

import json
from typing import Any, Optional, Sequence

from ..api import app as api
from ..api.app import Outcome
from ..model.ids import PUBLIC_KEY_PREFIX, SECRET_KEY_PREFIX
from ..remote import Reply

def body_bytes(request: api.ApiRequest) -> Optional[bytes]:
    if request.raw_body is not None:
        return request.raw_body or None
    if request.body is api.NO_BODY or request.body is api.INVALID_JSON:
        return None
    return json.dumps(request.body).encode()


#: Headers that belong to one connection, not to the message (RFC 9110
#: 7.6.1), and those the forwarder sets itself: never passed on.
HOP_BY_HOP = frozenset({
    "connection", "keep-alive", "proxy-connection", "te", "transfer-encoding", "upgrade", "trailer",
    "proxy-authenticate", "proxy-authorization", "host", "content-length",
    # answers come back as the service encoded them: ask for them plain, so the journal can read them
    "accept-encoding",
})


#: What a WebSocket client sets itself on a handshake: the relay's own.
SOCKET_HANDSHAKE = frozenset({"sec-websocket-key", "sec-websocket-version", "sec-websocket-extensions", "sec-websocket-protocol"})
#: Close codes an endpoint may send (RFC 6455 7.4.1; 1005, 1006, 1015 are only ever reported).
SENDABLE_CLOSE = frozenset({1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 1012, 1013, 1014})


def json_object(raw: Optional[bytes]) -> Optional[dict[str, Any]]:
    try:
        value = json.loads(raw or b"")
    except ValueError:
        return None
    return value if isinstance(value, dict) else None


def end_to_end(headers: Sequence[tuple[str, str]]) -> dict[str, str]:
    """``headers`` without the hop-by-hop ones (and those ``Connection`` names)."""
    named = {token.strip().lower() for name, value in headers if name.lower() == "connection" for token in value.split(",")}
    kept: dict[str, str] = {}
    for name, value in headers:
        lowered = name.lower()
        if lowered in HOP_BY_HOP or lowered in named:
            continue
        kept[name] = f"{kept[name]}, {value}" if name in kept else value
    return kept


def outcome_of(reply: Reply) -> Outcome:
    """A forwarded answer as the service sent it: status, the body byte for
    byte, its end-to-end headers (``Content-Type``, ``Retry-After``, CORS);
    JSON objects are read for the journal too."""
    body = reply.json
    return Outcome(reply.status, body if isinstance(body, dict) else None, raw=reply.raw, headers=end_to_end(reply.headers))


def key_type(authorization: Optional[str], status: int) -> Optional[str]:
    """The kind of key that was accepted (the service said anything but 401)."""
    key = api.bearer(authorization)
    if key is None or status == 401:
        return None
    if key.startswith(SECRET_KEY_PREFIX):
        return "secret"
    return "public" if key.startswith(PUBLIC_KEY_PREFIX) else None

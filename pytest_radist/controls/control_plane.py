"""The control plane: test controls over HTTP, under the reserved ``/_radist/``.

For clients that cannot call Python (a Go or Node test suite against
``radist-fake``): set faults, read the journal, move the clock, reset, and
drive simulated participants. Radist has no such paths; its own API is never
shadowed, and control requests are not journaled.

| method and path                        | body                                   |
|----------------------------------------|----------------------------------------|
| GET    /_radist/state                  |                                        |
| GET    /_radist/requests               |                                        |
| GET    /_radist/faults                 |                                        |
| POST   /_radist/faults                 | keyword arguments of ``fake.fail``     |
| DELETE /_radist/faults                 |                                        |
| POST   /_radist/clock                  | ``{"advance": s}`` or ``{"set": iso}`` |
| POST   /_radist/reset                  | ``{"state": true}`` also wipes state   |
| POST   /_radist/join                   | ``{"token": "ct_...", "publicKey"?}``  |
| POST   /_radist/peers/{peerId}/leave   |                                        |
| POST   /_radist/peers/{peerId}/remove  |                                        |
| POST   /_radist/peers/{peerId}/reconnect | ``{"reconnectToken"?}``              |
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any, Callable
from urllib.parse import unquote

from ..api.app import NO_BODY, ApiRequest
from ..errors import JoinRefused
from ..model.clock import iso
from ..model.entities import Call, Peer

if TYPE_CHECKING:
    from ..fake import RadistFake

PREFIX = "/_radist/"
Answer = tuple[int, dict[str, Any]]


class ControlError(Exception):
    def __init__(self, status: int, message: str, **extra: Any) -> None:
        super().__init__(message)
        self.status = status
        self.body = {"error": message, **extra}


def _peer_json(peer: Peer) -> dict[str, Any]:
    session = "callId" if isinstance(peer.session, Call) else "roomId"
    return {"peerId": peer.id, "reconnectToken": peer.reconnect_token, session: peer.session.id,
            "connected": peer.connected, "gone": peer.gone}


def _state(fake: RadistFake, body: dict[str, Any]) -> Answer:
    projects = [
        {"id": p.id, "secretKeys": list(p.secret_keys), "publicKey": p.public_key, "connectionLimit": p.connection_limit,
         "calls": len(p.call_list), "liveCalls": p.live_calls}
        for p in fake.projects.values()
    ]
    return 200, {"seed": fake.seed, "now": iso(fake.clock.time()), "projects": projects,
                 "rooms": len(fake.rooms), "spaces": len(fake.spaces), "tokens": len(fake.minted_tokens())}


def _jsonable(value: Any) -> Any:
    """A journaled body as JSON: an omitted or unparsable body as its description."""
    if isinstance(value, (dict, list, str, int, float, bool)) or value is None:
        return value
    return repr(value)


def _requests(fake: RadistFake, body: dict[str, Any]) -> Answer:
    return 200, {"requests": [
        {"endpoint": r.endpoint, "method": r.method, "path": r.path, "query": r.query, "rawQuery": r.raw_query, "json": _jsonable(r.json),
         "status": r.status, "response": r.response, "keyType": r.key_type, "door": r.door, "at": iso(r.at), "fault": r.fault}
        for r in fake.requests
    ]}


def _faults(fake: RadistFake, body: dict[str, Any]) -> Answer:
    return 200, {"faults": [rule.describe() for rule in fake.faults]}


def _add_fault(fake: RadistFake, body: dict[str, Any]) -> Answer:
    try:
        rule = fake.fail(**body)
    except (TypeError, ValueError) as exc:
        raise ControlError(400, f"invalid fault: {exc}") from None
    return 200, {"fault": rule.describe()}


def _clear_faults(fake: RadistFake, body: dict[str, Any]) -> Answer:
    fake.clear_faults()
    return 200, {"faults": []}


def _clock(fake: RadistFake, body: dict[str, Any]) -> Answer:
    try:
        if "advance" in body:
            fake.clock.advance(float(body["advance"]))
        elif "set" in body:
            fake.clock.set(datetime.fromisoformat(str(body["set"]).replace("Z", "+00:00")))
        else:
            raise ValueError('send {"advance": seconds} or {"set": "2026-01-01T00:00:00Z"}')
    except (TypeError, ValueError) as exc:
        raise ControlError(400, f"invalid clock change: {exc}") from None
    return 200, {"now": iso(fake.clock.time())}


def _reset(fake: RadistFake, body: dict[str, Any]) -> Answer:
    fake.reset(state=bool(body.get("state", False)))
    return 200, {"reset": True}


def _join(fake: RadistFake, body: dict[str, Any]) -> Answer:
    token = body.get("token")
    if not isinstance(token, str):
        raise ControlError(400, 'send {"token": "ct_..."}')
    try:
        return 200, _peer_json(fake.join(token, public_key=body.get("publicKey")))
    except JoinRefused as refused:
        raise ControlError(409, str(refused), reason=refused.reason) from None


def _peer_action(action: str) -> Callable[[RadistFake, dict[str, Any], str], Answer]:
    def run(fake: RadistFake, body: dict[str, Any], peer_id: str) -> Answer:
        peer = fake.peers.get(peer_id)
        if peer is None:
            raise ControlError(404, f"no peer {peer_id!r}")
        try:
            if action == "leave":
                peer.leave()
            elif action == "remove":
                peer.remove()
            else:
                peer.reconnect(body.get("reconnectToken"))
        except JoinRefused as refused:
            raise ControlError(409, str(refused), reason=refused.reason) from None
        return 200, _peer_json(peer)

    return run


_ROUTES: dict[tuple[str, str], Callable[[RadistFake, dict[str, Any]], Answer]] = {
    ("GET", "state"): _state,
    ("GET", "requests"): _requests,
    ("GET", "faults"): _faults,
    ("POST", "faults"): _add_fault,
    ("DELETE", "faults"): _clear_faults,
    ("POST", "clock"): _clock,
    ("POST", "reset"): _reset,
    ("POST", "join"): _join,
}
_PEER_ROUTES = {action: _peer_action(action) for action in ("leave", "remove", "reconnect")}


def handle(fake: RadistFake, request: ApiRequest) -> Answer:
    """Answer a control request (its path starts with :data:`PREFIX`)."""
    body = {} if request.body is NO_BODY else request.body
    if not isinstance(body, dict):
        return 400, {"error": "Invalid JSON body."}
    parts = request.path[len(PREFIX):].split("/")
    try:
        if len(parts) == 1 and (request.method, parts[0]) in _ROUTES:
            return _ROUTES[(request.method, parts[0])](fake, body)
        if len(parts) == 3 and parts[0] == "peers" and parts[2] in _PEER_ROUTES and request.method == "POST":
            return _PEER_ROUTES[parts[2]](fake, body, unquote(parts[1]))
    except ControlError as exc:
        return exc.status, exc.body
    known = ", ".join(f"{m} {PREFIX}{p}" for m, p in _ROUTES) + f", POST {PREFIX}peers/{{peerId}}/leave|remove|reconnect"
    return 404, {"error": f"Not found. The control plane has: {known}"}

"""The handshake of the signaling sockets (radist-api.md section 6):
query parameters in, a ``welcome`` frame or a refusal out.

Like the REST handlers it holds no rules: the model joins, reconnects and
refuses; this module reads the parameters, checks them in the documented
order and shapes the frame. What happens after the handshake (relaying
frames, presence) belongs to the socket door.
"""

from __future__ import annotations

from typing import Any, Optional
from urllib.parse import parse_qs

from .. import errors as E
from ..model.clock import iso
from ..model.entities import Call, Peer, Room
from ..model.world import World

#: The token parameter and the session-id parameter of each socket.
PARAMETERS = {"p2p_signaling": ("callToken", "callId"), "room_signaling": ("roomToken", "roomId")}


def refused(reason: str, session: Optional[Call | Room] = None, why: Optional[str] = None) -> E.ApiError:
    """The socket refusal for a model reason (radist-api.md 6.2); ``why``
    says it in the fake's words, for the journal."""
    if reason == "full" and isinstance(session, Room):
        reason = "room_full"
    status, word, message = E.SOCKET_REFUSALS[reason]
    return E.ApiError(status, message, word, why=why)


def _single(values: dict[str, list[str]], name: str) -> Optional[str]:
    found = values.get(name)
    return found[0] if found and found[0] else None


def connect(world: World, endpoint: str, query: str, replace: bool = True) -> dict[str, Any]:
    """Join or reconnect as the query says; the ``welcome`` frame.

    Raises :class:`~pytest_radist.errors.ApiError` with the refusal's
    status, message and reason word."""
    values = parse_qs(query, keep_blank_values=True)
    try:
        project = world.public_key_project(_single(values, "publicKey"))
    except E.JoinRefused as refusal:
        raise refused(refusal.reason, why=refusal.message) from None
    token_name, session_name = PARAMETERS[endpoint]
    token = _single(values, token_name)
    reconnect = [_single(values, name) for name in (session_name, "peerId", "reconnectToken")]
    if (token is not None and any(reconnect)) or (token is None and not all(reconnect)):
        sent = ", ".join(name for name in (token_name, session_name, "peerId", "reconnectToken") if _single(values, name)) or "none of them"
        raise refused("bad_request", why=E.WHY_SOCKET_PARAMETERS.format(
            sent=sent, token=token_name, session=session_name))  # neither a token nor a whole reconnect set, or both
    kind = "call" if endpoint == "p2p_signaling" else "room"
    with world.lock:
        if token is not None:
            found = world.tokens.get(token)
            if found is None or found.kind != kind:
                raise refused("unknown", why=E.WHY_SOCKET_UNKNOWN.format(token=token, kind=kind))
            try:
                peer = world.join(token, project.public_key)
            except E.JoinRefused as refusal:
                raise refused(refusal.reason, world.calls.get(found.target_id) or world.rooms.get(found.target_id),
                              why=refusal.message) from None
        else:
            session_id, peer_id, reconnect_token = reconnect
            session: Optional[Call | Room] = (world.calls if kind == "call" else world.rooms).get(session_id or "")
            if session is None or session.project is not project:
                raise refused("peer_unknown", why=E.WHY_SOCKET_NO_PEER.format(peer=peer_id, kind=kind, session=session_id))
            if isinstance(session, Call) and session.tombstoned is not None:
                raise refused("terminated", why=E.WHY_SOCKET_TERMINATED.format(call=session.id, at=iso(session.tombstoned)))
            known = session.peers.get(peer_id or "")
            if known is None:
                raise refused("peer_unknown", why=E.WHY_SOCKET_NO_PEER.format(peer=peer_id, kind=kind, session=session_id))
            try:
                peer = world.reconnect(known, reconnect_token or "", replace=replace)
            except E.JoinRefused as refusal:
                raise refused(refusal.reason, session, why=refusal.message) from None
        return welcome(peer)


def welcome(peer: Peer) -> dict[str, Any]:
    """The first frame of a connected socket: who it is and who is there."""
    session = peer.session
    peers = [{"peerId": p.id, "connectedAt": iso(p.connected_since)} for p in session.connected_peers]
    frame: dict[str, Any] = {"type": "welcome", "peerId": peer.id, "reconnectToken": peer.reconnect_token}
    if isinstance(session, Call):
        tombstoned = session.tombstoned
        frame["call"] = {
            "callId": session.id, "accessControl": session.access_control, "createdAt": iso(session.created),
            "tombstonedAt": None if tombstoned is None else iso(tombstoned), "peers": peers,
        }
    else:
        frame["room"] = {"roomId": session.id, "createdAt": iso(session.created), "peers": peers}
    return frame

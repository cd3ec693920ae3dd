"""Simulated participants over HTTP: join with a token, enter a space,
disconnect, remove or reconnect a peer, expire a token."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ...errors import InvalidValue, JoinRefused, WrongKind
from ..network import CLOSE_CODES, MAX_FREEZE, MODES
from ...model.clock import iso
from ...model.entities import Call, Peer, Token
from ... import messages as M
from ...errors import ControlError
from .schema import Answer, ControlRoute, Field

if TYPE_CHECKING:
    from .target import ControlTarget


def peer_json(peer: Peer) -> dict[str, Any]:
    session = "callId" if isinstance(peer.session, Call) else "roomId"
    return {"peerId": peer.id, "reconnectToken": peer.reconnect_token, session: peer.session.id,
            "connected": peer.connected, "gone": peer.gone}


#: What an answer that holds token objects says of the field renamed in 0.3 (the Python name, ``Token.value``).
TOKEN_NOTE = M.CONTROL_ANSWER_RENAMED.format(old="token", new="value", what="a token")


def with_token_note(answer: dict[str, Any]) -> dict[str, Any]:
    """``answer`` with the deprecation note of a token's ``token`` field."""
    return {**answer, "deprecated": [*answer.get("deprecated", []), TOKEN_NOTE]}


def token_json(token: Token) -> dict[str, Any]:
    expires = token.expires
    return {"value": token.value, "token": token.value, "kind": token.kind, "targetId": token.target_id, "state": token.state,
            "mintedBy": token.minted_by, "expiresAt": None if expires is None else iso(expires), "peerId": token.peer_id}


def refused(refusal: JoinRefused) -> ControlError:
    return ControlError(409, str(refusal), reason=refusal.reason)


def join(fake: ControlTarget, given: dict[str, Any]) -> Answer:
    try:
        return 200, peer_json(fake.people.join(given["token"], public_key=given.get("publicKey")))
    except JoinRefused as refusal:
        raise refused(refusal) from None


def join_space(fake: ControlTarget, given: dict[str, Any]) -> Answer:
    try:
        peer = fake.people.join_space(given["spaceId"], password=given.get("password"), host_token=given.get("hostToken"),
                               approved=given.get("approved", False))
    except KeyError:
        raise ControlError(404, M.CONTROL_NO_SPACE.format(space=given["spaceId"])) from None
    except JoinRefused as refusal:
        raise refused(refusal) from None
    return 200, peer_json(peer)


def _peer(fake: ControlTarget, peer_id: str) -> Peer:
    peer = fake.state.peers.get(peer_id)
    if peer is None:
        raise ControlError(404, M.CONTROL_NO_PEER.format(peer=peer_id))
    return peer


def leave(fake: ControlTarget, given: dict[str, Any]) -> Answer:
    peer = _peer(fake, given["peerId"])
    peer.leave()
    return 200, peer_json(peer)


def remove(fake: ControlTarget, given: dict[str, Any]) -> Answer:
    peer = _peer(fake, given["peerId"])
    peer.remove()
    return 200, peer_json(peer)


def reconnect(fake: ControlTarget, given: dict[str, Any]) -> Answer:
    peer = _peer(fake, given["peerId"])
    try:
        peer.reconnect(given.get("reconnectToken"))
    except JoinRefused as refusal:
        raise refused(refusal) from None
    return 200, peer_json(peer)


def disrupt(fake: ControlTarget, given: dict[str, Any]) -> Answer:
    peer = _peer(fake, given["peerId"])
    try:
        fake.people.disrupt(peer, given["mode"], seconds=given.get("seconds"), code=given.get("code"))
    except (InvalidValue, WrongKind) as exc:  # not connected, or a simulated peer asked to freeze
        raise ControlError(409, M.CONTROL_REFUSED.format(reason=exc)) from None
    return 200, {**peer_json(peer), "disrupted": given["mode"]}


def expire(fake: ControlTarget, given: dict[str, Any]) -> Answer:
    try:
        return 200, with_token_note(token_json(fake.scenarios.expire_token(given["token"])))
    except KeyError:
        raise ControlError(404, M.CONTROL_NO_TOKEN.format(token=given["token"])) from None
    except ValueError as exc:
        raise ControlError(409, M.CONTROL_REFUSED.format(reason=exc)) from None


def list_tokens(fake: ControlTarget, given: dict[str, Any]) -> Answer:
    tokens = fake.state.minted_tokens(given.get("mintedBy"), call_id=given.get("callId"), room_id=given.get("roomId"),
                                state=given.get("state"))
    return 200, with_token_note({"tokens": [token_json(t) for t in tokens]})


ROUTES = (
    ControlRoute("GET", "tokens", "every participant token in mint order, filtered (fake.minted_tokens)", list_tokens, (
        Field("mintedBy", "string", "who minted it", choices=("create", "server", "public")),
        Field("callId", "string", "only this call's"),
        Field("roomId", "string", "only this room's"),
        Field("state", "string", "only tokens in this state", choices=("pending", "consumed", "cleared", "expired")),
    ), source="query", changes_state=False),
    ControlRoute("POST", "join", "join a call or room with a participant token, as the signaling socket would", join, (
        Field("token", "string", 'the participant token, "ct_..."', required=True),
        Field("publicKey", "string", "the public key the page would send (checked against the token's project)"),
    )),
    ControlRoute("POST", "spaces/{spaceId}/join", "enter a space (by id or slug)", join_space, (
        Field("password", "string", "for a password space"),
        Field("hostToken", "string", "join as the host"),
        Field("approved", "boolean", "for a knock space: a host let this participant in"),
    )),
    ControlRoute("POST", "peers/{peerId}/leave", "disconnect a peer (it may reconnect)", leave),
    ControlRoute("POST", "peers/{peerId}/remove", "remove a peer for good", remove),
    ControlRoute("POST", "peers/{peerId}/reconnect", "bring a peer back with its reconnect token", reconnect, (
        Field("reconnectToken", "string", "default: its current one"),
    )),
    ControlRoute("POST", "peers/{peerId}/disrupt", "disturb a peer's socket as a failing network would: drop, freeze, close",
                 disrupt, (
        Field("mode", "string", "drop: cut with no close frame; freeze: hold for seconds; close: a clean close with code",
              required=True, choices=MODES),
        Field("seconds", "number", "how long a freeze holds the socket", minimum=0.001, maximum=MAX_FREEZE),
        Field("code", "integer", "the close code of a close (default 1001)",
              schema={"anyOf": [{"enum": list(CLOSE_CODES)}, {"minimum": 4000, "maximum": 4999}]}),
    ), rules={
        "if": {"properties": {"mode": {"const": "freeze"}}}, "then": {"required": ["seconds"]},
        "dependentSchemas": {"seconds": {"properties": {"mode": {"const": "freeze"}}},
                             "code": {"properties": {"mode": {"const": "close"}}}},
    }),
    ControlRoute("POST", "tokens/{token}/expire", "expire a pending token now, without moving the clock", expire),
)

"""radist-api.md 3 and 6, through the documented socket connect: a join
consumes its token, a full call answers 409, a call whose peers all left
answers 410, a reconnect comes back; and the fake's own socket protocol
(frames, refusals, close codes), tagged ``fake``.

What Radist documents of the socket is the connect (a public key and a
call token, or a reconnect set) and its effect (the token consumed, the
peer registered, an answer with a peer id, a reconnect token and a snapshot
of the call); how a refusal looks is the fake's guess. So a ``doc`` check
here asks only whether a connect joined (its first frame names a peer
``peer_...``), a ``fake`` check compares the frames and close codes.
"""

from __future__ import annotations

from typing import Any, Optional

from ...fidelity.answers import ALL_FORMATS, Facts, answer, field, kind, shape
from ..sides import Session
from ...fidelity.sockets import SocketProbe
from . import UNKNOWN_PUBLIC_KEY, check
from .common import call_id

#: Seconds a check gives the target to end a call whose peers all left
#: (Radist may keep it for a reconnect first).
SETTLE = 15.0


def _strings(value: Any) -> list[str]:
    if isinstance(value, dict):
        return [s for item in value.values() for s in _strings(item)]
    if isinstance(value, list):
        return [s for item in value for s in _strings(item)]
    return [value] if isinstance(value, str) else []


def peer_of(frame: Optional[dict[str, Any]]) -> Optional[str]:
    """The peer id a connect's first frame names (``peer_...``), if it joined."""
    return next((v for v in _strings(frame) if v.startswith("peer_")), None)


def framed(frame: Optional[dict[str, Any]]) -> Any:
    """A frame by its shape, with the words the protocol fixes (``type``, ``reason``)."""
    if not isinstance(frame, dict):
        return frame
    return {**shape(frame, ALL_FORMATS), **{k: frame[k] for k in ("type", "reason", "error") if k in frame}}


def joined(probe: SocketProbe) -> Facts:
    """[doc] facts of a connect: whether it joined, with what its answer names."""
    first = probe.record["frames"][0] if probe.record["frames"] else probe.next()
    strings = _strings(first)
    return {"joined": peer_of(first) is not None, "reconnect_token": any(v.startswith("rt_") for v in strings)}


def refusal(probe: SocketProbe) -> Facts:
    """[fake] facts of a refused connect: its frame and its close."""
    first = probe.record["frames"][0] if probe.record["frames"] else probe.next()
    return {"refused": probe.record["refused"], "frame": framed(first), "close": probe.closes()}


class Call:
    """A public call joined over sockets, shared by the checks of a run."""

    def __init__(self, s: Session) -> None:
        self.created = s.new_call("public")
        self.id = call_id(self.created)
        tokens = field(self.created, "callTokens") or [None, None]
        self.tokens: list[Any] = list(tokens) + [None] * (2 - len(tokens))
        self.first = s.connect(callToken=str(self.tokens[0]))
        self.welcome = self.first.next()
        self.first_peer = peer_of(self.welcome)


def first_join(s: Session) -> Call:
    return s.once("a call joined over sockets", lambda: Call(s))  # type: ignore[no-any-return]


@check("sockets.join", "doc", "§6", "a connect with the public key and a call token joins: its answer names a peer id "
       "(`peer_...`), a reconnect token (`rt_...`) and the call")
def _join(s: Session) -> Facts:
    call = first_join(s)
    return {**joined(call.first), "names_the_call": field(call.created, "callId") in _strings(call.welcome)}


@check("sockets.welcome", "fake", "§6.3", "the first frame is `welcome`: `{type, peerId, reconnectToken, call: {callId, "
       "accessControl, createdAt, tombstonedAt, peers: [{peerId, connectedAt}]}}`")
def _welcome(s: Session) -> Facts:
    return {"welcome": framed(first_join(s).welcome)}


def _reused(s: Session) -> SocketProbe:
    return s.once("the consumed token again", lambda: s.connect(callToken=str(first_join(s).tokens[0])))  # type: ignore[no-any-return]


@check("sockets.single_use", "doc", "§3 lifecycle", "a token is single-use: a second connect with it does not join")
def _single_use(s: Session) -> Facts:
    return joined(_reused(s))


@check("sockets.single_use.refusal", "fake", "§6.2", "...it is refused with `error` `consumed` and close 4409 `Token has already been used.`")
def _single_use_refusal(s: Session) -> Facts:
    return refusal(_reused(s))


class Full:
    """The shared call with both peers joined, and a token minted in between."""

    def __init__(self, s: Session) -> None:
        call = first_join(s)
        self.extra = field(s.send("POST", s.project_path(f"/p2p/calls/{call.id}/token")), "callToken")
        self.second = s.connect(callToken=str(call.tokens[1]))
        self.second_welcome = self.second.next()
        self.second_peer = peer_of(self.second_welcome)
        self.joined_notice = call.first.next()  # peer-joined, to the first


def full(s: Session) -> Full:
    return s.once("both peers joined", lambda: Full(s))  # type: ignore[no-any-return]


@check("sockets.presence", "fake", "§6.3", "the first peer is told `peer-joined` with the second's id")
def _presence(s: Session) -> Facts:
    both = full(s)
    notice = both.joined_notice or {}
    return {"frame": framed(notice), "names_the_second": notice.get("peerId") == both.second_peer and both.second_peer is not None}


@check("sockets.full.public_mint", "doc", "§3 mint_call_token_public", "both peers connected: the public mint answers 409 `All peers are already connected.`")
def _full_public(s: Session) -> Facts:
    full(s)
    return answer(s.send("POST", f"/p2p/calls/{first_join(s).id}/token", auth="public"))


@check("sockets.full.server_mint", "fake", "§3 mint_call_token", "both peers connected: the secret-key mint answers 409 too")
def _full_server(s: Session) -> Facts:
    full(s)
    return answer(s.send("POST", s.project_path(f"/p2p/calls/{first_join(s).id}/token")))


def _cleared(s: Session) -> SocketProbe:
    return s.once("a token minted before the call was full", lambda: s.connect(callToken=str(full(s).extra)))  # type: ignore[no-any-return]


@check("sockets.full.cleared", "doc", "§3 lifecycle", "when both peers are connected, a pending token can no longer join")
def _full_cleared(s: Session) -> Facts:
    return joined(_cleared(s))


@check("sockets.full.cleared.refusal", "fake", "§6.2", "...refused with `error` `cleared` and close 4409 `Token is no longer valid.`")
def _full_cleared_refusal(s: Session) -> Facts:
    return refusal(_cleared(s))


@check("sockets.signal", "fake", "§6.3", "a `signal` is relayed to the other peer as `{type: signal, from, data}`; `ping` answers `pong`")
def _signal(s: Session) -> Facts:
    both, call = full(s), first_join(s)
    call.first.send({"type": "signal", "data": {"sdp": "verify", "n": [1, 2.5, None, True]}})
    relayed = both.second.next() or {}
    call.first.send({"type": "ping"})
    return {"relayed": {**framed(relayed), "data": relayed.get("data")},
            "from_the_sender": relayed.get("from") == call.first_peer, "pong": call.first.next()}


class Reconnect:
    """The first peer goes away, then comes back with its reconnect token."""

    def __init__(self, s: Session) -> None:
        call, both = first_join(s), full(s)
        call.first.close()
        self.left_notice = both.second.next()
        token = next((v for v in _strings(call.welcome) if v.startswith("rt_")), "")
        self.probe = s.connect(callId=str(field(call.created, "callId")), peerId=str(call.first_peer), reconnectToken=token)
        self.welcome = self.probe.next()
        self.old_token = token


def reconnect(s: Session) -> Reconnect:
    return s.once("the first peer reconnected", lambda: Reconnect(s))  # type: ignore[no-any-return]


@check("sockets.reconnect", "doc", "§6", "a peer that dropped comes back with callId, peerId and reconnectToken: it joins again, as itself")
def _reconnect(s: Session) -> Facts:
    back = reconnect(s)
    return {**joined(back.probe), "same_peer": peer_of(back.welcome) == first_join(s).first_peer}


@check("sockets.reconnect.frames", "fake", "§6.3", "the other peer is told `peer-left` `disconnected`; the reconnect token rotates")
def _reconnect_frames(s: Session) -> Facts:
    back = reconnect(s)
    notice = back.left_notice or {}
    new = (back.welcome or {}).get("reconnectToken")
    return {"left": framed(notice),
            "rotated": isinstance(new, str) and new != back.old_token}


class Ended:
    """A public call whose only peer joined, then left: it ends."""

    def __init__(self, s: Session) -> None:
        self.created = s.new_call("public")
        self.id = call_id(self.created)
        tokens = field(self.created, "callTokens") or [None, None]
        peer = s.connect(callToken=str(tokens[0]))
        peer.next()
        peer.close()
        path = f"/p2p/calls/{self.id}/token"
        self.public_mint = s.until(lambda: _ended(s.send("POST", path, auth="public")), SETTLE)
        self.server_mint = s.send("POST", s.project_path(f"/p2p/calls/{self.id}/token"))
        self.listed = next((c for c in field(s.send("GET", s.project_path("/calls"), query="limit=100"), "calls") or []
                            if isinstance(c, dict) and c.get("callId") == field(self.created, "callId")), None)
        self.late = s.connect(callToken=str(tokens[1] if len(tokens) > 1 else ""))


def _ended(reply: Any) -> Any:
    return reply if reply.status != 200 else None


def ended(s: Session) -> Ended:
    return s.once("a call whose peers all left", lambda: Ended(s))  # type: ignore[no-any-return]


@check("sockets.terminated", "doc", "§3 lifecycle", "when the last peer disconnects the call ends: the public mint answers "
       "410 `Call has been terminated.`, the list sets tombstonedAt, a pending token does not join")
def _terminated(s: Session) -> Facts:
    call = ended(s)
    return {"public_mint": None if call.public_mint is None else answer(call.public_mint),
            "tombstonedAt": None if call.listed is None else kind(call.listed.get("tombstonedAt")), **joined(call.late)}


@check("sockets.terminated.fake", "fake", "§3 mint_call_token", "...the secret-key mint answers 410 too, at once (no reconnect grace), "
       "and the late connect is refused with `terminated`, close 4410")
def _terminated_fake(s: Session) -> Facts:
    call = ended(s)
    return {"server_mint": answer(call.server_mint), "late": refusal(call.late)}


def _bad_keys(s: Session) -> dict[str, SocketProbe]:
    def probes() -> dict[str, SocketProbe]:
        token = str(field(s.new_call("public"), "callTokens", 0))
        return {"unknown public key": s.connect(publicKey=UNKNOWN_PUBLIC_KEY, callToken=token),
                "secret key": s.connect(publicKey=s.credentials.secret_key, callToken=token)}

    return s.once("connects with bad keys", probes)  # type: ignore[no-any-return]


@check("sockets.bad_key", "doc", "§6", "a connect whose publicKey is not the project's public key (unknown, or a secret key) does not join")
def _bad_key(s: Session) -> Facts:
    return {case: joined(probe) for case, probe in _bad_keys(s).items()}


@check("sockets.bad_key.refusal", "fake", "§6.2", "...refused with `error` `invalid_key` and close 4401 `Invalid public key.`")
def _bad_key_refusal(s: Session) -> Facts:
    return {case: refusal(probe) for case, probe in _bad_keys(s).items()}


@check("sockets.missing_parameters", "fake", "§6.2", "neither a token nor a whole reconnect set: `error` `bad_request`, close 4400")
def _missing(s: Session) -> Facts:
    return refusal(s.connect())


@check("sockets.room", "fake", "§6.1", "a room token joins on `/api/v1/rooms/signaling/ws`: `welcome` with a room snapshot")
def _room(s: Session) -> Facts:
    token = field(s.send("POST", s.project_path(f"/rooms/{field(s.room(), 'roomId')}/token")), "roomToken")
    probe = s.connect("room", roomToken=str(token))
    return {"welcome": framed(probe.next())}

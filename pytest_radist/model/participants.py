"""Simulated participants: joining with a token, leaving, reconnecting,
entering a space; each change announced as a presence event."""

from __future__ import annotations

import math
from typing import Any, Optional

from .. import errors as E
from .clock import iso
from .. import messages as M
from .entities import Call, Peer, Project, Room, Space, Token
from .state import MAX_PEERS_PER_CALL, LeaveReason, PresenceEvent, WorldState


class Participants(WorldState):
    """The rules of who is connected (radist-api.md 3, 4 and 6)."""

    # -- simulated participants ---------------------------------------------

    def join(self, token_value: str, public_key: Optional[str] = None) -> Peer:
        """Consume ``token_value`` the way the signaling socket does, refusing
        in the order of radist-api.md section 6.2."""
        with self.lock:
            self.settle()
            if public_key is not None:
                self.public_key_project(public_key)
            token = self.tokens.get(token_value) if isinstance(token_value, str) else None
            if token is None:
                raise E.JoinRefused.because("unknown", M.JOIN_UNKNOWN_TOKEN.format(token=token_value))
            if public_key is not None and self.key_owner[public_key] is not self.projects[token.project_id]:
                raise E.JoinRefused.because("wrong_project", M.JOIN_WRONG_PROJECT.format(token=token_value, project=token.project_id, key=public_key[:7]))
            state = token.state
            session: Call | Room = self.calls[token.target_id] if token.kind == "call" else self.rooms[token.target_id]
            if isinstance(session, Call) and session._tombstoned is not None:
                raise E.JoinRefused.because("terminated", M.JOIN_TERMINATED.format(
                    call=session.id, at="?" if session.tombstoned is None else iso(session.tombstoned)))
            if state == "consumed":
                raise E.JoinRefused.because("consumed", M.JOIN_CONSUMED.format(
                    token=token_value, peer=token.peer_id, at="?" if token.consumed is None else iso(token.consumed)))
            if state == "expired":
                raise E.JoinRefused.because("expired", M.JOIN_EXPIRED.format(token=token_value, at=token.expires_at, ttl=self.token_ttl))
            if state == "cleared":
                raise E.JoinRefused.because("cleared", M.JOIN_CLEARED.format(token=token_value, call=session.id))
            self._check_room_for(session)
            token._state = "consumed"
            token.consumed = self.time_of(token.project_id)
            peer = self._connect(session, token)
            token.peer_id = peer.id
            return peer

    def public_key_project(self, public_key: Any) -> Project:
        """The project whose public key this is; a secret key, another
        string or no string at all is refused as ``invalid_key``."""
        project = self.key_owner.get(public_key) if isinstance(public_key, str) else None
        if project is None or project.public_key != public_key:
            raise E.JoinRefused.because("invalid_key", M.JOIN_INVALID_KEY)
        return project

    def _check_room_for(self, session: Call | Room) -> None:
        connected = len(session.connected_peers)
        if isinstance(session, Call):
            if connected >= MAX_PEERS_PER_CALL:
                raise E.JoinRefused.because("full", M.JOIN_CALL_FULL.format(call=session.id))
        elif session.participant_cap is not None and connected >= session.participant_cap:
            raise E.JoinRefused.because("full", M.JOIN_ROOM_FULL.format(room=session.id, cap=session.participant_cap))

    def _connect(self, session: Call | Room, token: Optional[Token]) -> Peer:
        peer = Peer(self, self.ids.peer_id(), session, token, self.ids.reconnect_token())
        session.peers[peer.id] = peer
        self.peers[peer.id] = peer
        self._after_connect(session, peer)
        return peer

    def _after_connect(self, session: Call | Room, peer: Peer) -> None:
        if isinstance(session, Call):
            session.tombstone_due = None
            if len(session.connected_peers) >= MAX_PEERS_PER_CALL:
                for token in session.tokens:
                    if token._state == "pending":
                        token._state = "cleared"
        self._emit(PresenceEvent("joined", session.id, peer.id))

    def leave(self, peer: Peer, reason: LeaveReason = "disconnected") -> None:
        """Disconnect ``peer``. ``disconnected`` may reconnect; ``left`` (the
        socket's ``leave``) and ``removed`` (by the test) are for good."""
        with self.lock:
            self.settle()
            self._disconnect(peer, reason, peer.session.project.clock.time())

    def _disconnect(self, peer: Peer, reason: LeaveReason, now: float) -> None:
        """``peer`` leaves at ``now`` (on its project's clock), for
        ``reason``; the presence event follows, then the session's rules."""
        if reason != "disconnected":
            peer.gone = True
        peer.away_until = None
        if not peer.connected:
            return
        peer.connected = False
        peer.left = now
        session = peer.session
        self._emit(PresenceEvent("left", session.id, peer.id, reason))
        if isinstance(session, Room):
            session.project.closed_participant_seconds += math.ceil(now - peer.connected_since)
            space = session.space
            if space is not None and space.active_room is session and not session.connected_peers:
                space.active_room = None
        elif not session.connected_peers:
            if self.reconnect_grace <= 0:
                self._tombstone(session, now)
            else:
                session.tombstone_due = due = now + self.reconnect_grace
                self._schedule(due, session)

    def reconnect(self, peer: Peer, reconnect_token: str, *, replace: bool = False) -> Peer:
        """Bring ``peer`` back with its current reconnect token, which then
        rotates. With ``replace`` (a new socket for a peer whose old socket
        still looks open) a connected peer stays connected."""
        with self.lock:
            self.settle()
            session = peer.session
            if isinstance(session, Call) and session._tombstoned is not None:
                raise E.JoinRefused.because("terminated", M.RECONNECT_TERMINATED.format(call=session.id))
            if peer.gone:
                raise E.JoinRefused.because("gone", M.RECONNECT_GONE.format(peer=peer.id))
            space = session.space if isinstance(session, Room) else None
            if space is not None and space.active_room is not session:
                raise E.JoinRefused.because("terminated", M.RECONNECT_ROOM_CLOSED.format(slug=space.slug))
            if reconnect_token != peer.reconnect_token:
                raise E.JoinRefused.because("reconnect_token", M.RECONNECT_WRONG_TOKEN.format(peer=peer.id))
            if peer.connected:  # its old socket still looks open, or it is away (restored, no socket yet)
                if not replace and not peer.away:
                    raise E.JoinRefused.because("connected", M.RECONNECT_CONNECTED.format(peer=peer.id))
                peer.away_until = None
                peer.reconnect_token = self.ids.reconnect_token()
                return peer
            self._check_room_for(session)
            peer.connected = True
            peer.connected_since = peer.session.project.clock.time()
            peer.left = None
            peer.reconnect_token = self.ids.reconnect_token()
            self._after_connect(session, peer)
            return peer

    def join_space(
        self,
        space: Space,
        *,
        password: Optional[str] = None,
        host_token: Optional[str] = None,
        approved: bool = False,
    ) -> Peer:
        """Admit a participant the way the space's join page would."""
        with self.lock:
            if self.spaces.get(space.id) is not space:
                raise E.JoinRefused.because("unknown", M.SPACE_DELETED.format(space=space.id))
            if host_token is not None:
                if host_token != space.host_token:
                    raise E.JoinRefused.because("host_token", M.SPACE_HOST_TOKEN.format(token=host_token, slug=space.slug))
            elif space.access_type == "password" and password != space.password:
                raise E.JoinRefused.because("password", M.SPACE_PASSWORD.format(slug=space.slug))
            elif space.access_type == "knock":
                host_present = space.active_room is not None and any(
                    peer.is_host for peer in space.active_room.connected_peers
                )
                if not (approved and host_present):
                    raise E.JoinRefused.because("knock", M.SPACE_KNOCK.format(slug=space.slug))
            room = space.active_room
            if room is None:
                room = space.active_room = self._new_room(space.project, space)
            self._check_room_for(room)
            peer = self._connect(room, None)
            peer.is_host = host_token is not None
            return peer


"""The rules of Radist, applied to the objects of :mod:`.entities`.

No HTTP here: operations take Python values and raise
:class:`~pytest_radist.errors.ApiError` (an API answer) or
:class:`~pytest_radist.errors.JoinRefused` (a simulated participant turned
away). One re-entrant lock serialises every change, so the threaded loopback
server cannot lose updates or let two joins consume one token.
"""

from __future__ import annotations

import heapq
import math
import re
import threading
from dataclasses import dataclass
from typing import Any, Callable, Literal, Optional

from .. import errors as E
from .clock import MAX_EPOCH, Clock
from .entities import ACCESS_CONTROLS, ACCESS_TYPES, Call, Peer, Project, Room, Space, Token
from .ids import PUBLIC_KEY_PREFIX, SECRET_KEY_PREFIX, IdFactory

SLUG_PATTERN = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
SLUG_MAX_LENGTH = 64
MAX_PEERS_PER_CALL = 2
_NON_SLUG_RUN = re.compile(r"[^a-z0-9]+")


LeaveReason = Literal["left", "disconnected", "removed"]


@dataclass(frozen=True)
class PresenceEvent:
    """What changed in who is connected, for the doors that show it (the
    signaling sockets) and for tests that wait on it. Emitted under the
    world's lock: a listener must only record or hand it on, never block."""

    kind: Literal["joined", "left", "tombstoned"]
    session_id: str
    peer_id: Optional[str] = None
    #: For ``left``: ``left`` (for good), ``disconnected`` (may reconnect) or ``removed``.
    reason: Optional[LeaveReason] = None


def slugify(name: str) -> str:
    """Lowercase ASCII letters and digits; every other run becomes ``-`` [fake].

    A name with no such character at all gives ``space``.
    """
    slug = _NON_SLUG_RUN.sub("-", name.lower()).strip("-")[:SLUG_MAX_LENGTH].strip("-")
    return slug or "space"


def check_limit(name: str, value: Optional[int]) -> Optional[int]:
    if value is not None and (not isinstance(value, int) or isinstance(value, bool) or value < 0):
        raise ValueError(f"{name} must be a non-negative int or None (unlimited), got {value!r}")
    return value


class World:
    """All the state of one fake, and every operation on it."""

    def __init__(
        self,
        *,
        seed: int,
        clock: Optional[Clock] = None,
        token_ttl: Optional[float] = 3600.0,
        reconnect_grace: float = 0.0,
        room_participant_cap: Optional[int] = None,
        ids: Optional[IdFactory] = None,
    ) -> None:
        self.lock = threading.RLock()
        self.clock = clock or Clock()
        #: Every random value; ``ids`` lets a reset keep the generator going.
        self.ids = ids or IdFactory(seed)
        #: Seconds an unused participant token stays valid; ``None`` = forever [fake].
        self.token_ttl = token_ttl
        #: Seconds a call with no connected peer waits before it is tombstoned [fake].
        self.reconnect_grace = reconnect_grace
        #: Default participant cap of new rooms; ``None`` = any number [fake].
        self.room_participant_cap = check_limit("room_participant_cap", room_participant_cap)
        self.projects: dict[str, Project] = {}
        self.key_owner: dict[str, Project] = {}
        self.calls: dict[str, Call] = {}
        self.rooms: dict[str, Room] = {}
        self.spaces: dict[str, Space] = {}
        self.tokens: dict[str, Token] = {}  # mint order
        self.peers: dict[str, Peer] = {}
        self._tombstone_queue: list[tuple[float, int, Call]] = []
        self._queue_seq = 0
        #: Called with each :class:`PresenceEvent`, under the lock.
        self.listeners: list[Callable[[PresenceEvent], None]] = []
        # a tombstone that falls due when the test moves the clock happens then,
        # so sockets on that call are closed without waiting for a request
        self.clock.on_change(self.settle)

    def _emit(self, event: PresenceEvent) -> None:
        for listener in list(self.listeners):
            listener(event)

    # -- projects and keys --------------------------------------------------

    def add_project(
        self,
        project_id: Optional[str] = None,
        *,
        secret_key: Optional[str] = None,
        public_key: Optional[str] = None,
        connection_limit: Optional[int] = None,
        room_limit: Optional[int] = None,
    ) -> Project:
        with self.lock:
            if project_id is None:
                project_id = f"project-{len(self.projects) + 1}"
            if not isinstance(project_id, str) or not project_id:
                raise ValueError(f"project id must be a non-empty string, got {project_id!r}")
            if project_id in self.projects:
                raise ValueError(f"project {project_id!r} already exists; pick another id")
            secret = self._new_key(secret_key, self.ids.secret_key, SECRET_KEY_PREFIX)
            public = self._new_key(public_key, self.ids.public_key, PUBLIC_KEY_PREFIX)
            project = Project(
                self, project_id, [secret], public,
                check_limit("connection_limit", connection_limit), check_limit("room_limit", room_limit),
            )
            self.projects[project_id] = project
            self.key_owner[secret] = project
            self.key_owner[public] = project
            return project

    def add_secret_key(self, project: Project, key: Optional[str] = None) -> str:
        with self.lock:
            secret = self._new_key(key, self.ids.secret_key, SECRET_KEY_PREFIX)
            project.secret_keys.append(secret)
            self.key_owner[secret] = project
            return secret

    def _new_key(self, given: Optional[str], make: Any, prefix: str) -> str:
        if given is None:
            return str(make())
        if not isinstance(given, str) or not given.startswith(prefix) or len(given) == len(prefix):
            raise ValueError(f"a key of this kind must look like {prefix}..., got {given!r}")
        if given in self.key_owner:
            raise ValueError(f"key {given!r} already belongs to project {self.key_owner[given].id!r}")
        return given

    def authenticate_secret(self, project_id: str, key: str) -> Project:
        project = self.key_owner.get(key)
        if project is None or project.id != project_id or not key.startswith(SECRET_KEY_PREFIX):
            raise E.ApiError(401, E.INVALID_SECRET_KEY)
        return project

    def authenticate_public(self, key: str) -> Project:
        project = self.key_owner.get(key)
        if project is None or project.public_key != key:
            raise E.ApiError(401, E.INVALID_PUBLIC_KEY)
        return project

    # -- time-driven changes ------------------------------------------------

    def settle(self) -> None:
        """Apply what the clock made due: tombstones after the reconnect grace."""
        queue = self._tombstone_queue
        if not queue or queue[0][0] > self.clock.time():
            return
        with self.lock:
            now = self.clock.time()
            while queue and queue[0][0] <= now:
                due, _, call = heapq.heappop(queue)
                if call.tombstone_due == due:
                    self._tombstone(call, due)

    def _tombstone(self, call: Call, when: float) -> None:
        call._tombstoned = when
        call.tombstone_due = None
        call.project.live_calls -= 1
        for token in call.tokens:
            if token._state == "pending":
                token._state = "cleared"
        self._emit(PresenceEvent("tombstoned", call.id))

    def _mint(self, kind: Any, target: Call | Room, minted_by: Any) -> Token:
        now = self.clock.time()
        expires = None if self.token_ttl is None else now + self.token_ttl
        if expires is not None and not expires <= MAX_EPOCH:  # after the clock's last second: never comes
            expires = None
        token = Token(self, self.ids.participant_token(), kind, target.id, target.project.id, minted_by, now, expires)
        target.tokens.append(token)
        self.tokens[token.value] = token
        return token

    # -- P2P calls ----------------------------------------------------------

    def create_call(self, project: Project, access_control: Any = "private") -> Call:
        if access_control not in ACCESS_CONTROLS or not isinstance(access_control, str):
            raise E.ApiError(400, E.INVALID_ACCESS_CONTROL)
        with self.lock:
            self.settle()
            limit = project.connection_limit
            if limit is not None and project.live_calls >= limit:
                raise E.ApiError(429, E.CONNECTION_LIMIT)
            call = Call(self, self.ids.uuid(), project, access_control, self.clock.time())  # type: ignore[arg-type]
            self.calls[call.id] = call
            project.call_list.append(call)
            project.live_calls += 1
            self._mint("call", call, "create")
            self._mint("call", call, "create")
            return call

    def list_calls(self, project: Project, page: int, limit: int) -> list[Call]:
        """Newest first; O(limit) whatever the number of calls."""
        with self.lock:
            self.settle()
            calls = project.call_list
            end = len(calls) - (page - 1) * limit
            if end <= 0:
                return []
            return calls[max(0, end - limit):end][::-1]

    def mint_call_token(self, project: Project, call_id: str, *, public: bool) -> Token:
        with self.lock:
            self.settle()
            call = self.calls.get(call_id)
            if call is None or call.project is not project:
                raise E.ApiError(404, E.CALL_NOT_FOUND)
            if call._tombstoned is not None:
                raise E.ApiError(410, E.CALL_TERMINATED)
            if public and call.access_control == "private":
                raise E.ApiError(403, E.CALL_PRIVATE)
            if len(call.connected_peers) >= MAX_PEERS_PER_CALL:
                raise E.ApiError(409, E.CALL_FULL)
            return self._mint("call", call, "public" if public else "server")

    # -- SFU rooms ----------------------------------------------------------

    def create_room(self, project: Project) -> Room:
        with self.lock:
            if project.room_limit is not None and project.room_count >= project.room_limit:
                raise E.ApiError(429, E.CONNECTION_LIMIT)
            room = self._new_room(project)
            project.room_count += 1
            self._mint("room", room, "create")
            self._mint("room", room, "create")
            return room

    def _new_room(self, project: Project, space: Optional[Space] = None) -> Room:
        room = Room(self, self.ids.uuid(), project, self.clock.time(), self.room_participant_cap, space)
        self.rooms[room.id] = room
        return room

    def mint_room_token(self, project: Project, room_id: str) -> Token:
        with self.lock:
            room = self.rooms.get(room_id)
            if room is None or room.project is not project:
                raise E.ApiError(404, E.ROOM_NOT_FOUND)
            return self._mint("room", room, "server")

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
                raise E.JoinRefused(
                    "unknown",
                    f"token {token_value!r} was never minted by this fake: pass a participant token (ct_...) "
                    "from create_call/create_room or a mint, not a call or room id",
                )
            if public_key is not None and self.key_owner[public_key] is not self.projects[token.project_id]:
                raise E.JoinRefused(
                    "wrong_project",
                    f"token {token_value} belongs to project {token.project_id!r}, which public key "
                    f"{public_key[:7]}... does not open: join with that project's public key",
                )
            state = token.state
            session: Call | Room = self.calls[token.target_id] if token.kind == "call" else self.rooms[token.target_id]
            if isinstance(session, Call) and session._tombstoned is not None:
                raise E.JoinRefused("terminated", f"call {session.id} has been terminated: create a new call")
            if state == "consumed":
                raise E.JoinRefused("consumed", f"token {token_value} was already used by {token.peer_id}: tokens are single-use, mint a new one")
            if state == "expired":
                raise E.JoinRefused("expired", f"token {token_value} expired unused at {token.expires_at:%Y-%m-%dT%H:%M:%SZ} (TTL {self.token_ttl} s): mint a replacement")
            if state == "cleared":
                raise E.JoinRefused("cleared", f"token {token_value} was cleared when both peers of call {session.id} connected: at most two peers, mint again after one leaves")
            self._check_room_for(session)
            token._state = "consumed"
            token.consumed = self.clock.time()
            peer = self._connect(session, token)
            token.peer_id = peer.id
            return peer

    def public_key_project(self, public_key: Any) -> Project:
        """The project whose public key this is; a secret key, another
        string or no string at all is refused as ``invalid_key``."""
        project = self.key_owner.get(public_key) if isinstance(public_key, str) else None
        if project is None or project.public_key != public_key:
            raise E.JoinRefused(
                "invalid_key",
                "publicKey must be a project's public key (rad_pk_...); a secret key must never reach a browser",
            )
        return project

    def _check_room_for(self, session: Call | Room) -> None:
        connected = len(session.connected_peers)
        if isinstance(session, Call):
            if connected >= MAX_PEERS_PER_CALL:
                raise E.JoinRefused("full", f"call {session.id} already has two connected peers")
        elif session.participant_cap is not None and connected >= session.participant_cap:
            raise E.JoinRefused("full", f"room {session.id} is at its participant cap of {session.participant_cap}")

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
            if reason != "disconnected":
                peer.gone = True
            if not peer.connected:
                return
            now = self.clock.time()
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
                    self._queue_seq += 1
                    heapq.heappush(self._tombstone_queue, (due, self._queue_seq, session))

    def reconnect(self, peer: Peer, reconnect_token: str, *, replace: bool = False) -> Peer:
        """Bring ``peer`` back with its current reconnect token, which then
        rotates. With ``replace`` (a new socket for a peer whose old socket
        still looks open) a connected peer stays connected."""
        with self.lock:
            self.settle()
            session = peer.session
            if isinstance(session, Call) and session._tombstoned is not None:
                raise E.JoinRefused("terminated", f"call {session.id} has been terminated: a reconnect token only works while the call is live")
            if peer.gone:
                raise E.JoinRefused("gone", f"{peer.id} left for good (it sent leave, or the test removed it): join with a new token")
            space = session.space if isinstance(session, Room) else None
            if space is not None and space.active_room is not session:
                raise E.JoinRefused("terminated", f"the room that backed space {space.slug!r} closed when its last participant left: join the space again")
            if reconnect_token != peer.reconnect_token:
                raise E.JoinRefused("reconnect_token", "that reconnect token is not the current one of " f"{peer.id}: it rotates on every reconnect")
            if peer.connected:
                if not replace:
                    raise E.JoinRefused("connected", f"{peer.id} is still connected: call leave() before reconnect()")
                peer.reconnect_token = self.ids.reconnect_token()
                return peer
            self._check_room_for(session)
            peer.connected = True
            peer.connected_since = self.clock.time()
            peer.left = None
            peer.reconnect_token = self.ids.reconnect_token()
            self._after_connect(session, peer)
            return peer

    # -- spaces -------------------------------------------------------------

    def create_space(self, project: Project, name: Any, access_type: Any, password: Any = None) -> Space:
        self._check_name(name)
        self._check_access(access_type, password, current_password=None)
        with self.lock:
            base = slugify(name)
            slug, n = base, 1
            while slug in project.spaces_by_slug:
                n += 1
                suffix = f"-{n}"
                slug = base[:SLUG_MAX_LENGTH - len(suffix)].rstrip("-") + suffix
            now = self.clock.time()
            space = Space(self, self.ids.uuid(), project, slug, name, access_type, password, self.ids.host_token(), now)
            self.spaces[space.id] = space
            project.spaces_by_slug[slug] = space
            return space

    def list_spaces(self, project: Project) -> list[Space]:
        with self.lock:
            return list(project.spaces_by_slug.values())

    def find_space(self, project: Project, space_id: str) -> Space:
        space = self.spaces.get(space_id)
        if space is None or space.project is not project:
            raise E.ApiError(404, E.SPACE_NOT_FOUND)
        return space

    def update_space(self, project: Project, space_id: str, changes: dict[str, Any]) -> Space:
        with self.lock:
            space = self.find_space(project, space_id)
            if "name" in changes:
                self._check_name(changes["name"])
            access_type = changes.get("accessType", space.access_type)
            if "accessType" in changes or "password" in changes:
                self._check_access(access_type, changes.get("password"), current_password=space.password)
            slug = changes.get("slug", space.slug)
            if "slug" in changes:
                if not isinstance(slug, str) or len(slug) > SLUG_MAX_LENGTH or not SLUG_PATTERN.match(slug):
                    raise E.ApiError(400, E.INVALID_SLUG)
                holder = project.spaces_by_slug.get(slug)
                if holder is not None and holder is not space:
                    raise E.ApiError(409, E.SLUG_TAKEN)
            if slug != space.slug:
                # re-insert under the new slug, keeping creation order
                project.spaces_by_slug = {
                    (slug if other is space else other.slug): other for other in project.spaces_by_slug.values()
                }
                space.slug = slug
            if "name" in changes:
                space.name = changes["name"]
            space.access_type = access_type
            if changes.get("password") is not None:
                space.password = changes["password"]
            space.updated = self.clock.time()
            return space

    def delete_space(self, project: Project, space_id: str) -> None:
        with self.lock:
            space = self.find_space(project, space_id)
            del self.spaces[space.id]
            del project.spaces_by_slug[space.slug]

    def rotate_host_token(self, project: Project, space_id: str) -> Space:
        with self.lock:
            space = self.find_space(project, space_id)
            space.host_token = self.ids.host_token()
            return space

    @staticmethod
    def _check_name(name: Any) -> None:
        if not isinstance(name, str) or not name.strip():
            raise E.ApiError(400, E.NAME_REQUIRED)

    @staticmethod
    def _check_access(access_type: Any, password: Any, current_password: Optional[str]) -> None:
        if not isinstance(access_type, str) or access_type not in ACCESS_TYPES:
            raise E.ApiError(400, E.INVALID_ACCESS_TYPE)
        if password is not None and not isinstance(password, str):
            raise E.ApiError(400, E.INVALID_PASSWORD)
        if access_type == "password" and not (password or current_password):
            raise E.ApiError(400, E.PASSWORD_REQUIRED)

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
                raise E.JoinRefused("unknown", f"space {space.id} has been deleted")
            if host_token is not None:
                if host_token != space.host_token:
                    raise E.JoinRefused("host_token", f"host token {host_token!r} is not the current host token of space {space.slug!r}: it stops working when rotated")
            elif space.access_type == "password" and password != space.password:
                raise E.JoinRefused("password", f"wrong password for space {space.slug!r}")
            elif space.access_type == "knock":
                host_present = space.active_room is not None and any(
                    peer.is_host for peer in space.active_room.connected_peers
                )
                if not (approved and host_present):
                    raise E.JoinRefused("knock", f"space {space.slug!r} is knock-only: a host must be in the space and approve (approved=True)")
            room = space.active_room
            if room is None:
                room = space.active_room = self._new_room(space.project, space)
            self._check_room_for(room)
            peer = self._connect(room, None)
            peer.is_host = host_token is not None
            return peer

    # -- usage --------------------------------------------------------------

    def participant_seconds(self, project: Project) -> int:
        """Closed room sessions plus the open ones so far, each rounded up."""
        with self.lock:
            now = self.clock.time()
            total = project.closed_participant_seconds
            for room in self.rooms.values():
                if room.project is project:
                    total += sum(math.ceil(now - peer.connected_since) for peer in room.connected_peers)
            return total

"""The state of one fake and the rules that hold across it: projects and
their keys, the clock's due changes (tombstones), minting, presence events.

The rules of each aggregate live beside it (:mod:`.calls`,
:mod:`.participants`, :mod:`.spaces`); :class:`~.world.World` brings them
together. No HTTP here: operations take Python values and raise
:class:`~pytest_radist.errors.ApiError` (an API answer),
:class:`~pytest_radist.errors.JoinRefused` (a simulated participant turned
away) or a misuse error (:class:`~pytest_radist.errors.InvalidValue`). One
re-entrant lock serialises every change, so the threaded loopback server
cannot lose updates or let two joins consume one token.
"""

from __future__ import annotations

import heapq
import math
import threading
from dataclasses import dataclass
from typing import Any, Callable, Literal, Optional

from .. import errors as E
from .. import messages as M
from .clock import MAX_EPOCH, Clock
from .entities import Call, Peer, Project, Room, Space, Token, check_limit
from .ids import PUBLIC_KEY_PREFIX, SECRET_KEY_PREFIX, IdFactory

MAX_PEERS_PER_CALL = 2

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


class WorldState:
    """All the state of one fake, and the rules that hold across it."""

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
        #: What falls due on a project's clock, soonest first: a call's
        #: tombstone after the reconnect grace, an away peer's disconnection.
        self._due: list[tuple[float, int, Call | Peer]] = []
        self._due_seq = 0
        #: Called with each :class:`PresenceEvent`, under the lock.
        self.listeners: list[Callable[[PresenceEvent], None]] = []
        # a tombstone that falls due when the test moves the clock happens then,
        # so sockets on that call are closed without waiting for a request
        self.clock.on_change(self.settle)

    def adopt_clock(self, clock: Clock) -> None:
        """Run on ``clock`` from now on, which first goes where this world's
        clock is (a restored world moving onto the fake's clock); each
        project keeps its shift."""
        if clock is self.clock:
            return
        clock.load(self.clock.reading())
        self.clock = clock
        clock.on_change(self.settle)
        for project in self.projects.values():
            project.clock.rebase(clock)

    # the rules of participants (.participants) that the objects ask for themselves
    def leave(self, peer: Peer, reason: LeaveReason = "disconnected") -> None:
        raise NotImplementedError

    def reconnect(self, peer: Peer, reconnect_token: str, *, replace: bool = False) -> Peer:
        raise NotImplementedError

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
                raise E.InvalidValue(M.PROJECT_ID_EMPTY.format(value=project_id))
            if project_id in self.projects:
                raise E.Conflict(M.PROJECT_TAKEN.format(project=project_id))
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

    def forget_project(self, project: Project, *, remove: bool = False) -> None:
        """The project forgets its calls, rooms, spaces, tokens and peers (a
        connected peer is removed first: the others are told, its socket is
        closed) and its usage, keeping its keys and limits; with ``remove``
        the project and its keys are gone too."""
        with self.lock:
            sessions: list[Call | Room] = [c for c in self.calls.values() if c.project is project]
            sessions += [r for r in self.rooms.values() if r.project is project]
            for session in sessions:
                for peer in list(session.connected_peers):
                    peer.remove()
            for session in sessions:
                self.calls.pop(session.id, None)
                self.rooms.pop(session.id, None)
            for table in (self.spaces, self.peers):
                for key in [k for k, v in table.items() if (v.project if isinstance(v, Space) else v.session.project) is project]:
                    del table[key]
            for value in [v for v, token in self.tokens.items() if token.project_id == project.id]:
                del self.tokens[value]
            self._due = [entry for entry in self._due if entry[2].project is not project]
            heapq.heapify(self._due)
            project.call_list.clear()
            project.spaces_by_slug.clear()
            project.live_calls = project.room_count = project.closed_participant_seconds = 0
            if remove:
                del self.projects[project.id]
                for key in [k for k, owner in self.key_owner.items() if owner is project]:
                    del self.key_owner[key]

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
            raise E.InvalidValue(M.KEY_FORMAT.format(prefix=prefix, value=given))
        if given in self.key_owner:
            raise E.Conflict(M.KEY_TAKEN.format(key=given, project=self.key_owner[given].id))
        return given

    def authenticate_secret(self, project_id: str, key: str) -> Project:
        project = self.key_owner.get(key)
        if project is None or project.id != project_id or not key.startswith(SECRET_KEY_PREFIX):
            raise E.ApiError(401, E.INVALID_SECRET_KEY, why=E.WHY_BAD_SECRET_KEY.format(key=_hint(key), project=project_id))
        return project

    def authenticate_public(self, key: str) -> Project:
        project = self.key_owner.get(key)
        if project is None or project.public_key != key:
            raise E.ApiError(401, E.INVALID_PUBLIC_KEY, why=E.WHY_BAD_PUBLIC_KEY.format(key=_hint(key)))
        return project

    # -- time-driven changes ------------------------------------------------

    def time_of(self, project_id: str) -> float:
        """The time of ``project_id``'s clock (the fake's for a project that is gone)."""
        project = self.projects.get(project_id)
        return (project.clock if project is not None else self.clock).time()

    def settle(self) -> None:
        """Apply what the clocks made due: tombstones after the reconnect
        grace, away peers disconnected. Each due time is on its project's clock."""
        queue = self._due
        if not queue:
            return
        if not any(project.clock.moved for project in self.projects.values()):
            if queue[0][0] > self.clock.time():  # the fast way: every project on the fake's time
                return
        with self.lock:
            due_now = sorted(entry for entry in queue if entry[0] <= entry[2].project.clock.time())
            if not due_now:
                return
            gone = {entry[1] for entry in due_now}
            self._due = queue = [entry for entry in queue if entry[1] not in gone]
            heapq.heapify(queue)
            for due, _, item in due_now:
                if isinstance(item, Call):
                    if item.tombstone_due == due:
                        self._tombstone(item, due)
                elif item.away_until == due:
                    self._disconnect(item, "disconnected", due)

    def _schedule(self, due: float, item: Call | Peer) -> None:
        """``item`` falls due at ``due`` on its project's clock (see :meth:`settle`)."""
        self._due_seq += 1
        heapq.heappush(self._due, (due, self._due_seq, item))

    def _disconnect(self, peer: Peer, reason: LeaveReason, now: float) -> None:
        raise NotImplementedError

    def _tombstone(self, call: Call, when: float) -> None:
        call._tombstoned = when
        call.tombstone_due = None
        call.project.live_calls -= 1
        for token in call.tokens:
            if token._state == "pending":
                token._state = "cleared"
        self._emit(PresenceEvent("tombstoned", call.id))

    def _mint(self, kind: Any, target: Call | Room, minted_by: Any, now: Optional[float] = None) -> Token:
        """A new token for ``target``, minted at ``now`` (the clock's time unless given)."""
        if now is None:
            now = target.project.clock.time()
        ttl = self.token_ttl
        # after the clock's last second, an expiry never comes
        expires = None if ttl is None or not now + ttl <= MAX_EPOCH else now + ttl
        token = Token(self, self.ids.participant_token(), kind, target.id, target.project.id, minted_by, now, expires)
        target.tokens.append(token)
        self.tokens[token.value] = token
        return token

    def _new_room(self, project: Project, space: Optional[Space] = None) -> Room:
        room = Room(self, self.ids.uuid(), project, project.clock.time(), self.room_participant_cap, space)
        self.rooms[room.id] = room
        return room

    # -- usage --------------------------------------------------------------

    def participant_seconds(self, project: Project) -> int:
        """Closed room sessions plus the open ones so far, each rounded up."""
        with self.lock:
            now = project.clock.time()
            total = project.closed_participant_seconds
            for room in self.rooms.values():
                if room.project is project:
                    total += sum(math.ceil(now - peer.connected_since) for peer in room.connected_peers)
            return total


def _hint(key: str) -> str:
    """A key as a refusal's why may name it: its prefix and last four characters."""
    return f"{key[:7]}...{key[-4:]}" if len(key) > 11 else "***"

"""The objects a fake holds: projects, calls, rooms, spaces, tokens, peers.

They are plain objects that a test may read freely (``fake.calls[call_id]``);
every change goes through :class:`~pytest_radist.model.world.World`, which
holds the rules and the lock.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Literal, Optional, Protocol

from .. import errors as E
from .clock import Clock, ProjectClock

TokenState = Literal["pending", "consumed", "cleared", "expired"]
MintedBy = Literal["create", "server", "public"]
AccessControl = Literal["private", "public"]
AccessType = Literal["public", "password", "knock"]

ACCESS_CONTROLS: tuple[str, ...] = ("private", "public")
ACCESS_TYPES: tuple[str, ...] = ("public", "password", "knock")


class Rules(Protocol):
    """What an object asks of the world it lives in (:class:`~.world.World`):
    the clock, due changes, and the rules its own methods stand for."""

    @property
    def clock(self) -> Clock: ...
    def time_of(self, project_id: str) -> float: ...
    def settle(self) -> None: ...
    def add_secret_key(self, project: Project, key: Optional[str] = None) -> str: ...
    def leave(self, peer: Peer, reason: Literal["left", "disconnected", "removed"] = "disconnected") -> None: ...
    def reconnect(self, peer: Peer, reconnect_token: str, *, replace: bool = False) -> Peer: ...


def _aware(epoch: Optional[float]) -> Optional[datetime]:
    return None if epoch is None else datetime.fromtimestamp(epoch, tz=timezone.utc)


def check_limit(name: str, value: Optional[int]) -> Optional[int]:
    """A limit: a whole number >= 0, or ``None`` for unlimited."""
    if value is not None and (not isinstance(value, int) or isinstance(value, bool) or value < 0):
        raise E.InvalidValue(f"{name} must be a non-negative int or None (unlimited), got {value!r}")
    return value


class Project:
    """A Radist project: its keys, limits and usage."""

    def __init__(
        self,
        world: Rules,
        project_id: str,
        secret_keys: list[str],
        public_key: str,
        connection_limit: Optional[int],
        room_limit: Optional[int],
    ) -> None:
        self._world = world
        self.id = project_id
        self.secret_keys = secret_keys
        self.public_key = public_key
        self.connection_limit = connection_limit
        self.room_limit = room_limit
        self.call_list: list[Call] = []  # creation order; listing reads it from the end
        self.live_calls = 0
        self.room_count = 0
        self.spaces_by_slug: dict[str, Space] = {}
        self.closed_participant_seconds = 0
        #: The project's own clock: the fake's unless a test moves this one
        #: (its tokens then expire, and its new calls are stamped, by it).
        self.clock = ProjectClock(world.clock)
        self.clock.on_change(world.settle)

    @property
    def connection_limit(self) -> Optional[int]:
        """Live (not tombstoned) calls allowed at once; ``None`` = unlimited."""
        return self._connection_limit

    @connection_limit.setter
    def connection_limit(self, value: Optional[int]) -> None:
        self._connection_limit = check_limit("connection_limit", value)

    @property
    def room_limit(self) -> Optional[int]:
        """Rooms the project may create; ``None`` = unlimited."""
        return self._room_limit

    @room_limit.setter
    def room_limit(self, value: Optional[int]) -> None:
        self._room_limit = check_limit("room_limit", value)

    @property
    def secret_key(self) -> str:
        """The project's first secret key (add more with :meth:`add_secret_key`)."""
        return self.secret_keys[0]

    def add_secret_key(self, key: Optional[str] = None) -> str:
        """Give the project another secret key (a project may hold several)."""
        return self._world.add_secret_key(self, key)

    def __repr__(self) -> str:
        return f"<Project {self.id!r} calls={len(self.call_list)} limit={self.connection_limit}>"


class Token:
    """A single-use participant token (``ct_...``) of a call or a room."""

    __slots__ = (
        "_world", "value", "kind", "target_id", "project_id", "minted_by",
        "created", "expires", "_state", "consumed", "peer_id",
    )

    def __init__(
        self,
        world: Rules,
        value: str,
        kind: Literal["call", "room"],
        target_id: str,
        project_id: str,
        minted_by: MintedBy,
        created: float,
        expires: Optional[float],
    ) -> None:
        self._world = world
        self.value = value
        self.kind = kind
        self.target_id = target_id
        self.project_id = project_id
        #: ``create`` (returned by create_call/create_room), ``server``
        #: (secret-key mint) or ``public`` (public-key mint).
        self.minted_by = minted_by
        self.created = created
        self.expires = expires
        self._state: TokenState = "pending"
        self.consumed: Optional[float] = None
        self.peer_id: Optional[str] = None

    @property
    def state(self) -> TokenState:
        """``pending``, ``consumed``, ``cleared`` or ``expired`` (read off the clock)."""
        if self._state == "pending" and self.expires is not None and self._world.time_of(self.project_id) >= self.expires:
            return "expired"
        return self._state

    @property
    def created_at(self) -> datetime:
        return _aware(self.created)  # type: ignore[return-value]

    @property
    def expires_at(self) -> Optional[datetime]:
        return _aware(self.expires)

    @property
    def consumed_at(self) -> Optional[datetime]:
        return _aware(self.consumed)

    def __repr__(self) -> str:
        return f"<Token {self.value} {self.kind}={self.target_id} {self.state} by={self.minted_by}>"


class Peer:
    """A simulated participant connected (or once connected) to a call or room."""

    __slots__ = ("_world", "id", "session", "token", "reconnect_token", "connected", "connected_since", "joined", "left", "is_host",
                 "gone", "away_until")

    def __init__(self, world: Rules, peer_id: str, session: Call | Room, token: Optional[Token], reconnect_token: str) -> None:
        self._world = world
        self.id = peer_id
        self.session = session
        #: The participant token it joined with (``None`` for space joins).
        self.token = token
        self.reconnect_token = reconnect_token
        self.connected = True
        self.connected_since: float = session.project.clock.time()
        self.joined = self.connected_since
        self.left: Optional[float] = None
        #: Joined a space with its host token.
        self.is_host = False
        #: Left for good (its socket sent ``leave``) or removed: it cannot reconnect.
        self.gone = False
        #: Restored from a snapshot while connected: it holds its seat with no
        #: socket until it reconnects or its project's clock reaches this
        #: time, when it is disconnected (``None``: not away).
        self.away_until: Optional[float] = None

    @property
    def project(self) -> Project:
        return self.session.project

    @property
    def away(self) -> bool:
        """Restored from a snapshot while connected, and not back yet: it
        counts as connected (its seat is held) until :attr:`away_until`."""
        return self.away_until is not None

    @property
    def call(self) -> Optional[Call]:
        return self.session if isinstance(self.session, Call) else None

    @property
    def room(self) -> Optional[Room]:
        return self.session if isinstance(self.session, Room) else None

    def leave(self, reason: Literal["disconnected", "left"] = "disconnected") -> None:
        """Disconnect, as when the signaling socket closes: the peer may
        reconnect. ``reason="left"`` leaves for good, as the socket's
        ``leave`` message does. The last peer leaving a call tombstones it
        (after the reconnect grace). A socket peer's socket is closed."""
        self._world.leave(self, reason)

    def remove(self) -> None:
        """Remove the peer for good, as a moderator would: the others are
        told (``peer-left`` reason ``removed``) and its socket is closed
        with 4403; it cannot reconnect."""
        self._world.leave(self, "removed")

    def reconnect(self, reconnect_token: Optional[str] = None) -> Peer:
        """Come back with the reconnect token (the current one by default);
        the token rotates. Raises :class:`~pytest_radist.JoinRefused`."""
        return self._world.reconnect(self, self.reconnect_token if reconnect_token is None else reconnect_token)

    def __repr__(self) -> str:
        state = "away" if self.away else "connected" if self.connected else "gone" if self.gone else "disconnected"
        return f"<Peer {self.id} of {type(self.session).__name__.lower()} {self.session.id} {state}>"


class Call:
    """A two-party P2P call."""

    __slots__ = ("_world", "id", "project", "access_control", "created", "_tombstoned", "tombstone_due", "tokens", "peers")

    def __init__(self, world: Rules, call_id: str, project: Project, access_control: AccessControl, created: float) -> None:
        self._world = world
        self.id = call_id
        self.project = project
        self.access_control: AccessControl = access_control
        self.created = created
        self._tombstoned: Optional[float] = None
        self.tombstone_due: Optional[float] = None
        self.tokens: list[Token] = []
        self.peers: dict[str, Peer] = {}

    @property
    def project_id(self) -> str:
        return self.project.id

    @property
    def tombstoned(self) -> Optional[float]:
        self._world.settle()
        return self._tombstoned

    @property
    def live(self) -> bool:
        return self.tombstoned is None

    @property
    def created_at(self) -> datetime:
        return _aware(self.created)  # type: ignore[return-value]

    @property
    def tombstoned_at(self) -> Optional[datetime]:
        return _aware(self.tombstoned)

    @property
    def connected_peers(self) -> list[Peer]:
        return [peer for peer in self.peers.values() if peer.connected]

    def __repr__(self) -> str:
        state = "live" if self.live else "tombstoned"
        return f"<Call {self.id} {self.access_control} {state} peers={len(self.connected_peers)}>"


class Room:
    """A multi-party SFU room."""

    __slots__ = ("_world", "id", "project", "created", "participant_cap", "space", "tokens", "peers")

    def __init__(self, world: Rules, room_id: str, project: Project, created: float, participant_cap: Optional[int], space: Optional[Space] = None) -> None:
        self._world = world
        self.id = room_id
        self.project = project
        self.created = created
        #: Participants allowed at once; ``None`` = any number.
        self.participant_cap = participant_cap
        #: The space this room backs, if any.
        self.space = space
        self.tokens: list[Token] = []
        self.peers: dict[str, Peer] = {}

    @property
    def project_id(self) -> str:
        return self.project.id

    @property
    def created_at(self) -> datetime:
        return _aware(self.created)  # type: ignore[return-value]

    @property
    def connected_peers(self) -> list[Peer]:
        return [peer for peer in self.peers.values() if peer.connected]

    def __repr__(self) -> str:
        return f"<Room {self.id} participants={len(self.connected_peers)}>"


class Space:
    """A persistent meeting room with a stable join URL."""

    def __init__(self, world: Rules, space_id: str, project: Project, slug: str, name: str,
                 access_type: AccessType, password: Optional[str], host_token: str, created: float) -> None:
        self._world = world
        self.id = space_id
        self.project = project
        self.slug = slug
        self.name = name
        self.access_type: AccessType = access_type
        self.password = password
        self.host_token = host_token
        self.created = created
        self.updated = created
        self.active_room: Optional[Room] = None

    @property
    def project_id(self) -> str:
        return self.project.id

    @property
    def active_room_id(self) -> Optional[str]:
        return None if self.active_room is None else self.active_room.id

    @property
    def created_at(self) -> datetime:
        return _aware(self.created)  # type: ignore[return-value]

    @property
    def updated_at(self) -> datetime:
        return _aware(self.updated)  # type: ignore[return-value]

    def __repr__(self) -> str:
        return f"<Space {self.id} slug={self.slug!r} {self.access_type}>"

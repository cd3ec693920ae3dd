"""What the parts of :class:`~pytest_radist.RadistFake` share: its state,
how each part finds an object a test names by object or id, and what a
group of its controls (``fake.state``, ``fake.scenarios``, ``fake.people``) is."""

from __future__ import annotations

from typing import Iterable, Optional, Protocol, Union

from .. import errors as E
from .. import messages as M
from ..controls.faults import Faults
from ..controls.presence import Presence
from ..model.clock import Clock
from ..model.entities import Call, Peer, Project, Room, Space, Token
from ..model.world import World
from ..settings import check
from ..target import RadistTarget


class Disrupts(Protocol):
    """What the other groups use of ``fake.people`` (a restart cuts every socket)."""

    def disrupt(self, peer: Union[Peer, str], mode: str, *, seconds: Optional[float] = None,
                code: Optional[int] = None) -> Peer: ...
    def _cut_sockets(self, peer_ids: Iterable[str]) -> None: ...


class FakeBase(RadistTarget):
    """The state every part of the fake reads: the world, its clock, the
    presence of its peers, its fault rules, its default project."""

    #: The fake clock (frozen unless ``realtime=True``).
    clock: Clock
    #: The default project, created with the fake.
    project: Project
    #: The fault rules (``fake.faults.add(...)``, ``fake.faults.clear()``, ...).
    faults: Faults
    #: Joining, leaving, disrupting (:class:`~.people.People`).
    people: Disrupts
    #: Until when (``time.monotonic()``) the service refuses as restarting; ``0``: it does not.
    _restarting_until: float = 0.0
    _world: World
    _presence: Presence
    _public_base_url: Optional[str] = None

    def _project(self, project: Union[Project, str, None]) -> Project:
        if project is None:
            return self.project
        if isinstance(project, Project):
            return project
        try:
            return self._world.projects[project]
        except KeyError:
            raise E.NotFound(M.NO_SUCH_PROJECT.format(project=project, known=sorted(self._world.projects))) from None

    def _forget_tenant(self, project: Project, *, remove: bool = False) -> None:
        """A tenant's reset (or, with ``remove``, its end): its state, its
        journal entries and its fault rules go; the other projects stay."""
        self._world.forget_project(project, remove=remove)
        self.journal.forget(project.id)
        self.faults.clear(project=project.id)

    def _use_public_base_url(self, url: Optional[str]) -> None:
        """The base of space URLs from now on (checked; ``None``: the URL the client used)."""
        url = check("public_base_url", url)
        self._public_base_url = url.rstrip("/") if url else None

    def _replace_world(self, world: World, default_project: str) -> None:
        """``world`` is the state from now on, on the fake's clock, with
        ``default_project`` as :attr:`project`. The old world's events are
        heard no more and its sockets are cut (their clients see the
        connection drop, as in a restart, and may reconnect to the new one)."""
        old = self._world
        with old.lock:
            connected = [peer.id for peer in old.peers.values() if peer.connected]
            self._presence.unwatch(old)
            world.adopt_clock(self.clock)
            self._presence.watch(world)
            self._world = world
            self.project = world.projects[default_project]
        self.people._cut_sockets(connected)  # outside the lock: the server's loop takes it to close them

    def _space(self, space: Union[Space, str]) -> Space:
        if isinstance(space, Space):
            return space
        found = self._world.spaces.get(space) or self.project.spaces_by_slug.get(space)
        if found is None:
            raise E.NotFound(M.NO_SUCH_SPACE.format(space=space))
        return found

    def _peer(self, peer: Union[Peer, str]) -> Peer:
        if isinstance(peer, Peer):
            return peer
        found = self._world.peers.get(peer)
        if found is None:
            raise E.NotFound(M.NO_SUCH_PEER.format(peer=peer))
        return found

    def _session(self, session: Union[Call, Room, str]) -> Union[Call, Room]:
        if isinstance(session, (Call, Room)):
            return session
        found = self._world.calls.get(session) or self._world.rooms.get(session)
        if found is None:
            raise E.NotFound(M.NO_SUCH_SESSION.format(session=session))
        return found

    def _token(self, token: Union[Token, str]) -> Token:
        found = token if isinstance(token, Token) else self._world.tokens.get(token)
        if found is None:
            raise E.NotFound(M.NO_SUCH_TOKEN.format(token=token))
        return found


class Group:
    """A group of the fake's controls. It reaches the state through the
    fake each time (a state reset gives the fake a new world)."""

    def __init__(self, fake: FakeBase) -> None:
        self._fake = fake

    @property
    def _world(self) -> World:
        return self._fake._world

    def __repr__(self) -> str:
        return f"<{type(self).__name__} of {self._fake!r}>"

"""The fake's settings a test may change (on the fake), and its state,
read-only (the ``fake.state`` group)."""

from __future__ import annotations

from itertools import islice
from types import MappingProxyType
from typing import Any, ContextManager, Literal, Mapping, Optional, Union

from .. import errors as E
from .. import messages as M
from ..model import snapshot as snapshots
from ..model.entities import Call, Peer, Project, Room, Space, Token
from ..settings import check
from .base import FakeBase, Group


class FakeSettings(FakeBase):
    """The settings a test may change while it runs (``fake.token_ttl = 60``)."""

    @property
    def token_ttl(self) -> Optional[float]:
        """Seconds a participant token stays usable unused; ``None`` = forever."""
        return self._world.token_ttl

    @token_ttl.setter
    def token_ttl(self, seconds: Optional[float]) -> None:
        self._world.token_ttl = check("token_ttl", seconds)

    @property
    def public_base_url(self) -> Optional[str]:
        """Base of ``participantUrl``/``hostUrl``; ``None`` = the URL the client used."""
        return self._public_base_url

    @public_base_url.setter
    def public_base_url(self, url: Optional[str]) -> None:
        self._use_public_base_url(url)

    @property
    def reconnect_grace(self) -> float:
        """Seconds an empty call waits for a reconnect before it is tombstoned."""
        return self._world.reconnect_grace

    @reconnect_grace.setter
    def reconnect_grace(self, seconds: float) -> None:
        self._world.reconnect_grace = check("reconnect_grace", seconds)

    @property
    def room_participant_cap(self) -> Optional[int]:
        """Participants allowed at once in rooms created from now on; ``None`` = any."""
        return self._world.room_participant_cap

    @room_participant_cap.setter
    def room_participant_cap(self, cap: Optional[int]) -> None:
        self._world.room_participant_cap = check("room_participant_cap", cap)



class State(Group):
    """The state, read-only (``fake.state``): every project, call, room,
    space, peer and token, and the lock to read several at once. The same
    views are on the fake (``fake.calls`` is ``fake.state.calls``)."""

    def add_project(
        self,
        project_id: Optional[str] = None,
        *,
        secret_key: Optional[str] = None,
        public_key: Optional[str] = None,
        connection_limit: Optional[int] = None,
        room_limit: Optional[int] = None,
    ) -> Project:
        """Another project with its own keys (ids default to ``project-N``)."""
        return self._world.add_project(
            project_id, secret_key=secret_key, public_key=public_key,
            connection_limit=connection_limit, room_limit=room_limit,
        )

    def remove_project(self, project: Union[Project, str]) -> Project:
        """Remove a project and everything it holds (its keys then answer
        401): its peers are removed (sockets closed), its journal entries and
        fault rules forgotten. The default project cannot be removed."""
        found = self._fake._project(project)
        if found is self._fake.project:
            raise E.Conflict(M.DEFAULT_PROJECT_STAYS.format(project=found.id))
        self._fake._forget_tenant(found, remove=True)
        return found

    @property
    def project(self) -> Project:
        """The default project, created with the fake."""
        return self._fake.project

    @property
    def projects(self) -> Mapping[str, Project]:
        """Every project, by id."""
        return MappingProxyType(self._world.projects)

    @property
    def lock(self) -> ContextManager[Any]:
        """The state's lock: hold it to read several views at once while a
        server changes the state (``with fake.lock: ...``)."""
        return self._world.lock

    def newest(self, kind: Literal["calls", "rooms", "spaces"], count: int, *,
               project: Union[Project, str, None] = None) -> list[Any]:
        """The newest ``count`` calls, rooms or spaces of every project (or
        of ``project``), newest first (what the dashboard shows)."""
        views: dict[str, dict[str, Any]] = {"calls": self._world.calls, "rooms": self._world.rooms, "spaces": self._world.spaces}
        found = views[kind]
        wanted = None if project is None else self._fake._project(project)
        with self._world.lock:
            newest = reversed(found.values())
            return list(islice(newest if wanted is None else (x for x in newest if x.project is wanted), count))

    # -- state, read-only views ---------------------------------------------

    @property
    def calls(self) -> Mapping[str, Call]:
        """Every call of every project, by id."""
        return MappingProxyType(self._world.calls)

    @property
    def rooms(self) -> Mapping[str, Room]:
        """Every room of every project, by id."""
        return MappingProxyType(self._world.rooms)

    @property
    def spaces(self) -> Mapping[str, Space]:
        """Every space of every project, by id."""
        return MappingProxyType(self._world.spaces)

    @property
    def peers(self) -> Mapping[str, Peer]:
        """Every peer (connected, disconnected or gone), by id."""
        return MappingProxyType(self._world.peers)

    def minted_tokens(
        self,
        minted_by: Optional[str] = None,
        *,
        call_id: Optional[str] = None,
        room_id: Optional[str] = None,
        state: Optional[str] = None,
    ) -> list[Token]:
        """Every participant token, in mint order, optionally filtered:
        ``minted_by`` is ``"create"``, ``"server"`` or ``"public"``."""
        if minted_by not in (None, "create", "server", "public"):
            raise E.InvalidValue(M.MINTED_BY.format(value=minted_by))
        with self._world.lock:
            tokens = list(self._world.tokens.values())
        return [
            t for t in tokens
            if (minted_by is None or t.minted_by == minted_by)
            and (call_id is None or (t.kind == "call" and t.target_id == call_id))
            and (room_id is None or (t.kind == "room" and t.target_id == room_id))
            and (state is None or t.state == state)
        ]

    # -- snapshots: the whole state as a JSON value, and back ------------------------

    def snapshot(self) -> dict[str, Any]:
        """The whole state as a plain JSON value: every project with its
        keys, limits, clock and meters; every call, room, space, token (with
        its state and times) and peer; the clock, the id generator's
        position and the settings. :meth:`restore` brings it back, here or
        in another fake; ``json.dumps`` writes it (its format:
        ``docs/http.md``). The journal and fault rules are not state: they
        are not in it."""
        world = self._world
        return snapshots.snapshot(world, default_project=self._fake.project.id, seed=self._fake.seed, settings={
            "tokenTtl": world.token_ttl, "reconnectGrace": world.reconnect_grace,
            "roomParticipantCap": world.room_participant_cap, "publicBaseUrl": self._fake._public_base_url,
        })

    def restore(self, snapshot: Mapping[str, Any], *, grace: float = snapshots.RESTORE_GRACE) -> None:
        """Return to the state of a :meth:`snapshot` (of this fake or
        another; an older format too): its projects with their ids and
        keys, its calls, rooms, spaces, tokens and peers, its clock's time,
        its seed's position (the same ids come next) and its settings.

        A peer connected in the snapshot comes back *away*: it holds its
        seat (its call stays live and full, every answer is the snapshot's)
        but has no socket, and has ``grace`` seconds of its project's clock
        to reconnect with its reconnect token; then it is disconnected, as
        a dropped socket is. Sockets open on the state being left are cut
        (their clients see 1006 and may reconnect). Objects read before
        (``fake.project`` included) are stale; the journal and fault rules
        stay. Raises :class:`~pytest_radist.SnapshotError` (changing
        nothing) for a damaged snapshot or a newer format."""
        fake = self._fake
        world, header = snapshots.restore(snapshot, grace=grace, settings={"publicBaseUrl": fake._public_base_url})
        fake._replace_world(world, header["defaultProject"])
        fake.seed = header["seed"]
        fake._use_public_base_url(header["settings"].get("publicBaseUrl"))

    def usage(self, project: Union[Project, str, None] = None) -> dict[str, int]:
        """Usage meters of ``project`` (default: the default project)."""
        return {"radist_sfu_participant_seconds": self._world.participant_seconds(self._fake._project(project))}



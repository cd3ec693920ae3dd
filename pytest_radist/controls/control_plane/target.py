"""What the control plane needs of a fake: a narrow protocol of a few
small groups, so that the control plane depends on what it uses and the
fake on nothing of it. :class:`~pytest_radist.RadistFake` is one."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ContextManager, Literal, Mapping, Optional, Protocol, Union

from ...model.clock import Clock
from ...model.entities import Call, Peer, Project, Room, Space, Token
from ..faults import Faults
from ..journal import Journal

if TYPE_CHECKING:
    from ...media.peer import MediaPeer


class StateReads(Protocol):
    """``fake.state``: what the control plane reads of the state."""

    @property
    def project(self) -> Project: ...
    @property
    def projects(self) -> Mapping[str, Project]: ...
    @property
    def calls(self) -> Mapping[str, Call]: ...
    @property
    def rooms(self) -> Mapping[str, Room]: ...
    @property
    def spaces(self) -> Mapping[str, Space]: ...
    @property
    def peers(self) -> Mapping[str, Peer]: ...
    @property
    def lock(self) -> ContextManager[Any]: ...

    def newest(self, kind: Literal["calls", "rooms", "spaces"], count: int, *,
               project: Union[Project, str, None] = None) -> list[Any]: ...
    def minted_tokens(self, minted_by: Optional[str] = None, *, call_id: Optional[str] = None,
                      room_id: Optional[str] = None, state: Optional[str] = None) -> list[Token]: ...
    def usage(self, project: Union[Project, str, None] = None) -> dict[str, int]: ...
    def add_project(self, project_id: Optional[str] = None, *, secret_key: Optional[str] = None,
                    public_key: Optional[str] = None, connection_limit: Optional[int] = None,
                    room_limit: Optional[int] = None) -> Project: ...
    def remove_project(self, project: Union[Project, str]) -> Project: ...
    def snapshot(self) -> dict[str, Any]: ...
    def restore(self, snapshot: Mapping[str, Any], *, grace: float = ...) -> None: ...


class ScenarioMakers(Protocol):
    """``fake.scenarios``: the scenarios the control plane runs (the
    ``make_*call`` ones by name, with an access control and a project)."""

    def make_room(self, *, project: Union[Project, str, None] = None) -> Room: ...
    def connection_limit_reached(self, project: Union[Project, str, None] = None) -> Project: ...
    def expire_token(self, token: Union[Token, str]) -> Token: ...
    def server_restart(self, seconds: float = 0.0) -> list[Peer]: ...


class Joins(Protocol):
    """``fake.people``: the joins and disruptions the control plane makes."""

    def join(self, token: Union[Token, str], *, public_key: Optional[str] = None) -> Peer: ...
    def join_space(self, space: Union[Space, str], *, password: Optional[str] = None,
                   host_token: Optional[str] = None, approved: bool = False) -> Peer: ...
    def disrupt(self, peer: Union[Peer, str], mode: str, *, seconds: Optional[float] = None,
                code: Optional[int] = None) -> Peer: ...


class MediaControls(Protocol):
    """``fake.media``: the media peers the control plane starts and reads."""

    @property
    def peers(self) -> list[MediaPeer]: ...
    def rejoin(self, peer: Union[Peer, str], **options: Any) -> MediaPeer: ...
    def get(self, media_id: str) -> MediaPeer: ...


class ControlTarget(Protocol):
    """A fake the control plane drives over HTTP: its groups, its seed and
    its reset (and the settings that ``PATCH /_radist/settings`` changes,
    read and set by name)."""

    seed: int
    clock: Clock
    journal: Journal
    faults: Faults

    @property
    def state(self) -> StateReads: ...
    @property
    def scenarios(self) -> ScenarioMakers: ...
    @property
    def people(self) -> Joins: ...
    @property
    def media(self) -> MediaControls: ...

    def reset(self, *, state: bool = False, seed: Optional[int] = None, project: Union[Project, str, None] = None) -> None: ...

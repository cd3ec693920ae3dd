"""What a front door needs of the target it answers from: small protocols,
so that the doors depend on the request cycle (:mod:`pytest_radist.api`)
and nothing else, and :class:`~pytest_radist.RadistFake` and the live
forwarder (:class:`~pytest_radist.live.RadistLive`) are both targets."""

from __future__ import annotations

from typing import Any, Awaitable, Callable, Mapping, Optional, Protocol, Sequence

from ..api.app import ApiRequest, Outcome
from ..controls.browser import BrowserPolicy
from ..controls.faults import FaultRule
from ..controls.network import Disruption
from ..model.entities import Peer
from ..model.state import PresenceEvent


class ProjectKeys(Protocol):
    """What every door needs of the project it calls."""

    @property
    def id(self) -> str: ...
    @property
    def secret_key(self) -> str: ...
    @property
    def public_key(self) -> str: ...


class Answers(Protocol):
    """A target: it answers one request (and journals it)."""

    @property
    def live(self) -> bool: ...
    def dispatch(self, request: ApiRequest, door: str) -> Outcome: ...


class ClientTarget(Answers, Protocol):
    """A target an SDK client is built for."""

    @property
    def project(self) -> ProjectKeys: ...
    @property
    def transport(self) -> Callable[..., tuple[int, dict[str, Any]]]: ...


class Served(Answers, Protocol):
    """A target the loopback server serves."""

    @property
    def browser(self) -> BrowserPolicy: ...
    def report_problem(self, message: str) -> None: ...


class SignalingTarget(Served, Protocol):
    """A target whose sockets are its own (the fake): peers and their presence."""

    @property
    def peers(self) -> Mapping[str, Peer]: ...
    def subscribe(self, listener: Callable[[PresenceEvent], None]) -> None: ...
    def watch_sockets(self, listener: Callable[[Disruption], bool]) -> None: ...
    def signal_fault(self, sender: Peer, frame: Any) -> Optional[FaultRule]: ...


class RelayTarget(Served, Protocol):
    """A target that relays sockets to a service (live mode)."""

    async def relay_socket(self, path: str, query: str, headers: Sequence[tuple[str, str]],
                           receive: Callable[[], Awaitable[dict[str, Any]]],
                           send: Callable[[dict[str, Any]], Awaitable[None]]) -> None: ...


#: Where an in-process SDK client points: ``.invalid`` never resolves, so a
#: client that escapes the transport fails loudly instead of going online.
IN_PROCESS_BASE_URL = "http://radist-fake.invalid"

__all__ = ["Answers", "ClientTarget", "IN_PROCESS_BASE_URL", "ProjectKeys", "RelayTarget", "Served", "SignalingTarget"]

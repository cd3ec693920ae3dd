"""pytest-radist: a stateful, offline fake of the Radist realtime API.

Every name below is the public API: typed, documented in ``docs/api.md``,
and changed only as the deprecation policy in ``docs/index.md`` says.
Names are loaded on first use, so that pytest loading the plugin does not pay
for uvicorn, hypothesis, faker or the SDK.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

#: Public name -> the module that defines it.
_EXPORTS = {
    "RadistFake": "pytest_radist.fake",
    "RadistTarget": "pytest_radist.target",
    "RadistFakeProblem": "pytest_radist.target",
    "Clock": "pytest_radist.model.clock",
    "Project": "pytest_radist.model.entities",
    "Call": "pytest_radist.model.entities",
    "Room": "pytest_radist.model.entities",
    "Space": "pytest_radist.model.entities",
    "Token": "pytest_radist.model.entities",
    "Peer": "pytest_radist.model.entities",
    "PresenceEvent": "pytest_radist.model.state",
    "FaultRule": "pytest_radist.controls.faults",
    "Faults": "pytest_radist.controls.faults",
    "FaultSequence": "pytest_radist.controls.faults",
    "Journal": "pytest_radist.controls.journal",
    "RecordedRequest": "pytest_radist.controls.journal",
    "OmittedBody": "pytest_radist.controls.journal",
    "BrowserPolicy": "pytest_radist.controls.browser",
    "ApiRequest": "pytest_radist.api.app",
    "Outcome": "pytest_radist.api.app",
    "ENDPOINTS": "pytest_radist.api.routes",
    "SOCKET_ENDPOINTS": "pytest_radist.api.routes",
    "ServerLimits": "pytest_radist.doors.limits",
    "LoopbackServer": "pytest_radist.doors.server",
    "InProcessTransport": "pytest_radist.doors.transport",
    "RadistAdapter": "pytest_radist.doors.requests_adapter",
    "RadistHttpxTransport": "pytest_radist.doors.httpx_transport",
    "RadistLive": "pytest_radist.live",
    "LiveCredentials": "pytest_radist.live",
    "MissingCredentials": "pytest_radist.live",
    "RadistFakeError": "pytest_radist.errors",
    "ApiError": "pytest_radist.errors",
    "JoinRefused": "pytest_radist.errors",
    "ControlError": "pytest_radist.errors",
    "NotFound": "pytest_radist.errors",
    "InvalidValue": "pytest_radist.errors",
    "SnapshotError": "pytest_radist.errors",
    "WrongKind": "pytest_radist.errors",
    "Conflict": "pytest_radist.errors",
    "FakeOnly": "pytest_radist.errors",
    "VerifyError": "pytest_radist.errors",
    "Unreachable": "pytest_radist.remote",
}

__all__ = sorted(_EXPORTS)

if TYPE_CHECKING:
    __version__: str
    from .api.app import ApiRequest as ApiRequest, Outcome as Outcome
    from .api.routes import ENDPOINTS as ENDPOINTS, SOCKET_ENDPOINTS as SOCKET_ENDPOINTS
    from .controls.browser import BrowserPolicy as BrowserPolicy
    from .controls.faults import FaultRule as FaultRule, FaultSequence as FaultSequence, Faults as Faults
    from .controls.journal import Journal as Journal, OmittedBody as OmittedBody, RecordedRequest as RecordedRequest
    from .doors.httpx_transport import RadistHttpxTransport as RadistHttpxTransport
    from .doors.limits import ServerLimits as ServerLimits
    from .doors.requests_adapter import RadistAdapter as RadistAdapter
    from .doors.server import LoopbackServer as LoopbackServer
    from .doors.transport import InProcessTransport as InProcessTransport
    from .errors import (
        ApiError as ApiError,
        Conflict as Conflict,
        ControlError as ControlError,
        FakeOnly as FakeOnly,
        InvalidValue as InvalidValue,
        SnapshotError as SnapshotError,
        JoinRefused as JoinRefused,
        NotFound as NotFound,
        RadistFakeError as RadistFakeError,
        WrongKind as WrongKind,
    )
    from .fake import RadistFake as RadistFake
    from .live import LiveCredentials as LiveCredentials, MissingCredentials as MissingCredentials, RadistLive as RadistLive
    from .model.clock import Clock as Clock
    from .model.entities import Call as Call, Peer as Peer, Project as Project, Room as Room, Space as Space, Token as Token
    from .model.state import PresenceEvent as PresenceEvent
    from .remote import Unreachable as Unreachable
    from .target import RadistFakeProblem as RadistFakeProblem, RadistTarget as RadistTarget
    from .errors import VerifyError as VerifyError


def __getattr__(name: str) -> Any:
    if name == "__version__":  # read on first use: a metadata lookup costs pytest's start-up a few ms
        from importlib.metadata import PackageNotFoundError, version

        try:
            found = version("pytest-radist")
        except PackageNotFoundError:  # a source tree on sys.path, not installed
            found = "0.0.0"
        globals()["__version__"] = found
        return found
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'pytest_radist' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(list(globals()) + __all__)

"""pytest-radist: a stateful, offline fake of the Radist realtime API.

Names are loaded on first use, so that pytest loading the plugin does not pay
for uvicorn, hypothesis, faker or the SDK.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

_EXPORTS = {
    "RadistFake": "pytest_radist.fake",
    "RadistFakeProblem": "pytest_radist.fake",
    "Outcome": "pytest_radist.fake",
    "ApiError": "pytest_radist.errors",
    "JoinRefused": "pytest_radist.errors",
    "RadistFakeError": "pytest_radist.errors",
    "Clock": "pytest_radist.model.clock",
    "Project": "pytest_radist.model.entities",
    "Call": "pytest_radist.model.entities",
    "Room": "pytest_radist.model.entities",
    "Space": "pytest_radist.model.entities",
    "Token": "pytest_radist.model.entities",
    "Peer": "pytest_radist.model.entities",
    "FaultRule": "pytest_radist.controls.faults",
    "RecordedRequest": "pytest_radist.controls.journal",
    "OmittedBody": "pytest_radist.controls.journal",
    "ServerLimits": "pytest_radist.doors.limits",
    "LoopbackServer": "pytest_radist.doors.server",
    "InProcessTransport": "pytest_radist.doors.transport",
    "ENDPOINTS": "pytest_radist.api.routes",
}

__all__ = [
    "ApiError",
    "Call",
    "Clock",
    "ENDPOINTS",
    "FaultRule",
    "InProcessTransport",
    "JoinRefused",
    "LoopbackServer",
    "OmittedBody",
    "Outcome",
    "Peer",
    "Project",
    "RadistFake",
    "RadistFakeError",
    "RadistFakeProblem",
    "RecordedRequest",
    "Room",
    "ServerLimits",
    "Space",
    "Token",
]

if TYPE_CHECKING:
    from .api.routes import ENDPOINTS
    from .controls.faults import FaultRule
    from .controls.journal import OmittedBody, RecordedRequest
    from .doors.limits import ServerLimits
    from .doors.server import LoopbackServer
    from .doors.transport import InProcessTransport
    from .errors import ApiError, JoinRefused, RadistFakeError
    from .fake import Outcome, RadistFake, RadistFakeProblem
    from .model.clock import Clock
    from .model.entities import Call, Peer, Project, Room, Space, Token


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'pytest_radist' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(list(globals()) + __all__)

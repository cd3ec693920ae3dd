"""A network that fails like a real one: what a test can do to a live
signaling socket (``fake.disrupt``), checked here and carried out by the
server that holds the socket (:mod:`pytest_radist.doors.signaling`)."""

from __future__ import annotations

import math
from dataclasses import dataclass

from .. import messages as M
from ..errors import InvalidValue

#: What a disruption does: cut the connection, hold it, or close it cleanly.
MODES = ("drop", "freeze", "close")
#: Close codes a server may send for a clean close of its own (RFC 6455 7.4).
CLOSE_CODES = (1000, 1001, 1011, 1012, 1013, 1014)
#: Longest freeze, in seconds: a test waits for it in real time.
MAX_FREEZE = 3600.0


@dataclass(frozen=True)
class Disruption:
    """A test disturbing one peer's socket: ``drop`` cuts it with no close
    frame, ``freeze`` holds it for ``seconds``, ``close`` closes it cleanly
    with ``code``."""

    peer_id: str
    mode: str
    seconds: float = 0.0
    code: int = 1001

    @classmethod
    def checked(cls, peer_id: str, mode: str, seconds: object = None, code: object = None) -> Disruption:
        """The disruption, or :class:`InvalidValue` saying what is wrong."""
        if mode not in MODES:
            raise InvalidValue(M.DISRUPT_MODE.format(mode=mode))
        if mode == "freeze":
            if isinstance(seconds, bool) or not isinstance(seconds, (int, float)) or not 0 < seconds <= MAX_FREEZE \
                    or not math.isfinite(seconds):
                raise InvalidValue(M.DISRUPT_SECONDS.format(seconds=seconds, limit=f"{MAX_FREEZE:g}"))
        elif seconds is not None:
            raise InvalidValue(M.DISRUPT_ONLY_FREEZE.format(mode=mode))
        if mode == "close":
            code = 1001 if code is None else code
            if isinstance(code, bool) or not isinstance(code, int) or not (code in CLOSE_CODES or 4000 <= code <= 4999):
                raise InvalidValue(M.DISRUPT_CODE.format(code=code, codes=", ".join(map(str, CLOSE_CODES))))
        elif code is not None:
            raise InvalidValue(M.DISRUPT_ONLY_CLOSE.format(mode=mode))
        return cls(peer_id, mode, float(seconds or 0.0), int(code or 1001))

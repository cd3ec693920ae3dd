"""Every exception pytest-radist raises: one hierarchy under
:class:`RadistFakeError`, whose members carry their status (an HTTP status,
or a socket's close code) and take their arguments in one order: status,
message, reason. The messages are in :mod:`pytest_radist.messages` (and
reachable from here, as they always were)."""

from __future__ import annotations

import warnings
from typing import Any, Optional

from .messages import *  # noqa: F401,F403  (errors.MISSING_BEARER and the rest, as before)
from .messages import SOCKET_REFUSALS


class RadistFakeError(Exception):
    """Base class of every exception pytest-radist raises."""


class ApiError(RadistFakeError):
    """An error answer of the Radist API: an HTTP status and its message
    (and, for a refused signaling socket, the ``reason`` word of its frame;
    the socket is then closed with :attr:`close_code`)."""

    def __init__(self, status: int, message: str, reason: Optional[str] = None, *, why: Optional[str] = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.reason = reason
        #: Why, in the fake's words (the object and the rule): for the journal
        #: and the test's report, never for the client, whose answer stays the service's.
        self.why = why

    @property
    def close_code(self) -> int:
        """The close code of a signaling socket refused with this (``4000 + status``)."""
        return 4000 + self.status

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.status}, {self.message!r})"


class JoinRefused(ApiError):
    """A simulated participant could not join (or rejoin) a call, room or
    space: ``JoinRefused(status, message, reason)``.

    ``reason`` is a short machine-readable word (``unknown``, ``consumed``,
    ``expired``, ``cleared``, ``terminated``, ``wrong_project``, ``full``,
    ``reconnect_token``, ``connected``, ``gone``, ``invalid_key``,
    ``password``, ``knock``, ``host_token``); ``status`` is what the socket
    would answer (its close code is ``4000 + status``); the message says
    what happened and what to do. (Before 0.2.0 it was
    ``JoinRefused(reason, message)``: that order still works, with a
    ``DeprecationWarning``.)"""

    def __init__(self, status: Any, message: str, reason: Optional[str] = None) -> None:
        if isinstance(status, str):  # JoinRefused(reason, message), as in 0.1
            warnings.warn("JoinRefused(reason, message) is deprecated: use JoinRefused(status, message, reason) "
                          "or JoinRefused.because(reason, message)", DeprecationWarning, stacklevel=2)
            status, reason = refusal_status(status), status
        super().__init__(int(status), message, reason)
        self.reason: str = reason or ""

    @classmethod
    def because(cls, reason: str, message: str) -> JoinRefused:
        """The refusal for a model ``reason``, with the status its socket answers."""
        return cls(refusal_status(reason), message, reason)


#: Reasons a join may be refused that no socket gives (space joins, a peer still connected).
_OTHER_REFUSALS = {"connected": 409, "password": 403, "knock": 403, "host_token": 403}


def refusal_status(reason: str) -> int:
    """The status a signaling socket answers for a join refused for ``reason``."""
    found = SOCKET_REFUSALS.get(reason)
    return found[0] if found is not None else _OTHER_REFUSALS.get(reason, 409)


class ControlError(RadistFakeError):
    """A control-plane request refused: an HTTP status and a message in HTTP
    terms (fields, values); ``extra`` fields go into its JSON body."""

    def __init__(self, status: int, message: str, **extra: Any) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.body = {"error": message, **extra}


class NotFound(RadistFakeError, KeyError):
    """Misuse: no such call, room, space, peer, token or project in this
    fake. A ``KeyError`` too, as it was before 0.2.0."""

    def __str__(self) -> str:  # a KeyError would show its message quoted
        return str(self.args[0]) if self.args else ""


class InvalidValue(RadistFakeError, ValueError):
    """Misuse: a value out of range or of the wrong kind (a setting, an
    argument); the message names it and what it takes. A ``ValueError`` too."""


class SnapshotError(InvalidValue):
    """A snapshot (or a state file) that cannot be restored: damaged, or
    of a newer format; the message says where and what. Nothing was changed."""


class WrongKind(RadistFakeError, TypeError):
    """Misuse: an object of another kind than the call needs (a room where a
    call is needed). A ``TypeError`` too."""


class Conflict(InvalidValue):
    """Misuse: a value already taken (a project id, a key)."""


class FakeOnly(RadistFakeError):
    """A control that only the fake has (faults, the clock, simulated peers,
    scenarios, state views, limits) was used in live mode."""


class VerifyError(RadistFakeError):
    """``radist-fake verify`` cannot give a trustworthy report: one line says why
    (also importable from :mod:`pytest_radist.verify`, where it was)."""

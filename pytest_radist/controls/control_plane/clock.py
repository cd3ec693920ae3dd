"""``/_radist/clock``: read and move the fake's clock, or one project's
(``"project"``: that tenant's tokens expire, and its calls are stamped, by
its own; a project never moved follows the fake's)."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from ...model.clock import MAX_EPOCH, Clock, iso
from ... import messages as M
from ...errors import ControlError
from .schema import Answer, ControlRoute, Field
from .state import find_project

if TYPE_CHECKING:
    from .target import ControlTarget


def _clock(fake: ControlTarget, given: dict[str, Any]) -> Clock:
    return find_project(fake, given["project"]).clock if "project" in given else fake.clock


def _answer(fake: ControlTarget, given: dict[str, Any]) -> Answer:
    clock = _clock(fake, given)
    return 200, {"now": iso(clock.time()), "realtime": clock.realtime, **({"project": given["project"]} if "project" in given else {})}


def read_clock(fake: ControlTarget, given: dict[str, Any]) -> Answer:
    return _answer(fake, given)


def move_clock(fake: ControlTarget, given: dict[str, Any]) -> Answer:
    if ("advance" in given) == ("set" in given):
        raise ControlError(400, M.CONTROL_CLOCK_ONE_OF)
    clock = _clock(fake, given)
    now = clock.time()
    if "advance" in given:
        if now + given["advance"] > MAX_EPOCH:  # a sound request the clock's position refuses: a conflict
            raise ControlError(409, M.CONTROL_CLOCK_PAST_END.format(now=iso(now)))
        clock.advance(given["advance"])
    else:
        try:
            moment = datetime.fromisoformat(given["set"].upper().replace("Z", "+00:00"))
        except ValueError:
            raise ControlError(400, M.CONTROL_CLOCK_NOT_ISO.format(got=given["set"])) from None
        if moment.tzinfo is None:
            raise ControlError(400, M.CONTROL_CLOCK_NO_ZONE)
        try:
            clock.set(moment)
        except ValueError:
            raise ControlError(400, M.CONTROL_CLOCK_RANGE) from None
    return _answer(fake, given)


ROUTES = (
    ControlRoute("GET", "clock", "the fake's time, or a project's (query parameter)", read_clock, (
        Field("project", "string", "a project id: its own clock"),
    ), source="query", changes_state=False),
    ControlRoute("POST", "clock", "move the clock forward, or set it (the fake's, or a project's)", move_clock, (
        Field("project", "string", "move this project's clock only (its tokens expire by it)"),
        Field("advance", "number", "seconds to move forward", minimum=0),
        Field("set", "string", "an ISO 8601 time to jump to, such as 2026-01-01T00:00:00Z", format="date-time"),
    ), rules={"oneOf": [{"required": ["advance"]}, {"required": ["set"]}]}),
)

"""``/_radist/clock``: read and move the fake's clock."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from ...model.clock import MAX_EPOCH, iso
from ... import messages as M
from ...errors import ControlError
from .schema import Answer, ControlRoute, Field

if TYPE_CHECKING:
    from .target import ControlTarget


def read_clock(fake: ControlTarget, given: dict[str, Any]) -> Answer:
    return 200, {"now": iso(fake.clock.time()), "realtime": fake.clock.realtime}


def move_clock(fake: ControlTarget, given: dict[str, Any]) -> Answer:
    if ("advance" in given) == ("set" in given):
        raise ControlError(400, M.CONTROL_CLOCK_ONE_OF)
    now = fake.clock.time()
    if "advance" in given:
        if now + given["advance"] > MAX_EPOCH:  # a sound request the clock's position refuses: a conflict
            raise ControlError(409, M.CONTROL_CLOCK_PAST_END.format(now=iso(now)))
        fake.clock.advance(given["advance"])
    else:
        try:
            moment = datetime.fromisoformat(given["set"].upper().replace("Z", "+00:00"))
        except ValueError:
            raise ControlError(400, M.CONTROL_CLOCK_NOT_ISO.format(got=given["set"])) from None
        if moment.tzinfo is None:
            raise ControlError(400, M.CONTROL_CLOCK_NO_ZONE)
        try:
            fake.clock.set(moment)
        except ValueError:
            raise ControlError(400, M.CONTROL_CLOCK_RANGE) from None
    return 200, {"now": iso(fake.clock.time()), "realtime": fake.clock.realtime}


ROUTES = (
    ControlRoute("GET", "clock", "the fake's time", read_clock, changes_state=False),
    ControlRoute("POST", "clock", "move the clock forward, or set it", move_clock, (
        Field("advance", "number", "seconds to move forward", minimum=0),
        Field("set", "string", "an ISO 8601 time to jump to, such as 2026-01-01T00:00:00Z", format="date-time"),
    ), rules={"oneOf": [{"required": ["advance"]}, {"required": ["set"]}]}),
)

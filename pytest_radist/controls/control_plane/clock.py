"""``/_radist/clock``: read and move the fake's clock."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from ...model.clock import MAX_EPOCH, iso
from .schema import Answer, ControlError, ControlRoute, Field

if TYPE_CHECKING:
    from ...fake import RadistFake


def read_clock(fake: RadistFake, given: dict[str, Any]) -> Answer:
    return 200, {"now": iso(fake.clock.time()), "realtime": fake.clock.realtime}


def move_clock(fake: RadistFake, given: dict[str, Any]) -> Answer:
    if ("advance" in given) == ("set" in given):
        raise ControlError(400, 'Send either "advance" (seconds) or "set" (an ISO 8601 time such as "2026-01-01T00:00:00Z").')
    now = fake.clock.time()
    if "advance" in given:
        if now + given["advance"] > MAX_EPOCH:  # a sound request the clock's position refuses: a conflict
            raise ControlError(409, f'"advance" would move the clock past 9999-12-31T23:59:59Z; it is {iso(now)}.')
        fake.clock.advance(given["advance"])
    else:
        try:
            moment = datetime.fromisoformat(given["set"].upper().replace("Z", "+00:00"))
        except ValueError:
            raise ControlError(400, f'"set" must be an ISO 8601 time such as "2026-01-01T00:00:00Z", got "{given["set"]}".') from None
        if moment.tzinfo is None:
            raise ControlError(400, '"set" needs a time zone: end it with "Z" (UTC) or an offset such as "+02:00".')
        try:
            fake.clock.set(moment)
        except ValueError:
            raise ControlError(400, '"set" must be between 0001-01-01T00:00:00Z and 9999-12-31T23:59:59Z.') from None
    return 200, {"now": iso(fake.clock.time()), "realtime": fake.clock.realtime}


ROUTES = (
    ControlRoute("GET", "clock", "the fake's time", read_clock, changes_state=False),
    ControlRoute("POST", "clock", "move the clock forward, or set it", move_clock, (
        Field("advance", "number", "seconds to move forward", minimum=0),
        Field("set", "string", "an ISO 8601 time to jump to, such as 2026-01-01T00:00:00Z", format="date-time"),
    ), rules={"oneOf": [{"required": ["advance"]}, {"required": ["set"]}]}),
)

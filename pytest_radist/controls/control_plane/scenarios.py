"""``/_radist/scenarios/...``: the state a test needs, built at once."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ...errors import JoinRefused
from ..network import MAX_FREEZE
from ...model.clock import iso
from ...model.entities import Call, Room
from .participants import refused, token_json, with_token_note
from ...errors import ControlError
from .schema import Answer, ControlRoute, Field
from .state import find_project, project_json

if TYPE_CHECKING:
    from .target import ControlTarget


def call_json(call: Call) -> dict[str, Any]:
    tombstoned = call.tombstoned
    return {"callId": call.id, "accessControl": call.access_control, "projectId": call.project.id,
            "createdAt": iso(call.created), "tombstonedAt": None if tombstoned is None else iso(tombstoned),
            "callTokens": [t.value for t in call.tokens],  # as create_call answers them
            "tokens": [token_json(t) for t in call.tokens], "peers": [p.id for p in call.connected_peers]}


def room_json(room: Room) -> dict[str, Any]:
    return {"roomId": room.id, "projectId": room.project.id, "roomTokens": [t.value for t in room.tokens],
            "tokens": [token_json(t) for t in room.tokens],
            "peers": [p.id for p in room.connected_peers]}


def _call_scenario(name: str, default_access: str) -> Any:
    def build(fake: ControlTarget, given: dict[str, Any]) -> Answer:
        project = find_project(fake, given.get("project"))
        try:
            return 200, with_token_note(call_json(getattr(fake.scenarios, name)(given.get("accessControl", default_access), project=project)))
        except JoinRefused as refusal:  # the settings forbid it (a token TTL of 0): a conflict, not a crash
            raise refused(refusal) from None

    return build


def make_room(fake: ControlTarget, given: dict[str, Any]) -> Answer:
    return 200, with_token_note(room_json(fake.scenarios.make_room(project=find_project(fake, given.get("project")))))


def limit_reached(fake: ControlTarget, given: dict[str, Any]) -> Answer:
    return 200, project_json(fake.scenarios.connection_limit_reached(find_project(fake, given.get("project"))))


CALL_FIELDS = (
    Field("accessControl", "string", "private or public", choices=("private", "public")),
    Field("project", "string", "a project id; default: the default project"),
)
PROJECT_FIELD = (Field("project", "string", "a project id; default: the default project"),)

def server_restart(fake: ControlTarget, given: dict[str, Any]) -> Answer:
    cut = fake.scenarios.server_restart(given.get("seconds", 0.0))
    return 200, {"disconnected": [peer.id for peer in cut], "refusingFor": given.get("seconds", 0.0)}


ROUTES = (
    ControlRoute("POST", "scenarios/make_call", "a live call with its two pending tokens", _call_scenario("make_call", "private"), CALL_FIELDS),
    ControlRoute("POST", "scenarios/make_full_call", "a call whose two peers are connected: mints answer 409",
                 _call_scenario("make_full_call", "public"), CALL_FIELDS),
    ControlRoute("POST", "scenarios/make_terminated_call", "a tombstoned call: mints answer 410",
                 _call_scenario("make_terminated_call", "public"), CALL_FIELDS),
    ControlRoute("POST", "scenarios/server_restart", "restart the service under its clients: every socket cut, "
                 "then 503 and 4503 for seconds; the state is kept", server_restart, (
        Field("seconds", "number", "how long new sockets and REST requests are refused", minimum=0, maximum=MAX_FREEZE),
    )),
    ControlRoute("POST", "scenarios/make_room", "a room with its two pending tokens", make_room, PROJECT_FIELD),
    ControlRoute("POST", "scenarios/connection_limit_reached", "the next create_call answers 429", limit_reached, PROJECT_FIELD),
)

__all__ = ["ROUTES", "ControlError"]

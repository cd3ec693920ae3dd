"""The fake as a whole: readiness, a snapshot of the state, usage, reset,
projects and the settings a test can change while it runs."""

from __future__ import annotations

import json
from importlib import resources
from typing import TYPE_CHECKING, Any

from ...model import snapshot as snapshots
from ...model.clock import MAX_EPOCH, iso
from ...model.entities import Project
from ... import messages as M
from ...errors import Conflict, ControlError, InvalidValue, SnapshotError
from ...settings import SETTINGS
from .schema import Answer, ControlRoute, Field

if TYPE_CHECKING:
    from .target import ControlTarget


def health(fake: ControlTarget, given: dict[str, Any]) -> Answer:
    return 200, {"ok": True}


def openapi(fake: ControlTarget, given: dict[str, Any]) -> Answer:
    # the description shipped in the package (made from the route tables,
    # which include this one: a test holds the file to them)
    return 200, json.loads(resources.files("pytest_radist").joinpath("openapi.json").read_text(encoding="utf-8"))


def project_json(project: Project) -> dict[str, Any]:
    return {"id": project.id, "secretKeys": list(project.secret_keys), "publicKey": project.public_key,
            "connectionLimit": project.connection_limit, "roomLimit": project.room_limit,
            "calls": len(project.call_list), "liveCalls": project.live_calls}


def state(fake: ControlTarget, given: dict[str, Any]) -> Answer:
    return 200, {"seed": fake.seed, "now": iso(fake.clock.time()),
                 "projects": [project_json(p) for p in fake.state.projects.values()],
                 "rooms": len(fake.state.rooms), "spaces": len(fake.state.spaces), "tokens": len(fake.state.minted_tokens()),
                 "settings": settings_json(fake)}


def find_project(fake: ControlTarget, project_id: Any) -> Project:
    """The project a request names (the default one when it names none)."""
    found = fake.state.project if project_id is None else fake.state.projects.get(project_id)
    if found is None:
        raise ControlError(404, M.CONTROL_NO_PROJECT.format(project=project_id, known=", ".join(fake.state.projects)))
    return found


def usage(fake: ControlTarget, given: dict[str, Any]) -> Answer:
    project = find_project(fake, given.get("project"))
    return 200, {"project": project.id, **fake.state.usage(project)}


def reset(fake: ControlTarget, given: dict[str, Any]) -> Answer:
    if "project" in given:
        if given.get("state") or "seed" in given:
            raise ControlError(400, M.CONTROL_RESET_PROJECT_ALONE)
        project = find_project(fake, given["project"])
        fake.reset(project=project)
        return 200, {"reset": True, "seed": fake.seed, "project": project.id}
    if "seed" in given and not given.get("state"):
        raise ControlError(400, M.CONTROL_SEED_NEEDS_STATE)
    fake.reset(state=given.get("state", False), seed=given.get("seed"))
    return 200, {"reset": True, "seed": fake.seed}


def remove_project(fake: ControlTarget, given: dict[str, Any]) -> Answer:
    project = find_project(fake, given["projectId"])
    try:
        fake.state.remove_project(project)
    except Conflict as exc:
        raise ControlError(409, M.CONTROL_REFUSED.format(reason=exc)) from None
    return 200, {"removed": project.id}


def _refused_keys(exc: ValueError) -> ControlError:
    """A project or key the model would not add: taken (409) or malformed (400)."""
    return ControlError(409 if isinstance(exc, Conflict) else 400, M.CONTROL_REFUSED.format(reason=exc))


def add_project(fake: ControlTarget, given: dict[str, Any]) -> Answer:
    try:
        project = fake.state.add_project(given.get("id"), secret_key=given.get("secretKey"), public_key=given.get("publicKey"),
                                   connection_limit=given.get("connectionLimit"), room_limit=given.get("roomLimit"))
    except ValueError as exc:
        raise _refused_keys(exc) from None
    return 200, project_json(project)


def add_secret_key(fake: ControlTarget, given: dict[str, Any]) -> Answer:
    project = find_project(fake, given["projectId"])
    try:
        project.add_secret_key(given.get("secretKey"))
    except ValueError as exc:
        raise _refused_keys(exc) from None
    return 200, project_json(project)


def change_project(fake: ControlTarget, given: dict[str, Any]) -> Answer:
    project = find_project(fake, given["projectId"])
    if "connectionLimit" in given:
        project.connection_limit = given["connectionLimit"]
    if "roomLimit" in given:
        project.room_limit = given["roomLimit"]
    return 200, project_json(project)


#: The settings a test may change while it runs (the settings table's ``control``).
CHANGEABLE = tuple(s for s in SETTINGS if s.control)


def settings_json(fake: ControlTarget) -> dict[str, Any]:
    return {s.camel: getattr(fake, s.name) for s in CHANGEABLE}


def change_settings(fake: ControlTarget, given: dict[str, Any]) -> Answer:
    for setting in CHANGEABLE:
        if setting.camel in given:
            try:  # the one validator of every setting, whether from Python, the CLI or here
                setattr(fake, setting.name, setting.check(given[setting.camel], f'"{setting.camel}"'))
            except InvalidValue as exc:
                raise ControlError(400, f"{exc}.") from None
    return 200, settings_json(fake)


def snapshot(fake: ControlTarget, given: dict[str, Any]) -> Answer:
    return 200, fake.state.snapshot()


def restore(fake: ControlTarget, given: dict[str, Any]) -> Answer:
    try:
        if "grace" in given:
            fake.state.restore(given["snapshot"], grace=given["grace"])
        else:
            fake.state.restore(given["snapshot"])
    except SnapshotError as exc:
        raise ControlError(400, M.CONTROL_SNAPSHOT.format(reason=exc)) from None
    return 200, {"restored": True, "seed": fake.seed, "project": fake.state.project.id,
                 "projects": len(fake.state.projects), "calls": len(fake.state.calls), "rooms": len(fake.state.rooms),
                 "spaces": len(fake.state.spaces), "peers": len(fake.state.peers)}


LIMIT = dict(minimum=0, nullable=True)
ROUTES = (
    ControlRoute("GET", "health", "readiness, for scripts that start radist-fake", health, changes_state=False),
    ControlRoute("GET", "openapi.json", "this API and the control plane, described in OpenAPI 3.1", openapi, changes_state=False),
    ControlRoute("GET", "state", "seed, clock, projects with keys, counts, settings", state, changes_state=False),
    ControlRoute("GET", "usage", "usage meters of a project (query parameter)", usage, (
        Field("project", "string", "a project id; default: the default project"),
    ), source="query", changes_state=False),
    ControlRoute("POST", "reset", "forget the journal and faults; with state, every call, room, space, token and peer", reset, (
        Field("state", "boolean", "also forget the state (projects and keys are kept)"),
        Field("seed", "integer", "restart the ids from this seed (default: the same generator goes on, so ids never repeat)", minimum=0),
        Field("project", "string", "reset this tenant alone: its calls, rooms, spaces, tokens, peers, journal entries, "
              "faults and usage (its keys and limits are kept)"),
    ), rules={"dependentSchemas": {
        "seed": {"required": ["state"], "properties": {"state": {"const": True}}},
        "project": {"not": {"anyOf": [{"required": ["state"], "properties": {"state": {"const": True}}}, {"required": ["seed"]}]}},
    }}),
    ControlRoute("GET", "snapshot", "the whole state as a JSON value (POST /_radist/restore takes it back)", snapshot,
                 changes_state=False),
    ControlRoute("POST", "restore", "return to a snapshot's state (its peers come back away, their sockets to reconnect)",
                 restore, (
        Field("snapshot", "object", "a snapshot, as GET /_radist/snapshot answers it (its format: docs/http.md)",
              required=True, schema=snapshots.json_schema()),
        Field("grace", "number", "seconds of the clock a restored peer has to reconnect (default 60)", minimum=0,
              maximum=MAX_EPOCH),
    )),
    ControlRoute("POST", "projects", "add a project with its own keys", add_project, (
        Field("id", "string", "default: project-N", pattern="."),
        Field("secretKey", "string", "rad_sk_...; default: generated", pattern="^rad_sk_."),
        Field("publicKey", "string", "rad_pk_...; default: generated", pattern="^rad_pk_."),
        Field("connectionLimit", "integer", "live calls allowed at once; null: unlimited", **LIMIT),  # type: ignore[arg-type]
        Field("roomLimit", "integer", "rooms allowed; null: unlimited", **LIMIT),  # type: ignore[arg-type]
    )),
    ControlRoute("POST", "projects/{projectId}/secret-keys", "give a project another secret key", add_secret_key, (
        Field("secretKey", "string", "rad_sk_...; default: generated", pattern="^rad_sk_."),
    )),
    ControlRoute("DELETE", "projects/{projectId}", "remove a project and all it holds (its keys then answer 401)", remove_project),
    ControlRoute("PATCH", "projects/{projectId}", "change a project's limits", change_project, (
        Field("connectionLimit", "integer", "live calls allowed at once; null: unlimited", **LIMIT),  # type: ignore[arg-type]
        Field("roomLimit", "integer", "rooms allowed; null: unlimited", **LIMIT),  # type: ignore[arg-type]
    )),
    ControlRoute("GET", "settings", "the fake's settings", lambda fake, given: (200, settings_json(fake)), changes_state=False),
    ControlRoute("PATCH", "settings", "change the fake's settings", change_settings, tuple(Field.of(s) for s in CHANGEABLE)),
)

"""The live dashboard at ``/_radist/``: one self-contained page (no CDN, no
build step) that polls a bounded snapshot and acts through the other
control routes. Reading the snapshot never changes the state."""

from __future__ import annotations

from importlib import resources
from typing import TYPE_CHECKING, Any

from ...model.clock import iso
from .journal import entry_json
from .participants import token_json, with_token_note
from .schema import Answer, ControlRoute, Field
from .state import find_project, project_json, settings_json

if TYPE_CHECKING:
    from .target import ControlTarget

#: What one poll shows at most, newest first: never O(everything) per poll.
SHOWN = 50
JOURNAL_SHOWN = 100


def page() -> bytes:
    """The dashboard's HTML, shipped in the package."""
    return resources.files("pytest_radist").joinpath("dashboard.html").read_bytes()


def snapshot(fake: ControlTarget, given: dict[str, Any]) -> Answer:
    tenant = find_project(fake, given["project"]) if "project" in given else None
    with fake.state.lock:  # one consistent snapshot, while the server changes the state
        calls = [
            {"callId": c.id, "projectId": c.project.id, "accessControl": c.access_control, "createdAt": iso(c.created),
             "tombstonedAt": None if c.tombstoned is None else iso(c.tombstoned),
             "tokens": [token_json(t) for t in c.tokens],
             "peers": [{"peerId": p.id, "connected": p.connected, "gone": p.gone} for p in c.peers.values()]}
            for c in fake.state.newest("calls", SHOWN, project=tenant)
        ]
        rooms = [
            {"roomId": r.id, "projectId": r.project.id, "space": r.space.slug if r.space else None,
             "tokens": [token_json(t) for t in r.tokens],
             "peers": [{"peerId": p.id, "connected": p.connected, "gone": p.gone} for p in r.peers.values()]}
            for r in fake.state.newest("rooms", SHOWN, project=tenant)
        ]
        spaces = [{"id": s.id, "slug": s.slug, "name": s.name, "accessType": s.access_type, "activeRoomId": s.active_room_id}
                  for s in fake.state.newest("spaces", SHOWN, project=tenant)]
        if tenant is None:
            totals = {"calls": len(fake.state.calls), "rooms": len(fake.state.rooms), "spaces": len(fake.state.spaces)}
        else:
            totals = {"calls": len(tenant.call_list), "rooms": sum(r.project is tenant for r in fake.state.rooms.values()),
                      "spaces": len(tenant.spaces_by_slug)}
    entries, matching = fake.journal.page(
        1, JOURNAL_SHOWN, endpoint=given.get("endpoint"), status=given.get("status"), newest_first=True,
        project=None if tenant is None else tenant.id)
    projects = list(fake.state.projects.values()) if tenant is None else [tenant]
    return 200, with_token_note({
        "now": iso((fake.clock if tenant is None else tenant.clock).time()), "seed": fake.seed,
        "settings": settings_json(fake), "totals": totals, "project": None if tenant is None else tenant.id,
        "projects": [{**project_json(p), "usage": fake.state.usage(p)} for p in projects],
        "projectIds": list(fake.state.projects),
        "calls": calls, "rooms": rooms, "spaces": spaces,
        "faults": [rule.describe() for rule in fake.faults if tenant is None or rule.project in (None, tenant.id)],
        "journal": [entry_json(r) for r in entries], "journalTotal": matching,
    })


ROUTES = (
    ControlRoute("GET", "dashboard.json", f"what the dashboard shows: the newest {SHOWN} calls, rooms and spaces, "
                 f"the newest {JOURNAL_SHOWN} journal entries (filtered), projects, usage, faults, the clock", snapshot, (
                     Field("endpoint", "string", "only journal entries of this endpoint"),
                     Field("status", "integer", "only journal entries with this status", minimum=0, maximum=599),
                     Field("project", "string", "only this project's calls, rooms, spaces, entries and faults (its clock)"),
                 ), source="query", changes_state=False),
)

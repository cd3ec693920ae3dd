"""``/_radist/requests``: the journal, filtered, always as strict JSON."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

from ...api.routes import ENDPOINTS, FRAME_ENDPOINTS, SOCKET_ENDPOINTS
from ...model.clock import iso
from ..journal import RecordedRequest
from .schema import Answer, ControlRoute, Field

if TYPE_CHECKING:
    from .target import ControlTarget


def strict_json(value: Any) -> Any:
    """A journaled value as strict JSON: NaN and infinities (which Python's
    JSON accepts and Go and browsers refuse) as strings, and what is not
    JSON at all (an omitted or unparsable body) as its description."""
    if isinstance(value, dict):
        return {str(k): strict_json(v) for k, v in value.items()}
    if isinstance(value, list):
        return [strict_json(v) for v in value]
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    return repr(value)


def entry_json(r: RecordedRequest) -> dict[str, Any]:
    return {
        "endpoint": r.endpoint, "method": r.method, "path": r.path, "query": r.query, "rawQuery": r.raw_query,
        "json": strict_json(r.json), "status": r.status, "response": strict_json(r.response), "keyType": r.key_type,
        "key": r.key, "door": r.door, "at": iso(r.at), "fault": r.fault, "why": r.why, "project": r.project,
    }


def list_requests(fake: ControlTarget, given: dict[str, Any]) -> Answer:
    page, limit = given.get("page", 1), given.get("limit", DEFAULT_LIMIT)
    entries, total = fake.journal.page(
        page, limit, endpoint=given.get("endpoint"), status=given.get("status"), door=given.get("door"),
        project=given.get("project"))
    return 200, {"requests": [entry_json(r) for r in entries], "page": page, "limit": limit, "total": total,
                 "dropped": fake.journal.dropped}


#: Entries in one page of the journal by default, and at most: an answer
#: holds at most that many, however full the journal.
DEFAULT_LIMIT = 100
MAX_LIMIT = 1000

ROUTES = (
    ControlRoute("GET", "requests", "the journal, oldest first, a page at a time, optionally filtered (query parameters)",
                 list_requests, (
        Field("endpoint", "string", "only this endpoint", choices=ENDPOINTS + SOCKET_ENDPOINTS + FRAME_ENDPOINTS),
        Field("status", "integer", "only answers with this status (0: dropped)", minimum=0, maximum=599),
        Field("door", "string", "only requests through this door", choices=("transport", "requests", "httpx", "http", "socket")),
        Field("project", "string", "only requests that name this project (an id)"),
        Field("page", "integer", "the page, from 1 (default 1)", minimum=1, maximum=10**9),
        Field("limit", "integer", f"entries per page (default {DEFAULT_LIMIT}, at most {MAX_LIMIT})", minimum=1, maximum=MAX_LIMIT),
    ), source="query", changes_state=False),
)

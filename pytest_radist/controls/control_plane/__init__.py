"""The control plane: every test control of ``RadistFake`` over HTTP, under
the reserved ``/_radist/``, for clients that cannot call Python (a Go, Node
or browser suite against ``radist-fake``).

Routes are declared by resource (``faults``, ``clock``, ``journal``,
``participants``, ``scenarios``, ``state``) with their fields
(:mod:`.schema`); this module finds the route (404, 405), checks the input
and answers. Radist has no such paths, and control requests are not
journaled. The guard against web pages (Host, Content-Type, CORS) is the
loopback server's (:mod:`pytest_radist.doors.asgi`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Callable, Optional
from urllib.parse import unquote

from ...api.app import NO_BODY, ApiRequest
from . import clock, dashboard, faults, journal, media, participants, scenarios, state
from ... import media as media_extra
from ... import messages as M
from ...errors import ApiError, ControlError
from .schema import Answer, ControlRoute

if TYPE_CHECKING:
    from .target import ControlTarget

PREFIX = "/_radist/"
#: Whether each optional extra a route may need is installed (``ControlRoute.needs``).
EXTRAS: dict[str, Callable[[], bool]] = {"media": media_extra.available}

#: Every control route, in the order the docs list them.
ROUTES: tuple[ControlRoute, ...] = (
    state.ROUTES + clock.ROUTES + faults.ROUTES + journal.ROUTES + participants.ROUTES + scenarios.ROUTES
    + media.ROUTES + dashboard.ROUTES
)


def _match(segments: list[str]) -> list[tuple[ControlRoute, dict[str, str]]]:
    """Every route whose path matches, with its decoded parameters."""
    found = []
    for route in ROUTES:
        template = route.segments
        if len(template) != len(segments):
            continue
        params: dict[str, str] = {}
        for want, got in zip(template, segments):
            if want.startswith("{"):
                if not got:
                    break
                params[want[1:-1]] = unquote(got)
            elif want != got:
                break
        else:
            found.append((route, params))
    return found


def is_dashboard(request: ApiRequest) -> bool:
    """``GET /_radist/``: the page, not a JSON route."""
    return request.method == "GET" and request.path == PREFIX


def handle(fake: ControlTarget, request: ApiRequest) -> Answer:
    """Answer a control request (its path starts with :data:`PREFIX`)."""
    matches = _match(request.path[len(PREFIX):].split("/"))
    if not matches:
        listing = "; ".join(f"{r.method} {PREFIX}{r.path}" for r in ROUTES)
        return 404, {"error": M.CONTROL_NOT_FOUND.format(listing=listing)}
    chosen: Optional[tuple[ControlRoute, dict[str, str]]] = next(
        ((route, params) for route, params in matches if route.method == request.method), None)
    if chosen is None:
        allowed = ", ".join(sorted({route.method for route, _ in matches}))
        return 405, {"error": M.CONTROL_METHOD.format(path=PREFIX + matches[0][0].path, allowed=allowed), "allow": allowed}
    route, params = chosen
    body: Any = {} if request.body is NO_BODY else request.body
    if route.source == "body" and not isinstance(body, dict):
        return 400, {"error": M.CONTROL_NOT_AN_OBJECT}
    try:
        given = route.read(body, request.query, params)
        if route.needs is not None and not EXTRAS[route.needs]():
            raise ControlError(501, M.CONTROL_EXTRA_MISSING.format(extra=route.needs),
                               install=M.EXTRA_INSTALL.format(extra=route.needs))
        status, answer = route.handler(fake, given)
    except ControlError as exc:
        return exc.status, exc.body
    except ApiError as exc:  # a scenario ran into the state's own rules (say, the connection limit)
        return exc.status, {"error": exc.message}
    notes = route.renamed(body) if isinstance(body, dict) else []
    return status, ({**answer, "deprecated": [*notes, *answer.get("deprecated", [])]} if notes else answer)


__all__ = ["PREFIX", "ROUTES", "ControlError", "ControlRoute", "handle", "is_dashboard"]

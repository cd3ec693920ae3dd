"""The route table of the Radist API: method and path to a canonical
endpoint and its handler, side by side.

Paths are matched on their raw, still percent-encoded form, split on ``/``;
each parameter segment is then decoded exactly once, so an encoded ``/``
(``%2F``) stays inside the id instead of splitting the path.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from typing import Any, Callable, Literal, Optional
from urllib.parse import unquote

from . import handlers

#: ``socket``: a signaling WebSocket, authenticated by its ``publicKey`` query parameter.
KeyKind = Literal["secret", "public", "socket"]


@dataclass(frozen=True)
class Route:
    """One endpoint: its canonical name, method, path, the key it takes, and
    the handler that answers it (a socket's handshake has none: the
    signaling module answers it)."""

    endpoint: str
    method: str
    template: str
    key: KeyKind
    handler: Optional[Callable[[handlers.Context], dict[str, Any]]] = field(default=None, compare=False, repr=False)

    @property
    def segments(self) -> tuple[str, ...]:
        return tuple(self.template.split("/"))


#: The route table: every endpoint of radist-api.md, beside its handler.
ROUTES: tuple[Route, ...] = (
    Route("create_call", "POST", "/api/v1/projects/{projectId}/calls", "secret", handlers.create_call),
    Route("list_calls", "GET", "/api/v1/projects/{projectId}/calls", "secret", handlers.list_calls),
    Route("mint_call_token", "POST", "/api/v1/projects/{projectId}/p2p/calls/{callId}/token", "secret", handlers.mint_call_token),
    Route("mint_call_token_public", "POST", "/api/v1/p2p/calls/{callId}/token", "public", handlers.mint_call_token_public),
    Route("create_room", "POST", "/api/v1/projects/{projectId}/rooms", "secret", handlers.create_room),
    Route("mint_room_token", "POST", "/api/v1/projects/{projectId}/rooms/{roomId}/token", "secret", handlers.mint_room_token),
    Route("create_space", "POST", "/api/v1/projects/{projectId}/spaces", "secret", handlers.create_space),
    Route("list_spaces", "GET", "/api/v1/projects/{projectId}/spaces", "secret", handlers.list_spaces),
    Route("update_space", "PATCH", "/api/v1/projects/{projectId}/spaces/{spaceId}", "secret", handlers.update_space),
    Route("delete_space", "DELETE", "/api/v1/projects/{projectId}/spaces/{spaceId}", "secret", handlers.delete_space),
    Route("rotate_space_host_token", "POST", "/api/v1/projects/{projectId}/spaces/{spaceId}/rotate-host-token", "secret",
          handlers.rotate_space_host_token),
)

#: The signaling WebSockets (radist-api.md section 6): HTTP ``GET`` upgrades.
SOCKET_ROUTES: tuple[Route, ...] = (
    Route("p2p_signaling", "GET", "/api/v1/p2p/signaling/ws", "socket"),
    Route("room_signaling", "GET", "/api/v1/rooms/signaling/ws", "socket"),
)

#: Every canonical REST endpoint name, in the order of ``radist-api.md``.
ENDPOINTS: tuple[str, ...] = tuple(route.endpoint for route in ROUTES)
#: The signaling sockets' endpoint names (journal, fault rules).
SOCKET_ENDPOINTS: tuple[str, ...] = tuple(route.endpoint for route in SOCKET_ROUTES)
#: Each socket's path, by what it joins: ``call`` or ``room``.
SOCKET_PATHS: dict[str, str] = {"call": SOCKET_ROUTES[0].template, "room": SOCKET_ROUTES[1].template}


def methods_of(key: KeyKind) -> list[str]:
    """The methods the routes of one kind of key take (for CORS)."""
    return sorted({route.method for route in ROUTES if route.key == key})

# segment count -> [(route, ((index, static text) ...), ((index, param name) ...))]
_Compiled = tuple[Route, tuple[tuple[int, str], ...], tuple[tuple[int, str], ...]]
_BY_LENGTH: dict[int, list[_Compiled]] = {}
for _route in ROUTES + SOCKET_ROUTES:
    _statics = tuple((i, s) for i, s in enumerate(_route.segments) if not s.startswith("{"))
    _params = tuple((i, s[1:-1]) for i, s in enumerate(_route.segments) if s.startswith("{"))
    _BY_LENGTH.setdefault(len(_route.segments), []).append((_route, _statics, _params))


@dataclass(frozen=True)
class Match:
    """What the router found: the route (``None`` if no path matched) and
    whether the method was allowed there."""

    route: Optional[Route]
    params: dict[str, str]
    method_allowed: bool

    @property
    def endpoint(self) -> Optional[str]:
        return self.route.endpoint if self.route is not None and self.method_allowed else None


NO_MATCH = Match(None, {}, False)


def match(method: str, raw_path: str) -> Match:
    """Find the route for ``method`` and the raw (undecoded) ``raw_path``."""
    segments = raw_path.split("/")
    path_matched: Optional[Match] = None
    for route, statics, params in _BY_LENGTH.get(len(segments), ()):
        if any(segments[i] != text for i, text in statics):
            continue
        if any(not segments[i] for i, _ in params):
            continue
        found = Match(route, {name: unquote(segments[i]) for i, name in params}, route.method == method)
        if found.method_allowed:
            return found
        path_matched = path_matched or found
    return path_matched or NO_MATCH


def allowed_methods(raw_path: str) -> list[str]:
    """The methods the routes of this path take (for a 405's ``Allow``)."""
    segments = raw_path.split("/")
    return sorted({
        route.method for route, statics, params in _BY_LENGTH.get(len(segments), ())
        if all(segments[i] == text for i, text in statics) and all(segments[i] for i, _ in params)
    })


def closest_endpoints(method: str, raw_path: str, limit: int = 2) -> list[str]:
    """Human hints for an unroutable request: the most similar real routes."""
    segments = raw_path.split("/")

    def similarity(route: Route) -> float:
        # fill the template's parameters with the request's own segments, so
        # only the fixed words and the method make the difference
        rendered = "/".join(
            segments[i] if text.startswith("{") and i < len(segments) else text
            for i, text in enumerate(route.segments)
        )
        return difflib.SequenceMatcher(None, f"{method} {raw_path}", f"{route.method} {rendered}").ratio()

    ranked = sorted(ROUTES, key=similarity, reverse=True)
    return [f"{route.endpoint} ({route.method} {route.template})" for route in ranked[:limit]]

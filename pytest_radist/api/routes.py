"""The route table of the Radist API: method and path to a canonical
endpoint and its handler, side by side.

Paths are matched on their raw, still percent-encoded form, split on ``/``;
each parameter segment is then decoded exactly once, so an encoded ``/``
(``%2F``) stays inside the id instead of splitting the path.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Callable, Literal, Mapping, NamedTuple, Optional
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
#: What a fault rule and the journal call a ``signal`` frame relayed between
#: peers (``"*"`` does not reach it: a rule for every request leaves frames alone).
FRAME_ENDPOINTS: tuple[str, ...] = ("signal",)
#: Each socket's path, by what it joins: ``call`` or ``room``.
SOCKET_PATHS: dict[str, str] = {"call": SOCKET_ROUTES[0].template, "room": SOCKET_ROUTES[1].template}


def methods_of(key: KeyKind) -> list[str]:
    """The methods the routes of one kind of key take (for CORS)."""
    return sorted({route.method for route in ROUTES if route.key == key})

class Match(NamedTuple):
    """What the router found: the route (``None`` if no path matched) and
    whether the method was allowed there. A tuple: every request makes one."""

    route: Optional[Route]
    params: Mapping[str, str]
    method_allowed: bool

    @property
    def endpoint(self) -> Optional[str]:
        return self.route.endpoint if self.route is not None and self.method_allowed else None


NO_MATCH = Match(None, MappingProxyType({}), False)


#: A path template compiled: its pattern, its routes by method, the first of them, its parameter names.
_Template = tuple[re.Pattern[str], dict[str, Route], Route, tuple[str, ...]]


def _compile(routes: tuple[Route, ...]) -> dict[int, list[_Template]]:
    """slash count -> one entry per path template: its pattern (each
    parameter a non-empty segment), its routes by method, the first of them,
    and its parameter names. No raw path matches two templates."""
    by_template: dict[str, dict[str, Route]] = {}
    for route in routes:
        by_template.setdefault(route.template, {}).setdefault(route.method, route)
    compiled: dict[int, list[_Template]] = {}
    for template, methods in by_template.items():
        segments = template.split("/")
        pattern = "/".join("([^/]+)" if s.startswith("{") else re.escape(s) for s in segments)
        names = tuple(s[1:-1] for s in segments if s.startswith("{"))
        compiled.setdefault(template.count("/"), []).append((re.compile(pattern), methods, next(iter(methods.values())), names))
    return compiled


_BY_SLASHES = _compile(ROUTES + SOCKET_ROUTES)


#: Matches made, by method and path: clients call the same few paths again
#: and again (a project's calls, a call's token). Bounded in bytes, not
#: entries (a client chooses its paths, up to the server's URL limit):
#: cleared when the paths it keeps would pass :data:`MATCHES_BUDGET`.
_MATCHES: dict[str, Match] = {}
#: Bytes of method and path the match cache keeps at most.
MATCHES_BUDGET = 256 * 1024
#: A path longer than this is matched every time, never kept.
_MATCHES_LONGEST = 512
_matches_bytes = 0


def match(method: str, raw_path: str) -> Match:
    """Find the route for ``method`` and the raw (undecoded) ``raw_path``.
    The match may be shared with other requests: its ``params`` are read-only.

    ``HEAD`` of a ``GET`` route is that route (the doors send no body)."""
    global _matches_bytes
    key = f"{method} {raw_path}"
    found = _MATCHES.get(key)
    if found is None:
        found = _match(method, raw_path)
        if len(key) <= _MATCHES_LONGEST:
            if _matches_bytes + len(key) > MATCHES_BUDGET:
                _MATCHES.clear()
                _matches_bytes = 0
            _MATCHES[key] = found
            _matches_bytes += len(key)
    return found


def cached_match_bytes() -> int:
    """Bytes of method and path the match cache holds now (tests, the soak)."""
    return _matches_bytes


def _match(method: str, raw_path: str) -> Match:
    for pattern, methods, first, names in _BY_SLASHES.get(raw_path.count("/"), ()):
        found = pattern.fullmatch(raw_path)
        if found is None:
            continue
        params = MappingProxyType({name: unquote(value) if "%" in value else value for name, value in zip(names, found.groups())})
        route = methods.get(method)
        if route is None and method == "HEAD":  # [fake]: a GET route answers HEAD as that GET, without its body
            route = methods.get("GET")
        return Match(route, params, True) if route is not None else Match(first, params, False)
    return NO_MATCH


def allowed_methods(raw_path: str) -> list[str]:
    """The methods the routes of this path take (for a 405's ``Allow``):
    ``HEAD`` wherever ``GET`` is."""
    methods = next((methods for pattern, methods, _, _ in _BY_SLASHES.get(raw_path.count("/"), ())
                    if pattern.fullmatch(raw_path)), {})
    return sorted({*methods, "HEAD"} if "GET" in methods else methods)


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

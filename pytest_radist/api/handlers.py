"""One handler per endpoint: read the request, call the model, shape the JSON.

Handlers hold no rules of their own; validation of values lives in the model
so that the Python helpers and the HTTP API refuse the same things.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Mapping, Optional
from urllib.parse import parse_qs

from .. import errors as E
from ..model.clock import iso
from ..model.entities import Call, Project, Space, Token
from ..model.world import World

DEFAULT_PAGE = 1
DEFAULT_LIMIT = 20
MAX_LIMIT = 100
#: page and limit are whole numbers of at most 18 digits (they fit a signed
#: 64-bit integer) [fake]; longer ones are refused like any other bad value.
_POSITIVE_INT = re.compile(r"^[0-9]{1,18}$")


@dataclass(slots=True)
class Context:
    """What a handler gets: the authenticated project and the parsed request."""

    world: World
    project: Project
    params: Mapping[str, str]
    body: dict[str, Any]
    query: str
    public_base_url: str


@lru_cache(maxsize=256)
def _parsed_query(query: str) -> dict[str, list[str]]:
    """A query string's parameters (clients page with the same few queries: parsed once each)."""
    return parse_qs(query, keep_blank_values=True)


def _query_int(query: str, name: str, default: int, message: str) -> int:
    values = _parsed_query(query).get(name) if query else None
    if not values:
        return default
    text = values[0]
    if not _POSITIVE_INT.match(text) or int(text) < 1:
        raise E.ApiError(400, message, why=E.WHY_BAD_QUERY.format(name=name, value=text))
    return int(text)


def _call_json(call: Call) -> dict[str, Any]:
    tombstoned = call._tombstoned  # the model's list_calls settled the clock's due tombstones for the page
    return {"callId": call.id, "createdAt": iso(call.created), "tombstonedAt": None if tombstoned is None else iso(tombstoned)}


def space_urls(space: Space, base: str) -> tuple[str, str]:
    participant = f"{base}/s/{space.slug}"
    return participant, participant + "?host=1"


def _space_json(space: Space, base: Optional[str] = None) -> dict[str, Any]:
    body: dict[str, Any] = {
        "id": space.id,
        "projectId": space.project.id,
        "slug": space.slug,
        "name": space.name,
        "accessType": space.access_type,
        "activeRoomId": space.active_room_id,
        "createdAt": iso(space.created),
        "updatedAt": iso(space.updated),
    }
    if base is not None:  # participantUrl appears on space objects only in list results [doc]
        body["participantUrl"] = space_urls(space, base)[0]
    return body


def _host_token_json(space: Space, base: str) -> dict[str, Any]:
    participant, host = space_urls(space, base)
    return {"participantUrl": participant, "hostUrl": host, "hostToken": space.host_token}


def create_call(ctx: Context) -> dict[str, Any]:
    call = ctx.world.create_call(ctx.project, ctx.body.get("accessControl", "private"))
    return {"callId": call.id, "callTokens": [t.value for t in call.tokens], "accessControl": call.access_control}


def list_calls(ctx: Context) -> dict[str, Any]:
    page = _query_int(ctx.query, "page", DEFAULT_PAGE, E.INVALID_PAGE)
    limit = min(_query_int(ctx.query, "limit", DEFAULT_LIMIT, E.INVALID_LIMIT), MAX_LIMIT)
    calls = ctx.world.list_calls(ctx.project, page, limit)
    return {"calls": [_call_json(c) for c in calls], "page": page, "limit": limit, "total": len(ctx.project.call_list)}


def _call_token(token: Token) -> dict[str, Any]:
    return {"callToken": token.value}


def mint_call_token(ctx: Context) -> dict[str, Any]:
    return _call_token(ctx.world.mint_call_token(ctx.project, ctx.params["callId"], public=False))


def mint_call_token_public(ctx: Context) -> dict[str, Any]:
    return _call_token(ctx.world.mint_call_token(ctx.project, ctx.params["callId"], public=True))


def create_room(ctx: Context) -> dict[str, Any]:
    room = ctx.world.create_room(ctx.project)
    return {"roomId": room.id, "roomTokens": [t.value for t in room.tokens]}


def mint_room_token(ctx: Context) -> dict[str, Any]:
    return {"roomToken": ctx.world.mint_room_token(ctx.project, ctx.params["roomId"]).value}


def create_space(ctx: Context) -> dict[str, Any]:
    body = ctx.body
    space = ctx.world.create_space(ctx.project, body.get("name"), body.get("accessType"), body.get("password"))
    return {"space": _space_json(space), **_host_token_json(space, ctx.public_base_url)}


def list_spaces(ctx: Context) -> dict[str, Any]:
    return {"spaces": [_space_json(s, ctx.public_base_url) for s in ctx.world.list_spaces(ctx.project)]}


def update_space(ctx: Context) -> dict[str, Any]:
    changes = {k: v for k, v in ctx.body.items() if k in ("slug", "name", "accessType", "password")}
    return {"space": _space_json(ctx.world.update_space(ctx.project, ctx.params["spaceId"], changes))}


def delete_space(ctx: Context) -> dict[str, Any]:
    ctx.world.delete_space(ctx.project, ctx.params["spaceId"])
    return {"success": True}


def rotate_space_host_token(ctx: Context) -> dict[str, Any]:
    return _host_token_json(ctx.world.rotate_host_token(ctx.project, ctx.params["spaceId"]), ctx.public_base_url)

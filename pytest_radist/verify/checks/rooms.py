"""radist-api.md 4: SFU rooms and their tokens."""

from __future__ import annotations

from urllib.parse import quote

from ...fidelity.answers import ALL_FORMATS, Facts, answer, field, kind
from ..sides import Session
from . import UNKNOWN_ID, check


@check("create_room", "doc", "§4 create_room", "no body: 200 `{roomId, roomTokens: two new ct_...}`")
def _create_room(s: Session) -> Facts:
    reply = s.room()
    tokens = field(reply, "roomTokens")
    tokens = tokens if isinstance(tokens, list) else []
    return {**answer(reply), "tokens": len(tokens), "tokens_distinct": len(set(map(str, tokens))) == len(tokens),
            "tokens_fresh": all(s.fresh(t) for t in tokens)}


@check("ids.room_id", "fake", "§1", "room ids are UUID strings")
def _room_id(s: Session) -> Facts:
    return {"roomId": kind(field(s.room(), "roomId"), ALL_FORMATS)}


@check("mint_room_token", "doc", "§4 mint_room_token", "200 `{\"roomToken\": \"ct_...\"}`, a new token")
def _mint_room(s: Session) -> Facts:
    reply = s.send("POST", s.project_path(f"/rooms/{quote(str(field(s.room(), 'roomId')), safe='')}/token"))
    return {**answer(reply), "fresh": s.fresh(field(reply, "roomToken"))}


@check("mint_room_token.unknown_room", "fake", "§4 mint_room_token", "unknown room: 404 `Room not found.`")
def _mint_room_unknown(s: Session) -> Facts:
    return answer(s.send("POST", s.project_path(f"/rooms/{UNKNOWN_ID}/token")))

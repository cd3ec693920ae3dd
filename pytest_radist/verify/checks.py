"""The conformance checks: what the REST API alone can show of each rule.

Each check runs the same steps on a side (the target, or the fake) and
returns its *facts*: a small JSON object (status, error message, field
names and types, the values a rule fixes). A run compares the two sides'
facts; equal facts agree. A check is ``doc`` when it tests what Radist
documents (radist-api.md says [doc]), ``fake`` when it tests one of this
project's assumptions ([fake]). Where the spec splits a rule (a documented
status with an assumed message), two checks split it too.

Facts never hold ids, keys or tokens: the sides make different ones.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Callable
from urllib.parse import quote

from ..doors.forward import Reply
from .sides import Session, field

Facts = dict[str, Any]
UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
MILLISECONDS_Z = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")
#: Ids no target holds: fixed, so the two sides ask the same thing.
UNKNOWN_ID = "00000000-0000-4000-8000-00000000abcd"
UNKNOWN_SECRET_KEY = "rad_sk_pytestRadistVerifyUnknownKey0000"
UNKNOWN_PUBLIC_KEY = "rad_pk_pytestRadistVerifyUnknownKey0000"


@dataclass(frozen=True)
class Check:
    name: str
    #: ``"doc"`` or ``"fake"``: documented behaviour, or an assumption of the fake.
    source: str
    #: Where radist-api.md states the rule.
    spec: str
    #: The rule, in a line.
    rule: str
    run: Callable[[Session], Facts]


CHECKS: list[Check] = []


def check(name: str, source: str, spec: str, rule: str) -> Callable[[Callable[[Session], Facts]], Callable[[Session], Facts]]:
    def register(run: Callable[[Session], Facts]) -> Callable[[Session], Facts]:
        CHECKS.append(Check(name, source, spec, rule, run))
        return run

    return register


# -- facts ----------------------------------------------------------------------


def shape(value: Any) -> Any:
    """A JSON value's field names and types: ``{"callId": "string", ...}``;
    a list by the shape of its first item."""
    if isinstance(value, dict):
        return {key: shape(item) for key, item in sorted(value.items())}
    if isinstance(value, list):
        return [shape(value[0])] if value else []
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, (int, float)):
        return "number"
    return "string"


def answer(reply: Reply) -> Facts:
    """Status and error message (or what the body is instead)."""
    return {"status": reply.status, "error": error_of(reply)}


def error_of(reply: Reply) -> Any:
    body = reply.json
    if not reply.is_json:
        return f"<not JSON: {reply.content_type or 'no content type'}>"
    if isinstance(body, dict) and "error" in body:
        return body["error"]
    return "<no error field>"


def _new_token(reply: Reply, name: str) -> Facts:
    return {"status": reply.status, "shape": shape(reply.json), "prefix_ct": str(field(reply, name)).startswith("ct_")}


# -- credentials and conventions (radist-api.md 2) --------------------------------


@check("auth.missing_bearer", "doc", "§2 errors", "no Authorization header: 401 `Missing bearer token.`")
def _missing_bearer(s: Session) -> Facts:
    return answer(s.send("GET", s.project_path("/calls"), auth=None))


@check("auth.not_bearer", "doc", "§2 errors", "an Authorization header that is not Bearer: 401 `Missing bearer token.`")
def _not_bearer(s: Session) -> Facts:
    return answer(s.send("GET", s.project_path("/calls"), auth="Basic cHl0ZXN0OnJhZGlzdA=="))


@check("auth.unknown_secret_key.status", "doc", "§2 errors", "an unknown secret key: 401")
def _unknown_secret_status(s: Session) -> Facts:
    return {"status": s.send("GET", s.project_path("/calls"), auth=f"Bearer {UNKNOWN_SECRET_KEY}").status}


@check("auth.unknown_secret_key.message", "fake", "§2 errors", "an unknown secret key: `Invalid project id or secret key.`")
def _unknown_secret_message(s: Session) -> Facts:
    return {"error": error_of(s.send("GET", s.project_path("/calls"), auth=f"Bearer {UNKNOWN_SECRET_KEY}"))}


@check("auth.public_key_on_server_endpoint", "doc", "§2 errors", "a public key on a server endpoint: 401")
def _public_on_server(s: Session) -> Facts:
    return {"status": s.send("GET", s.project_path("/calls"), auth="public").status}


@check("auth.key_of_another_project", "doc", "§2 conventions", "the secret key must belong to the project in the path: 401")
def _other_project(s: Session) -> Facts:
    return {"status": s.send("GET", f"/projects/pytest-radist-verify-{s.nonce}/calls").status}


@check("auth.unknown_public_key.status", "doc", "§2 errors", "an unknown public key on the client endpoint: 401")
def _unknown_public_status(s: Session) -> Facts:
    return {"status": s.send("POST", f"/p2p/calls/{UNKNOWN_ID}/token", auth=f"Bearer {UNKNOWN_PUBLIC_KEY}").status}


@check("auth.unknown_public_key.message", "fake", "§2 errors", "an unknown public key: `Invalid public key.`")
def _unknown_public_message(s: Session) -> Facts:
    return {"error": error_of(s.send("POST", f"/p2p/calls/{UNKNOWN_ID}/token", auth=f"Bearer {UNKNOWN_PUBLIC_KEY}"))}


@check("auth.secret_key_on_client_endpoint", "doc", "§2 errors", "a secret key on the client endpoint: 401")
def _secret_on_client(s: Session) -> Facts:
    return {"status": s.send("POST", f"/p2p/calls/{UNKNOWN_ID}/token", auth="secret").status}


@check("routes.unknown_path", "fake", "§2 errors", "no such route: 404 `Not found.`")
def _unknown_path(s: Session) -> Facts:
    return answer(s.send("GET", f"/pytest-radist-verify-{s.nonce}"))


@check("routes.wrong_method", "fake", "§2 errors", "a known path with the wrong method: 405 `Method not allowed.`")
def _wrong_method(s: Session) -> Facts:
    return answer(s.send("DELETE", s.project_path("/calls")))


@check("body.not_json", "fake", "§2 errors", "a body that is not JSON: 400 `Invalid JSON body.`")
def _not_json(s: Session) -> Facts:
    return answer(s.send("PATCH", s.project_path(f"/spaces/{UNKNOWN_ID}"), body=b"this is not json"))


@check("body.not_an_object", "fake", "§2 errors", "a JSON body that is not an object: 400 `Invalid JSON body.`")
def _not_an_object(s: Session) -> Facts:
    return answer(s.send("PATCH", s.project_path(f"/spaces/{UNKNOWN_ID}"), body=[1, 2]))


@check("ids.percent_encoded_project_id", "doc", "§2 conventions",
       "a percent-encoded project id is one segment (`a%2Fb` is not a path): unknown project, 401")
def _encoded_project(s: Session) -> Facts:
    return {"status": s.send("GET", f"/projects/{quote(f'verify {s.nonce}/x', safe='')}/calls").status}


@check("ids.percent_encoded_call_id", "doc", "§2 conventions",
       "a percent-encoded `/` in a call id is part of the id: 404 `Call not found.`, not a missing route")
def _encoded_call(s: Session) -> Facts:
    return answer(s.send("POST", f"/p2p/calls/{quote(f'verify/{s.nonce}', safe='')}/token", auth="public"))


# -- calls (radist-api.md 3) -------------------------------------------------------


@check("create_call.default", "doc", "§3 create_call",
       "no body: 200 with callId, two callTokens and accessControl `private`")
def _create_call(s: Session) -> Facts:
    reply = s.private_call()
    tokens = field(reply, "callTokens")
    return {
        "status": reply.status, "shape": shape(reply.json), "accessControl": field(reply, "accessControl"),
        "tokens": len(tokens) if isinstance(tokens, list) else None,
    }


@check("create_call.public", "doc", "§3 create_call", "`{\"accessControl\": \"public\"}`: 200, accessControl `public`")
def _create_public_call(s: Session) -> Facts:
    reply = s.public_call()
    return {"status": reply.status, "accessControl": field(reply, "accessControl")}


@check("create_call.bad_access_control", "fake", "§3 create_call", "another accessControl: 400 `Invalid accessControl value.`")
def _bad_access_control(s: Session) -> Facts:
    reply = s.send("POST", s.project_path("/calls"), body={"accessControl": "pytest-radist-verify"})
    if reply.status == 200:  # a target that ignores the value made a call: count it
        s.made["calls"] += 1
    return answer(reply)


@check("ids.call_id", "doc", "§1", "call ids are UUID strings; call tokens start with `ct_`")
def _call_ids(s: Session) -> Facts:
    reply = s.private_call()
    tokens = field(reply, "callTokens") or []
    return {"uuid": bool(UUID.match(str(field(reply, "callId")))), "ct_": all(str(t).startswith("ct_") for t in tokens)}


def _list(s: Session, query: str) -> Reply:
    return s.send("GET", s.project_path("/calls"), query=query)


@check("list_calls.defaults", "doc", "§3 list_calls", "no query: page 1, limit 20; calls, page, limit, total")
def _list_defaults(s: Session) -> Facts:
    s.private_call()
    reply = _list(s, "")
    body = reply.json if isinstance(reply.json, dict) else {}
    return {"status": reply.status, "fields": sorted(body), "page": body.get("page"), "limit": body.get("limit"),
            "total_counts_calls": isinstance(body.get("total"), int) and body["total"] >= 1}


@check("list_calls.item", "doc", "§3 list_calls", "each call listed has callId, createdAt, tombstonedAt")
def _list_item(s: Session) -> Facts:
    s.private_call()
    return {"item_fields": sorted(field(_list(s, "limit=1"), "calls", 0) or {})}


def _listed_private_call(s: Session) -> Any:
    """The private call's entry in the list (of the newest 100, listed once a run)."""
    call_id = field(s.private_call(), "callId")
    listing = s.once("calls listed after the private call", lambda: _list(s, "limit=100"))
    return next((c for c in field(listing, "calls") or [] if isinstance(c, dict) and c.get("callId") == call_id), None)


@check("list_calls.live_call", "fake", "§3 list_calls", "a live call lists `tombstonedAt: null`")
def _list_live_call(s: Session) -> Facts:
    listed = _listed_private_call(s)
    return {"listed": listed is not None, "tombstonedAt": None if listed is None else shape(listed.get("tombstonedAt"))}


@check("list_calls.newest_first", "fake", "§3 list_calls", "newest call first")
def _newest_first(s: Session) -> Facts:
    first, second = field(s.private_call(), "callId"), field(s.public_call(), "callId")
    ids = [c.get("callId") for c in field(_list(s, "limit=100"), "calls") or [] if isinstance(c, dict)]
    return {"both_listed": first in ids and second in ids,
            "newest_first": first in ids and second in ids and ids.index(second) < ids.index(first)}


@check("timestamps.iso_8601", "doc", "§1", "createdAt is an ISO 8601 UTC string")
def _iso(s: Session) -> Facts:
    created = (_listed_private_call(s) or {}).get("createdAt")
    try:
        parsed = datetime.fromisoformat(str(created).replace("Z", "+00:00"))
    except ValueError:
        return {"iso_8601_utc": False}
    offset = parsed.utcoffset()
    return {"iso_8601_utc": offset is not None and offset.total_seconds() == 0}


@check("timestamps.milliseconds_z", "fake", "§1", "timestamps have millisecond precision and a `Z` suffix")
def _milliseconds(s: Session) -> Facts:
    created = (_listed_private_call(s) or {}).get("createdAt")
    return {"milliseconds_z": bool(MILLISECONDS_Z.match(str(created)))}


@check("list_calls.limit_clamped", "fake", "§3 list_calls", "a limit above 100 is clamped: 200 with `limit: 100`")
def _clamped(s: Session) -> Facts:
    reply = _list(s, "limit=1000")
    calls = field(reply, "calls")
    return {"status": reply.status, "limit": field(reply, "limit"), "at_most_100": isinstance(calls, list) and len(calls) <= 100}


@check("list_calls.page_past_end", "fake", "§3 list_calls", "a page past the end: 200 with an empty list")
def _past_end(s: Session) -> Facts:
    reply = _list(s, "page=1000000&limit=1")
    calls = field(reply, "calls")
    return {"status": reply.status, "calls_listed": len(calls) if isinstance(calls, list) else None, "page": field(reply, "page")}


@check("list_calls.invalid_page", "doc", "§3 list_calls", "page 0 or not a number: 400 `Invalid page query parameter.`")
def _invalid_page(s: Session) -> Facts:
    return {"page=0": answer(_list(s, "page=0")), "page=abc": answer(_list(s, "page=abc"))}


@check("list_calls.invalid_limit", "fake", "§3 list_calls", "limit 0 or not a number: 400 `Invalid limit query parameter.`")
def _invalid_limit(s: Session) -> Facts:
    return {"limit=0": answer(_list(s, "limit=0")), "limit=abc": answer(_list(s, "limit=abc"))}


# -- participant tokens (radist-api.md 3) --------------------------------------------


def _call_id(s: Session, reply: Reply) -> str:
    return quote(str(field(reply, "callId")), safe="")


@check("mint_call_token.server", "doc", "§3 mint_call_token", "the secret-key mint, private call: 200 `{\"callToken\": \"ct_...\"}`")
def _mint_server(s: Session) -> Facts:
    return _new_token(s.send("POST", s.project_path(f"/p2p/calls/{_call_id(s, s.private_call())}/token")), "callToken")


@check("mint_call_token.unknown_call", "fake", "§3 mint_call_token", "the secret-key mint, unknown call: 404 `Call not found.`")
def _mint_server_unknown(s: Session) -> Facts:
    return answer(s.send("POST", s.project_path(f"/p2p/calls/{UNKNOWN_ID}/token")))


@check("mint_call_token_public.private.status", "doc", "§3 mint_call_token_public", "the public-key mint on a private call: 403")
def _mint_private_status(s: Session) -> Facts:
    return {"status": s.send("POST", f"/p2p/calls/{_call_id(s, s.private_call())}/token", auth="public").status}


@check("mint_call_token_public.private.message", "fake", "§3 mint_call_token_public",
       "the public-key mint on a private call: `Call is private.`")
def _mint_private_message(s: Session) -> Facts:
    return {"error": error_of(s.send("POST", f"/p2p/calls/{_call_id(s, s.private_call())}/token", auth="public"))}


@check("mint_call_token_public.public", "doc", "§3 mint_call_token_public", "the public-key mint on a public call: 200 with a callToken")
def _mint_public(s: Session) -> Facts:
    return _new_token(s.send("POST", f"/p2p/calls/{_call_id(s, s.public_call())}/token", auth="public"), "callToken")


@check("mint_call_token_public.unknown_call", "doc", "§3 mint_call_token_public", "the public-key mint, unknown call: 404 `Call not found.`")
def _mint_public_unknown(s: Session) -> Facts:
    return answer(s.send("POST", f"/p2p/calls/{UNKNOWN_ID}/token", auth="public"))


@check("mint_call_token_public.key_first", "fake", "§3 mint_call_token_public", "a bad key is checked before the call: 401, not 404")
def _mint_key_first(s: Session) -> Facts:
    return {"status": s.send("POST", f"/p2p/calls/{UNKNOWN_ID}/token", auth=f"Bearer {UNKNOWN_PUBLIC_KEY}").status}


# -- rooms (radist-api.md 4) ---------------------------------------------------------


@check("create_room", "doc", "§4 create_room", "no body: 200 with roomId and two roomTokens `ct_...`")
def _create_room(s: Session) -> Facts:
    reply = s.room()
    tokens = field(reply, "roomTokens")
    return {"status": reply.status, "shape": shape(reply.json), "tokens": len(tokens) if isinstance(tokens, list) else None,
            "ct_": isinstance(tokens, list) and all(str(t).startswith("ct_") for t in tokens)}


@check("ids.room_id", "fake", "§1", "room ids are UUID strings")
def _room_id(s: Session) -> Facts:
    return {"uuid": bool(UUID.match(str(field(s.room(), "roomId"))))}


@check("mint_room_token", "doc", "§4 mint_room_token", "200 `{\"roomToken\": \"ct_...\"}`")
def _mint_room(s: Session) -> Facts:
    room_id = quote(str(field(s.room(), "roomId")), safe="")
    return _new_token(s.send("POST", s.project_path(f"/rooms/{room_id}/token")), "roomToken")


@check("mint_room_token.unknown_room", "fake", "§4 mint_room_token", "unknown room: 404 `Room not found.`")
def _mint_room_unknown(s: Session) -> Facts:
    return answer(s.send("POST", s.project_path(f"/rooms/{UNKNOWN_ID}/token")))


# -- spaces (radist-api.md 5) ----------------------------------------------------------


def _name(s: Session) -> str:
    return f"Verify {s.nonce} Café: Team Standup!"


def _main_space(s: Session) -> Reply:
    return s.space("main", {"name": _name(s), "accessType": "public"})


def _twin_space(s: Session) -> Reply:
    return s.space("twin", {"name": _name(s), "accessType": "public"})


def _space_path(s: Session, reply: Reply, rest: str = "") -> str:
    return s.project_path(f"/spaces/{quote(str(field(reply, 'space', 'id')), safe='')}{rest}")


def _listed_space(s: Session, reply: Reply) -> Any:
    space_id = field(reply, "space", "id")
    spaces = field(s.send("GET", s.project_path("/spaces")), "spaces") or []
    return next((x for x in spaces if isinstance(x, dict) and x.get("id") == space_id), None)


@check("create_space", "doc", "§5", "200 with space, participantUrl, hostUrl, hostToken; the space's fields")
def _create_space(s: Session) -> Facts:
    reply = _main_space(s)
    return {"status": reply.status, "shape": shape(reply.json), "name": field(reply, "space", "name"),
            "accessType": field(reply, "space", "accessType")}


@check("create_space.urls", "doc", "§5", "participantUrl ends in `/s/<slug>`; hostUrl is it plus `?host=1`")
def _space_urls(s: Session) -> Facts:
    reply = _main_space(s)
    url, slug = str(field(reply, "participantUrl")), field(reply, "space", "slug")
    return {"participant_url_ends_with_slug": url.endswith(f"/s/{slug}"), "host_url": field(reply, "hostUrl") == f"{url}?host=1"}


@check("create_space.slug_from_name", "fake", "§5", "the slug: lowercase letters and digits, other runs `-`, trimmed")
def _slug_from_name(s: Session) -> Facts:
    return {"slug": field(_main_space(s), "space", "slug")}


@check("create_space.slug_clash", "fake", "§5", "a second space with the same name gets `-2`")
def _slug_clash(s: Session) -> Facts:
    first, second = field(_main_space(s), "space", "slug"), field(_twin_space(s), "space", "slug")
    return {"second_slug": second, "suffix": second[len(first):] if isinstance(first, str) and isinstance(second, str) and second.startswith(first) else None}


@check("create_space.host_token", "fake", "§5", "host tokens start with `ht_`")
def _host_token(s: Session) -> Facts:
    return {"ht_": str(field(_main_space(s), "hostToken")).startswith("ht_")}


@check("create_space.active_room", "fake", "§5", "activeRoomId is null while nobody is in the space")
def _active_room(s: Session) -> Facts:
    return {"activeRoomId": shape(field(_main_space(s), "space", "activeRoomId"))}


@check("create_space.password_hidden", "doc", "§5", "a password space: the password is never returned")
def _password_hidden(s: Session) -> Facts:
    reply = s.space("password", {"name": f"Verify {s.nonce} locked", "accessType": "password", "password": f"pw-{s.nonce}"})
    listed = _listed_space(s, reply)
    return {"status": reply.status, "accessType": field(reply, "space", "accessType"),
            "password_in_answer": f"pw-{s.nonce}" in reply.raw.decode("utf-8", "replace"),
            "password_in_list": listed is None or "password" in listed}


@check("create_space.password_required", "fake", "§5", "a password space without one: 400 `Password is required for password spaces.`")
def _password_required(s: Session) -> Facts:
    return answer(s.send("POST", s.project_path("/spaces"), body={"name": f"Verify {s.nonce}", "accessType": "password"}))


@check("create_space.name_required", "fake", "§5", "no name: 400 `Name is required.`")
def _name_required(s: Session) -> Facts:
    return answer(s.send("POST", s.project_path("/spaces"), body={"accessType": "public"}))


@check("create_space.invalid_access_type", "fake", "§5", "another accessType: 400 `Invalid accessType value.`")
def _invalid_access_type(s: Session) -> Facts:
    return answer(s.send("POST", s.project_path("/spaces"), body={"name": f"Verify {s.nonce}", "accessType": "everyone"}))


@check("list_spaces", "doc", "§5", "`{\"spaces\": [...]}`, not paginated; listed spaces carry participantUrl")
def _list_spaces(s: Session) -> Facts:
    reply = s.send("GET", s.project_path("/spaces"))
    listed = _listed_space(s, _main_space(s))
    return {"status": reply.status, "fields": sorted(reply.json) if isinstance(reply.json, dict) else None,
            "listed": listed is not None, "participantUrl": isinstance(listed, dict) and "participantUrl" in listed}


@check("update_space", "doc", "§5", "PATCH a name: 200 `{\"space\"}` with the new name")
def _update_space(s: Session) -> Facts:
    reply = s.send("PATCH", _space_path(s, _twin_space(s)), body={"name": f"Verify {s.nonce} renamed"})
    return {"status": reply.status, "fields": sorted(reply.json) if isinstance(reply.json, dict) else None,
            "name": field(reply, "space", "name")}


def _explicit_slug(s: Session) -> str:
    return f"verify-{s.nonce}-explicit"


@check("update_space.slug", "fake", "§5", "PATCH a valid slug: the space takes it as given")
def _update_slug(s: Session) -> Facts:
    reply = s.send("PATCH", _space_path(s, _main_space(s)), body={"slug": _explicit_slug(s)})
    return {"status": reply.status, "slug": field(reply, "space", "slug")}


@check("update_space.slug_taken", "fake", "§5", "PATCH another space's slug: 409 `Slug is already taken.`")
def _slug_taken(s: Session) -> Facts:
    s.send("PATCH", _space_path(s, _main_space(s)), body={"slug": _explicit_slug(s)})
    return answer(s.send("PATCH", _space_path(s, _twin_space(s)), body={"slug": _explicit_slug(s)}))


@check("update_space.invalid_slug", "fake", "§5", "PATCH a slug outside `^[a-z0-9]+(-[a-z0-9]+)*$`: 400 `Invalid slug.`")
def _invalid_slug(s: Session) -> Facts:
    return answer(s.send("PATCH", _space_path(s, _main_space(s)), body={"slug": "Not A Slug"}))


@check("update_space.unknown", "fake", "§5", "PATCH an unknown space: 404 `Space not found.`")
def _update_unknown(s: Session) -> Facts:
    return answer(s.send("PATCH", s.project_path(f"/spaces/{UNKNOWN_ID}"), body={"name": "x"}))


@check("rotate_space_host_token", "doc", "§5", "200 with participantUrl, hostUrl and a new hostToken")
def _rotate(s: Session) -> Facts:
    space = _main_space(s)
    reply = s.send("POST", _space_path(s, space, "/rotate-host-token"))
    return {"status": reply.status, "shape": shape(reply.json),
            "new_token": field(reply, "hostToken") not in (None, field(space, "hostToken"))}


@check("delete_space", "doc", "§5", "DELETE: 200 `{\"success\": true}`; the space is gone from the list")
def _delete_space(s: Session) -> Facts:
    space = s.space("doomed", {"name": f"Verify {s.nonce} doomed", "accessType": "knock"})
    reply = s.send("DELETE", _space_path(s, space))
    if reply.status == 200:
        s.forget_space(str(field(space, "space", "id")))
    return {"status": reply.status, "body": reply.json, "still_listed": _listed_space(s, space) is not None}


@check("delete_space.unknown", "fake", "§5", "DELETE an unknown space: 404 `Space not found.`")
def _delete_unknown(s: Session) -> Facts:
    return answer(s.send("DELETE", s.project_path(f"/spaces/{UNKNOWN_ID}")))


def new_nonce() -> str:
    """Six hex digits naming one run's spaces (a new run never clashes with an old one)."""
    return uuid.uuid4().hex[:6]

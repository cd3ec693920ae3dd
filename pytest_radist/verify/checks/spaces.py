"""radist-api.md 5: spaces, their slugs, URLs, host tokens and passwords."""

from __future__ import annotations

from typing import Any

from ...fidelity.answers import ALL_FORMATS, Facts, answer, field, kind, shape
from ..sides import Session
from . import UNKNOWN_ID, check
from .common import attempt, listed_space, locked_space, main_space, password, secret_kept, space_path, spaces_listed, twin_space


@check("create_space", "doc", "§5", "200 `{space, participantUrl, hostUrl, hostToken}`; the space's fields as documented, "
       "`participantUrl` not on the space object itself")
def _create_space(s: Session) -> Facts:
    reply = main_space(s)
    return {**answer(reply), "name": field(reply, "space", "name"), "accessType": field(reply, "space", "accessType"),
            "projectId_is_the_project": field(reply, "space", "projectId") == s.credentials.project_id}


@check("create_space.urls", "doc", "§5", "participantUrl ends in `/s/<slug>`; hostUrl is it plus `?host=1`")
def _space_urls(s: Session) -> Facts:
    reply = main_space(s)
    url, slug = str(field(reply, "participantUrl")), field(reply, "space", "slug")
    return {"participant_url_ends_with_slug": url.endswith(f"/s/{slug}"), "host_url": field(reply, "hostUrl") == f"{url}?host=1"}


@check("create_space.slug_from_name", "fake", "§5", "the slug: lowercase letters and digits, other runs `-`, trimmed")
def _slug_from_name(s: Session) -> Facts:
    return {"slug": field(main_space(s), "space", "slug")}


@check("create_space.slug_clash", "fake", "§5", "a second space with the same name gets `-2`")
def _slug_clash(s: Session) -> Facts:
    first, second = field(main_space(s), "space", "slug"), field(twin_space(s), "space", "slug")
    suffix = second[len(first):] if isinstance(first, str) and isinstance(second, str) and second.startswith(first) else None
    return {"second_slug": second, "suffix": suffix}


@check("ids.space_formats", "fake", "§1", "space ids are UUID strings, host tokens start with `ht_`, times have milliseconds and `Z`")
def _space_formats(s: Session) -> Facts:
    reply = main_space(s)
    return {"id": kind(field(reply, "space", "id"), ALL_FORMATS), "hostToken": kind(field(reply, "hostToken"), ALL_FORMATS),
            "createdAt": kind(field(reply, "space", "createdAt"), ALL_FORMATS)}


@check("create_space.password_hidden", "doc", "§5", "a password space: the password is never returned, by create or list")
def _password_hidden(s: Session) -> Facts:
    reply = locked_space(s)
    listed = spaces_listed(s)
    return {"status": reply.status, "accessType": field(reply, "space", "accessType"),
            "create": secret_kept(s, reply), "list": secret_kept(s, listed)}


@check("create_space.refusals", "fake", "§5", "no name, another accessType, a password space without a password, "
       "wrong JSON types: 400 with `Name is required.`, `Invalid accessType value.`, `Password is required for password spaces.`, "
       "`Invalid password value.`")
def _refusals(s: Session) -> Facts:
    cases: dict[str, dict[str, Any]] = {
        "no name": {"accessType": "public"},
        "name not a string": {"name": 5, "accessType": "public"},
        "blank name": {"name": "   ", "accessType": "public"},
        "another accessType": {"name": f"Verify {s.nonce}", "accessType": "everyone"},
        "accessType not a string": {"name": f"Verify {s.nonce}", "accessType": 5},
        "password space without one": {"name": f"Verify {s.nonce}", "accessType": "password"},
        "password not a string": {"name": f"Verify {s.nonce}", "accessType": "password", "password": 5},
    }
    return {case: answer(attempt(s, "create_space", "POST", s.project_path("/spaces"), body)) for case, body in cases.items()}


@check("list_spaces", "doc", "§5", "`{\"spaces\": [...]}`, not paginated; listed spaces carry participantUrl")
def _list_spaces(s: Session) -> Facts:
    reply = spaces_listed(s)
    listed = listed_space(s, main_space(s))
    return {**{k: v for k, v in answer(reply).items() if k != "body"},
            "fields": sorted(reply.json) if isinstance(reply.json, dict) else None,
            "listed": None if listed is None else shape(listed)}


@check("update_space", "doc", "§5", "PATCH a name: 200 `{space}` with the new name; no participantUrl, no password")
def _update_space(s: Session) -> Facts:
    reply = s.send("PATCH", space_path(s, twin_space(s)), body={"name": f"Verify {s.nonce} renamed"})
    return {**answer(reply), "name": field(reply, "space", "name")}


@check("update_space.access_type", "doc", "§5", "PATCH an accessType: 200, the space has it")
def _update_access_type(s: Session) -> Facts:
    reply = s.send("PATCH", space_path(s, twin_space(s)), body={"accessType": "knock"})
    listed = listed_space(s, twin_space(s)) or {}
    return {"status": reply.status, "accessType": field(reply, "space", "accessType"), "listed_as": listed.get("accessType")}


@check("update_space.password_hidden", "doc", "§5", "PATCH a password: the answer does not return it")
def _update_password(s: Session) -> Facts:
    reply = s.send("PATCH", space_path(s, locked_space(s)), body={"password": password(s)})
    return {"status": reply.status, **secret_kept(s, reply)}


def explicit_slug(s: Session) -> str:
    return f"verify-{s.nonce}-explicit"


@check("update_space.slug", "fake", "§5", "PATCH a valid slug: the space takes it as given")
def _update_slug(s: Session) -> Facts:
    reply = s.send("PATCH", space_path(s, main_space(s)), body={"slug": explicit_slug(s)})
    return {"status": reply.status, "slug": field(reply, "space", "slug")}


@check("update_space.slug_taken", "fake", "§5", "PATCH another space's slug: 409 `Slug is already taken.`")
def _slug_taken(s: Session) -> Facts:
    s.send("PATCH", space_path(s, main_space(s)), body={"slug": explicit_slug(s)})
    return answer(s.send("PATCH", space_path(s, twin_space(s)), body={"slug": explicit_slug(s)}))


@check("update_space.invalid_slug", "fake", "§5",
       "PATCH a slug outside `^[a-z0-9]+(-[a-z0-9]+)*$`, over 64 characters or not a string: 400 `Invalid slug.`")
def _invalid_slug(s: Session) -> Facts:
    path = space_path(s, main_space(s))
    return {label: answer(s.send("PATCH", path, body={"slug": slug}))
            for label, slug in (("spaces and capitals", "Not A Slug"), ("65 characters", "a" * 65), ("a number", 5))}


@check("update_space.unknown", "fake", "§5", "PATCH an unknown space: 404 `Space not found.`")
def _update_unknown(s: Session) -> Facts:
    return answer(s.send("PATCH", s.project_path(f"/spaces/{UNKNOWN_ID}"), body={"name": "x"}))


@check("rotate_space_host_token", "doc", "§5", "200 `{participantUrl, hostUrl, hostToken}` with a new host token; no password")
def _rotate(s: Session) -> Facts:
    space = locked_space(s)
    reply = s.send("POST", space_path(s, space, "/rotate-host-token"))
    return {**answer(reply), "new_token": field(reply, "hostToken") not in (None, field(space, "hostToken")),
            "fresh": s.fresh(field(reply, "hostToken")), **secret_kept(s, reply)}


@check("rotate_space_host_token.unknown", "fake", "§5", "rotate an unknown space's host token: 404 `Space not found.`")
def _rotate_unknown(s: Session) -> Facts:
    return answer(s.send("POST", s.project_path(f"/spaces/{UNKNOWN_ID}/rotate-host-token")))


@check("delete_space", "doc", "§5", "DELETE: 200 `{\"success\": true}`; the space is gone from the list")
def _delete_space(s: Session) -> Facts:
    space = s.space("doomed", {"name": f"Verify {s.nonce} doomed", "accessType": "knock"})
    reply = s.send("DELETE", space_path(s, space))
    if reply.status == 200:
        s.forget_space(str(field(space, "space", "id")))
    return {"status": reply.status, "content_type": answer(reply)["content_type"], "body": reply.json,
            "still_listed": listed_space(s, space) is not None}


@check("delete_space.unknown", "fake", "§5", "DELETE an unknown space: 404 `Space not found.`")
def _delete_unknown(s: Session) -> Facts:
    return answer(s.send("DELETE", s.project_path(f"/spaces/{UNKNOWN_ID}")))

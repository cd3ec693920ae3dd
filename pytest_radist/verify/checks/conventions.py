"""radist-api.md 1 and 2: credentials, the bearer header, routes, methods,
JSON bodies, percent-encoded ids, media types."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from ...fidelity.answers import Facts, answer, error_of, header, methods, status_only
from ..sides import Session
from . import UNKNOWN_ID, UNKNOWN_PUBLIC_KEY, UNKNOWN_SECRET_KEY, check
from .common import attempt, main_space, public_call_id, space_path


def every_endpoint(s: Session) -> list[tuple[str, str, str, str]]:
    """(endpoint, method, path under /api/v1, key) for each REST endpoint,
    with ids no target holds."""
    return [
        ("create_call", "POST", s.project_path("/calls"), "secret"),
        ("list_calls", "GET", s.project_path("/calls"), "secret"),
        ("mint_call_token", "POST", s.project_path(f"/p2p/calls/{UNKNOWN_ID}/token"), "secret"),
        ("mint_call_token_public", "POST", f"/p2p/calls/{UNKNOWN_ID}/token", "public"),
        ("create_room", "POST", s.project_path("/rooms"), "secret"),
        ("mint_room_token", "POST", s.project_path(f"/rooms/{UNKNOWN_ID}/token"), "secret"),
        ("create_space", "POST", s.project_path("/spaces"), "secret"),
        ("list_spaces", "GET", s.project_path("/spaces"), "secret"),
        ("update_space", "PATCH", s.project_path(f"/spaces/{UNKNOWN_ID}"), "secret"),
        ("delete_space", "DELETE", s.project_path(f"/spaces/{UNKNOWN_ID}"), "secret"),
        ("rotate_space_host_token", "POST", s.project_path(f"/spaces/{UNKNOWN_ID}/rotate-host-token"), "secret"),
    ]


# -- the bearer header (radist-api.md 2) --------------------------------------------


@check("auth.missing_bearer", "doc", "§2 errors", "no Authorization header, on every endpoint: 401 `Missing bearer token.`")
def _missing_bearer(s: Session) -> Facts:
    return {endpoint: answer(s.send(method, path, auth=None)) for endpoint, method, path, _ in every_endpoint(s)}


@check("auth.not_bearer", "doc", "§2 errors", "an Authorization header of another scheme: 401 `Missing bearer token.`")
def _not_bearer(s: Session) -> Facts:
    basic = "Basic cHl0ZXN0OnJhZGlzdA=="
    return {"server": answer(s.send("GET", s.project_path("/calls"), auth=basic)),
            "client": answer(s.send("POST", f"/p2p/calls/{public_call_id(s)}/token", auth=basic))}


@check("auth.bare_key", "doc", "§2 errors", "the key alone, without `Bearer `: 401 `Missing bearer token.`")
def _bare_key(s: Session) -> Facts:
    return {"server": answer(s.send("GET", s.project_path("/calls"), auth=s.credentials.secret_key)),
            "client": answer(s.send("POST", f"/p2p/calls/{public_call_id(s)}/token", auth=s.credentials.public_key))}


@check("auth.empty_bearer", "doc", "§2 errors", "`Bearer` with nothing after it: 401 `Missing bearer token.`")
def _empty_bearer(s: Session) -> Facts:
    return answer(s.send("GET", s.project_path("/calls"), auth="Bearer "))


@check("auth.scheme_case", "fake", "§2 conventions", "the scheme in any case (`bearer`, `BEARER`) is accepted")
def _scheme_case(s: Session) -> Facts:
    return {scheme: s.send("GET", s.project_path("/calls"), query="limit=1", auth=f"{scheme} {s.credentials.secret_key}").status
            for scheme in ("bearer", "BEARER")}


@check("auth.extra_spaces", "fake", "§2 conventions", "spaces around the key are ignored")
def _extra_spaces(s: Session) -> Facts:
    return {"status": s.send("GET", s.project_path("/calls"), query="limit=1", auth=f"Bearer   {s.credentials.secret_key}  ").status}


# -- which key, which project ------------------------------------------------------------


def _server_refusals(s: Session) -> dict[str, Any]:
    return s.once("server refusals", lambda: {  # type: ignore[no-any-return]
        "unknown secret key": s.send("GET", s.project_path("/calls"), auth=f"Bearer {UNKNOWN_SECRET_KEY}"),
        "public key": s.send("GET", s.project_path("/calls"), auth="public"),
        "key of another project": s.send("GET", f"/projects/pytest-radist-verify-{s.nonce}/calls"),
    })


@check("auth.secret_endpoints.status", "doc", "§2 errors",
       "a server endpoint with an unknown key, a public key, or a key of another project: 401")
def _server_refusal_status(s: Session) -> Facts:
    return {case: status_only(reply) for case, reply in _server_refusals(s).items()}


@check("auth.secret_endpoints.message", "fake", "§2 errors", "...with the message `Invalid project id or secret key.`")
def _server_refusal_message(s: Session) -> Facts:
    return {case: error_of(reply) for case, reply in _server_refusals(s).items()}


def _client_refusals(s: Session) -> dict[str, Any]:
    call = public_call_id(s)
    return s.once("client refusals", lambda: {  # type: ignore[no-any-return]
        "unknown public key": s.send("POST", f"/p2p/calls/{call}/token", auth=f"Bearer {UNKNOWN_PUBLIC_KEY}"),
        "secret key": s.send("POST", f"/p2p/calls/{call}/token", auth="secret"),
    })


@check("auth.client_endpoint.status", "doc", "§2 errors", "the client endpoint with an unknown key or a secret key: 401")
def _client_refusal_status(s: Session) -> Facts:
    return {case: status_only(reply) for case, reply in _client_refusals(s).items()}


@check("auth.client_endpoint.message", "fake", "§2 errors", "...with the message `Invalid public key.`")
def _client_refusal_message(s: Session) -> Facts:
    return {case: error_of(reply) for case, reply in _client_refusals(s).items()}


# -- routes and methods -----------------------------------------------------------------------


@check("routes.unknown_path", "fake", "§2 errors", "no such route: 404 `Not found.`")
def _unknown_path(s: Session) -> Facts:
    return answer(s.send("GET", f"/pytest-radist-verify-{s.nonce}"))


#: Every path of the REST API, a method it does not take, and the methods it does.
def _paths(s: Session) -> list[tuple[str, str, list[str]]]:
    return [
        (s.project_path("/calls"), "DELETE", ["GET", "HEAD", "POST"]),
        (s.project_path(f"/p2p/calls/{UNKNOWN_ID}/token"), "GET", ["POST"]),
        (f"/p2p/calls/{UNKNOWN_ID}/token", "GET", ["POST"]),
        (s.project_path("/rooms"), "GET", ["POST"]),
        (s.project_path(f"/rooms/{UNKNOWN_ID}/token"), "GET", ["POST"]),
        (s.project_path("/spaces"), "DELETE", ["GET", "HEAD", "POST"]),
        (s.project_path(f"/spaces/{UNKNOWN_ID}"), "GET", ["DELETE", "PATCH"]),
        (s.project_path(f"/spaces/{UNKNOWN_ID}/rotate-host-token"), "GET", ["POST"]),
    ]


@check("routes.wrong_method", "fake", "§2 errors",
       "a known path with a method it does not take, on every path: 405 `Method not allowed.` with `Allow` naming the methods")
def _wrong_method(s: Session) -> Facts:
    facts = {}
    for path, method, _ in _paths(s):
        reply = s.send(method, path)
        facts[f"{method} {path.replace(s.project_path(), '/projects/{projectId}').replace(UNKNOWN_ID, '{id}')}"] = {
            **answer(reply), "allow": methods(header(reply, "Allow"))}
    return facts


@check("routes.head", "fake", "§2 conventions",
       "`HEAD` of a `GET` route is answered as that `GET` without its body: the same status and type, an empty body")
def _head(s: Session) -> Facts:
    facts = {}
    for name, path in (("list_calls", s.project_path("/calls")), ("list_spaces", s.project_path("/spaces"))):
        head, get = s.send("HEAD", path), s.send("GET", path)
        facts[name] = {"status": head.status, "as the GET's": head.status == get.status and head.content_type == get.content_type,
                       "body bytes": len(head.raw)}
    return facts


# -- JSON bodies -----------------------------------------------------------------------------


def _space_path(s: Session) -> str:
    return space_path(s, main_space(s))


def _bodies(s: Session) -> list[tuple[str, str, str]]:
    """(name, method, path) of the endpoints that read a body."""
    return [("create_call", "POST", s.project_path("/calls")), ("create_space", "POST", s.project_path("/spaces")),
            ("update_space", "PATCH", _space_path(s))]


@check("body.invalid_json", "fake", "§2 errors", "a body that is not JSON, on every endpoint that reads one: 400 `Invalid JSON body.`")
def _invalid_json(s: Session) -> Facts:
    return {name: answer(attempt(s, name, method, path, b"{this is not json")) for name, method, path in _bodies(s)}


@check("body.not_an_object", "fake", "§2 errors", "a JSON body that is not an object (array, string, number, null): 400 `Invalid JSON body.`")
def _not_an_object(s: Session) -> Facts:
    facts: Facts = {}
    for name, method, path in _bodies(s):
        for label, raw in (("array", b"[1, 2]"), ("string", b'"public"'), ("number", b"5"), ("null", b"null")):
            facts[f"{name} {label}"] = answer(attempt(s, name, method, path, raw))
    return facts


@check("body.on_a_bodiless_endpoint", "fake", "§2 errors", "a body that is not JSON where none is read (create_room): 400 `Invalid JSON body.`")
def _bodiless(s: Session) -> Facts:
    return answer(attempt(s, "create_room", "POST", s.project_path("/rooms"), b"{this is not json"))


# -- ids in paths ------------------------------------------------------------------------------


@check("ids.percent_encoded_project_id", "doc", "§2 conventions",
       "a percent-encoded project id is one segment (`a%2Fb` is not a path): unknown project, 401")
def _encoded_project(s: Session) -> Facts:
    return status_only(s.send("GET", f"/projects/{quote(f'verify {s.nonce}/x', safe='')}/calls"))


@check("ids.percent_encoded_call_id", "doc", "§2 conventions",
       "a percent-encoded `/` in a call id is part of the id: 404 `Call not found.`, not a missing route")
def _encoded_call(s: Session) -> Facts:
    return answer(s.send("POST", f"/p2p/calls/{quote(f'verify/{s.nonce}', safe='')}/token", auth="public"))

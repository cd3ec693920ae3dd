"""An OpenAPI 3.1 description of Radist as the fake implements it, and of the
fake's control plane, derived from the route tables so it cannot drift.

Every operation says where it comes from in ``x-radist-source``: ``doc``
(Radist documents it) or ``fake`` (a choice of this project); error
responses say it per message. ``python -m pytest_radist.openapi``
prints it; the package ships it as ``pytest_radist/openapi.json`` (a test
checks the two agree) and the control plane serves it at
``/_radist/openapi.json``.
"""

from __future__ import annotations

import json
from typing import Any

from . import __version__
from . import errors as E
from .api import routes
from .api.handlers import DEFAULT_LIMIT, DEFAULT_PAGE, MAX_LIMIT

#: Messages Radist does not document (the status may be documented).
FAKE_MESSAGES = {
    E.INVALID_SECRET_KEY, E.INVALID_PUBLIC_KEY, E.INVALID_JSON_BODY, E.NOT_FOUND, E.METHOD_NOT_ALLOWED,
    E.INVALID_ACCESS_CONTROL, E.INVALID_LIMIT, E.CALL_PRIVATE, E.ROOM_NOT_FOUND, E.INVALID_SLUG, E.SLUG_TAKEN,
    E.NAME_REQUIRED, E.INVALID_ACCESS_TYPE, E.PASSWORD_REQUIRED, E.INVALID_PASSWORD, E.SPACE_NOT_FOUND,
}
#: Operations whose every detail is a guess of this project.
FAKE_OPERATIONS = {"p2p_signaling": "doc", "room_signaling": "fake"}

_STRING = {"type": "string"}
_TIME = {"type": "string", "description": "ISO 8601 UTC with milliseconds, e.g. 2026-11-21T10:15:30.123Z"}
_TOKEN = {"type": "string", "pattern": "^ct_"}
_ACCESS_CONTROL = {"type": "string", "enum": ["private", "public"]}
_ACCESS_TYPE = {"type": "string", "enum": ["public", "password", "knock"]}
# a character that is not blank as Python's str.strip() reads blank (the fake's
# check): ECMA 262's \s, which JSON Schema means, lacks \x1c-\x1f and \x85
_NAME = {"type": "string", "pattern": "[^\\s\\x1c-\\x1f\\x85]"}
_PASSWORD_SPACE = {"required": ["accessType"], "properties": {"accessType": {"const": "password"}}}
_NEEDS_PASSWORD = {"required": ["password"], "properties": {"password": {"minLength": 1}}}
_SLUG = {"type": "string", "pattern": "^[a-z0-9]+(-[a-z0-9]+)*$", "maxLength": 64}


def _object(required: dict[str, Any], optional: dict[str, Any] | None = None) -> dict[str, Any]:
    return {"type": "object", "required": list(required), "properties": {**required, **(optional or {})}}


SPACE = _object({"id": _STRING, "projectId": _STRING, "slug": _STRING, "name": _STRING, "accessType": _ACCESS_TYPE,
                 "activeRoomId": {"type": ["string", "null"]}, "createdAt": _TIME, "updatedAt": _TIME})
SPACE_LISTED = {**SPACE, "required": SPACE["required"] + ["participantUrl"],
                "properties": {**SPACE["properties"], "participantUrl": _STRING}}
HOST_TOKEN = _object({"participantUrl": _STRING, "hostUrl": _STRING, "hostToken": {"type": "string", "pattern": "^ht_"}})

#: The 200 body of each REST endpoint: every field the SDKs require.
RESPONSES: dict[str, dict[str, Any]] = {
    "create_call": _object({"callId": _STRING, "callTokens": {"type": "array", "items": _TOKEN, "minItems": 2, "maxItems": 2},
                            "accessControl": _ACCESS_CONTROL}),
    "list_calls": _object({"calls": {"type": "array", "items": _object(
        {"callId": _STRING, "createdAt": _TIME, "tombstonedAt": {"type": ["string", "null"]}})},
        "page": {"type": "integer", "minimum": 1}, "limit": {"type": "integer", "minimum": 1, "maximum": 100},
        "total": {"type": "integer", "minimum": 0}}),
    "mint_call_token": _object({"callToken": _TOKEN}),
    "mint_call_token_public": _object({"callToken": _TOKEN}),
    "create_room": _object({"roomId": _STRING, "roomTokens": {"type": "array", "items": _TOKEN, "minItems": 2, "maxItems": 2}}),
    "mint_room_token": _object({"roomToken": _TOKEN}),
    "create_space": _object({"space": SPACE, **HOST_TOKEN["properties"]}),
    "list_spaces": _object({"spaces": {"type": "array", "items": SPACE_LISTED}}),
    "update_space": _object({"space": SPACE}),
    "delete_space": _object({"success": {"const": True}}),
    "rotate_space_host_token": HOST_TOKEN,
}
#: Request bodies (all optional but where marked required).
REQUESTS: dict[str, dict[str, Any]] = {
    "create_call": _object({}, {"accessControl": _ACCESS_CONTROL}),
    "create_space": {**_object({"name": _NAME, "accessType": _ACCESS_TYPE}, {"password": _STRING}),
                     # a password space needs its password
                     "if": _PASSWORD_SPACE, "then": _NEEDS_PASSWORD},
    # stricter than the fake (a space that has a password may switch without one): what it says is accepted
    "update_space": {**_object({}, {"slug": _SLUG, "name": _NAME, "accessType": _ACCESS_TYPE, "password": _STRING}),
                     "if": _PASSWORD_SPACE, "then": _NEEDS_PASSWORD},
}
_PAGING = [
    {"name": "page", "in": "query", "required": False,
     "schema": {"type": "integer", "minimum": 1, "maximum": 10**18 - 1, "default": DEFAULT_PAGE}, "x-radist-source": "doc"},
    {"name": "limit", "in": "query", "required": False,
     "schema": {"type": "integer", "minimum": 1, "maximum": 10**18 - 1, "default": DEFAULT_LIMIT},
     "description": f"above {MAX_LIMIT} is answered as {MAX_LIMIT}", "x-radist-source": "doc"},
]


#: What a 200 answer lets a client do next (OpenAPI links: Schemathesis's
#: stateful runs follow them): endpoint -> {link: (operation, {parameter: expression})}.
_PROJECT = {"projectId": "$request.path.projectId"}
LINKS: dict[str, dict[str, tuple[str, dict[str, str]]]] = {
    "create_call": {
        "MintCallToken": ("mint_call_token", {**_PROJECT, "callId": "$response.body#/callId"}),
        "MintCallTokenPublic": ("mint_call_token_public", {"callId": "$response.body#/callId"}),
    },
    "create_room": {"MintRoomToken": ("mint_room_token", {**_PROJECT, "roomId": "$response.body#/roomId"})},
    "create_space": {
        "UpdateSpace": ("update_space", {**_PROJECT, "spaceId": "$response.body#/space/id"}),
        "RotateSpaceHostToken": ("rotate_space_host_token", {**_PROJECT, "spaceId": "$response.body#/space/id"}),
        "DeleteSpace": ("delete_space", {**_PROJECT, "spaceId": "$response.body#/space/id"}),
    },
}


def _errors(endpoint: str) -> dict[str, Any]:
    """The documented error answers of ``endpoint``, with their messages."""
    by_status = E.answerable_errors(endpoint)
    answers = {}
    for status, messages in sorted(by_status.items()):
        answers[str(status)] = {
            "description": " / ".join(messages),
            "x-radist-source": {m: "fake" if m in FAKE_MESSAGES else "doc" for m in messages},
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
        }
    return answers


def _rest_operation(route: routes.Route) -> dict[str, Any]:
    ok: dict[str, Any] = {"description": "OK", "content": {"application/json": {"schema": RESPONSES[route.endpoint]}}}
    if route.endpoint in LINKS:
        ok["links"] = {name: {"operationId": target, "parameters": parameters}
                       for name, (target, parameters) in LINKS[route.endpoint].items()}
    operation: dict[str, Any] = {
        "operationId": route.endpoint,
        "x-radist-source": "doc",
        "security": [{"secretKey": []}] if route.key == "secret" else [{"publicKey": []}],
        "responses": {"200": ok, **_errors(route.endpoint)},
    }
    if route.endpoint in REQUESTS:
        operation["requestBody"] = {"required": route.endpoint != "create_call",
                                    "content": {"application/json": {"schema": REQUESTS[route.endpoint]}}}
    parameters = [{"name": s[1:-1], "in": "path", "required": True, "schema": {"type": "string", "minLength": 1},
                   "description": "percent-encoded once; an encoded / stays inside"} for s in route.segments if s.startswith("{")]
    parameters += _PAGING if route.endpoint == "list_calls" else []
    if parameters:
        operation["parameters"] = parameters
    return operation


def _socket_operation(route: routes.Route) -> dict[str, Any]:
    token, session = ("callToken", "callId") if route.endpoint == "p2p_signaling" else ("roomToken", "roomId")
    names = ["publicKey", token, session, "peerId", "reconnectToken"]
    return {
        "operationId": route.endpoint,
        "summary": "signaling WebSocket: an HTTP GET upgrade (protocol: docs/browser.md)",
        "x-radist-source": FAKE_OPERATIONS[route.endpoint],
        "parameters": [{"name": n, "in": "query", "required": False, "schema": _STRING} for n in names],
        "responses": {
            "101": {"description": "Switching Protocols: the socket then sends welcome, or an error frame and a 4xxx close"},
            "426": {"description": E.NOT_A_SOCKET, "x-radist-source": {E.NOT_A_SOCKET: "fake"},
                    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}},
        },
    }


def _control_operation(route: Any) -> dict[str, Any]:
    properties = {}
    for f in route.fields:
        schema: dict[str, Any] = {"type": [f.type, "null"] if f.nullable else f.type, "description": f.doc}
        if f.minimum is not None:
            schema["minimum"] = f.minimum
        if f.maximum is not None:
            schema["maximum"] = f.maximum
        if f.choices:
            schema["enum"] = list(f.choices)
        if f.pattern is not None:
            schema["pattern"] = f.pattern
        if f.format is not None:
            schema["format"] = f.format
        schema.update(f.schema or {})
        properties[f.name] = schema
    operation: dict[str, Any] = {
        "operationId": "control_" + route.method.lower() + "_" + route.path.replace("/", "_").replace("{", "").replace("}", ""),
        "summary": route.summary,
        "tags": ["control plane"],
        "x-radist-source": "fake",
        "responses": {
            "200": {"description": "OK", "content": {"application/json": {"schema": {"type": "object"}}}},
            "400": {"description": "bad input, in HTTP terms", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}},
            "404": {"description": "no such object", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}},
            "409": {"description": "refused by the state", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}},
            "429": {"description": "a scenario met the project's limit", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}},
        },
    }
    if route.needs is not None:
        operation["responses"]["501"] = {
            "description": f"radist-fake runs without the {route.needs} extra: pip install 'pytest-radist[{route.needs}]'",
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}
    parameters = [{"name": p[1:-1], "in": "path", "required": True, "schema": _STRING} for p in route.segments if p.startswith("{")]
    if route.source == "query":
        parameters += [{"name": n, "in": "query", "required": False, "schema": s} for n, s in properties.items()]
    elif route.fields:
        needs_body = any(f.required for f in route.fields) or "oneOf" in route.rules or "anyOf" in route.rules
        operation["requestBody"] = {"required": needs_body, "content": {"application/json": {"schema": {
            "type": "object", "additionalProperties": False, "properties": properties,
            "required": [f.name for f in route.fields if f.required], **route.rules}}}}
    if parameters:
        operation["parameters"] = parameters
    return operation


def build() -> dict[str, Any]:
    """The description, as a JSON-ready dict."""
    from .controls.control_plane import PREFIX, ROUTES as CONTROL_ROUTES

    paths: dict[str, dict[str, Any]] = {}
    for route in routes.ROUTES:
        paths.setdefault(route.template, {})[route.method.lower()] = _rest_operation(route)
    for route in routes.SOCKET_ROUTES:
        paths.setdefault(route.template, {})["get"] = _socket_operation(route)
    for control in CONTROL_ROUTES:
        paths.setdefault(PREFIX + control.path, {})[control.method.lower()] = _control_operation(control)
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Radist API, as pytest-radist's fake implements it",
            "version": __version__,
            "description": "x-radist-source says what Radist documents (doc) and what this fake chose (fake). "
                           "Paths under /_radist/ are the fake's control plane, not Radist's.",
        },
        "servers": [{"url": "http://127.0.0.1:8765"}],
        "paths": paths,
        "components": {
            "schemas": {"Error": _object({"error": _STRING}, {"reason": _STRING})},
            "securitySchemes": {
                "secretKey": {"type": "http", "scheme": "bearer", "description": "rad_sk_..., with the project id in the path"},
                "publicKey": {"type": "http", "scheme": "bearer", "description": "rad_pk_..."},
            },
        },
    }


def dumps() -> str:
    return json.dumps(build(), indent=2, sort_keys=False) + "\n"


if __name__ == "__main__":  # pragma: no cover
    print(dumps(), end="")

"""Every row of every status table of radist-api.md, through both front doors."""

from __future__ import annotations

from typing import Any

import pytest

from .helpers import calls_path, raw

SECRET_ENDPOINTS = [
    ("POST", "/api/v1/projects/{p}/calls"),
    ("GET", "/api/v1/projects/{p}/calls"),
    ("POST", "/api/v1/projects/{p}/p2p/calls/some-call/token"),
    ("POST", "/api/v1/projects/{p}/rooms"),
    ("POST", "/api/v1/projects/{p}/rooms/some-room/token"),
    ("POST", "/api/v1/projects/{p}/spaces"),
    ("GET", "/api/v1/projects/{p}/spaces"),
    ("PATCH", "/api/v1/projects/{p}/spaces/some-space"),
    ("DELETE", "/api/v1/projects/{p}/spaces/some-space"),
    ("POST", "/api/v1/projects/{p}/spaces/some-space/rotate-host-token"),
]


def _call(fake: Any, door: str, access: str = "private") -> str:
    status, body = raw(fake, door, "POST", calls_path(fake), json={"accessControl": access})
    assert status == 200, body
    return str(body["callId"])


# -- section 2: every endpoint ------------------------------------------------

@pytest.mark.parametrize("method,template", SECRET_ENDPOINTS)
@pytest.mark.parametrize("authorization", [None, "", "Basic abc", "Bearer", "Bearer   ", "rad_sk_x"])
def test_missing_bearer_token(radist_fake: Any, door: str, method: str, template: str, authorization: Any) -> None:
    path = template.format(p=radist_fake.project.id)
    assert raw(radist_fake, door, method, path, authorization=authorization) == (401, {"error": "Missing bearer token."})


@pytest.mark.parametrize("method,template", SECRET_ENDPOINTS)
def test_invalid_secret_key(radist_fake: Any, door: str, method: str, template: str) -> None:
    other = radist_fake.add_project("other")
    bad = {"error": "Invalid project id or secret key."}
    path = template.format(p=radist_fake.project.id)
    assert raw(radist_fake, door, method, path, key="rad_sk_unknown") == (401, bad)
    assert raw(radist_fake, door, method, path, key=radist_fake.project.public_key) == (401, bad)
    assert raw(radist_fake, door, method, path, key=other.secret_key) == (401, bad)
    assert raw(radist_fake, door, method, template.format(p="no-such-project")) == (401, bad)


def test_every_secret_key_of_a_project_works(radist_fake: Any, door: str) -> None:
    second = radist_fake.project.add_secret_key()
    assert raw(radist_fake, door, "POST", calls_path(radist_fake), key=second)[0] == 200
    assert raw(radist_fake, door, "POST", calls_path(radist_fake), key=radist_fake.project.secret_key)[0] == 200


def test_public_endpoint_rejects_bad_keys(radist_fake: Any, door: str) -> None:
    call_id = _call(radist_fake, door, "public")
    path = f"/api/v1/p2p/calls/{call_id}/token"
    assert raw(radist_fake, door, "POST", path, key=None) == (401, {"error": "Missing bearer token."})
    for key in ("rad_pk_unknown", radist_fake.project.secret_key):
        assert raw(radist_fake, door, "POST", path, key=key) == (401, {"error": "Invalid public key."})
    status, body = raw(radist_fake, door, "POST", path, key=radist_fake.project.public_key)
    assert status == 200 and body["callToken"].startswith("ct_")


@pytest.mark.parametrize("body", [b"{not json", b"[1, 2]", b'"text"', b"42", b"null", b"\xff\xfe", b"  "])
def test_invalid_json_body(radist_fake: Any, door: str, body: bytes) -> None:
    status, answer = raw(radist_fake, door, "POST", calls_path(radist_fake), body=body)
    assert (status, answer) == (400, {"error": "Invalid JSON body."})
    assert radist_fake.calls == {}  # nothing happened


@pytest.mark.parametrize("path", ["/", "/api/v1", "/api/v1/projects/p/call", "/api/v2/projects/p/calls",
                                  "/api/v1/projects//calls", "/api/v1/projects/p/calls/", "/api/v1/p2p/calls/x/token/extra"])
@pytest.mark.radist(strict=False)
def test_unknown_routes_are_404(radist_fake: Any, door: str, path: str) -> None:
    assert raw(radist_fake, door, "GET", path) == (404, {"error": "Not found."})


@pytest.mark.parametrize("method,template", [
    ("PUT", "/api/v1/projects/{p}/calls"),
    ("DELETE", "/api/v1/projects/{p}/rooms"),
    ("GET", "/api/v1/p2p/calls/x/token"),
    ("POST", "/api/v1/projects/{p}/spaces/x"),
])
@pytest.mark.radist(strict=False)
def test_wrong_method_is_405(radist_fake: Any, door: str, method: str, template: str) -> None:
    assert raw(radist_fake, door, method, template.format(p=radist_fake.project.id)) == (405, {"error": "Method not allowed."})


def test_body_is_optional_on_every_post(radist_fake: Any, door: str) -> None:
    status, body = raw(radist_fake, door, "POST", calls_path(radist_fake))
    assert status == 200 and body["accessControl"] == "private"
    status, body = raw(radist_fake, door, "POST", f"/api/v1/projects/{radist_fake.project.id}/rooms", json={})
    assert status == 200 and len(body["roomTokens"]) == 2


# -- section 3: create_call -----------------------------------------------------

@pytest.mark.parametrize("value", ["PUBLIC", "", None, 1, ["public"], {"a": 1}])
def test_create_call_rejects_bad_access_control(radist_fake: Any, door: str, value: Any) -> None:
    status, body = raw(radist_fake, door, "POST", calls_path(radist_fake), json={"accessControl": value})
    assert (status, body) == (400, {"error": "Invalid accessControl value."})
    assert radist_fake.calls == {}


def test_create_call_body_shape(radist_fake: Any, door: str) -> None:
    status, body = raw(radist_fake, door, "POST", calls_path(radist_fake), json={"accessControl": "public", "extra": 1})
    assert status == 200
    assert set(body) == {"callId", "callTokens", "accessControl"}
    assert body["accessControl"] == "public"


def test_connection_limit_counts_live_calls(radist_fake: Any, door: str) -> None:
    radist_fake.project.connection_limit = 2
    first = _call(radist_fake, door)
    _call(radist_fake, door)
    assert raw(radist_fake, door, "POST", calls_path(radist_fake)) == (429, {"error": "Connection limit reached."})
    # tombstoning one call frees a slot
    peer = radist_fake.join(radist_fake.calls[first].tokens[0].value)
    peer.leave()
    assert raw(radist_fake, door, "POST", calls_path(radist_fake))[0] == 200
    radist_fake.project.connection_limit = None
    assert raw(radist_fake, door, "POST", calls_path(radist_fake))[0] == 200


def test_connection_limit_is_per_project(radist_fake: Any, door: str) -> None:
    radist_fake.project.connection_limit = 0
    other = radist_fake.add_project("other")
    assert raw(radist_fake, door, "POST", calls_path(radist_fake, "other"), key=other.secret_key)[0] == 200
    assert raw(radist_fake, door, "POST", calls_path(radist_fake))[0] == 429


def test_list_calls_has_no_429(radist_fake: Any, door: str) -> None:
    radist_fake.project.connection_limit = 0
    assert raw(radist_fake, door, "GET", calls_path(radist_fake))[0] == 200


# -- section 3: the two mint endpoints ----------------------------------------------

def _mint_paths(fake: Any, call_id: str) -> dict[str, tuple[str, str]]:
    return {
        "server": (f"/api/v1/projects/{fake.project.id}/p2p/calls/{call_id}/token", fake.project.secret_key),
        "public": (f"/api/v1/p2p/calls/{call_id}/token", fake.project.public_key),
    }


@pytest.mark.parametrize("minter", ["server", "public"])
def test_mint_404_for_unknown_and_foreign_calls(radist_fake: Any, door: str, minter: str) -> None:
    other = radist_fake.add_project("other")
    foreign = raw(radist_fake, door, "POST", calls_path(radist_fake, "other"), key=other.secret_key, json={"accessControl": "public"})[1]["callId"]
    for call_id in ("550e8400-e29b-41d4-a716-446655440000", foreign):
        path, key = _mint_paths(radist_fake, call_id)[minter]
        assert raw(radist_fake, door, "POST", path, key=key) == (404, {"error": "Call not found."})


@pytest.mark.parametrize("minter", ["server", "public"])
def test_mint_full_lifecycle(radist_fake: Any, door: str, minter: str) -> None:
    call_id = _call(radist_fake, door, "public")
    call = radist_fake.calls[call_id]
    path, key = _mint_paths(radist_fake, call_id)[minter]
    minted = raw(radist_fake, door, "POST", path, key=key)[1]["callToken"]
    assert [t.state for t in call.tokens] == ["pending"] * 3
    alice = radist_fake.join(call.tokens[0].value)
    assert raw(radist_fake, door, "POST", path, key=key)[0] == 200  # one peer: still room
    bob = radist_fake.join(minted)
    assert [t.state for t in call.tokens] == ["consumed", "cleared", "consumed", "cleared"]
    assert raw(radist_fake, door, "POST", path, key=key) == (409, {"error": "All peers are already connected."})
    bob.leave()
    assert raw(radist_fake, door, "POST", path, key=key)[0] == 200  # a slot opened again
    alice.leave()
    assert call.tombstoned_at is not None
    assert raw(radist_fake, door, "POST", path, key=key) == (410, {"error": "Call has been terminated."})


def test_public_mint_check_order(radist_fake: Any, door: str) -> None:
    """404 before 410 before 403 before 409 [fake: the order]."""
    call_id = _call(radist_fake, door, "private")
    path, key = _mint_paths(radist_fake, call_id)["public"]
    assert raw(radist_fake, door, "POST", path, key=key) == (403, {"error": "Call is private."})
    peers = [radist_fake.join(t.value) for t in radist_fake.calls[call_id].tokens]
    assert raw(radist_fake, door, "POST", path, key=key)[0] == 403  # private beats full
    for peer in peers:
        peer.leave()
    assert raw(radist_fake, door, "POST", path, key=key)[0] == 410  # terminated beats private


def test_server_mint_never_403(radist_fake: Any, door: str) -> None:
    call_id = _call(radist_fake, door, "private")
    path, key = _mint_paths(radist_fake, call_id)["server"]
    assert raw(radist_fake, door, "POST", path, key=key)[0] == 200


# -- section 4: rooms ----------------------------------------------------------

def test_room_limit_and_room_404(radist_fake: Any, door: str) -> None:
    rooms = f"/api/v1/projects/{radist_fake.project.id}/rooms"
    radist_fake.project.room_limit = 1
    room_id = raw(radist_fake, door, "POST", rooms)[1]["roomId"]
    assert raw(radist_fake, door, "POST", rooms) == (429, {"error": "Connection limit reached."})
    assert raw(radist_fake, door, "POST", f"{rooms}/{room_id}/token")[1]["roomToken"].startswith("ct_")
    assert raw(radist_fake, door, "POST", f"{rooms}/nope/token") == (404, {"error": "Room not found."})
    other = radist_fake.add_project("other")
    assert raw(radist_fake, door, "POST", f"/api/v1/projects/other/rooms/{room_id}/token", key=other.secret_key)[0] == 404


# -- section 5: spaces ---------------------------------------------------------

def test_space_validation_rows(radist_fake: Any, door: str) -> None:
    spaces = f"/api/v1/projects/{radist_fake.project.id}/spaces"
    cases = [
        ({"accessType": "public"}, 400, "Name is required."),
        ({"name": "   ", "accessType": "public"}, 400, "Name is required."),
        ({"name": 7, "accessType": "public"}, 400, "Name is required."),
        ({"name": "A"}, 400, "Invalid accessType value."),
        ({"name": "A", "accessType": "secret"}, 400, "Invalid accessType value."),
        ({"name": "A", "accessType": "password"}, 400, "Password is required for password spaces."),
        ({"name": "A", "accessType": "password", "password": ""}, 400, "Password is required for password spaces."),
        ({"name": "A", "accessType": "public", "password": 5}, 400, "Invalid password value."),
    ]
    for body, status, message in cases:
        assert raw(radist_fake, door, "POST", spaces, json=body) == (status, {"error": message}), body
    assert radist_fake.spaces == {}
    created = raw(radist_fake, door, "POST", spaces, json={"name": "A", "accessType": "public"})[1]
    space_id = created["space"]["id"]
    assert set(created) == {"space", "participantUrl", "hostUrl", "hostToken"}
    assert "password" not in created["space"]
    for slug in ("UPPER", "-lead", "trail-", "dou--ble", "sp ace", "a" * 65, "", 5, None):
        assert raw(radist_fake, door, "PATCH", f"{spaces}/{space_id}", json={"slug": slug}) == (400, {"error": "Invalid slug."}), slug
    assert raw(radist_fake, door, "PATCH", f"{spaces}/{space_id}", json={"slug": "a" * 64})[0] == 200
    assert raw(radist_fake, door, "PATCH", f"{spaces}/{space_id}", json={"accessType": "password"}) == (400, {"error": "Password is required for password spaces."})
    assert raw(radist_fake, door, "PATCH", f"{spaces}/{space_id}", json={"accessType": "password", "password": "pw"})[0] == 200
    # a password space keeps its password when only other fields change
    assert raw(radist_fake, door, "PATCH", f"{spaces}/{space_id}", json={"accessType": "password"})[0] == 200
    assert raw(radist_fake, door, "DELETE", f"{spaces}/{space_id}") == (200, {"success": True})
    assert raw(radist_fake, door, "DELETE", f"{spaces}/{space_id}") == (404, {"error": "Space not found."})


def test_spaces_are_per_project(radist_fake: Any, door: str) -> None:
    other = radist_fake.add_project("other")
    spaces = "/api/v1/projects/{}/spaces"
    created = raw(radist_fake, door, "POST", spaces.format("other"), key=other.secret_key, json={"name": "Standup", "accessType": "public"})[1]
    mine = raw(radist_fake, door, "POST", spaces.format(radist_fake.project.id), json={"name": "Standup", "accessType": "public"})[1]
    assert created["space"]["slug"] == mine["space"]["slug"] == "standup"  # slugs clash only within a project
    assert raw(radist_fake, door, "GET", spaces.format(radist_fake.project.id))[1]["spaces"][0]["id"] == mine["space"]["id"]
    path = spaces.format(radist_fake.project.id) + "/" + created["space"]["id"]
    assert raw(radist_fake, door, "PATCH", path, json={"name": "x"}) == (404, {"error": "Space not found."})

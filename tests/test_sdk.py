"""The real radist-server SDK against the fake: 0.6.0 and 0.7.0, in process and over HTTP."""

from __future__ import annotations

import re
from typing import Any

import pytest

UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")
TOKEN = re.compile(r"^ct_[A-Za-z0-9_-]{32}$")
ISO = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")


def test_create_p2p_connection_defaults_to_private(sdk_setup: Any, radist_fake: Any) -> None:
    _, client = sdk_setup
    connection = client.create_p2p_connection()
    assert UUID.match(connection.call_id)
    assert len(connection.call_tokens) == 2 and all(TOKEN.match(t) for t in connection.call_tokens)
    assert connection.access_control == "private"
    call = radist_fake.calls[connection.call_id]
    assert [t.value for t in call.tokens] == connection.call_tokens
    assert [t.state for t in call.tokens] == ["pending", "pending"]


def test_create_public_call(sdk_setup: Any, radist_fake: Any) -> None:
    _, client = sdk_setup
    connection = client.create_p2p_connection(access_control="public")
    assert connection.access_control == "public"
    assert radist_fake.calls[connection.call_id].access_control == "public"


def test_mint_call_and_room_tokens(sdk_setup: Any, radist_fake: Any) -> None:
    _, client = sdk_setup
    call = client.create_p2p_connection()
    minted = client.mint_connection_token(call_id=call.call_id).connection_token
    assert TOKEN.match(minted) and minted not in call.call_tokens
    room = client.create_room()
    assert UUID.match(room.room_id) and len(room.room_tokens) == 2
    room_token = client.mint_connection_token(room_id=room.room_id).connection_token
    assert [t.value for t in radist_fake.rooms[room.room_id].tokens] == [*room.room_tokens, room_token]
    assert [t.minted_by for t in radist_fake.minted_tokens()] == ["create", "create", "server", "create", "create", "server"]


def test_errors_surface_as_radist_api_error(sdk_setup: Any, radist_fake: Any) -> None:
    sdk, client = sdk_setup
    with pytest.raises(sdk.RadistApiError) as info:
        client.mint_connection_token(call_id="550e8400-e29b-41d4-a716-446655440000")
    assert (info.value.status_code, str(info.value)) == (404, "Call not found.")
    with pytest.raises(sdk.RadistApiError) as info:
        client.mint_connection_token(room_id="no-such-room")
    assert (info.value.status_code, str(info.value)) == (404, "Room not found.")
    radist_fake.project.connection_limit = 0
    with pytest.raises(sdk.RadistApiError) as info:
        client.create_p2p_connection()
    assert (info.value.status_code, str(info.value)) == (429, "Connection limit reached.")


def test_wrong_key_is_401(sdk_setup: Any, radist_fake: Any) -> None:
    sdk, client = sdk_setup
    other = radist_fake.add_project("other")
    intruder = radist_fake.client(sdk=sdk, secret_token=other.secret_key, **_same_door(client))
    with pytest.raises(sdk.RadistApiError) as info:
        intruder.create_room(project_id=radist_fake.project.id)
    assert (info.value.status_code, str(info.value)) == (401, "Invalid project id or secret key.")


def _same_door(client: Any) -> dict[str, Any]:
    base = client._api_base_url
    return {} if base.endswith(".invalid") else {"api_base_url": base}


@pytest.mark.parametrize("project_id", ["project one", "team/alpha", "ünïcode", "50%off"])
def test_percent_encoded_project_ids(sdk_setup: Any, radist_fake: Any, project_id: str) -> None:
    sdk, _ = sdk_setup
    project = radist_fake.add_project(project_id)
    client = radist_fake.client(sdk=sdk, secret_token=project.secret_key, project_id=project_id, **_same_door(sdk_setup[1]))
    connection = client.create_p2p_connection()
    assert radist_fake.calls[connection.call_id].project is project
    client.mint_connection_token(call_id=connection.call_id)
    assert client.create_room().room_id in radist_fake.rooms


def test_spaces_round_trip(space_client: Any, radist_fake: Any) -> None:
    created = space_client.create_space(name="Team Standup", access_type="password", password="hunter2")
    space = created.space
    assert (space.slug, space.name, space.access_type, space.active_room_id) == ("team-standup", "Team Standup", "password", None)
    assert space.project_id == radist_fake.project.id and UUID.match(space.id)
    assert ISO.match(space.created_at) and space.created_at == space.updated_at
    assert space.participant_url is None  # only list results carry it
    assert created.participant_url.endswith("/s/team-standup")
    assert created.host_url == created.participant_url + "?host=1"
    assert created.host_token.startswith("ht_")

    listed = space_client.list_spaces()
    assert [s.id for s in listed] == [space.id]
    assert listed[0].participant_url == created.participant_url
    assert space_client.get_space(space.id).slug == "team-standup"

    radist_fake.clock.advance(5)
    updated = space_client.update_space(space.id, slug="daily", name="Daily", access_type="knock")
    assert (updated.slug, updated.name, updated.access_type) == ("daily", "Daily", "knock")
    assert updated.updated_at > updated.created_at

    rotated = space_client.rotate_space_host_token(space.id)
    assert rotated.host_token != created.host_token and rotated.participant_url.endswith("/s/daily")
    assert radist_fake.spaces[space.id].host_token == rotated.host_token

    space_client.delete_space(space.id)
    assert space_client.list_spaces() == []


def test_space_errors(space_client: Any) -> None:
    import radist_server

    def error_of(fn: Any, *args: Any, **kwargs: Any) -> tuple[int, str]:
        with pytest.raises(radist_server.RadistApiError) as info:
            fn(*args, **kwargs)
        return info.value.status_code, str(info.value)

    assert error_of(space_client.create_space, name="", access_type="public") == (400, "Name is required.")
    assert error_of(space_client.create_space, name="x", access_type="open") == (400, "Invalid accessType value.")
    assert error_of(space_client.create_space, name="x", access_type="password") == (400, "Password is required for password spaces.")
    first = space_client.create_space(name="Room", access_type="public").space
    second = space_client.create_space(name="Room", access_type="knock").space
    assert (first.slug, second.slug) == ("room", "room-2")
    assert error_of(space_client.update_space, second.id, slug="room") == (409, "Slug is already taken.")
    assert error_of(space_client.update_space, second.id, slug="Bad Slug") == (400, "Invalid slug.")
    assert error_of(space_client.update_space, "missing", name="x") == (404, "Space not found.")
    assert error_of(space_client.delete_space, "missing") == (404, "Space not found.")
    assert error_of(space_client.rotate_space_host_token, "missing") == (404, "Space not found.")
    assert error_of(space_client.get_space, "missing") == (404, "Space not found.")

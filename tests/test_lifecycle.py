"""Calls, rooms and spaces over time: tokens, peers, tombstones, expiry, usage."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from pytest_radist import JoinRefused, RadistFake


def _refusal(fn: Any, *args: Any, **kwargs: Any) -> JoinRefused:
    with pytest.raises(JoinRefused) as info:
        fn(*args, **kwargs)
    return info.value


def test_call_lifecycle_pending_consumed_cleared_tombstoned(radist_client: Any, radist_fake: RadistFake) -> None:
    connection = radist_client.create_p2p_connection()
    extra = radist_client.mint_connection_token(call_id=connection.call_id).connection_token
    call = radist_fake.calls[connection.call_id]
    assert call.live and call.tombstoned_at is None

    alice = radist_fake.join(connection.call_tokens[0])
    assert alice.id.startswith("peer_") and alice.reconnect_token.startswith("rt_")
    assert _refusal(radist_fake.join, connection.call_tokens[0]).reason == "consumed"

    bob = radist_fake.join(extra)
    assert [t.state for t in call.tokens] == ["consumed", "cleared", "consumed"]
    refused = _refusal(radist_fake.join, connection.call_tokens[1])
    assert refused.reason == "cleared" and "at most two peers" in str(refused)
    assert {p.id for p in call.connected_peers} == {alice.id, bob.id}

    radist_fake.clock.advance(30)
    alice.leave()
    assert call.live  # one peer still there
    bob.leave()
    assert call.tombstoned_at == radist_fake.clock.now()
    assert _refusal(alice.reconnect).reason == "terminated"


def test_a_call_nobody_joined_stays_live(radist_client: Any, radist_fake: RadistFake) -> None:
    call_id = radist_client.create_p2p_connection().call_id
    radist_fake.clock.advance(timedelta(days=30))
    assert radist_fake.calls[call_id].live


def test_token_expiry_on_the_clock(radist_client: Any, radist_fake: RadistFake) -> None:
    connection = radist_client.create_p2p_connection()
    token = radist_fake.calls[connection.call_id].tokens[0]
    radist_fake.clock.advance(3599.999)
    assert token.state == "pending"
    radist_fake.clock.advance(0.001)
    assert token.state == "expired"
    refused = _refusal(radist_fake.join, token.value)
    assert refused.reason == "expired" and "mint a replacement" in str(refused)
    replacement = radist_client.mint_connection_token(call_id=connection.call_id).connection_token
    assert radist_fake.join(replacement).connected


@pytest.mark.radist(token_ttl=None)
def test_tokens_that_never_expire(radist_client: Any, radist_fake: RadistFake) -> None:
    token = radist_client.create_p2p_connection().call_tokens[0]
    radist_fake.clock.advance(timedelta(days=365))
    assert radist_fake.join(token).connected


def test_token_ttl_is_settable(radist_client: Any, radist_fake: RadistFake) -> None:
    radist_fake.token_ttl = 10
    token = radist_client.create_room().room_tokens[0]
    radist_fake.clock.advance(10)
    assert _refusal(radist_fake.join, token).reason == "expired"


def test_reconnect_rotates_the_token(radist_client: Any, radist_fake: RadistFake) -> None:
    tokens = radist_client.create_p2p_connection().call_tokens
    alice, bob = radist_fake.join(tokens[0]), radist_fake.join(tokens[1])
    alice.leave()
    old = alice.reconnect_token
    assert _refusal(alice.reconnect, "rt_wrong").reason == "reconnect_token"
    alice.reconnect()
    assert alice.connected and alice.reconnect_token != old
    assert _refusal(alice.reconnect).reason == "connected"
    alice.leave()
    assert _refusal(alice.reconnect, old).reason == "reconnect_token"
    assert bob.connected


@pytest.mark.radist(reconnect_grace=10)
def test_reconnect_grace_delays_the_tombstone(radist_client: Any, radist_fake: RadistFake) -> None:
    connection = radist_client.create_p2p_connection()
    call = radist_fake.calls[connection.call_id]
    alice = radist_fake.join(connection.call_tokens[0])
    alice.leave()
    left_at = radist_fake.clock.now()
    radist_fake.clock.advance(9)
    assert call.live
    alice.reconnect()  # back in time: the pending tombstone is cancelled
    alice.leave()
    radist_fake.clock.advance(9.5)
    assert call.live
    radist_fake.clock.advance(0.5)
    assert call.tombstoned_at == left_at + timedelta(seconds=9 + 10)  # second leave + grace
    assert _refusal(alice.reconnect).reason == "terminated"


@pytest.mark.radist(reconnect_grace=5, connection_limit=1)
def test_grace_tombstone_frees_the_connection_limit(radist_client: Any, radist_fake: RadistFake) -> None:
    import radist_server

    connection = radist_client.create_p2p_connection()
    radist_fake.join(connection.call_tokens[0]).leave()
    with pytest.raises(radist_server.RadistApiError):
        radist_client.create_p2p_connection()
    radist_fake.clock.advance(5)
    assert radist_client.create_p2p_connection().call_id != connection.call_id


def test_join_refusals_say_why(radist_client: Any, radist_fake: RadistFake) -> None:
    connection = radist_client.create_p2p_connection()
    unknown = _refusal(radist_fake.join, connection.call_id)
    assert unknown.reason == "unknown" and "not a call or room id" in str(unknown)
    other = radist_fake.add_project("other")
    wrong = _refusal(radist_fake.join, connection.call_tokens[0], public_key=other.public_key)
    assert wrong.reason == "wrong_project" and "test-project" in str(wrong)
    peer = radist_fake.join(connection.call_tokens[0], public_key=radist_fake.project.public_key)
    peer.leave()
    assert _refusal(radist_fake.join, connection.call_tokens[1]).reason == "terminated"


def test_a_dropped_peer_cannot_take_a_third_slot(radist_client: Any, radist_fake: RadistFake) -> None:
    connection = radist_client.create_p2p_connection()
    alice, _ = radist_fake.join(connection.call_tokens[0]), radist_fake.join(connection.call_tokens[1])
    alice.leave()
    carol = radist_fake.join(radist_client.mint_connection_token(call_id=connection.call_id).connection_token)
    assert carol.connected
    assert _refusal(alice.reconnect).reason == "full"


def test_room_participants_are_metered_in_whole_seconds(radist_client: Any, radist_fake: RadistFake) -> None:
    room = radist_client.create_room()
    minted = [radist_client.mint_connection_token(room_id=room.room_id).connection_token for _ in range(3)]
    peers = [radist_fake.join(t) for t in [*room.room_tokens, *minted]]
    assert len(radist_fake.rooms[room.room_id].connected_peers) == 5
    radist_fake.clock.advance(1.2)
    peers[0].leave()  # 1.2 s -> 2
    assert radist_fake.usage() == {"radist_sfu_participant_seconds": 2 + 4 * 2}  # open sessions count so far
    radist_fake.clock.advance(0.8)
    for peer in peers[1:]:
        peer.leave()  # 2.0 s each -> 2
    assert radist_fake.usage()["radist_sfu_participant_seconds"] == 2 + 4 * 2
    other = radist_fake.add_project("other")
    assert radist_fake.usage(other) == radist_fake.usage("other") == {"radist_sfu_participant_seconds": 0}


def test_p2p_calls_are_not_metered(radist_client: Any, radist_fake: RadistFake) -> None:
    tokens = radist_client.create_p2p_connection().call_tokens
    peers = [radist_fake.join(t) for t in tokens]
    radist_fake.clock.advance(100)
    for peer in peers:
        peer.leave()
    assert radist_fake.usage()["radist_sfu_participant_seconds"] == 0


@pytest.mark.radist(room_participant_cap=2)
def test_room_participant_cap(radist_client: Any, radist_fake: RadistFake) -> None:
    room = radist_client.create_room()
    for token in room.room_tokens:
        radist_fake.join(token)
    extra = radist_client.mint_connection_token(room_id=room.room_id).connection_token
    assert _refusal(radist_fake.join, extra).reason == "full"
    assert radist_fake.minted_tokens(state="pending", room_id=room.room_id)[0].value == extra


def test_spaces_join_by_access_type(space_client: Any, radist_fake: RadistFake) -> None:
    created = space_client.create_space(name="Board", access_type="knock")
    space_id = created.space.id
    assert _refusal(radist_fake.join_space, space_id, approved=True).reason == "knock"  # no host yet
    host = radist_fake.join_space(space_id, host_token=created.host_token)
    assert space_client.get_space(space_id).active_room_id == host.room.id
    assert _refusal(radist_fake.join_space, "board").reason == "knock"  # host present, not approved
    guest = radist_fake.join_space("board", approved=True)
    assert guest.room is host.room

    rotated = space_client.rotate_space_host_token(space_id)
    assert _refusal(radist_fake.join_space, space_id, host_token=created.host_token).reason == "host_token"
    radist_fake.clock.advance(3)
    host.leave()
    guest.leave()
    assert space_client.get_space(space_id).active_room_id is None
    assert radist_fake.usage()["radist_sfu_participant_seconds"] == 6

    refused = _refusal(host.reconnect)
    assert refused.reason == "terminated" and "join the space again" in str(refused)

    space_client.update_space(space_id, access_type="password", password="pw")
    assert _refusal(radist_fake.join_space, space_id, password="nope").reason == "password"
    assert radist_fake.join_space(space_id, password="pw").connected
    assert radist_fake.join_space(space_id, host_token=rotated.host_token).is_host
    space_client.update_space(space_id, access_type="public")
    assert radist_fake.join_space(space_id).connected
    with pytest.raises(KeyError):
        radist_fake.join_space("no-such-space")


def test_clock_controls(radist_fake: RadistFake) -> None:
    from datetime import datetime, timezone

    start = radist_fake.clock.now()
    assert radist_fake.clock.advance(timedelta(minutes=1)) == start + timedelta(minutes=1)
    target = datetime(2030, 5, 1, 12, tzinfo=timezone.utc)
    assert radist_fake.clock.set(target) == target
    with pytest.raises(ValueError, match="non-negative"):
        radist_fake.clock.advance(-1)
    with pytest.raises(ValueError, match="timezone-aware"):
        radist_fake.clock.set(datetime(2030, 1, 1))


@pytest.mark.radist(realtime=True)
def test_realtime_clock_follows_wall_time(radist_fake: RadistFake) -> None:
    import time

    before = radist_fake.clock.time()
    time.sleep(0.01)
    assert radist_fake.clock.time() > before
    radist_fake.clock.advance(100)
    assert radist_fake.clock.time() >= before + 100


def test_spaces_and_tokens_are_made_without_http(radist_fake: RadistFake) -> None:
    from pytest_radist import ApiError

    space = radist_fake.make_space("Team Standup", "password", password="pw")
    assert (space.slug, space.access_type) == ("team-standup", "password") and radist_fake.requests == []
    call, room = radist_fake.make_call("private"), radist_fake.make_room()
    assert radist_fake.mint_token(call).minted_by == "server" and radist_fake.mint_token(room.id).kind == "room"
    with pytest.raises(ApiError) as refused:
        radist_fake.mint_token(call, public=True)
    assert (refused.value.status, refused.value.message) == (403, "Call is private.")

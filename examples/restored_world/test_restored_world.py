"""Each test starts from the session's world, whatever the one before did."""

from pytest_radist import RadistFake


def test_a_day_of_consultations_is_there(world: RadistFake) -> None:
    client = world.client()  # the world's keys
    assert {space.slug for space in client.list_spaces()} == {"clinic-lobby", "surgery"}
    assert len(world.calls) == 41 and sum(1 for call in world.calls.values() if not call.live) == 10
    assert client.create_p2p_connection(access_control="private").call_id in world.calls


def test_what_a_test_changes_is_gone_in_the_next(world: RadistFake) -> None:
    for call in list(world.calls.values()):
        if call.live and not call.connected_peers:
            world.join(call.tokens[0]).leave()  # this test ends every empty call
    assert all(not c.live for c in world.calls.values() if not c.connected_peers)


def test_the_waiting_nurse_is_still_waiting(world: RadistFake) -> None:
    waiting = next(call for call in world.calls.values() if call.connected_peers)
    nurse = waiting.connected_peers[0]
    assert nurse.away  # restored: her seat is held until her client reconnects
    assert nurse.reconnect() is nurse and not nurse.away

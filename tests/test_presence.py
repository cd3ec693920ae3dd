"""Presence events and the waits built on them, without sockets."""

from __future__ import annotations

import threading

import pytest

from pytest_radist import RadistFake
from pytest_radist.model.world import PresenceEvent


def test_subscribers_hear_joins_leaves_and_tombstones(radist_fake: RadistFake) -> None:
    heard: list[PresenceEvent] = []
    radist_fake.subscribe(heard.append)
    call = radist_fake.make_call()
    alice = radist_fake.join(call.tokens[0].value)
    bob = radist_fake.join(call.tokens[1].value)
    bob.remove()
    alice.leave()
    assert [(e.kind, e.peer_id, e.reason) for e in heard] == [
        ("joined", alice.id, None), ("joined", bob.id, None), ("left", bob.id, "removed"),
        ("left", alice.id, "disconnected"), ("tombstoned", None, None),
    ]
    assert {e.session_id for e in heard} == {call.id}


def test_subscribers_survive_a_reset(radist_fake: RadistFake) -> None:
    heard: list[PresenceEvent] = []
    radist_fake.subscribe(heard.append)
    radist_fake.reset(state=True)
    radist_fake.join(radist_fake.make_call().tokens[0].value)
    assert [e.kind for e in heard] == ["joined"]


def test_a_wait_wakes_on_a_join_from_another_thread(radist_fake: RadistFake) -> None:
    call = radist_fake.make_call()
    threading.Timer(0.1, radist_fake.join, args=(call.tokens[0].value,)).start()
    assert [p.token for p in radist_fake.wait_for_peers(call.id, 1)] == [call.tokens[0]]


@pytest.mark.radist(reconnect_grace=10)
def test_a_tombstone_made_by_moving_the_clock_is_seen_at_once(radist_fake: RadistFake) -> None:
    call = radist_fake.make_call()
    radist_fake.join(call.tokens[0].value).leave()
    heard: list[str] = []
    radist_fake.subscribe(lambda event: heard.append(event.kind))
    radist_fake.clock.advance(10)
    assert heard == ["tombstoned"]  # the clock settled the state; nobody had to ask
    assert radist_fake.wait_for_tombstone(call) is call


def test_waits_say_what_they_waited_for(radist_fake: RadistFake) -> None:
    call = radist_fake.make_call()
    radist_fake.join(call.tokens[0].value)
    with pytest.raises(TimeoutError, match=rf"2 connected peer\(s\) in call {call.id}.*: 1 connected"):
        radist_fake.wait_for_peers(call, 2, timeout=0.1)
    with pytest.raises(TimeoutError, match="to be tombstoned.*1 peer"):
        radist_fake.wait_for_tombstone(call, timeout=0.1)
    with pytest.raises(TypeError, match="rooms are never tombstoned"):
        radist_fake.wait_for_tombstone(radist_fake.make_room().id)
    with pytest.raises(KeyError):
        radist_fake.wait_for_peers("no-such-call", 1)

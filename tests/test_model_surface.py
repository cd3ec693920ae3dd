"""The model's objects as a test reads them: times as aware datetimes off
the fake's clock, the project each belongs to, reprs that say what they
are, and misuse refused with a message naming what to pass."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from pytest_radist import Clock, InvalidValue, RadistFake

START = datetime(2026, 1, 1, tzinfo=timezone.utc)


def test_times_are_aware_datetimes_read_off_the_clock(radist_fake: RadistFake) -> None:
    call = radist_fake.make_call("public")
    radist_fake.clock.advance(60)
    room = radist_fake.make_room()
    space = radist_fake.make_space("Standup")
    radist_fake.clock.advance(30)
    peer = radist_fake.join(call.tokens[0])
    assert (call.created_at, room.created_at, space.created_at, space.updated_at) == (
        START, START + timedelta(seconds=60), START + timedelta(seconds=60), START + timedelta(seconds=60))
    assert call.tokens[0].consumed_at == START + timedelta(seconds=90) and call.tokens[1].consumed_at is None
    assert peer.token is not None and peer.token.consumed_at == START + timedelta(seconds=90)
    assert all(t.tzinfo is timezone.utc for t in (call.created_at, room.created_at, space.updated_at))


def test_everything_knows_its_project(radist_fake: RadistFake) -> None:
    other = radist_fake.add_project("team-b")
    call = radist_fake.make_call(project=other)
    room = radist_fake.make_room(project=other)
    assert (call.project_id, room.project_id, call.tokens[0].project_id) == ("team-b", "team-b", "team-b")
    assert radist_fake.make_space("Board").project_id == radist_fake.project.id


def test_reprs_say_what_and_in_which_state(radist_fake: RadistFake) -> None:
    call = radist_fake.make_call("public")
    peer = radist_fake.join(call.tokens[0])
    space = radist_fake.make_space("Daily sync")
    assert repr(radist_fake.project) == "<Project 'test-project' calls=1 limit=None>"
    assert repr(call) == f"<Call {call.id} public live peers=1>"
    assert repr(call.tokens[0]) == f"<Token {call.tokens[0].value} call={call.id} consumed by=create>"
    assert repr(peer) == f"<Peer {peer.id} of call {call.id} connected>"
    peer.leave()
    assert repr(peer) == f"<Peer {peer.id} of call {call.id} disconnected>"
    assert repr(call) == f"<Call {call.id} public tombstoned peers=0>"
    assert repr(space) == f"<Space {space.id} slug='daily-sync' public>"
    assert space.password is None and "rad_sk_" not in repr(radist_fake.project)


def test_a_realtime_clock_set_follows_wall_time_from_there() -> None:
    clock = Clock(realtime=True)
    target = datetime(2030, 5, 6, 7, 8, 9, tzinfo=timezone.utc)
    assert abs((clock.set(target) - target).total_seconds()) < 1
    assert abs(clock.time() - target.timestamp()) < 1
    assert repr(clock).startswith("<Clock realtime 2030-05-06T07:08:")
    assert repr(Clock()) == "<Clock frozen 2026-01-01T00:00:00.000Z>"


@pytest.mark.parametrize(("make", "message"), [
    (lambda f: setattr(f.project, "connection_limit", -1), "connection_limit must be a non-negative int or None (unlimited), got -1"),
    (lambda f: setattr(f.project, "room_limit", True), "room_limit must be a non-negative int or None (unlimited), got True"),
    (lambda f: f.add_project(""), "project id must be a non-empty string, got ''"),
    (lambda f: f.add_project("p2", secret_key="sk_live_nope"), "a key of this kind must look like rad_sk_..., got 'sk_live_nope'"),
    (lambda f: f.project.add_secret_key("rad_sk_"), "a key of this kind must look like rad_sk_..., got 'rad_sk_'"),
], ids=["negative limit", "bool limit", "empty project id", "foreign key", "bare prefix"])
def test_misuse_is_refused_naming_what_to_pass(make: object, message: str) -> None:
    with RadistFake() as fake, pytest.raises(InvalidValue) as info:
        make(fake)  # type: ignore[operator]
    assert str(info.value) == message

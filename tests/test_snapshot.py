"""State that survives, and forks (issue 28): ``fake.snapshot()`` and
``fake.restore()``, in process and over the control plane; away peers;
refusals of damaged and newer snapshots, changing nothing."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from pytest_radist import JoinRefused, RadistFake, SnapshotError
from pytest_radist.model import snapshot as snapshots

from .helpers import raw
from .snapshots import build_world, probe
from .test_network import ended, two_on_a_call
from .test_signaling import frame, open_socket

DATA = Path(__file__).parent / "data"


def world() -> RadistFake:
    fake = RadistFake(seed=7)
    build_world(fake)
    return fake


def test_a_snapshot_is_plain_json_and_restores_to_the_same_snapshot() -> None:
    fake = world()
    snap = fake.snapshot()
    text = json.dumps(snap, allow_nan=False)  # plain JSON: no NaN, no Python objects
    other = RadistFake(seed=99, project_id="elsewhere")
    other.restore(json.loads(text))
    assert other.snapshot() == snap
    assert other.seed == 7 and other.project.id == "test-project" and other.project.secret_key == fake.project.secret_key
    assert other.public_base_url == "https://meet.example.test" and other.reconnect_grace == 30.0 and other.token_ttl == 60.0
    assert other.clock.now() == fake.clock.now() and other.projects["tenant-b"].clock.now() == fake.projects["tenant-b"].clock.now()


def test_what_clients_observe_after_a_restore_is_what_they_observed_at_the_snapshot() -> None:
    fake = world()
    snap = fake.snapshot()
    forked = RadistFake(seed=1)
    forked.restore(copy.deepcopy(snap))
    assert probe(forked) == probe(fake)  # every answer, every refusal, every new id
    fake.restore(snap)  # and the fake itself, after the probe changed it
    again = RadistFake(seed=2)
    again.restore(snap)
    assert probe(fake) == probe(again)


def test_the_ids_go_on_where_the_snapshot_left_them() -> None:
    fake = world()
    snap = fake.snapshot()
    first = [fake.make_call().id, fake.make_space("After").host_token]
    fake.restore(snap)
    assert [fake.make_call().id, fake.make_space("After").host_token] == first


def test_a_snapshot_keeps_every_kind_of_state() -> None:
    fake = world()
    restored = RadistFake()
    restored.restore(fake.snapshot())
    for name in ("calls", "rooms", "spaces", "peers"):
        assert list(getattr(restored, name)) == list(getattr(fake, name)), name
    assert [t.value for t in restored.minted_tokens()] == [t.value for t in fake.minted_tokens()]  # mint order
    assert [(t.state, t.minted_by, t.created, t.expires) for t in restored.minted_tokens()] == \
        [(t.state, t.minted_by, t.created, t.expires) for t in fake.minted_tokens()]
    assert {c.id: (c.live, c.tombstoned, c.tombstone_due) for c in restored.calls.values()} == \
        {c.id: (c.live, c.tombstoned, c.tombstone_due) for c in fake.calls.values()}
    assert restored.usage() == fake.usage() and restored.usage("tenant-b") == fake.usage("tenant-b")
    assert restored.projects["tenant-b"].secret_keys == fake.projects["tenant-b"].secret_keys
    assert restored.projects["tenant-b"].connection_limit == 5
    doomed_room = next(r for r in restored.rooms.values() if r.space is not None and r.space.slug == "doomed-space")
    assert doomed_room.space is not None and doomed_room.space.id not in restored.spaces  # deleted, its room kept
    waiting = next(c for c in restored.calls.values() if c.tombstone_due is not None)
    restored.clock.advance(31)
    assert not waiting.live  # the grace that was running runs on


def test_connected_peers_come_back_away_holding_their_seats() -> None:
    fake = RadistFake(seed=3)
    call = fake.make_full_call("public")
    peers = list(call.peers)
    fake.restore(fake.snapshot())
    call = fake.calls[call.id]
    assert [p.away for p in call.peers.values()] == [True, True]
    assert call.live and len(call.connected_peers) == 2
    status, answer = raw(fake, "transport", "POST", f"/api/v1/projects/{fake.project.id}/p2p/calls/{call.id}/token")
    assert (status, answer) == (409, {"error": "All peers are already connected."})  # the seats are held
    back = fake.peers[peers[0]].reconnect()  # a simulated peer comes back with its reconnect token
    assert not back.away and back.connected
    fake.clock.advance(snapshots.RESTORE_GRACE)  # the other never does
    other = fake.peers[peers[1]]
    assert not other.away and not other.connected and call.live
    with pytest.raises(JoinRefused) as refused:
        fake.peers[peers[0]].reconnect()
    assert refused.value.reason == "connected"


def test_an_away_peer_that_never_comes_back_ends_its_call_as_a_dropped_one_does() -> None:
    fake = RadistFake(seed=3)
    call = fake.make_full_call("public")
    fake.restore(fake.snapshot(), grace=10)
    call = fake.calls[call.id]
    fake.clock.advance(9.5)
    assert call.live
    fake.clock.advance(0.5)
    assert not call.live and call.tombstoned == fake.clock.time()  # no reconnect grace: tombstoned as the last one left


def test_restored_peers_rejoin_over_real_sockets_with_their_reconnect_tokens(radist_fake: RadistFake) -> None:
    with two_on_a_call(radist_fake) as (call, first, second, first_id, second_id):
        snap = radist_fake.snapshot()
        tokens = {first_id: radist_fake.peers[first_id].reconnect_token, second_id: radist_fake.peers[second_id].reconnect_token}
        radist_fake.restore(snap)
        for ws in (first, second):  # the state they were on is gone: cut, as in a restart
            received, code = ended(ws)
            assert received is None and code == 1006
        assert [p.away for p in radist_fake.calls[call.id].peers.values()] == [True, True]
        with open_socket(radist_fake.reconnect_url(first_id, reconnect_token=tokens[first_id])) as a:
            welcome = frame(a)
            assert welcome["peerId"] == first_id and welcome["reconnectToken"] != tokens[first_id]
            assert [p["peerId"] for p in welcome["call"]["peers"]] == [first_id, second_id]  # the other's seat held
            with open_socket(radist_fake.reconnect_url(second_id, reconnect_token=tokens[second_id])) as b:
                assert frame(b)["peerId"] == second_id
                a.send(json.dumps({"type": "signal", "to": second_id, "data": {"sdp": "offer"}}))
                assert frame(b) == {"type": "signal", "from": first_id, "data": {"sdp": "offer"}}
        assert not any(p.away for p in radist_fake.calls[call.id].peers.values())


def test_a_state_reset_closes_the_sockets_of_the_state_it_forgets(radist_fake: RadistFake) -> None:
    # before: they stayed open on peers of a world the fake had left, relaying to each other
    with two_on_a_call(radist_fake) as (_, first, second, _a, _b):
        radist_fake.reset(state=True)
        for ws in (first, second):
            assert ended(ws)[1] == 1006


@pytest.mark.parametrize("damage, where", [
    (lambda s: s.pop("calls"), 'table "calls"'),
    (lambda s: s["calls"]["rows"][0].__setitem__(1, "yesterday"), 'calls row 0, column "created"'),
    (lambda s: s["tokens"]["rows"][0].__setitem__(1, 10**6), 'tokens row 0, column "call"'),
    (lambda s: s["peers"]["rows"][0].__setitem__(4, "no-prefix"), 'peers row 0, column "reconnectToken"'),
    (lambda s: s["calls"]["rows"].append(list(s["calls"]["rows"][0])), 'calls row'),
    (lambda s: s["calls"]["columns"].reverse(), 'table "calls"'),
    (lambda s: s["projects"]["rows"][0].__setitem__(1, []), 'projects row 0, column "secretKeys"'),
    (lambda s: s.__setitem__("random", [3, [1, 2], None]), 'field "random"'),
    (lambda s: s.__setitem__("clock", {"realtime": False, "time": float("nan")}), 'field "clock"'),
    (lambda s: s.__setitem__("defaultProject", "nobody"), 'field "defaultProject"'),
    (lambda s: s["settings"].__setitem__("tokenTtl", -1), '"tokenTtl"'),
    (lambda s: s["tokens"]["rows"].__setitem__(0, s["tokens"]["rows"][0][:2] + ["created+tokenTtl", 0]), 'tokens row 0'),
    (lambda s: [s["calls"]["defaults"].pop("project"), s["calls"]["rows"][0][2:].clear()], 'column "project" is missing'),
])
def test_a_damaged_snapshot_is_refused_saying_where_and_nothing_changes(damage: Any, where: str) -> None:
    fake = world()
    snap = fake.snapshot()
    before = copy.deepcopy(snap)
    damage(snap)
    with pytest.raises(SnapshotError) as refused:
        fake.restore(snap)
    assert where in str(refused.value)
    assert fake.snapshot() == before  # nothing changed


@pytest.mark.parametrize("given, message", [
    ([], "a snapshot is a JSON object"),
    ({"calls": []}, 'starts with its "format"'),
    ({"format": "1"}, 'starts with its "format"'),
    ({"format": 2}, "this snapshot is format 2, written by a newer pytest-radist; this one reads formats 1 to 1"),
])
def test_what_is_no_snapshot_and_a_newer_format_are_refused_naming_them(given: Any, message: str) -> None:
    fake = RadistFake()
    with pytest.raises(SnapshotError) as refused:
        fake.restore(given)
    assert message in str(refused.value)


def test_a_restore_grace_is_checked() -> None:
    fake = RadistFake()
    with pytest.raises(SnapshotError, match="grace is the seconds a restored peer has to reconnect"):
        fake.restore(fake.snapshot(), grace=-1)


def test_a_format_1_file_of_an_earlier_release_still_loads() -> None:
    """tests/data/state-format-1.json was written by the first release with
    snapshots: every later release must read it (and give the same answers)."""
    kept = json.loads((DATA / "state-format-1.json").read_text())
    fake = RadistFake()
    fake.restore(kept)
    assert fake.snapshot() == kept
    assert fake.project.id == "test-project" and len(fake.calls) == 7 and len(fake.spaces) == 2
    status, listed = raw(fake, "transport", "GET", "/api/v1/projects/test-project/calls")
    assert status == 200 and listed["calls"][0]["callId"] == fake.project.call_list[-1].id


def test_the_control_plane_snapshots_and_restores(radist_fake: RadistFake) -> None:
    build_world(radist_fake)
    status, snap = raw(radist_fake, "http", "GET", "/_radist/snapshot", key=None)
    assert status == 200 and snap == radist_fake.snapshot()
    radist_fake.make_call()
    status, answer = raw(radist_fake, "http", "POST", "/_radist/restore", key=None, json={"snapshot": snap, "grace": 5})
    assert status == 200 and answer["restored"] is True and answer["calls"] == len(snap["calls"]["rows"])
    assert radist_fake.snapshot() == snap
    assert {p.away_until for p in radist_fake.peers.values() if p.away} == {radist_fake.clock.time() + 5}


@pytest.mark.parametrize("body, status, message", [
    ({"snapshot": {"format": 9}}, 400, "this snapshot is format 9"),
    ({"snapshot": {"format": 1}}, 400, 'field "seed" is missing'),
    ({}, 400, '"snapshot" is required'),
    ({"snapshot": {"format": 1}, "grace": -1}, 400, '"grace" must be'),
])
def test_the_control_plane_refuses_a_bad_snapshot_in_http_terms(radist_fake: RadistFake, body: Any, status: int, message: str) -> None:
    before = radist_fake.snapshot()
    got, answer = raw(radist_fake, "http", "POST", "/_radist/restore", key=None, json=body)
    assert got == status and message in answer["error"] and set(answer) == {"error"}
    assert radist_fake.snapshot() == before

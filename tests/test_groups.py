"""The grouped controls (``fake.faults``, ``fake.journal``, ``fake.state``,
``fake.scenarios``, ``fake.people``, ``fake.aio``) and the flat names that
are their shortcuts; what a respx or pytest-httpx user reached for."""

from __future__ import annotations

import asyncio
import threading
import typing
import urllib.error
import urllib.request

import httpx
import pytest

from pytest_radist import InvalidValue, NotFound, RadistFake
from pytest_radist.controls.control_plane.target import ControlTarget
from pytest_radist.shortcuts import Shortcut

from .helpers import calls_path, raw


# -- the shape -----------------------------------------------------------------


def test_every_flat_name_is_the_group_s_own_method(radist_fake: RadistFake) -> None:
    shortcuts = {name: value for name, value in vars(RadistFake).items() if isinstance(value, Shortcut)}
    assert len(shortcuts) >= 25
    for name, shortcut in shortcuts.items():
        flat, grouped = getattr(radist_fake, name), getattr(getattr(radist_fake, shortcut.group), shortcut.method.__name__)
        assert flat == grouped and flat.__func__ is shortcut.method, name
        assert RadistFake.__dict__[name].__doc__ == shortcut.method.__doc__
    for name in ("requests_to", "assert_called", "assert_not_called"):
        assert getattr(radist_fake, name).__self__ is radist_fake.journal


def test_the_control_plane_names_fewer_than_15_members() -> None:
    members = {n for n in vars(ControlTarget) if not n.startswith("_")} | set(typing.get_type_hints(ControlTarget))
    assert len(members) < 15, sorted(members)
    assert {"faults", "journal", "state", "scenarios", "people"} <= members


def test_the_flat_views_are_the_state_s(radist_fake: RadistFake) -> None:
    call = radist_fake.make_call()
    assert radist_fake.state.calls[call.id] is call is radist_fake.calls[call.id]
    assert radist_fake.state.project is radist_fake.project
    radist_fake.reset(state=True)  # a new world: the group follows the fake
    assert dict(radist_fake.state.calls) == {} and radist_fake.state.project is radist_fake.project


# -- fake.faults -----------------------------------------------------------------


def test_faults_add_list_remove_clear(radist_fake: RadistFake) -> None:
    faults = radist_fake.faults
    first = faults.add("create_call", status=503)
    second = faults.add("create_room", latency=0.01, times=None)
    assert faults == [first, second] and len(faults) == 2 and faults[1] is second and first in faults
    assert faults.remove("fault-1") is first and list(faults) == [second]
    with pytest.raises(NotFound, match="fault-2"):
        faults.remove(first)
    faults.clear()
    assert faults == [] and not faults


def create_call(fake: RadistFake) -> int:
    return raw(fake, "transport", "POST", calls_path(fake), json={})[0]


def test_a_rule_is_a_scope(radist_fake: RadistFake) -> None:
    with radist_fake.fail("create_call", status=503, times=None) as rule:
        assert rule in radist_fake.faults
        assert (create_call(radist_fake), create_call(radist_fake)) == (503, 503)
    assert radist_fake.faults == []
    assert create_call(radist_fake) == 200  # the real answer again
    kept = radist_fake.fail("create_room", status=500)
    with radist_fake.faults.add("create_call", status=429):
        radist_fake.faults.remove(kept)
    assert radist_fake.faults == []  # leaving the scope twice-removed is fine


def test_a_rule_removed_on_a_failing_test_still_goes(radist_fake: RadistFake) -> None:
    with pytest.raises(ZeroDivisionError):
        with radist_fake.fail("create_call", status=503):
            1 / 0
    assert radist_fake.faults == []


def test_a_sequence_answers_in_order_then_for_real(radist_fake: RadistFake) -> None:
    path = calls_path(radist_fake)
    with radist_fake.faults.sequence("create_call", 429, {"status": 503, "error": "down"}, None, 500) as rules:
        seen = [raw(radist_fake, "transport", "POST", path, json={})[0] for _ in range(5)]
        assert [rule.fired for rule in rules] == [1, 1, 1, 1]
    assert seen == [429, 503, 200, 500, 200]
    assert radist_fake.faults == [] and len(radist_fake.calls) == 2
    entries = radist_fake.journal.find("create_call")
    assert entries[1].response == {"error": "down"} and "the real answer" in (entries[2].fault or "")


@pytest.mark.parametrize(("answers", "message"), [
    ((), "at least one answer"),
    (("429",), "answer 1 of the sequence"),
    ((429, {"statuss": 500}), "answer 2 of the sequence.*statuss"),
    ((429, {"status": 200}), "between 400 and 599"),
])
def test_a_sequence_refuses_what_it_cannot_answer_and_adds_nothing(radist_fake: RadistFake, answers: tuple[object, ...],
                                                                  message: str) -> None:
    with pytest.raises(InvalidValue, match=message):
        radist_fake.faults.sequence("create_call", *answers)  # type: ignore[arg-type]
    assert radist_fake.faults == []


def test_a_fault_carries_headers_through_every_door(radist_fake: RadistFake) -> None:
    radist_fake.fail("create_call", status=429, headers={"Retry-After": "2"}, times=None)
    with httpx.Client(transport=radist_fake.httpx_transport(), base_url="http://radist") as client:
        answer = client.post(calls_path(radist_fake), json={}, headers={"Authorization": f"Bearer {radist_fake.project.secret_key}"})
    assert (answer.status_code, answer.headers["retry-after"]) == (429, "2")
    request = urllib.request.Request(radist_fake.url + calls_path(radist_fake), method="POST", data=b"{}", headers={
        "Authorization": f"Bearer {radist_fake.project.secret_key}", "Content-Type": "application/json"})
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(request, timeout=5)
    assert (refused.value.code, refused.value.headers["Retry-After"]) == (429, "2")
    assert refused.value.headers["Content-Type"] == "application/json"


def test_fault_headers_over_the_control_plane(radist_fake: RadistFake, door: str) -> None:
    status, answer = raw(radist_fake, door, "POST", "/_radist/faults", key=None,
                         json={"endpoint": "create_call", "status": 429, "headers": {"Retry-After": "1"}})
    assert status == 200 and answer["rule"]["headers"] == {"Retry-After": "1"}
    assert radist_fake.faults[0].headers == {"Retry-After": "1"}
    for bad, says in (({"Content-Length": "3"}, "frames the answer"), ({"a b": "1"}, "not an HTTP token"),
                      ({"X-Note": "line\nbreak"}, "printable ASCII"), (["Retry-After"], "must be a JSON object")):
        status, answer = raw(radist_fake, door, "POST", "/_radist/faults", key=None,
                             json={"endpoint": "create_call", "status": 429, "headers": bad})
        assert status == 400 and says in answer["error"], answer
    assert len(radist_fake.faults) == 1


# -- fake.journal ----------------------------------------------------------------


def mint(fake: RadistFake, call_id: str) -> int:
    return raw(fake, "transport", "POST", f"/api/v1/projects/{fake.project.id}/p2p/calls/{call_id}/token", json={})[0]


def test_find_and_assert_called_match_query_and_path_parameters(radist_fake: RadistFake) -> None:
    call_id = raw(radist_fake, "transport", "POST", calls_path(radist_fake), json={})[1]["callId"]
    raw(radist_fake, "transport", "GET", calls_path(radist_fake) + "?page=2&limit=5")
    journal = radist_fake.journal
    assert [r.endpoint for r in journal.find("*", query={"page": 2})] == ["list_calls"]
    journal.assert_called("list_calls", query={"page": 2, "limit": "5"})
    journal.assert_not_called("list_calls", query={"page": 3})
    assert mint(radist_fake, call_id) == 200
    (entry,) = journal.assert_called("mint_call_token", 1, params={"callId": call_id})
    assert entry.params["projectId"] == radist_fake.project.id
    with pytest.raises(AssertionError, match=r"(?s)with path parameters \{'callId': 'nope'\}.*Requests to mint_call_token"):
        journal.assert_called("mint_call_token", params={"callId": "nope"})
    with pytest.raises(AssertionError, match=r"query containing \{'page': 9\}"):
        radist_fake.assert_called("list_calls", query={"page": 9})  # the flat name takes the same


def test_json_can_be_matched_by_a_dict_where_a_key_is_query_or_params(radist_fake: RadistFake) -> None:
    raw(radist_fake, "transport", "POST", calls_path(radist_fake), json={"query": "x", "accessControl": "public"})
    radist_fake.journal.assert_called("create_call", json={"query": "x"}, accessControl="public")
    radist_fake.journal.assert_not_called("create_call", json={"query": "y"})


def test_assert_called_in_order(radist_fake: RadistFake) -> None:
    call_id = raw(radist_fake, "transport", "POST", calls_path(radist_fake), json={})[1]["callId"]
    raw(radist_fake, "transport", "GET", calls_path(radist_fake))
    mint(radist_fake, call_id)
    found = radist_fake.journal.assert_called_in_order("create_call", "mint_call_token")
    assert [r.endpoint for r in found] == ["create_call", "mint_call_token"]
    with pytest.raises(AssertionError, match="after create_call -> mint_call_token, no list_calls followed"):
        radist_fake.journal.assert_called_in_order("create_call", "mint_call_token", "list_calls")
    with pytest.raises(AssertionError, match="after none of them, no create_room followed"):
        radist_fake.journal.assert_called_in_order("create_room")
    with pytest.raises(InvalidValue, match="Did you mean 'create_call'"):
        radist_fake.journal.assert_called_in_order("create_cal")
    with pytest.raises(InvalidValue):
        radist_fake.journal.assert_called_in_order()


# -- fake.aio ------------------------------------------------------------------------


def test_the_async_waits_let_the_loop_answer_meanwhile(radist_fake: RadistFake) -> None:
    call = radist_fake.make_call("public")

    async def scenario() -> list[str]:
        async def join_later() -> None:
            await asyncio.sleep(0.05)  # on the loop the wait runs on: a blocking wait would never see this
            for token in call.tokens:
                radist_fake.join(token)

        joining = asyncio.create_task(join_later())
        peers = await radist_fake.aio.wait_for_peers(call, 2, timeout=5)
        await joining
        for peer in peers:
            peer.leave()
        assert await radist_fake.aio.wait_for_tombstone(call.id, timeout=5) is call
        return [peer.id for peer in peers]

    assert len(asyncio.run(scenario())) == 2


def test_the_async_waits_wake_on_a_change_from_another_thread(radist_fake: RadistFake) -> None:
    call = radist_fake.make_call("public")
    timer = threading.Timer(0.05, lambda: radist_fake.join(call.tokens[0]))

    async def wait() -> object:
        timer.start()
        return await radist_fake.aio.wait_until(lambda: call.connected_peers, timeout=5, what="a peer")

    try:
        assert len(asyncio.run(wait())) == 1  # type: ignore[arg-type]
    finally:
        timer.cancel()


def test_an_async_wait_times_out_saying_what_it_waited_for(radist_fake: RadistFake) -> None:
    call = radist_fake.make_call()
    with pytest.raises(TimeoutError, match=rf"2 connected peer\(s\) in call {call.id}.*0 connected"):
        asyncio.run(radist_fake.aio.wait_for_peers(call, 2, timeout=0.1))
    room = radist_fake.make_room()
    with pytest.raises(Exception, match="rooms are never tombstoned"):
        asyncio.run(radist_fake.aio.wait_for_tombstone(room.id))  # type: ignore[arg-type]
    assert radist_fake._presence._listeners == [] or all(  # the waits leave no listener behind
        not getattr(listener, "__name__", "") == "wake" for listener in radist_fake._presence._listeners)

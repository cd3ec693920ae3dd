"""The /_radist/ control plane, for clients that cannot call Python."""

from __future__ import annotations

from typing import Any

from pytest_radist import RadistFake

from .helpers import calls_path, raw


def control(fake: RadistFake, method: str, path: str, door: str = "http", **body: Any) -> tuple[int, Any]:
    """A control request; state changes carry ``Content-Type: application/json``
    even without a body, as the control plane's guard asks."""
    payload: dict[str, Any] = {"json": body} if body else {} if method == "GET" else {"body": b""}
    return raw(fake, door, method, "/_radist/" + path, key=None, **payload)


def test_faults_journal_and_clock_over_http(radist_fake: RadistFake) -> None:
    status, answer = control(radist_fake, "POST", "faults", endpoint="create_call", status=429)
    assert status == 200 and "create_call: status 429" in answer["fault"]
    assert raw(radist_fake, "http", "POST", calls_path(radist_fake)) == (429, {"error": "Connection limit reached."})
    assert control(radist_fake, "GET", "faults")[1]["faults"][0].startswith("create_call")
    assert control(radist_fake, "DELETE", "faults") == (200, {"faults": []})

    requests = control(radist_fake, "GET", "requests")[1]["requests"]
    assert [(r["endpoint"], r["status"], r["door"]) for r in requests] == [("create_call", 429, "http")]

    assert control(radist_fake, "POST", "clock", advance=90)[1]["now"] == "2026-01-01T00:01:30.000Z"
    assert control(radist_fake, "POST", "clock", set="2027-03-04T05:06:07Z")[1]["now"] == "2027-03-04T05:06:07.000Z"


def test_fault_rules_have_ids_and_go_one_by_one(radist_fake: RadistFake, door: str) -> None:
    first = control(radist_fake, "POST", "faults", door, endpoint="create_call", status=503)[1]
    second = control(radist_fake, "POST", "faults", door, endpoint="create_room", lostResponse=True, times=None)[1]
    assert (first["id"], second["id"]) == ("fault-1", "fault-2")
    assert second["rule"] == {"id": "fault-2", "endpoint": "create_room", "status": None, "error": None, "headers": {},
                              "latency": 0.0, "drop": False, "malformed": None, "lostResponse": True, "jitter": 0.0, "duplicate": False, "project": None, "times": None, "probability": 1.0,
                              "seed": radist_fake.seed, "fired": 0, "description": "create_room: lost response (always)"}
    listed = control(radist_fake, "GET", "faults", door)[1]
    assert [r["id"] for r in listed["rules"]] == ["fault-1", "fault-2"] and len(listed["faults"]) == 2
    assert control(radist_fake, "DELETE", "faults/fault-1", door) == (200, {"removed": first["rule"]})
    assert [rule.id for rule in radist_fake.faults] == ["fault-2"]
    status, answer = control(radist_fake, "DELETE", "faults/fault-1", door)
    assert (status, answer["error"]) == (404, "no fault rule 'fault-1'; the rules are: fault-2 (fake.faults, GET /_radist/faults)")
    assert control(radist_fake, "POST", "faults", door, endpoint="*", latency=0.01)[1]["id"] == "fault-3"  # never reused


def test_a_former_field_name_still_works_and_says_so(radist_fake: RadistFake) -> None:
    status, answer = control(radist_fake, "POST", "faults", endpoint="create_call", lost_response=True)
    assert status == 200 and answer["rule"]["lostResponse"] is True
    assert answer["deprecated"] == ["the field 'lost_response' is deprecated and will be removed in 0.3.0: use 'lostResponse'"]
    assert "deprecated" not in control(radist_fake, "POST", "faults", endpoint="create_call", lostResponse=True)[1]


def test_participants_over_http(radist_fake: RadistFake) -> None:
    call = radist_fake.make_call("public")
    status, alice = control(radist_fake, "POST", "join", token=call.tokens[0].value)
    assert status == 200 and alice["callId"] == call.id and alice["connected"]
    status, again = control(radist_fake, "POST", "join", token=call.tokens[0].value)
    assert status == 409 and again["reason"] == "consumed"
    assert control(radist_fake, "POST", f"peers/{alice['peerId']}/leave")[1]["connected"] is False
    assert control(radist_fake, "POST", f"peers/{alice['peerId']}/reconnect")[1]["reason"] == "terminated"
    assert control(radist_fake, "POST", "peers/peer_nobody/leave")[0] == 404


def test_state_and_reset(radist_fake: RadistFake, door: str) -> None:
    radist_fake.make_call()
    state = control(radist_fake, "GET", "state", door)[1]
    assert state["seed"] == radist_fake.seed and state["projects"][0]["calls"] == 1
    assert state["projects"][0]["secretKeys"] == [radist_fake.project.secret_key]
    keys = (radist_fake.project.secret_key, radist_fake.project.public_key)
    assert control(radist_fake, "POST", "reset", door, state=True) == (200, {"reset": True, "seed": radist_fake.seed})
    assert radist_fake.calls == {} and (radist_fake.project.secret_key, radist_fake.project.public_key) == keys
    assert raw(radist_fake, door, "POST", calls_path(radist_fake))[0] == 200  # same keys still work


def test_bad_control_requests_are_4xx(radist_fake: RadistFake, door: str) -> None:
    assert control(radist_fake, "POST", "faults", door, endpoint="nope", status=500)[0] == 400
    assert control(radist_fake, "POST", "faults", door, endpoint="create_call", colour="red")[0] == 400
    assert control(radist_fake, "POST", "clock", door, advance="soon")[0] == 400
    assert control(radist_fake, "POST", "clock", door)[0] == 400
    assert control(radist_fake, "POST", "join", door)[0] == 400
    status, body = control(radist_fake, "GET", "nothing", door)
    assert status == 404 and "POST /_radist/faults" in body["error"]
    assert raw(radist_fake, door, "POST", "/_radist/faults", key=None, body=b"[1]") == (400, {"error": "Invalid JSON body: send a JSON object."})
    assert radist_fake.requests == [] and radist_fake.problems == []  # control traffic is not journaled


def test_scenarios_that_join_refuse_a_token_ttl_of_0_with_a_409() -> None:
    """Found by the stateful Schemathesis run: settings tokenTtl=0, then
    make_full_call answered 500 (the scenario's own join was refused)."""
    with RadistFake(seed=1, token_ttl=0) as fake:
        for scenario in ("make_full_call", "make_terminated_call"):
            status, body = control(fake, "POST", f"scenarios/{scenario}")
            assert status == 409, body
            assert body["error"].startswith(f"{scenario}() joins the call's tokens, but the token TTL is 0")
        assert fake.problems == []


def test_a_token_ttl_past_the_clock_s_range_means_never() -> None:
    """Found by the stateful Schemathesis run: settings tokenTtl=1e308, then
    any mint answered 500 (an expiry past year 9999 has no ISO form)."""
    with RadistFake(seed=1) as fake:
        assert control(fake, "PATCH", "settings", tokenTtl=1e308)[0] == 200
        status, room = control(fake, "POST", "scenarios/make_room")
        assert status == 200 and [t["expiresAt"] for t in room["tokens"]] == [None, None]
        status, call = control(fake, "POST", "scenarios/make_full_call")
        assert status == 200 and len(call["peers"]) == 2
        assert fake.problems == []

"""The control plane at parity with the Python API, and refusing bad input
in HTTP terms: each finding of the audit, in process and over HTTP."""

from __future__ import annotations

import json
import urllib.request
from typing import Any

import pytest

from pytest_radist import RadistFake
from pytest_radist.controls.control_plane import ROUTES

from .helpers import calls_path, raw
from .test_control_plane import control


def test_the_journal_route_answers_strict_json_after_any_body(radist_fake: RadistFake, door: str) -> None:
    raw(radist_fake, door, "POST", calls_path(radist_fake), body=b"not json")
    raw(radist_fake, door, "POST", calls_path(radist_fake), body=b'{"accessControl": NaN}')
    status, answer = control(radist_fake, "GET", "requests", door)
    assert status == 200 and [r["status"] for r in answer["requests"]] == [400, 400]
    assert answer["requests"][1]["json"] == {"accessControl": "nan"}
    if door == "http":  # the bytes on the wire are strict JSON
        with urllib.request.urlopen(radist_fake.url + "/_radist/requests", timeout=5) as response:
            json.loads(response.read(), parse_constant=lambda name: pytest.fail(f"{name} in the journal"))


def test_the_journal_can_be_filtered(radist_fake: RadistFake, door: str) -> None:
    for _ in range(3):
        raw(radist_fake, door, "POST", calls_path(radist_fake))
    raw(radist_fake, door, "GET", calls_path(radist_fake) + "?page=0")
    assert control(radist_fake, "GET", "requests?endpoint=list_calls", door)[1]["total"] == 1
    assert control(radist_fake, "GET", "requests?status=200&limit=2", door)[1]["total"] == 3
    assert len(control(radist_fake, "GET", "requests?status=200&limit=2", door)[1]["requests"]) == 2
    status, answer = control(radist_fake, "GET", "requests?endpoint=create_calls", door)
    assert status == 400 and answer["error"].startswith('"endpoint" must be one of "create_call", "list_calls"')


BAD_CONTROLS = [
    ("a misspelt fault field", "faults", {"endpoint": "create_call", "stauts": 500}, 'Unknown field "stauts". Did you mean "status"?'),
    ("status 200 is no fault", "faults", {"endpoint": "create_call", "status": 200}, '"status" must be a whole number (>= 400 and <= 599)'),
    ("error that is not text", "faults", {"endpoint": "create_call", "status": 500, "error": 123}, '"error" must be a string'),
    ("malformed as an object", "faults", {"endpoint": "create_call", "malformed": {}}, '"malformed" must be a string'),
    ("malformed as true", "faults", {"endpoint": "create_call", "malformed": True}, '"malformed" must be a string'),
    ("malformed as a list", "faults", {"endpoint": "create_call", "malformed": ["x"]}, '"malformed" must be a string'),
    ("endless latency", "faults", {"endpoint": "create_call", "latency": 1e300}, '"latency" must be a number (>= 0 and <= 3600)'),
    ("publicKey as a list", "join", {"token": "ct_x", "publicKey": []}, '"publicKey" must be a string'),
    ("publicKey as an object", "join", {"token": "ct_x", "publicKey": {}}, '"publicKey" must be a string'),
    ("state as a string", "reset", {"state": "false"}, '"state" must be true or false, got "false".'),
    ("a clock without a time zone", "clock", {"set": "2027-01-01T00:00:00"}, '"set" needs a time zone'),
]


@pytest.mark.parametrize("path, body, message", [c[1:] for c in BAD_CONTROLS], ids=[c[0] for c in BAD_CONTROLS])
def test_bad_control_input_is_a_400_in_http_terms(radist_fake: RadistFake, door: str, path: str, body: dict[str, Any], message: str) -> None:
    radist_fake.make_call()
    before = (radist_fake.clock.time(), len(radist_fake.calls), radist_fake.faults)
    status, answer = control(radist_fake, "POST", path, door, **body)
    assert status == 400 and answer["error"].startswith(message), answer
    assert (radist_fake.clock.time(), len(radist_fake.calls), radist_fake.faults) == before  # nothing changed
    assert "RadistFake" not in answer["error"] and "datetime" not in answer["error"]
    assert raw(radist_fake, door, "POST", calls_path(radist_fake))[0] == 200  # and the API still answers


def test_a_clock_in_the_year_31_million_is_refused(radist_fake: RadistFake, door: str) -> None:
    before = radist_fake.clock.time()
    status, answer = control(radist_fake, "POST", "clock", door, advance=1e15)
    assert status == 409 and answer["error"].startswith('"advance" would move the clock past 9999-12-31T23:59:59Z')
    assert radist_fake.clock.time() == before
    assert raw(radist_fake, door, "POST", calls_path(radist_fake))[0] == 200


def test_years_below_1000_are_written_with_four_digits() -> None:
    from pytest_radist.model.clock import iso

    assert iso(-61536067200.0) == "0020-01-01T00:00:00.000Z"  # found by Schemathesis: strftime wrote "20-01-01"


@pytest.mark.parametrize("value", [float("nan"), float("inf")])
def test_a_clock_that_is_not_a_number_is_refused(radist_fake: RadistFake, value: float) -> None:
    before = radist_fake.clock.time()
    with pytest.raises(ValueError):
        radist_fake.clock.advance(value)
    assert radist_fake.clock.time() == before
    status, answer = raw(radist_fake, "transport", "POST", "/_radist/clock", key=None, json={"advance": value})
    assert status == 400 and answer["error"].startswith('"advance" must be a number')
    assert radist_fake.clock.time() == before


def test_wrong_method_is_405(radist_fake: RadistFake, door: str) -> None:
    status, answer = control(radist_fake, "GET", "reset", door)
    assert status == 405 and answer["allow"] == "POST"
    assert control(radist_fake, "DELETE", "clock", door)[1]["allow"] == "GET, POST"


def test_a_reset_of_the_state_never_brings_old_tokens_back(radist_fake: RadistFake, door: str) -> None:
    old = radist_fake.make_call().tokens[0].value
    control(radist_fake, "POST", "reset", door, state=True)
    new = radist_fake.make_call()
    assert old not in {t.value for t in new.tokens}
    status, refused = control(radist_fake, "POST", "join", door, token=old)
    assert status == 409 and refused["reason"] == "unknown"
    # a seed restarts the generator: the same seed, the same ids again
    control(radist_fake, "POST", "reset", door, state=True, seed=5)
    first = radist_fake.make_call().id
    control(radist_fake, "POST", "reset", door, state=True, seed=5)
    assert radist_fake.make_call().id == first and radist_fake.seed == 5
    assert control(radist_fake, "POST", "reset", door, seed=5)[0] == 400  # a seed needs a state reset


def test_every_control_of_the_python_api_is_reachable(radist_fake: RadistFake, door: str) -> None:
    # limits and settings
    assert control(radist_fake, "PATCH", f"projects/{radist_fake.project.id}", door, connectionLimit=0)[0] == 200
    assert raw(radist_fake, door, "POST", calls_path(radist_fake))[0] == 429
    control(radist_fake, "PATCH", f"projects/{radist_fake.project.id}", door, connectionLimit=None)
    assert control(radist_fake, "PATCH", "settings", door, tokenTtl=None, reconnectGrace=5, roomParticipantCap=3)[0] == 200
    assert (radist_fake.token_ttl, radist_fake.reconnect_grace, radist_fake.room_participant_cap) == (None, 5, 3)
    # projects
    status, project = control(radist_fake, "POST", "projects", door, id="other", connectionLimit=1)
    assert status == 200 and project["publicKey"].startswith("rad_pk_") and "other" in radist_fake.projects
    assert control(radist_fake, "POST", "projects", door, id="other")[0] == 409
    # scenarios
    call = control(radist_fake, "POST", "scenarios/make_call", door, accessControl="public")[1]
    assert radist_fake.calls[call["callId"]].access_control == "public" and len(call["tokens"]) == 2
    full = control(radist_fake, "POST", "scenarios/make_full_call", door)[1]
    assert len(full["peers"]) == 2
    ended = control(radist_fake, "POST", "scenarios/make_terminated_call", door)[1]
    assert ended["tombstonedAt"] is not None
    assert control(radist_fake, "POST", "scenarios/connection_limit_reached", door, project="other")[1]["connectionLimit"] == 0
    # one token expires; usage; a space join; a removal
    token = call["tokens"][0]["token"]
    assert control(radist_fake, "POST", f"tokens/{token}/expire", door)[1]["state"] == "expired"
    assert control(radist_fake, "POST", f"tokens/{token}/expire", door)[0] == 409
    room = control(radist_fake, "POST", "scenarios/make_room", door)[1]
    peer = control(radist_fake, "POST", "join", door, token=room["tokens"][0]["token"])[1]
    radist_fake.clock.advance(10)
    assert control(radist_fake, "GET", "usage", door)[1]["radist_sfu_participant_seconds"] == 10
    assert control(radist_fake, "POST", f"peers/{peer['peerId']}/remove", door)[1]["gone"] is True
    space = radist_fake.make_space("Daily", "public")
    assert control(radist_fake, "POST", "spaces/daily/join", door)[1]["roomId"] == space.active_room_id
    assert control(radist_fake, "POST", "spaces/nope/join", door)[0] == 404
    assert control(radist_fake, "GET", "health", door) == (200, {"ok": True})


def test_the_route_table_is_declared_once() -> None:
    names = [(route.method, route.path) for route in ROUTES]
    assert len(names) == len(set(names))
    for route in ROUTES:
        assert route.summary and all(field.doc for field in route.fields)


def test_the_docs_table_lists_exactly_the_routes() -> None:
    import re
    from pathlib import Path

    page = (Path(__file__).resolve().parent.parent / "docs" / "http.md").read_text()
    documented = set(re.findall(r"^\| `(GET|POST|PATCH|DELETE) /_radist/([^`]+)` \|", page, re.M))
    assert documented == {(route.method, route.path) for route in ROUTES}


def test_the_facade_and_the_control_plane_agree_on_the_prefix() -> None:
    from pytest_radist.controls.control_plane import PREFIX as plane
    from pytest_radist.fake import CONTROL_PREFIX as facade

    assert plane == facade == "/_radist/"


def test_a_scenario_that_meets_the_connection_limit_is_a_429_not_a_500(radist_fake: RadistFake, door: str) -> None:
    radist_fake.connection_limit_reached()
    status, answer = control(radist_fake, "POST", "scenarios/make_call", door)
    assert (status, answer) == (429, {"error": "Connection limit reached."})
    assert radist_fake.problems == []


def test_tokens_and_secret_keys_over_http(radist_fake: RadistFake, door: str) -> None:
    call = radist_fake.make_call()
    radist_fake.join(call.tokens[0].value)
    status, listed = control(radist_fake, "GET", f"tokens?callId={call.id}&state=pending", door)
    assert status == 200 and [t["token"] for t in listed["tokens"]] == [call.tokens[1].value]
    assert control(radist_fake, "GET", "tokens?mintedBy=create", door)[1]["tokens"][0]["mintedBy"] == "create"
    status, project = control(radist_fake, "POST", f"projects/{radist_fake.project.id}/secret-keys", door, secretKey="rad_sk_second")
    assert status == 200 and project["secretKeys"][1] == "rad_sk_second"
    assert raw(radist_fake, door, "POST", calls_path(radist_fake), key="rad_sk_second")[0] == 200
    assert control(radist_fake, "POST", f"projects/{radist_fake.project.id}/secret-keys", door, secretKey="rad_sk_second")[0] == 409


def test_scenario_answers_are_named_as_the_rest_api_and_python_name_them(radist_fake: RadistFake, door: str) -> None:
    status, call = control(radist_fake, "POST", "scenarios/make_call", door)
    assert status == 200 and call["callTokens"] == [t["value"] for t in call["tokens"]] == [t.value for t in radist_fake.calls[call["callId"]].tokens]
    status, room = control(radist_fake, "POST", "scenarios/make_room", door)
    assert room["roomTokens"] == [t["value"] for t in room["tokens"]]
    for answer in (call, room, control(radist_fake, "GET", "tokens", door)[1]):
        assert all(t["token"] == t["value"] for t in answer["tokens"])  # the former name, for a release
        assert any('"token"' in note or "'token'" in note for note in answer["deprecated"])

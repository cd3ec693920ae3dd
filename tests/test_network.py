"""Networks that fail like real ones (issue 27): a live socket dropped with
no close frame, frozen, or closed cleanly, over real sockets, from Python
and from the control plane."""

from __future__ import annotations

import contextlib
import json
import time
from typing import Any, Iterator

import pytest
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import ClientConnection

from pytest_radist import InvalidValue, RadistFake, WrongKind

from .helpers import raw
from .test_signaling import TIMEOUT, frame, open_socket


@contextlib.contextmanager
def two_on_a_call(fake: RadistFake) -> Iterator[tuple[Any, ClientConnection, ClientConnection, str, str]]:
    fake.reconnect_grace = 30.0
    call = fake.make_call("public")
    with open_socket(fake.signaling_url(call.tokens[0])) as first, open_socket(fake.signaling_url(call.tokens[1])) as second:
        first_id = frame(first)["peerId"]
        second_id = frame(second)["peerId"]
        assert frame(first) == {"type": "peer-joined", "peerId": second_id}
        yield call, first, second, first_id, second_id


def ended(ws: ClientConnection) -> tuple[Any, Any]:
    """Read until the connection ends: the close frame the client received (None if none) and its code."""
    with pytest.raises(ConnectionClosed):
        while True:
            ws.recv(timeout=TIMEOUT)
    return ws.protocol.close_rcvd, ws.close_code


@pytest.mark.parametrize("over", ["python", "control plane"])
def test_a_dropped_socket_sees_1006_and_rejoins_with_its_reconnect_token(radist_fake: RadistFake, over: str) -> None:
    with two_on_a_call(radist_fake) as (call, first, second, first_id, second_id):
        old_token = radist_fake.peers[second_id].reconnect_token
        if over == "python":
            radist_fake.disrupt(second_id, "drop")
        else:
            status, answer = raw(radist_fake, "http", "POST", f"/_radist/peers/{second_id}/disrupt", key=None, json={"mode": "drop"})
            assert status == 200 and answer["disrupted"] == "drop" and answer["connected"] is False
        received, code = ended(second)
        assert received is None and code == 1006  # cut: no close frame
        assert frame(first) == {"type": "peer-left", "peerId": second_id, "reason": "disconnected"}
        assert call.live and not radist_fake.peers[second_id].connected
        with open_socket(radist_fake.reconnect_url(second_id, reconnect_token=old_token)) as back:
            welcome = frame(back)
            assert welcome["peerId"] == second_id and welcome["reconnectToken"] != old_token
            assert frame(first) == {"type": "peer-joined", "peerId": second_id}


def test_a_frozen_socket_gets_what_was_held_in_order_after_the_freeze(radist_fake: RadistFake) -> None:
    with two_on_a_call(radist_fake) as (_, first, second, first_id, second_id):
        radist_fake.disrupt(second_id, "freeze", seconds=0.6)
        started = time.monotonic()
        for n in range(3):
            first.send(json.dumps({"type": "signal", "to": second_id, "data": {"n": n}}))
        second.send(json.dumps({"type": "ping"}))  # unanswered until the freeze ends
        got = [frame(second) for _ in range(4)]
        waited = time.monotonic() - started
        assert [g.get("data", {}).get("n") for g in got[:3]] == [0, 1, 2] and got[3] == {"type": "pong"}
        assert waited >= 0.5, f"the frames came after {waited:.2f} s of a 0.6 s freeze"
        assert radist_fake.peers[second_id].connected


def test_a_frozen_socket_sends_nothing_while_frozen(radist_fake: RadistFake) -> None:
    with two_on_a_call(radist_fake) as (_, first, second, first_id, second_id):
        radist_fake.disrupt(second_id, "freeze", seconds=0.5)
        second.send(json.dumps({"type": "signal", "to": first_id, "data": "held"}))
        with pytest.raises(TimeoutError):
            first.recv(timeout=0.25)  # held with its sender
        assert frame(first) == {"type": "signal", "from": second_id, "data": "held"}


@pytest.mark.parametrize("code", [1001, 1011, 1012, 1013])
def test_a_clean_close_with_the_code_asked_for(radist_fake: RadistFake, code: int) -> None:
    with two_on_a_call(radist_fake) as (call, first, second, first_id, second_id):
        radist_fake.disrupt(radist_fake.peers[second_id], "close", code=code)
        received, got = ended(second)
        assert received is not None and received.code == code == got
        assert frame(first) == {"type": "peer-left", "peerId": second_id, "reason": "disconnected"}
        assert call.live  # the grace holds the call for a reconnect


def test_a_simulated_peer_is_disconnected_and_cannot_be_frozen(radist_fake: RadistFake) -> None:
    call = radist_fake.make_call("public")
    peer = radist_fake.join(call.tokens[0])
    with pytest.raises(WrongKind, match="no socket to freeze"):
        radist_fake.disrupt(peer, "freeze", seconds=1)
    assert radist_fake.disrupt(peer, "drop") is peer and not peer.connected and not peer.gone
    with pytest.raises(InvalidValue, match="not connected"):
        radist_fake.disrupt(peer, "close")


@pytest.mark.parametrize(("body", "says"), [
    ({"mode": "explode"}, '"mode" must be one of'),
    ({"mode": "freeze"}, "a freeze needs seconds"),
    ({"mode": "drop", "seconds": 1}, "seconds is for a freeze"),
    ({"mode": "close", "code": 1006}, "a close needs a code a server sends"),
    ({"mode": "drop", "code": 1001}, "code is for a close"),
])
def test_the_control_plane_says_what_is_wrong_with_a_disruption(radist_fake: RadistFake, door: str, body: dict[str, Any],
                                                                says: str) -> None:
    peer = radist_fake.join(radist_fake.make_call("public").tokens[0])
    status, answer = raw(radist_fake, door, "POST", f"/_radist/peers/{peer.id}/disrupt", key=None, json=body)
    assert status in (400, 409) and says in answer["error"], answer
    assert peer.connected
    status, answer = raw(radist_fake, door, "POST", "/_radist/peers/peer_nobody/disrupt", key=None, json={"mode": "drop"})
    assert status == 404


@pytest.mark.parametrize("over", ["python", "control plane"])
def test_a_restart_cuts_every_socket_refuses_for_its_seconds_then_takes_reconnects(radist_fake: RadistFake, over: str) -> None:
    from pytest_radist import messages as M

    from .test_signaling import refusal

    simulated = radist_fake.join(radist_fake.make_call("public").tokens[0])
    with two_on_a_call(radist_fake) as (call, first, second, first_id, second_id):
        tokens = {peer_id: radist_fake.peers[peer_id].reconnect_token for peer_id in (first_id, second_id)}
        if over == "python":
            cut = [peer.id for peer in radist_fake.server_restart(seconds=0.6)]
        else:
            status, answer = raw(radist_fake, "http", "POST", "/_radist/scenarios/server_restart", key=None, json={"seconds": 0.6})
            assert status == 200
            cut = answer["disconnected"]
        assert set(cut) == {first_id, second_id, simulated.id} and not simulated.connected
        for ws in (first, second):
            received, code = ended(ws)
            assert received is None and code == 1006
        assert call.live  # state kept, the grace running
        assert raw(radist_fake, "http", "GET", f"/api/v1/projects/{radist_fake.project.id}/calls") == (503, {"error": M.SERVICE_RESTARTING})
        error, (code, _) = refusal(radist_fake.reconnect_url(first_id, reconnect_token=tokens[first_id]))
        assert code == 4503 and error["error"] == M.SERVICE_RESTARTING
        assert raw(radist_fake, "http", "GET", "/_radist/health", key=None) == (200, {"ok": True})  # the control plane answers
        radist_fake.wait_until(lambda: raw(radist_fake, "http", "GET", f"/api/v1/projects/{radist_fake.project.id}/calls")[0] == 200,
                               timeout=5, what="the service back")
        with open_socket(radist_fake.reconnect_url(second_id, reconnect_token=tokens[second_id])) as back:
            assert frame(back)["peerId"] == second_id
        assert radist_fake.journal.find("list_calls")[0].status == 503
        assert radist_fake.problems == []


def test_a_restart_of_no_seconds_only_cuts(radist_fake: RadistFake) -> None:
    assert radist_fake.server_restart() == []
    assert raw(radist_fake, "transport", "GET", f"/api/v1/projects/{radist_fake.project.id}/calls")[0] == 200
    with pytest.raises(InvalidValue, match="between 0 and 3600"):
        radist_fake.server_restart(-1)


# -- faults on relayed signals ---------------------------------------------------------


def signals(fake: RadistFake, count: int, **rule: Any) -> tuple[list[Any], list[Any]]:
    """``count`` frames from the first peer to the second under a ``signal``
    rule: the data received (until a quiet moment), and the journal's entries."""
    with two_on_a_call(fake) as (_, first, second, first_id, second_id):
        if rule:
            fake.fail("signal", **{"times": None, **rule})
        for n in range(count):
            first.send(json.dumps({"type": "signal", "to": second_id, "data": n}))
        first.send(json.dumps({"type": "ping"}))
        assert frame(first) == {"type": "pong"}  # every frame read by the server
        received = []
        while True:
            try:
                received.append(json.loads(second.recv(timeout=0.5))["data"])
            except TimeoutError:
                break
        return received, fake.journal.find("signal")


def test_signal_drop_with_a_seed_drops_the_same_frames_every_run(radist_fake: RadistFake) -> None:
    runs = []
    for _ in range(2):
        radist_fake.reset(state=True)
        received, journaled = signals(radist_fake, 40, drop=True, probability=0.3, seed=11)
        dropped = sorted({entry.json for entry in journaled})
        assert journaled and all(entry.status == 0 and entry.door == "socket" and "dropped frame" in (entry.fault or "")
                                 for entry in journaled)
        assert sorted(received + dropped) == list(range(40)) and not set(received) & set(dropped)
        runs.append(dropped)
    assert runs[0] == runs[1] and 0 < len(runs[0]) < 40


def test_signal_latency_with_jitter_keeps_each_sender_s_order(radist_fake: RadistFake) -> None:
    received, journaled = signals(radist_fake, 20, latency=0.02, jitter=0.05, probability=0.5, seed=3)
    assert received == list(range(20))  # delayed ones and undelayed ones behind them, in order
    assert 0 < len(journaled) < 20 and all("latency 0.02s" in (entry.fault or "") for entry in journaled)


def test_signal_duplicate_delivers_twice(radist_fake: RadistFake) -> None:
    received, journaled = signals(radist_fake, 3, duplicate=True, times=2)
    assert received == [0, 0, 1, 1, 2] and [entry.json for entry in journaled] == [0, 1]


def test_a_rule_for_every_request_leaves_frames_alone(radist_fake: RadistFake) -> None:
    with two_on_a_call(radist_fake) as (_, first, second, first_id, second_id):
        radist_fake.fail("*", status=503, times=None)
        first.send(json.dumps({"type": "signal", "to": second_id, "data": "through"}))
        assert frame(second)["data"] == "through"


@pytest.mark.parametrize(("rule", "says"), [
    ({"status": 503}, "status, error, headers, malformed and lost_response are for requests"),
    ({"drop": True, "latency": 1}, "cannot also be delayed"),
])
def test_signal_rules_refuse_what_a_frame_cannot_have(radist_fake: RadistFake, rule: dict[str, Any], says: str) -> None:
    with pytest.raises(InvalidValue, match=says):
        radist_fake.fail("signal", **rule)
    with pytest.raises(InvalidValue, match="for the endpoint 'signal'"):
        radist_fake.fail("create_call", duplicate=True)
    status, answer = raw(radist_fake, "transport", "POST", "/_radist/faults", key=None,
                         json={"endpoint": "signal", "latency": 0.1, "jitter": 0.1, "seed": 1})
    assert status == 200 and answer["rule"]["jitter"] == 0.1


def test_a_disturbed_frame_is_journaled_with_its_secrets_redacted(radist_fake: RadistFake) -> None:
    with two_on_a_call(radist_fake) as (_, first, second, first_id, second_id):
        radist_fake.fail("signal", drop=True)
        first.send(json.dumps({"type": "signal", "to": second_id, "data": {"password": "hunter2", "n": 1}}))
        first.send(json.dumps({"type": "ping"}))
        assert frame(first) == {"type": "pong"}
    (entry,) = radist_fake.journal.find("signal")
    assert entry.json == {"password": "***", "n": 1}

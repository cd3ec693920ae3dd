"""Fault injection through every front door, seen by the real SDK and raw HTTP."""

from __future__ import annotations

import http.client
import socket
import urllib.error
from typing import Any

import pytest
import radist_server

from pytest_radist import RadistFake

from .helpers import calls_path, raw


@pytest.fixture(params=["transport", "http"])
def client(request: pytest.FixtureRequest, radist_fake: RadistFake) -> Any:
    return radist_fake.client(**({"api_base_url": radist_fake.url} if request.param == "http" else {}))


def _api_error(fn: Any, *args: Any, **kwargs: Any) -> tuple[int, str]:
    with pytest.raises(radist_server.RadistApiError) as info:
        fn(*args, **kwargs)
    return info.value.status_code, str(info.value)


def test_status_fault_uses_the_documented_body(client: Any, radist_fake: RadistFake) -> None:
    radist_fake.fail("create_call", status=429)
    assert _api_error(client.create_p2p_connection) == (429, "Connection limit reached.")
    assert radist_fake.calls == {}  # the operation did not happen
    assert client.create_p2p_connection().call_id in radist_fake.calls  # times=1: next one passes


def test_status_fault_with_own_message_and_wildcard(client: Any, radist_fake: RadistFake) -> None:
    radist_fake.fail("*", status=503, error="Upstream down.", times=2)
    assert _api_error(client.create_room) == (503, "Upstream down.")
    assert _api_error(client.create_p2p_connection) == (503, "Upstream down.")
    client.create_room()
    assert [r.fired for r in radist_fake.faults] == [2]


def test_dropped_connection(client: Any, radist_fake: RadistFake) -> None:
    radist_fake.fail("create_room", drop=True)
    with pytest.raises((http.client.RemoteDisconnected, urllib.error.URLError, ConnectionError)):
        client.create_room()
    assert radist_fake.rooms == {}
    assert radist_fake.requests[-1].status == 0 and radist_fake.requests[-1].response is None


@pytest.mark.parametrize("body", [b'{"callId": "trunc', b"<html>oops</html>", b""])
def test_malformed_2xx_is_an_sdk_error(client: Any, radist_fake: RadistFake, body: bytes) -> None:
    radist_fake.fail("create_call", malformed=body)
    status, message = _api_error(client.create_p2p_connection)
    assert status == 200 and "status 200" in message


def test_lost_response_then_retry_creates_a_second_call(client: Any, radist_fake: RadistFake) -> None:
    radist_fake.fail("create_call", lost_response=True)

    def create_with_one_retry() -> Any:
        try:
            return client.create_p2p_connection()
        except (OSError, urllib.error.URLError):
            return client.create_p2p_connection()

    create_with_one_retry()
    assert len(radist_fake.calls) == 2  # the first create happened: a naive retry duplicates it
    radist_fake.assert_called("create_call", times=2)


def test_lost_response_with_a_status(client: Any, radist_fake: RadistFake) -> None:
    radist_fake.fail("create_room", lost_response=True, status=502)
    assert _api_error(client.create_room)[0] == 502
    assert len(radist_fake.rooms) == 1


def test_latency_in_process_sleeps_then_answers(radist_fake: RadistFake, monkeypatch: pytest.MonkeyPatch) -> None:
    from pytest_radist.doors import transport

    slept: list[float] = []
    monkeypatch.setattr(transport.time, "sleep", slept.append)
    radist_fake.fail("create_call", latency=2.5)
    assert radist_fake.client().create_p2p_connection().call_id in radist_fake.calls
    assert slept == [2.5]


def test_latency_fires_client_timeouts_over_http(radist_fake: RadistFake) -> None:
    radist_fake.fail("create_call", latency=1.0)
    import urllib.request

    request = urllib.request.Request(radist_fake.url + calls_path(radist_fake), method="POST",
                                     headers={"Authorization": f"Bearer {radist_fake.project.secret_key}"})
    with pytest.raises((socket.timeout, TimeoutError, urllib.error.URLError)):
        urllib.request.urlopen(request, timeout=0.2)


def test_probability_with_a_seed_is_reproducible() -> None:
    def pattern(seed: int) -> list[int]:
        fake = RadistFake(seed=1)
        fake.fail("create_room", status=500, times=None, probability=0.5, seed=seed)
        return [raw(fake, "transport", "POST", f"/api/v1/projects/{fake.project.id}/rooms")[0] for _ in range(40)]

    first = pattern(3)
    assert first == pattern(3) != pattern(4)
    assert 5 < first.count(500) < 35


def test_fault_rules_are_validated(radist_fake: RadistFake) -> None:
    with pytest.raises(ValueError, match="Did you mean 'create_call'"):
        radist_fake.fail("create_calls", status=429)
    with pytest.raises(ValueError, match="needs an effect"):
        radist_fake.fail("create_call")
    with pytest.raises(ValueError, match="error= needs status="):
        radist_fake.fail("create_call", error="x")
    for status in (99, 200, 302, 600, True):
        with pytest.raises(ValueError, match="between 400 and 599"):
            radist_fake.fail("create_call", status=status)
    with pytest.raises(ValueError, match="probability"):
        radist_fake.fail("create_call", status=500, probability=0)
    for latency in (float("inf"), float("nan"), 1e300, -1):
        with pytest.raises(ValueError, match="latency must be between 0 and 3600"):
            radist_fake.fail("create_call", latency=latency)
    with pytest.raises(ValueError, match="error must be a message"):
        radist_fake.fail("create_call", status=500, error=123)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="malformed must be bytes"):
        radist_fake.fail("create_call", malformed=["a"])  # type: ignore[arg-type]
    assert radist_fake.faults == []


def test_rules_can_be_listed_and_cleared(radist_fake: RadistFake) -> None:
    rule = radist_fake.fail("mint_call_token_public", status=403, times=None)
    assert radist_fake.faults == [rule] and "mint_call_token_public: status 403 (always)" in rule.describe()
    radist_fake.clear_faults()
    assert radist_fake.faults == []


def test_named_scenarios(radist_fake: RadistFake, door: str) -> None:
    public_key = radist_fake.project.public_key

    def public_mint(call_id: str) -> tuple[int, Any]:
        return raw(radist_fake, door, "POST", f"/api/v1/p2p/calls/{call_id}/token", key=public_key)

    assert public_mint(radist_fake.make_call("private").id) == (403, {"error": "Call is private."})
    assert public_mint(radist_fake.make_full_call().id) == (409, {"error": "All peers are already connected."})
    assert public_mint(radist_fake.make_terminated_call().id) == (410, {"error": "Call has been terminated."})
    call = radist_fake.make_call()
    assert radist_fake.expire_token(call.tokens[0].value).state == "expired"
    with pytest.raises(ValueError, match="only a pending token"):
        radist_fake.expire_token(call.tokens[0])
    radist_fake.connection_limit_reached()
    assert raw(radist_fake, door, "POST", calls_path(radist_fake)) == (429, {"error": "Connection limit reached."})
    assert radist_fake.slow_backend(0.01).latency == 0.01
    assert radist_fake.requests[0].endpoint == "mint_call_token_public"  # scenarios themselves are not journaled


@pytest.mark.radist(reconnect_grace=30)
def test_terminated_call_waits_out_the_grace(radist_fake: RadistFake) -> None:
    call = radist_fake.make_terminated_call()
    assert not call.live and radist_fake.clock.now() == call.tombstoned_at


def test_one_rule_is_removed_by_object_or_id(radist_fake: RadistFake) -> None:
    from pytest_radist import NotFound

    first = radist_fake.fail("create_call", status=503)
    second = radist_fake.fail("create_room", status=500)
    assert radist_fake.remove_fault(first) is first
    assert radist_fake.faults == [second]
    with pytest.raises(NotFound, match="no fault rule 'fault-1'; the rules are: fault-2"):
        radist_fake.remove_fault("fault-1")
    assert radist_fake.remove_fault(second.id) is second and radist_fake.faults == []

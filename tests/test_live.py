"""Live mode: the fixtures' doors forwarding to a real Radist.

The "real" Radist here is a stand-in: a fake of our own on a loopback
server (in process), or a ``radist-fake`` process for whole pytest runs.
"""

from __future__ import annotations

import asyncio
import json
import re
import socket
import threading
import urllib.error
import urllib.request
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import requests
from pytest_httpserver import HTTPServer
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect

from pytest_radist import RadistFake
from pytest_radist.errors import FakeOnly
from pytest_radist.live import DEFAULT_BASE_URL, LiveCredentials, MissingCredentials, RadistLive, fake_only_controls
from pytest_radist.target import RadistFakeProblem

from .helpers import UNRELATED_PLUGINS, start_radist_fake
from .test_server_robustness import HANG


@pytest.fixture
def real() -> Iterator[RadistFake]:
    """The service live mode talks to."""
    with RadistFake(seed=9, project_id="live project/1") as service:
        yield service


def credentials(service: RadistFake) -> LiveCredentials:
    return LiveCredentials(service.project.id, service.project.secret_key, service.project.public_key, service.url)


@pytest.fixture
def live(real: RadistFake) -> Iterator[RadistLive]:
    with RadistLive(credentials(real), seed=1) as forwarder:
        yield forwarder


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


# -- credentials ----------------------------------------------------------------


def test_credentials_name_every_missing_variable() -> None:
    with pytest.raises(MissingCredentials) as refused:
        LiveCredentials.from_env({"RADIST_PROJECT_ID": "p", "RADIST_KEY": "  "})
    message = str(refused.value)
    assert "RADIST_KEY (" in message and "RADIST_PUBLIC_KEY (" in message and "RADIST_PROJECT_ID (" not in message


def test_credentials_default_to_the_real_service_and_check_the_url() -> None:
    env = {"RADIST_PROJECT_ID": "p", "RADIST_KEY": "rad_sk_1", "RADIST_PUBLIC_KEY": "rad_pk_1"}
    assert LiveCredentials.from_env(env).base_url == DEFAULT_BASE_URL
    assert LiveCredentials.from_env({**env, "RADIST_API_BASE_URL": "http://x:1/"}).base_url == "http://x:1"
    with pytest.raises(MissingCredentials, match="RADIST_API_BASE_URL must be an http"):
        LiveCredentials.from_env({**env, "RADIST_API_BASE_URL": "radist.tech"})
    assert "rad_sk_1" not in repr(LiveCredentials.from_env(env))


# -- what only the fake has ------------------------------------------------------


@pytest.mark.parametrize("name", sorted(fake_only_controls()))
def test_every_control_only_the_fake_has_refuses_naming_itself(live: RadistLive, name: str) -> None:
    with pytest.raises(FakeOnly) as refused:
        getattr(live, name)
    shown = fake_only_controls()[name]
    assert str(refused.value) == f"live mode: {shown} needs the fake"


def test_the_fake_only_controls_are_the_ones_the_issue_names() -> None:
    controls = fake_only_controls()
    for name, shown in {"fail": "fail()", "clock": "clock", "join": "join()", "make_call": "make_call()",
                        "calls": "calls", "usage": "usage()", "connection_limit_reached": "connection_limit_reached()",
                        "wait_for_peers": "wait_for_peers()", "reconnect_url": "reconnect_url()"}.items():
        assert controls[name] == shown
    shared = {"transport", "client", "requests_adapter", "httpx_transport", "url", "journal", "assert_called",
              "assert_not_called", "requests", "requests_to", "project", "seed", "reset", "check", "problems", "signaling_url"}
    assert not shared & set(controls)


def test_project_views_and_state_resets_refuse(live: RadistLive) -> None:
    assert live.project.id == "live project/1"
    with pytest.raises(FakeOnly, match=r"^live mode: project.calls needs the fake$"):
        live.project.calls
    with pytest.raises(FakeOnly, match=r"reset\(state=True\)"):
        live.reset(state=True)
    with pytest.raises(AttributeError):
        live.no_such_thing


# -- every door forwards and journals -------------------------------------------------


def test_the_sdk_transport_forwards_and_journals(real: RadistFake, live: RadistLive) -> None:
    call = live.client().create_p2p_connection(access_control="public")
    assert call.call_id in real.calls, "the call exists on the service"
    recorded = live.assert_called("create_call", times=1, accessControl="public")[0]
    assert recorded.door == "transport" and recorded.key_type == "secret"
    assert recorded.key == "rad_sk_..." + real.project.secret_key[-4:]
    assert real.project.secret_key not in repr(live.requests)
    real.assert_called("create_call", times=1)


def test_percent_encoded_ids_arrive_as_sent(real: RadistFake, live: RadistLive) -> None:
    live.client().create_room()
    (room,) = real.rooms.values()
    assert room.project.id == "live project/1"
    assert live.requests[0].path == "/api/v1/projects/live%20project%2F1/rooms"


def test_requests_and_httpx_doors_forward(real: RadistFake, live: RadistLive) -> None:
    session = requests.Session()
    session.mount("https://radist.tech", live.requests_adapter())
    headers = {"Authorization": f"Bearer {real.project.secret_key}"}
    path = "/api/v1/projects/live%20project%2F1/calls"
    assert session.post("https://radist.tech" + path, json={"accessControl": "public"}, headers=headers).status_code == 200
    with httpx.Client(transport=live.httpx_transport(), base_url="https://radist.tech") as client:
        assert client.get(path, headers=headers).json()["total"] == 1

    async def list_async() -> Any:
        async with httpx.AsyncClient(transport=live.httpx_transport(), base_url="https://radist.tech") as client:
            return (await client.get(path, headers=headers, params={"limit": 1000})).json()

    assert asyncio.run(list_async())["limit"] == 100
    assert [r.door for r in live.requests] == ["requests", "httpx", "httpx"]
    assert live.requests[-1].query == {"limit": "1000"}


def test_a_body_that_is_not_json_is_forwarded_as_it_came(real: RadistFake, live: RadistLive) -> None:
    request = urllib.request.Request(
        live.url + "/api/v1/projects/live%20project%2F1/spaces", data=b"{not json", method="POST",
        headers={"Authorization": f"Bearer {real.project.secret_key}", "Content-Type": "application/json"},
    )
    with pytest.raises(urllib.error.HTTPError) as answer:
        urllib.request.urlopen(request, timeout=5)
    assert answer.value.code == 400 and json.loads(answer.value.read()) == {"error": "Invalid JSON body."}
    assert live.requests[0].door == "http"


def test_an_answer_that_is_not_json_comes_back_byte_for_byte(httpserver: HTTPServer) -> None:
    httpserver.expect_request(re.compile(".*")).respond_with_data("<h1>maintenance</h1>", status=503, content_type="text/html")
    with RadistLive(LiveCredentials("p", "rad_sk_1", "rad_pk_1", httpserver.url_for("").rstrip("/"))) as live:
        with pytest.raises(urllib.error.HTTPError) as answer:
            urllib.request.urlopen(live.url + "/api/v1/projects/p/calls", timeout=5)
        assert answer.value.code == 503 and answer.value.headers["Content-Type"].startswith("text/html")
        assert answer.value.read() == b"<h1>maintenance</h1>"
        assert live.requests[0].response == "<h1>maintenance</h1>"


def test_an_unreachable_service_is_a_502_and_a_problem() -> None:
    live = RadistLive(LiveCredentials("p", "rad_sk_1", "rad_pk_1", f"http://127.0.0.1:{_closed_port()}"), timeout=2)
    status, body = live.transport("http://radist-fake.invalid/api/v1/projects/p/calls", "GET", {"Authorization": "Bearer rad_sk_1"})
    assert status == 502 and body["error"].startswith("Live mode: could not reach http://127.0.0.1:")
    with pytest.raises(RadistFakeProblem, match="could not reach"):
        live.check()


def test_the_control_plane_is_not_forwarded(real: RadistFake, live: RadistLive) -> None:
    with pytest.raises(urllib.error.HTTPError) as answer:
        urllib.request.urlopen(live.url + "/_radist/state", timeout=5)
    assert answer.value.code == 404 and "control plane" in json.loads(answer.value.read())["error"]
    assert real.requests == [], "nothing reached the service"


def test_sockets_are_relayed_as_the_service_answers(real: RadistFake, live: RadistLive) -> None:
    call = real.make_call("public")
    with connect(live.signaling_url(call.tokens[0].value), open_timeout=5, close_timeout=1) as alice, \
            connect(live.signaling_url(call.tokens[1].value), open_timeout=5, close_timeout=1) as bob:
        welcome = json.loads(alice.recv(timeout=5))
        assert welcome["type"] == "welcome" and welcome["call"]["callId"] == call.id
        bob.recv(timeout=5), alice.recv(timeout=5)  # bob's welcome, alice hears peer-joined
        bob.send(json.dumps({"type": "signal", "data": {"sdp": "offer"}}))
        assert json.loads(alice.recv(timeout=5))["data"] == {"sdp": "offer"}, "frames go both ways"
        real.remove_peer(welcome["peerId"])
        with pytest.raises(ConnectionClosed) as closed:
            alice.recv(timeout=5)
    assert closed.value.rcvd is not None and (closed.value.rcvd.code, closed.value.rcvd.reason) == (4403, "Removed from the call.")
    bad = "ws" + live.url[len("http"):] + "/api/v1/p2p/signaling/ws?publicKey=rad_pk_x&callToken=ct_x"
    with connect(bad, open_timeout=5, close_timeout=1) as refused:
        assert json.loads(refused.recv(timeout=5))["reason"] == "invalid_key"
        with pytest.raises(ConnectionClosed) as closed:
            refused.recv(timeout=5)
    assert closed.value.rcvd is not None and closed.value.rcvd.code == 4401, "the service's own close, as sent"
    journaled = [(r.endpoint, r.status, r.key) for r in live.requests]
    assert journaled == [("p2p_signaling", 101, f"rad_pk_...{real.project.public_key[-4:]}")] * 2 + [("p2p_signaling", 101, "rad_pk_...pk_x")]
    assert real.project.public_key not in repr(live.requests)


def test_headers_come_back_as_the_service_sent_them(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/api/v1/projects/p/calls").respond_with_data(
        '{"error": "Connection limit reached."}', status=429, content_type="application/problem+json; charset=utf-8",
        headers={"Retry-After": "30", "Access-Control-Allow-Origin": "https://app.example", "X-Trace": "abc"})
    live = RadistLive(LiveCredentials("p", "rad_sk_x", "rad_pk_x", httpserver.url_for("").rstrip("/")))
    try:
        request = urllib.request.Request(live.url + "/api/v1/projects/p/calls", method="POST",
                                         headers={"Authorization": "Bearer rad_sk_x", "Origin": "https://app.example", "X-Client": "1"})
        with pytest.raises(urllib.error.HTTPError) as answer:
            urllib.request.urlopen(request, timeout=5)
    finally:
        live.close()
    headers = answer.value.headers
    assert answer.value.code == 429 and headers["Content-Type"] == "application/problem+json; charset=utf-8"
    assert (headers["Retry-After"], headers["Access-Control-Allow-Origin"], headers["X-Trace"]) == ("30", "https://app.example", "abc")
    assert headers.get("Vary") is None, "no CORS of the fake's own on the way"
    sent = httpserver.log[0][0].headers
    assert (sent["Origin"], sent["X-Client"]) == ("https://app.example", "1"), "the client's headers reach the service"
    assert live.requests[0].response == {"error": "Connection limit reached."}


def test_the_forwarder_stops_at_once_with_a_forward_in_flight(real: RadistFake) -> None:
    """A forward waits on the network off the server's loop; stopping the
    server must not wait for it (it ended by the forward's own timeout)."""
    real.slow_backend(30, "list_calls")
    live = RadistLive(credentials(real))
    url = live.url + "/api/v1/projects/live%20project%2F1/calls"
    client = threading.Thread(target=lambda: _ignore_errors(lambda: urllib.request.urlopen(url, timeout=30)), daemon=True)
    client.start()
    real.wait_until(lambda: real.requests_to("list_calls"), what="the forward to reach the service")
    (server_thread,) = [t for t in threading.enumerate() if t.name == f"radist-fake-server:{url.split(':')[2].split('/')[0]}"]
    live.close()
    assert not server_thread.is_alive(), "stop() returned with the server's thread still waiting on the forward"
    client.join(HANG)
    assert not client.is_alive(), "the client got its connection closed"


def test_a_bug_in_forwarding_is_a_json_500_and_a_problem(live: RadistLive, monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(request: Any) -> Any:
        raise RuntimeError("boom")

    monkeypatch.setattr(live, "_forward", broken)
    with pytest.raises(urllib.error.HTTPError) as answer:
        urllib.request.urlopen(live.url + "/api/v1/projects/p/calls", timeout=HANG)
    assert answer.value.code == 500 and "RuntimeError: boom" in json.loads(answer.value.read())["error"]
    assert any("RuntimeError: boom" in problem for problem in live.problems)


def _ignore_errors(call: Any) -> None:
    try:
        call()
    except OSError:
        pass


# -- clean-up ----------------------------------------------------------------------


def test_spaces_made_through_any_door_are_deleted(real: RadistFake, live: RadistLive) -> None:
    client = live.client()
    client.create_space(name="Standup", access_type="public")
    doomed = client.create_space(name="Gone already", access_type="public")
    client.delete_space(doomed.space.id)
    request = urllib.request.Request(
        live.url + "/api/v1/projects/live%20project%2F1/spaces", method="POST",
        data=json.dumps({"name": "Over HTTP", "accessType": "knock"}).encode(),
        headers={"Authorization": f"Bearer {real.project.secret_key}", "Content-Type": "application/json"},
    )
    urllib.request.urlopen(request, timeout=5).close()
    assert len(real.spaces) == 2
    live.clean_up()
    assert real.spaces == {} and live.problems == []
    assert len(live.requests_to("delete_space")) == 1, "the clean-up is not the app's: not journaled"


def test_a_space_that_cannot_be_deleted_is_a_problem(real: RadistFake, live: RadistLive) -> None:
    live.client().create_space(name="Sticky", access_type="public")
    real.fail("delete_space", status=500, times=None)
    live.clean_up()
    (problem,) = live.problems
    assert "could not delete the space" in problem and "500" in problem


# -- whole pytest runs in live mode, against a radist-fake process ------------------------


@pytest.fixture(scope="module")
def radist_process() -> Iterator[dict[str, str]]:
    process, settings = start_radist_fake()
    yield settings
    process.terminate()
    process.wait(5)


def _state(settings: dict[str, str]) -> dict[str, Any]:
    with urllib.request.urlopen(settings["RADIST_API_BASE_URL"] + "/_radist/state", timeout=5) as answer:
        return json.loads(answer.read())  # type: ignore[no-any-return]


INNER_SUITE = """
import json, urllib.request
import pytest

def test_forwards_and_journals(radist_client, radist_fake):
    call = radist_client.create_p2p_connection()
    radist_fake.assert_called("create_call", times=1)
    assert radist_fake.requests[0].response["callId"] == call.call_id

def test_env_goes_through_the_journal(radist_env, radist_fake):
    request = urllib.request.Request(
        radist_env["RADIST_API_BASE_URL"] + "/api/v1/projects/" + radist_env["RADIST_PROJECT_ID"] + "/spaces",
        data=json.dumps({"name": "Live standup", "accessType": "public"}).encode(), method="POST",
        headers={"Authorization": "Bearer " + radist_env["RADIST_KEY"], "Content-Type": "application/json"})
    urllib.request.urlopen(request).close()
    radist_fake.assert_called("create_space", name="Live standup")

def test_sdk_space(radist_client):
    radist_client.create_space(name="SDK standup", access_type="public")

def test_needs_faults(radist_fake):
    radist_fake.fail("create_call", status=503)

def test_needs_the_clock(radist_fake):
    radist_fake.clock.advance(60)

def test_needs_a_simulated_peer(radist_fake, radist_client):
    call = radist_client.create_p2p_connection()
    radist_fake.join(call.call_tokens[0])

@pytest.mark.radist(connection_limit=1)
def test_needs_a_limit(radist_fake):
    pass

@pytest.mark.radist(seed=3, strict=True)
def test_harmless_settings_run(radist_fake):
    assert radist_fake.seed == 3

def test_factory(radist_fake_factory):
    with radist_fake_factory() as fake:
        pass

@pytest.mark.radist_fake_only
def test_only_for_the_fake(radist_fake):
    raise AssertionError("live mode must not run this")
"""


def test_a_suite_in_live_mode(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, radist_process: dict[str, str]) -> None:
    before = _state(radist_process)["projects"][0]["calls"]
    for name, value in radist_process.items():
        monkeypatch.setenv(name, value)
    pytester.makepyfile(INNER_SUITE)
    result = pytester.runpytest(*UNRELATED_PLUGINS, "--radist-live", "-rs")
    result.assert_outcomes(passed=4, skipped=5, deselected=1)
    result.stdout.fnmatch_lines([f"radist: live mode against {radist_process['RADIST_API_BASE_URL']} (project test-project)*"])
    skipped = "\n".join(line for line in result.outlines if line.startswith("SKIPPED"))
    for reason in ("fail() needs the fake", "clock needs the fake", "join() needs the fake",
                   "@pytest.mark.radist(connection_limit=...) needs the fake", "radist_fake_factory needs the fake"):
        assert f"live mode: {reason}" in skipped
    assert "plugin.py" not in skipped, "skips point at the tests"
    state = _state(radist_process)
    assert state["projects"][0]["calls"] == before + 2, "calls were made on the service"
    assert state["spaces"] == 0, "the spaces the tests made were deleted"


def test_live_mode_from_the_ini_file(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, radist_process: dict[str, str]) -> None:
    for name, value in radist_process.items():
        monkeypatch.setenv(name, value)
    pytester.makeini("[pytest]\nradist_live = true\n")
    pytester.makepyfile("def test_live(radist_fake):\n    assert radist_fake.live\n")
    run = pytester.runpytest(*UNRELATED_PLUGINS)
    run.assert_outcomes(passed=1)


def test_live_mode_without_credentials_is_a_usage_error(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("RADIST_KEY", "RADIST_PROJECT_ID", "RADIST_PUBLIC_KEY", "RADIST_API_BASE_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("RADIST_PROJECT_ID", "mine")
    pytester.makepyfile("def test_never(radist_fake):\n    pass\n")
    result = pytester.runpytest(*UNRELATED_PLUGINS, "--radist-live")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["ERROR: --radist-live / radist_live: set RADIST_KEY (*); RADIST_PUBLIC_KEY (*) in the environment*"])


def test_options_asterisk_is_a_400_never_a_500(live: RadistLive) -> None:
    # found in the audit of issue 25: the forwarder built a URL of "*" and failed
    host, port = live.url.split("//")[1].rsplit(":", 1)
    with socket.create_connection((host, int(port)), timeout=5) as sock:
        sock.sendall(b"OPTIONS * HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
        data = b""
        while chunk := sock.recv(65536):
            data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 400 ") and b"is not a path of the Radist API" in body
    assert live.problems == []

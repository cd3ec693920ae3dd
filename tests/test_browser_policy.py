"""What a web page may do (radist-api.md 6.5, 6.6): CORS on the client
endpoint, none on secret-key endpoints, origins on sockets, and the control
plane's Host, Content-Type and CORS guard."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from typing import Any, Optional

import pytest
from websockets.sync.client import connect

from pytest_radist import RadistFake

from .helpers import calls_path

PAGE = "http://localhost:5173"


def http(fake: RadistFake, method: str, path: str, headers: Optional[dict[str, str]] = None,
         body: Optional[bytes] = None) -> tuple[int, dict[str, str], Any]:
    request = urllib.request.Request(fake.url + path, method=method, headers=headers or {}, data=body)
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            raw = response.read()
            return response.status, {k.lower(): v for k, v in response.headers.items()}, json.loads(raw) if raw else None
    except urllib.error.HTTPError as exc:
        return exc.code, {k.lower(): v for k, v in exc.headers.items()}, json.loads(exc.read())


def preflight(fake: RadistFake, path: str, origin: str = PAGE, method: str = "POST") -> tuple[int, dict[str, str], Any]:
    return http(fake, "OPTIONS", path, {"Origin": origin, "Access-Control-Request-Method": method,
                                        "Access-Control-Request-Headers": "authorization"})


def public_mint(fake: RadistFake) -> str:
    return f"/api/v1/p2p/calls/{fake.make_call('public').id}/token"


def test_the_client_endpoint_answers_a_preflight(radist_fake: RadistFake) -> None:
    status, headers, _ = preflight(radist_fake, public_mint(radist_fake))
    assert status == 204
    assert headers["access-control-allow-origin"] == PAGE
    assert headers["access-control-allow-methods"] == "POST, OPTIONS"
    assert headers["access-control-allow-headers"] == "Authorization, Content-Type, Accept"
    assert headers["access-control-max-age"] == "600"
    assert radist_fake.requests == [] and radist_fake.problems == []  # not journaled, not a strict problem


def test_the_client_endpoints_answers_carry_cors(radist_fake: RadistFake) -> None:
    path = public_mint(radist_fake)
    status, headers, body = http(radist_fake, "POST", path, {"Origin": PAGE, "Authorization": f"Bearer {radist_fake.project.public_key}"})
    assert status == 200 and body["callToken"].startswith("ct_")
    assert headers["access-control-allow-origin"] == PAGE and headers["vary"] == "Origin"
    private = radist_fake.make_call("private")
    status, headers, _ = http(radist_fake, "POST", f"/api/v1/p2p/calls/{private.id}/token",
                              {"Origin": PAGE, "Authorization": f"Bearer {radist_fake.project.public_key}"})
    assert status == 403 and headers["access-control-allow-origin"] == PAGE  # a page can read the refusal


def test_secret_key_endpoints_answer_no_cors(radist_fake: RadistFake) -> None:
    status, headers, body = preflight(radist_fake, calls_path(radist_fake))
    assert status == 403 and "access-control-allow-origin" not in headers
    assert body == {"error": "Secret-key endpoints answer no CORS: the secret key must stay on the backend."}
    status, headers, _ = http(radist_fake, "POST", calls_path(radist_fake),
                              {"Origin": PAGE, "Authorization": f"Bearer {radist_fake.project.secret_key}"})
    assert status == 200 and "access-control-allow-origin" not in headers


@pytest.mark.radist(secret_cors=True)
def test_secret_cors_can_be_allowed(radist_fake: RadistFake) -> None:
    assert preflight(radist_fake, calls_path(radist_fake))[1]["access-control-allow-origin"] == PAGE


@pytest.mark.radist(allowed_origins=["http://app.localhost:3000"])
def test_allowed_origins_narrow_the_mint_and_the_sockets(radist_fake: RadistFake) -> None:
    path = public_mint(radist_fake)
    assert preflight(radist_fake, path, origin="http://app.localhost:3000")[0] == 204
    status, headers, body = preflight(radist_fake, path, origin="http://evil.localhost")
    assert (status, body) == (403, {"error": "Origin not allowed."}) and "access-control-allow-origin" not in headers
    call = radist_fake.make_call()
    with connect(radist_fake.signaling_url(call.tokens[0]), origin="http://evil.localhost", open_timeout=5) as ws:  # type: ignore[arg-type]
        assert json.loads(ws.recv(timeout=5)) == {"type": "error", "reason": "origin", "error": "Origin not allowed."}
        with pytest.raises(Exception):
            ws.recv(timeout=5)
        assert (ws.close_code, ws.close_reason) == (4403, "Origin not allowed.")
    assert call.tokens[0].state == "pending"
    with connect(radist_fake.signaling_url(call.tokens[0]), origin="http://app.localhost:3000", open_timeout=5) as ws:  # type: ignore[arg-type]
        assert json.loads(ws.recv(timeout=5))["type"] == "welcome"


def test_the_control_plane_answers_no_cors_by_default(radist_fake: RadistFake) -> None:
    status, headers, _ = http(radist_fake, "GET", "/_radist/state", {"Origin": PAGE})
    assert status == 200 and "access-control-allow-origin" not in headers
    assert preflight(radist_fake, "/_radist/reset")[0] == 403


@pytest.mark.radist(control_origins=[PAGE])
def test_control_origins_can_be_allowed(radist_fake: RadistFake) -> None:
    assert preflight(radist_fake, "/_radist/reset")[1]["access-control-allow-origin"] == PAGE
    assert http(radist_fake, "GET", "/_radist/state", {"Origin": PAGE})[1]["access-control-allow-origin"] == PAGE


@pytest.mark.parametrize("host", ["attacker.example", "attacker.example:80", "192.168.1.5:8765"])
def test_the_control_plane_refuses_other_hosts(radist_fake: RadistFake, host: str) -> None:
    status, _, body = http(radist_fake, "GET", "/_radist/state", {"Host": host})
    assert status == 403 and body["error"].startswith("Host not allowed")
    assert radist_fake.project.secret_key not in json.dumps(body)


@pytest.mark.parametrize("host", ["localhost", "127.0.0.1:1234", "[::1]:80"])
def test_loopback_hosts_reach_the_control_plane(radist_fake: RadistFake, host: str) -> None:
    assert http(radist_fake, "GET", "/_radist/state", {"Host": host})[0] == 200


@pytest.mark.radist(allowed_hosts=["fake.internal"])
def test_allowed_hosts_reach_the_control_plane(radist_fake: RadistFake) -> None:
    assert http(radist_fake, "GET", "/_radist/state", {"Host": "fake.internal:8765"})[0] == 200


def test_a_cross_origin_simple_post_cannot_reset(radist_fake: RadistFake) -> None:
    radist_fake.make_call()
    status, _, body = http(radist_fake, "POST", "/_radist/reset", {"Content-Type": "text/plain", "Origin": "http://evil.example"},
                           b'{"state": true}')
    assert status == 403 and body["error"] == ("A page at http://evil.example may not change the control plane's state: "
                                               "start radist-fake with --control-origin http://evil.example to allow it.")
    assert len(radist_fake.calls) == 1
    status, _, _ = http(radist_fake, "POST", "/_radist/reset", {"Content-Type": "application/json; charset=utf-8"}, b'{"state": true}')
    assert status == 200 and radist_fake.calls == {}


@pytest.mark.radist(control_origins=["http://suite.example"])
def test_an_allowed_page_must_still_send_json(radist_fake: RadistFake) -> None:
    radist_fake.make_call()
    status, _, body = http(radist_fake, "POST", "/_radist/reset", {"Content-Type": "text/plain", "Origin": "http://suite.example"},
                           b'{"state": true}')
    assert (status, body["error"]) == (415, "Control requests that change state must be sent with Content-Type: application/json.")
    status, _, _ = http(radist_fake, "POST", "/_radist/reset", {"Content-Type": "application/json", "Origin": "http://suite.example"},
                        b'{"state": true}')
    assert status == 200 and radist_fake.calls == {}


def test_the_dashboard_s_own_origin_may_change_state(radist_fake: RadistFake) -> None:
    radist_fake.fail("create_call", status=503)
    own = radist_fake.url  # http://127.0.0.1:<port>, the Host the page was served from
    status, _, _ = http(radist_fake, "DELETE", "/_radist/faults", {"Content-Type": "application/json", "Origin": own})
    assert status == 200 and radist_fake.faults == []


def test_body_less_control_requests_without_origin_need_no_content_type(radist_fake: RadistFake) -> None:
    """curl, Go's net/http and Node's fetch send no Origin: a bare POST or DELETE works."""
    peer = radist_fake.join(radist_fake.make_call("public").tokens[0])
    status, _, _ = http(radist_fake, "POST", f"/_radist/peers/{peer.id}/leave", {})
    assert status == 200 and not peer.connected
    radist_fake.fail("create_call", status=503)
    status, _, _ = http(radist_fake, "DELETE", "/_radist/faults", {})
    assert status == 200 and radist_fake.faults == []


def test_space_urls_never_reflect_a_foreign_host(radist_fake: RadistFake) -> None:
    status, _, body = http(radist_fake, "POST", f"/api/v1/projects/{radist_fake.project.id}/spaces",
                           {"Host": "evil.example", "Authorization": f"Bearer {radist_fake.project.secret_key}",
                            "Content-Type": "application/json"}, json.dumps({"name": "Daily", "accessType": "public"}).encode())
    assert status == 200 and body["participantUrl"] == f"{radist_fake.url}/s/daily"


def test_a_secret_key_is_no_public_key_for_the_simulated_join(radist_fake: RadistFake) -> None:
    from pytest_radist import JoinRefused

    call = radist_fake.make_call()
    with pytest.raises(JoinRefused) as refused:
        radist_fake.join(call.tokens[0].value, public_key=radist_fake.project.secret_key)
    assert refused.value.reason == "invalid_key" and radist_fake.project.secret_key not in str(refused.value)
    assert call.tokens[0].state == "pending"


@pytest.mark.parametrize("setting", [{"allowed_origins": 5}, {"control_origins": [""]}, {"secret_cors": "yes"}])
def test_browser_settings_are_checked(setting: dict[str, Any]) -> None:
    with pytest.raises(ValueError, match=next(iter(setting))):
        RadistFake(**setting)

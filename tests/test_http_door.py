"""The loopback server: encoding, malformed input, concurrency, clean shutdown."""

from __future__ import annotations

import http.client
import json
import urllib.error
import urllib.request
import socket
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any
from urllib.parse import quote, urlsplit

import pytest

from pytest_radist import JoinRefused, LoopbackServer, RadistFake

from .helpers import calls_path, raw


def _send(fake: RadistFake, request_bytes: bytes) -> tuple[int, Any]:
    """Write raw bytes to the server and parse its answer."""
    parts = urlsplit(fake.url)
    with socket.create_connection((parts.hostname, parts.port), timeout=10) as sock:
        sock.sendall(request_bytes)
        response = http.client.HTTPResponse(sock)
        response.begin()
        return response.status, json.loads(response.read())


def test_encoded_slash_stays_in_the_id(radist_fake: RadistFake, door: str) -> None:
    project = radist_fake.add_project("call/123")
    path = f"/api/v1/projects/{quote('call/123', safe='')}/calls"
    assert raw(radist_fake, door, "POST", path, key=project.secret_key)[0] == 200
    assert len(project.call_list) == 1


def test_segments_are_decoded_exactly_once(radist_fake: RadistFake, door: str) -> None:
    project = radist_fake.add_project("a%2Fb")  # an id that itself contains a percent sign
    assert raw(radist_fake, door, "POST", "/api/v1/projects/a%252Fb/calls", key=project.secret_key)[0] == 200
    assert raw(radist_fake, door, "POST", "/api/v1/projects/a%2Fb/calls", key=project.secret_key)[0] == 401


def test_chunked_body_is_read(radist_fake: RadistFake) -> None:
    body = json.dumps({"accessControl": "public"}).encode()
    head = (f"POST {calls_path(radist_fake)} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {radist_fake.project.secret_key}\r\n"
            "Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n").encode()
    status, answer = _send(radist_fake, head + f"{len(body):x}\r\n".encode() + body + b"\r\n0\r\n\r\n")
    assert status == 200 and answer["accessControl"] == "public"


@pytest.mark.parametrize("length", ["abc", "-5"])
def test_bad_content_length_is_a_json_400(radist_fake: RadistFake, length: str) -> None:
    request = (f"POST {calls_path(radist_fake)} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {radist_fake.project.secret_key}\r\n"
               f"Content-Length: {length}\r\nConnection: close\r\n\r\n").encode()
    status, answer = _send(radist_fake, request)
    assert status == 400 and answer == {"error": "Malformed HTTP request."}
    assert radist_fake.requests == []


def test_participant_urls_use_the_host_the_client_used(radist_fake: RadistFake) -> None:
    status, body = raw(radist_fake, "http", "POST", f"/api/v1/projects/{radist_fake.project.id}/spaces",
                       json={"name": "Daily", "accessType": "public"})
    assert status == 200 and body["participantUrl"] == f"{radist_fake.url}/s/daily"


@pytest.mark.radist(public_base_url="https://meet.example.com/")
def test_public_base_url_is_configurable(radist_fake: RadistFake, door: str) -> None:
    body = raw(radist_fake, door, "POST", f"/api/v1/projects/{radist_fake.project.id}/spaces",
               json={"name": "Daily", "accessType": "public"})[1]
    assert body["hostUrl"] == "https://meet.example.com/s/daily?host=1"


def test_racing_joins_on_one_token_have_one_winner(radist_fake: RadistFake) -> None:
    token = radist_fake.make_call().tokens[0].value
    barrier = threading.Barrier(16)

    def attempt(_: int) -> str:
        barrier.wait()
        try:
            return radist_fake.join(token).id
        except JoinRefused as exc:
            return exc.reason

    with ThreadPoolExecutor(16) as pool:
        results = list(pool.map(attempt, range(16)))
    assert sum(r.startswith("peer_") for r in results) == 1
    assert results.count("consumed") == 15


def test_concurrent_http_requests_lose_no_update(radist_fake: RadistFake) -> None:
    radist_fake.project.connection_limit = 25
    with ThreadPoolExecutor(8) as pool:
        statuses = list(pool.map(lambda _: raw(radist_fake, "http", "POST", calls_path(radist_fake))[0], range(40)))
    assert sorted(statuses) == [200] * 25 + [429] * 15
    assert len(radist_fake.project.call_list) == 25 == radist_fake.project.live_calls
    assert len(radist_fake.requests) == 40


def test_server_stops_cleanly_and_frees_its_port() -> None:
    before = {t.name for t in threading.enumerate()}
    fake = RadistFake(seed=1)
    url = fake.url
    assert raw(fake, "http", "GET", calls_path(fake))[0] == 200
    fake.close()
    assert {t.name for t in threading.enumerate()} - before == set()
    with pytest.raises(OSError):
        socket.create_connection((urlsplit(url).hostname, urlsplit(url).port), timeout=1)


def test_server_without_a_fake_answers_503() -> None:
    with LoopbackServer() as server:
        parts = urlsplit(server.url)
        connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=5)
        connection.request("GET", "/api/v1/p2p/calls/x/token")
        response = connection.getresponse()
        assert response.status == 503 and json.loads(response.read())["error"]


def test_servers_use_ephemeral_ports() -> None:
    with LoopbackServer() as first, LoopbackServer() as second:
        assert first.port != second.port and first.url.startswith("http://127.0.0.1:")


@pytest.mark.parametrize("path, allowed", [("/api/v1/projects/p/calls", "GET, HEAD, POST"), ("/api/v1/projects/p/spaces/s", "DELETE, PATCH"),
                                           ("/_radist/clock", "GET, POST")])
@pytest.mark.radist(strict=False)  # a wrong method is what this test sends
def test_a_405_says_which_methods_are_allowed(radist_fake: RadistFake, path: str, allowed: str) -> None:
    # found by Schemathesis: RFC 9110 asks a 405 for an Allow header
    import httpx
    import requests

    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(urllib.request.Request(radist_fake.url + path, method="TRACE",
                                                      headers={"Content-Type": "application/json"}), timeout=5)
    assert refused.value.code == 405 and refused.value.headers["Allow"] == allowed
    with httpx.Client(transport=radist_fake.httpx_transport()) as client:
        assert client.request("TRACE", "http://fake" + path).headers["allow"] == allowed
    session = requests.Session()
    session.mount("http://fake", radist_fake.requests_adapter())
    assert session.request("TRACE", "http://fake" + path).headers["Allow"] == allowed

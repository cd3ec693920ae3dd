"""The fake beside the mocking tools an app's suite already uses: responses,
respx, pytest_httpx and pytest-httpserver. In-process doors are never
intercepted; over loopback, each tool needs the one line shown here."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest
import requests
import responses
import respx

from pytest_radist import RadistFake

from .helpers import calls_path


def auth(fake: RadistFake) -> dict[str, str]:
    return {"Authorization": f"Bearer {fake.project.secret_key}"}


def test_beside_responses(radist_fake: RadistFake) -> None:
    with responses.RequestsMock() as mock:
        mock.add(responses.GET, "https://payments.example/health", json={"ok": True})
        mock.add_passthru(radist_fake.url)  # the one line: let loopback requests reach the fake
        assert requests.get("https://payments.example/health", timeout=5).json() == {"ok": True}
        over_http = requests.post(radist_fake.url + calls_path(radist_fake), headers=auth(radist_fake), timeout=5)
        session = requests.Session()
        session.mount("https://radist.tech", radist_fake.requests_adapter())  # in process: never intercepted
        in_process = session.post("https://radist.tech" + calls_path(radist_fake), headers=auth(radist_fake))
    assert over_http.status_code == in_process.status_code == 200
    assert len(radist_fake.calls) == 2


def test_beside_respx(radist_fake: RadistFake) -> None:
    with respx.mock:
        respx.get("https://payments.example/health").respond(json={"ok": True})
        respx.route(url__startswith=radist_fake.url).pass_through()  # the one line for loopback
        with httpx.Client() as plain:
            assert plain.get("https://payments.example/health").json() == {"ok": True}
            assert plain.post(radist_fake.url + calls_path(radist_fake), headers=auth(radist_fake)).status_code == 200
        with httpx.Client(transport=radist_fake.httpx_transport()) as client:  # in process: never intercepted
            assert client.post("https://radist.tech" + calls_path(radist_fake), headers=auth(radist_fake)).status_code == 200
    assert len(radist_fake.calls) == 2


@pytest.mark.httpx_mock(should_mock=lambda request: request.url.host != "127.0.0.1")  # the one line for loopback
def test_beside_pytest_httpx(radist_fake: RadistFake, httpx_mock: Any) -> None:
    httpx_mock.add_response(url="https://payments.example/health", json={"ok": True})
    with httpx.Client() as plain:
        assert plain.get("https://payments.example/health").json() == {"ok": True}
        assert plain.post(radist_fake.url + calls_path(radist_fake), headers=auth(radist_fake)).status_code == 200
    with httpx.Client(transport=radist_fake.httpx_transport()) as client:
        assert client.post("https://radist.tech" + calls_path(radist_fake), headers=auth(radist_fake)).status_code == 200
    assert len(radist_fake.calls) == 2


def test_beside_pytest_httpserver(radist_fake: RadistFake, httpserver: Any) -> None:
    httpserver.expect_request("/webhook", method="POST").respond_with_json({"received": True})
    # an app that creates a call, then tells another service about it
    call = requests.post(radist_fake.url + calls_path(radist_fake), headers=auth(radist_fake), timeout=5).json()
    told = requests.post(httpserver.url_for("/webhook"), json={"callId": call["callId"]}, timeout=5).json()
    assert told == {"received": True} and radist_fake.url != httpserver.url_for("/").rstrip("/")
    httpserver.check_assertions()


def test_aiohttp_over_loopback(radist_fake: RadistFake) -> None:
    import aiohttp

    async def app() -> None:
        async with aiohttp.ClientSession(base_url=radist_fake.url, headers=auth(radist_fake)) as session:
            async with session.post(calls_path(radist_fake), json={"accessControl": "public"}) as response:
                assert response.status == 200 and (await response.json())["accessControl"] == "public"
            radist_fake.fail("create_call", drop=True)
            with pytest.raises(aiohttp.ServerDisconnectedError):
                await session.post(calls_path(radist_fake))
            radist_fake.slow_backend(2, "create_call", times=1)
            with pytest.raises(asyncio.TimeoutError):
                await session.post(calls_path(radist_fake), timeout=aiohttp.ClientTimeout(total=0.2))

    asyncio.run(app())
    assert [r.status for r in radist_fake.requests_to("create_call")] == [200, 0, 200]

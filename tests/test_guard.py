"""The guard against production: a test that uses the fake cannot reach the
real Radist by mistake, through any client, and learns how to fix it."""

from __future__ import annotations

import socket
import urllib.error
import urllib.request


import pytest

from pytest_radist import RadistFake
from pytest_radist.controls.guard import GUARD, ProductionRequestBlocked, is_production

HINT = "pytest-radist blocked a request to"


def test_the_sdk_with_its_default_url_is_stopped(radist_fake: RadistFake) -> None:
    import radist_server

    client = radist_server.RadistServerClient("rad_sk_real", project_id="p")  # forgot to point it at the fake
    with pytest.raises(Exception) as info:
        client.create_p2p_connection()
    assert f"{HINT} radist.tech" in str(info.value) and "radist_env" in str(info.value)
    assert radist_fake.requests == []


def test_urllib_requests_httpx_and_aiohttp_are_stopped(radist_fake: RadistFake) -> None:
    import asyncio

    import aiohttp
    import httpx
    import requests

    with pytest.raises(urllib.error.URLError, match=HINT):
        urllib.request.urlopen("https://radist.tech/api/v1/projects/p/calls", timeout=5)
    with pytest.raises(requests.ConnectionError, match=HINT):
        requests.get("https://api.radist.tech/x", timeout=5)
    with pytest.raises(httpx.ConnectError, match=HINT):
        httpx.get("https://radist.tech/", timeout=5)

    async def async_clients() -> None:
        async with httpx.AsyncClient() as client:
            with pytest.raises(httpx.ConnectError, match=HINT):
                await client.get("https://radist.tech/")
        async with aiohttp.ClientSession() as session:
            with pytest.raises(aiohttp.ClientConnectorError, match=HINT):
                await session.get("https://radist.tech/")

    asyncio.run(async_clients())


def test_other_hosts_resolve_as_usual(radist_fake: RadistFake) -> None:
    assert GUARD.active
    assert socket.getaddrinfo("127.0.0.1", 80)
    assert not is_production("radist.technology") and is_production("RADIST.TECH.") and is_production(b"eu.radist.tech")


@pytest.mark.radist(guard=False)
def test_the_marker_turns_it_off(radist_fake: RadistFake) -> None:
    assert not GUARD.active


def test_it_is_off_outside_tests_that_use_the_fake() -> None:
    assert not GUARD.active
    with GUARD, GUARD:  # nested holders: on until the last leaves
        with pytest.raises(ProductionRequestBlocked):
            socket.getaddrinfo("radist.tech", 443)
    assert not GUARD.active and socket.getaddrinfo is not None


def test_the_option_turns_it_off(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        "from pytest_radist.controls.guard import GUARD\n"
        "def test_guard(radist_fake):\n    assert GUARD.active is False\n"
    )
    from .helpers import UNRELATED_PLUGINS

    pytester.runpytest(*UNRELATED_PLUGINS, "--radist-guard=off").assert_outcomes(passed=1)



"""The httpx transport, in process, sync and async (asyncio, trio, pytest-asyncio)."""

from __future__ import annotations

import importlib.util
from typing import Any

import anyio
import httpx
import pytest

from pytest_radist import RadistFake

from .helpers import calls_path


#: trio is optional: without it the trio runs skip, saying so
NO_TRIO = importlib.util.find_spec("trio") is None


@pytest.fixture(params=["asyncio", pytest.param("trio", marks=pytest.mark.skipif(
    NO_TRIO, reason="trio is not installed (pip install trio; pytest-radist[test] has it)"))])
def anyio_backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def secret(fake: RadistFake) -> dict[str, str]:
    return {"Authorization": f"Bearer {fake.project.secret_key}"}


def test_a_sync_client_talks_to_the_fake(radist_fake: RadistFake) -> None:
    with httpx.Client(transport=radist_fake.httpx_transport(), base_url="https://radist.tech", headers=secret(radist_fake)) as client:
        created = client.post(calls_path(radist_fake), json={"accessControl": "public"})
        assert created.status_code == 200 and created.headers["content-type"] == "application/json"
        call_id = created.json()["callId"]
        listed = client.get(calls_path(radist_fake), params={"limit": 5})
        assert [c["callId"] for c in listed.json()["calls"]] == [call_id]
        assert client.post("/api/v1/p2p/calls/nope/token", headers={"Authorization": "Bearer rad_pk_x"}).json() == {
            "error": "Invalid public key."}
    radist_fake.assert_called("create_call", times=1, accessControl="public")
    assert [r.door for r in radist_fake.requests] == ["httpx"] * 3
    assert radist_fake.requests[1].query == {"limit": "5"}


@pytest.mark.anyio
async def test_an_async_client_talks_to_the_fake(radist_fake: RadistFake, anyio_backend: str) -> None:
    async with httpx.AsyncClient(transport=radist_fake.httpx_transport(), base_url="https://radist.tech") as client:
        response = await client.post(calls_path(radist_fake), headers=secret(radist_fake))
        assert response.status_code == 200 and response.json()["accessControl"] == "private"
        state = await client.get("/_radist/state")  # the control plane answers through this door too
        assert state.json()["projects"][0]["calls"] == 1
    assert radist_fake.calls[response.json()["callId"]].live


@pytest.mark.asyncio
async def test_it_works_under_pytest_asyncio(radist_fake: RadistFake) -> None:
    async with httpx.AsyncClient(transport=radist_fake.httpx_transport()) as client:
        response = await client.post("http://fake" + calls_path(radist_fake), headers=secret(radist_fake))
    assert response.status_code == 200


@pytest.mark.anyio
async def test_latency_is_awaited_not_slept(radist_fake: RadistFake, anyio_backend: str) -> None:
    radist_fake.slow_backend(0.3, "create_call")
    ticks = 0

    async def tick() -> None:
        nonlocal ticks
        while True:
            await anyio.sleep(0.01)
            ticks += 1

    async with httpx.AsyncClient(transport=radist_fake.httpx_transport()) as client, anyio.create_task_group() as group:
        group.start_soon(tick)
        response = await client.post("http://fake" + calls_path(radist_fake), headers=secret(radist_fake))
        group.cancel_scope.cancel()
    assert response.status_code == 200
    assert ticks >= 5  # the loop kept running while the fault waited


def _fault_cases() -> list[Any]:
    return [
        pytest.param({"drop": True}, httpx.RemoteProtocolError, id="drop"),
        pytest.param({"lost_response": True}, httpx.RemoteProtocolError, id="lost_response"),
        pytest.param({"latency": 1.0}, httpx.ReadTimeout, id="latency past the timeout"),
    ]


@pytest.mark.parametrize("fault, error", _fault_cases())
def test_faults_raise_what_httpx_raises_sync(radist_fake: RadistFake, fault: dict[str, Any], error: type[Exception]) -> None:
    radist_fake.fail("create_call", **fault)
    with httpx.Client(transport=radist_fake.httpx_transport(), timeout=0.1) as client, pytest.raises(error):
        client.post("http://fake" + calls_path(radist_fake), headers=secret(radist_fake))
    assert len(radist_fake.calls) == (1 if "lost_response" in fault or "latency" in fault else 0)


@pytest.mark.anyio
@pytest.mark.parametrize("fault, error", _fault_cases())
async def test_faults_raise_what_httpx_raises_async(radist_fake: RadistFake, anyio_backend: str,
                                                    fault: dict[str, Any], error: type[Exception]) -> None:
    radist_fake.fail("create_call", **fault)
    async with httpx.AsyncClient(transport=radist_fake.httpx_transport(), timeout=0.1) as client:
        with pytest.raises(error):
            await client.post("http://fake" + calls_path(radist_fake), headers=secret(radist_fake))


def test_status_and_malformed_faults(radist_fake: RadistFake) -> None:
    radist_fake.fail("create_call", status=429)
    radist_fake.fail("create_call", malformed=b"<html>")
    with httpx.Client(transport=radist_fake.httpx_transport()) as client:
        url = "http://fake" + calls_path(radist_fake)
        assert client.post(url, headers=secret(radist_fake)).json() == {"error": "Connection limit reached."}
        assert client.post(url, headers=secret(radist_fake)).content == b"<html>"


@pytest.mark.radist(strict=True)
def test_an_unroutable_request_is_a_strict_problem(radist_fake: RadistFake) -> None:
    with httpx.Client(transport=radist_fake.httpx_transport()) as client:
        assert client.get("http://fake/api/v1/nowhere").status_code == 404
    assert radist_fake.problems and "not a Radist endpoint" in radist_fake.problems[0]
    radist_fake.reset()  # let the test pass: the problem was the point


def test_bad_input_is_answered_as_by_every_door(radist_fake: RadistFake) -> None:
    with httpx.Client(transport=radist_fake.httpx_transport()) as client:
        url = "http://fake" + calls_path(radist_fake)
        assert client.post(url, headers=secret(radist_fake), content=b"not json").json() == {"error": "Invalid JSON body."}
        assert client.post(url).json() == {"error": "Missing bearer token."}
        assert client.get(url + "?page=0", headers=secret(radist_fake)).json() == {"error": "Invalid page query parameter."}
        assert client.post("http://fake/api/v1/projects/a%2Fb/calls", headers=secret(radist_fake)).status_code == 401
    assert [r.json for r in radist_fake.requests][0] is not None  # the unparsable body is journaled, not lost

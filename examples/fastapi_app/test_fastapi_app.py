"""Testing a FastAPI app on httpx.AsyncClient, with radist_fake.httpx_transport()."""

import asyncio
import os
from unittest import mock

import httpx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from examples.fastapi_app.app import app, radist
from pytest_radist import JoinRefused


def wire(fake):
    """Point the app's Radist dependency at ``fake``, in process."""

    async def fake_radist():
        async with httpx.AsyncClient(
            transport=fake.httpx_transport(), base_url="https://radist.tech",
            headers={"Authorization": f"Bearer {fake.project.secret_key}"},
        ) as client:
            yield client

    app.dependency_overrides[radist] = fake_radist


@pytest.fixture
def web(radist_fake, monkeypatch):
    monkeypatch.setenv("RADIST_PROJECT_ID", radist_fake.project.id)
    wire(radist_fake)
    yield httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://app")
    app.dependency_overrides.clear()


@pytest.mark.anyio
async def test_a_consultation_mints_two_tokens(web, radist_fake):
    answer = (await web.post("/consultations")).json()

    tokens = radist_fake.minted_tokens("create", call_id=answer["callId"])
    assert [t.state for t in tokens] == ["pending", "pending"] and tokens[1].value == answer["patientToken"]
    radist_fake.assert_called("create_call", times=1, accessControl="private")


@pytest.mark.anyio
async def test_capacity_is_a_503_and_is_not_retried(web, radist_fake):
    radist_fake.connection_limit_reached()

    assert (await web.post("/consultations")).status_code == 503
    radist_fake.assert_called("create_call", times=1)


@pytest.mark.anyio
async def test_a_5xx_and_a_drop_are_retried(web, radist_fake):
    radist_fake.fail("create_call", status=503, times=1)
    radist_fake.fail("create_call", drop=True, times=1)

    assert (await web.post("/consultations")).status_code == 201
    assert [r.status for r in radist_fake.requests] == [503, 0, 200]


@pytest.mark.anyio
async def test_an_invitation_expires_with_the_clock(web, radist_fake):
    call_id = (await web.post("/consultations")).json()["callId"]
    token = (await web.post(f"/consultations/{call_id}/invitations")).json()["token"]

    radist_fake.clock.advance(3601)

    with pytest.raises(JoinRefused, match="expired"):
        radist_fake.join(token)


@settings(max_examples=15, deadline=None)
@given(count=st.integers(1, 6))
def test_every_consultation_is_its_own_call(radist_fake_factory, count):
    async def start_all(fake):
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://app") as web:
            return {(await web.post("/consultations")).json()["callId"] for _ in range(count)}

    with radist_fake_factory() as fake, mock.patch.dict(os.environ, RADIST_PROJECT_ID=fake.project.id):
        wire(fake)
        try:
            ids = asyncio.run(start_all(fake))
        finally:
            app.dependency_overrides.clear()
        assert ids == set(fake.calls)

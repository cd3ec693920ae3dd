"""Testing Django views that build their SDK client from settings: point the
settings at the fake (over loopback HTTP) with override_settings."""

import pytest
from django.test import Client, override_settings
from hypothesis import given, settings
from hypothesis import strategies as st

from pytest_radist import JoinRefused


def radist_settings(fake):
    return override_settings(RADIST_KEY=fake.project.secret_key, RADIST_PROJECT_ID=fake.project.id,
                             RADIST_API_BASE_URL=fake.url)


@pytest.fixture
def web(radist_fake):
    with radist_settings(radist_fake):
        yield Client()


def test_a_consultation_mints_two_tokens(web, radist_fake):
    answer = web.post("/consultations").json()

    tokens = radist_fake.minted_tokens("create", call_id=answer["callId"])
    assert len(tokens) == 2 and tokens[1].value == answer["patientToken"]
    radist_fake.assert_called("create_call", times=1, accessControl="private")
    assert radist_fake.requests[0].door == "http"  # the SDK's own urllib, over loopback


def test_capacity_is_a_503_and_is_not_retried(web, radist_fake):
    radist_fake.connection_limit_reached()

    assert web.post("/consultations").status_code == 503
    radist_fake.assert_called("create_call", times=1)


def test_a_5xx_is_retried(web, radist_fake):
    radist_fake.fail("create_call", status=500, times=2)

    assert web.post("/consultations").status_code == 201
    assert [r.status for r in radist_fake.requests] == [500, 500, 200]


def test_an_invitation_expires_with_the_clock(web, radist_fake):
    call_id = web.post("/consultations").json()["callId"]
    token = web.post(f"/consultations/{call_id}/invitations").json()["token"]

    radist_fake.clock.advance(3601)

    with pytest.raises(JoinRefused) as refused:
        radist_fake.join(token)
    assert refused.value.reason == "expired"


def test_a_forgotten_setting_cannot_reach_production(radist_fake):
    client = Client(raise_request_exception=False)  # settings still point at radist.tech
    assert client.post("/consultations").status_code == 500  # blocked by the guard, on this machine
    assert radist_fake.requests == []


@settings(max_examples=10, deadline=None)
@given(count=st.integers(1, 5))
def test_every_consultation_is_its_own_call(radist_fake_factory, count):
    with radist_fake_factory() as fake, radist_settings(fake):
        web = Client()
        ids = {web.post("/consultations").json()["callId"] for _ in range(count)}
        assert ids == set(fake.calls)

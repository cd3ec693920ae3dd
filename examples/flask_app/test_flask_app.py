"""Testing a Flask app that uses the SDK, with the radist_client fixture."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from examples.flask_app.app import create_app
from pytest_radist import JoinRefused


@pytest.fixture
def web(radist_client):
    return create_app(radist_client).test_client()


def test_a_consultation_mints_two_tokens(web, radist_fake):
    answer = web.post("/consultations").get_json()

    call = radist_fake.calls[answer["callId"]]
    assert call.access_control == "private"
    assert [t.value for t in radist_fake.minted_tokens("create", call_id=call.id)][1] == answer["patientToken"]
    radist_fake.assert_called("create_call", times=1, accessControl="private")


def test_capacity_is_a_503_and_is_not_retried(web, radist_fake):
    radist_fake.connection_limit_reached()

    response = web.post("/consultations")

    assert response.status_code == 503
    radist_fake.assert_called("create_call", times=1)


def test_a_5xx_is_retried(web, radist_fake):
    radist_fake.fail("create_call", status=502, times=2)

    assert web.post("/consultations").status_code == 201
    assert [r.status for r in radist_fake.requests] == [502, 502, 200]


def test_an_invitation_expires_with_the_clock(web, radist_fake):
    call_id = web.post("/consultations").get_json()["callId"]
    token = web.post(f"/consultations/{call_id}/invitations").get_json()["token"]
    assert radist_fake.minted_tokens("server")[0].value == token

    radist_fake.clock.advance(3601)

    with pytest.raises(JoinRefused) as refused:
        radist_fake.join(token)
    assert refused.value.reason == "expired"


@settings(max_examples=15, deadline=None)
@given(count=st.integers(1, 6))
def test_every_consultation_is_its_own_call(radist_fake_factory, count):
    with radist_fake_factory() as fake:
        web = create_app(fake.client()).test_client()
        ids = {web.post("/consultations").get_json()["callId"] for _ in range(count)}
        assert ids == set(fake.calls) and len(fake.minted_tokens("create")) == 2 * count

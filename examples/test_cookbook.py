"""Cookbook: retries, capacity, timeouts, lost responses, expiry."""

import pytest
import radist_server

from examples.app import AtCapacity, ConsultationService
from pytest_radist import JoinRefused


def test_retry_after_a_dropped_connection(radist_client, radist_fake):
    radist_fake.fail("create_call", drop=True, times=2)

    consultation = ConsultationService(radist_client, attempts=3).start()

    assert consultation.call_id in radist_fake.calls
    radist_fake.assert_called("create_call", times=3)


def test_429_is_capacity_and_is_not_retried(radist_client, radist_fake):
    radist_fake.connection_limit_reached()

    with pytest.raises(AtCapacity):
        ConsultationService(radist_client, attempts=5).start()

    radist_fake.assert_called("create_call", times=1)  # one attempt, no blind retry


def test_5xx_is_retried(radist_client, radist_fake):
    radist_fake.fail("create_call", status=503, times=1)
    ConsultationService(radist_client).start()
    assert [r.status for r in radist_fake.requests] == [503, 200]


def test_a_lost_response_duplicates_the_call(radist_client, radist_fake):
    # the create happened, but the app never saw the answer and retried
    radist_fake.fail("create_call", lost_response=True)

    ConsultationService(radist_client).start()

    assert len(radist_fake.calls) == 2  # the first call is orphaned: live, never joined


def test_timeouts_over_http(radist_fake):
    import urllib.request

    radist_fake.slow_backend(1.0, "create_call", times=1)

    def short_timeout_transport(url, method, headers, body=None):
        import json

        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(url, method=method, headers=headers, data=data)
        with urllib.request.urlopen(request, timeout=0.2) as response:
            return response.status, json.loads(response.read())

    client = radist_fake.client(api_base_url=radist_fake.url, transport=short_timeout_transport)
    with pytest.raises(OSError):  # socket.timeout / TimeoutError
        client.create_p2p_connection()


def test_token_expiry_with_the_clock(radist_client, radist_fake):
    consultation = ConsultationService(radist_client).start()

    radist_fake.clock.advance(3600)  # the default token TTL

    with pytest.raises(JoinRefused) as refused:
        radist_fake.join(consultation.patient_token)
    assert refused.value.reason == "expired"
    fresh = ConsultationService(radist_client).invite(consultation.call_id)
    assert radist_fake.join(fresh).connected


def test_public_calls_refuse_nothing_private_calls_refuse_browsers(radist_fake):
    call = radist_fake.make_call("private")
    browser_mint = radist_fake.transport(
        f"https://radist.tech/api/v1/p2p/calls/{call.id}/token", "POST",
        {"Authorization": f"Bearer {radist_fake.project.public_key}"}, None,
    )
    assert browser_mint == (403, {"error": "Call is private."})


@pytest.mark.radist(connection_limit=1, seed=1234)
def test_settings_per_test(radist_client, radist_fake):
    radist_client.create_p2p_connection()
    with pytest.raises(radist_server.RadistApiError) as error:
        radist_client.create_p2p_connection()
    assert error.value.status_code == 429
    assert radist_fake.seed == 1234

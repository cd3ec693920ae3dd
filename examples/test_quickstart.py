"""Quickstart: the fixtures, the state, the journal."""

from examples.app import ConsultationService, client_from_environment


def test_start_a_consultation(radist_client, radist_fake):
    consultation = ConsultationService(radist_client).start()

    call = radist_fake.calls[consultation.call_id]
    assert call.access_control == "private"
    assert [t.value for t in call.tokens] == [consultation.doctor_token, consultation.patient_token]
    radist_fake.assert_called("create_call", times=1, accessControl="private")


def test_both_participants_join_then_leave(radist_client, radist_fake):
    consultation = ConsultationService(radist_client).start()

    doctor = radist_fake.join(consultation.doctor_token)
    patient = radist_fake.join(consultation.patient_token)
    doctor.leave()
    patient.leave()

    assert radist_fake.calls[consultation.call_id].tombstoned_at is not None


def test_invites_are_minted_by_the_server(radist_client, radist_fake):
    service = ConsultationService(radist_client)
    consultation = service.start()
    invite = service.invite(consultation.call_id)

    assert [t.value for t in radist_fake.minted_tokens("server")] == [invite]


def test_code_that_reads_the_environment(radist_env, radist_fake):
    # radist_env points RADIST_* at the fake's loopback HTTP server
    service = ConsultationService(client_from_environment())
    consultation = service.start()
    assert consultation.call_id in radist_fake.calls
    assert radist_fake.requests[0].door == "http"

"""Property-based testing of an app with pytest-radist's kit."""

import radist_server
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.stateful import invariant, rule

from examples.app import AtCapacity, ConsultationService
from pytest_radist import strategies as rst
from pytest_radist.stateful import RadistStateMachine


# 1. Any documented error of create_call: the app raises a clear exception, never crashes.
@given(error=rst.error_responses("create_call"))
def test_start_survives_any_documented_error(error):
    status, body = error
    client = radist_server.RadistServerClient(
        "rad_sk_test", project_id="p", transport=lambda *request: (status, body)
    )
    try:
        ConsultationService(client, attempts=1).start()
    except AtCapacity:
        assert status == 429
    except radist_server.RadistApiError as exc:
        assert exc.status_code == status and str(exc) == body["error"]


# 2. A fresh fake per example: use the session-scoped factory inside @given.
@settings(max_examples=20)
@given(limit=st.integers(0, 3), attempts=st.integers(1, 4))
def test_never_more_calls_than_the_limit(radist_fake_factory, limit, attempts):
    with radist_fake_factory(connection_limit=limit) as fake:
        service = ConsultationService(fake.client())
        started = 0
        for _ in range(attempts):
            try:
                service.start()
                started += 1
            except AtCapacity:
                pass
        assert started == min(limit, attempts) == len(fake.calls)


# 3. Faults from a strategy: whatever goes wrong, no call is silently lost.
@settings(max_examples=30)
@given(plan=rst.fault_plans("create_call"))
def test_faults_never_lose_a_created_call(radist_fake_factory, plan):
    with radist_fake_factory() as fake:
        plan.apply(fake)
        try:
            consultation = ConsultationService(fake.client(), attempts=3).start()
        except (radist_server.RadistApiError, AtCapacity, OSError):
            return  # the app reported the failure with an exception it documents
        assert consultation.call_id in fake.calls


# 4. A state machine: the fake's random life around the app's own rule.
class ConsultationMachine(RadistStateMachine):
    def __init__(self):
        super().__init__()
        self.service = ConsultationService(self.client())
        self.invites = []

    @rule(call_id=RadistStateMachine.calls)
    def invite(self, call_id):
        try:
            self.invites.append(self.service.invite(call_id))
        except (radist_server.RadistApiError, OSError):
            pass

    @invariant()
    def invites_are_distinct_tokens_the_server_minted(self):
        assert len(set(self.invites)) == len(self.invites)
        assert set(self.invites) <= {t.value for t in self.fake.minted_tokens("server")}


TestConsultationMachine = ConsultationMachine.TestCase
TestConsultationMachine.settings = settings(max_examples=20, stateful_step_count=25, deadline=None)


# 5. Faker: realistic values, reproducible with the fake's seed.
def test_faker_values(radist_faker, radist_fake):
    name = radist_faker.radist_space_name()
    created = radist_fake.client().create_space(name=name, access_type=radist_faker.radist_access_type(), password="pw")
    assert created.space.name == name

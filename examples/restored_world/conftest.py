"""A world built once per session, restored for every test (docs/cookbook.md)."""

from typing import Any

import pytest

from pytest_radist import RadistFake


@pytest.fixture(scope="session")
def world_snapshot() -> dict[str, Any]:
    """The state every test starts from, built once: a clinic's spaces, a
    day of consultations (some over), a nurse already waiting in one."""
    with RadistFake(seed=2026) as fake:
        fake.make_space("Clinic Lobby")
        fake.make_space("Surgery", "password", password="scrubs")
        for _ in range(30):
            fake.make_call("private")
        for _ in range(10):
            fake.make_terminated_call()
        waiting = fake.make_call("public")
        fake.join(waiting.tokens[0])
        return fake.snapshot()


@pytest.fixture
def world(radist_fake: RadistFake, world_snapshot: dict[str, Any]) -> RadistFake:
    """``radist_fake``, in the session's world (its keys are the world's:
    ask for ``radist_client`` or ``radist_env`` after this fixture)."""
    radist_fake.restore(world_snapshot)
    return radist_fake

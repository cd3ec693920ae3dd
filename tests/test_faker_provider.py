"""The Faker provider and the radist_faker fixture."""

from __future__ import annotations

import re
import uuid

from pytest_radist import RadistFake
from pytest_radist.faker_provider import radist_faker as make_faker
from pytest_radist.model.world import SLUG_PATTERN

from .helpers import needs_spaces


def test_values_have_radist_shapes() -> None:
    fake = make_faker(seed=1)
    part = "[A-Za-z0-9_-]{32}"
    assert re.fullmatch(f"rad_sk_{part}", fake.radist_secret_key())
    assert re.fullmatch(f"rad_pk_{part}", fake.radist_public_key())
    assert re.fullmatch(f"ct_{part}", fake.radist_call_token())
    assert re.fullmatch(f"ct_{part}", fake.radist_room_token())
    assert re.fullmatch(f"rt_{part}", fake.radist_reconnect_token())
    assert re.fullmatch(f"peer_{part}", fake.radist_peer_id())
    assert re.fullmatch(f"ht_{part}", fake.radist_host_token())
    for value in (fake.radist_call_id(), fake.radist_room_id(), fake.radist_space_id()):
        assert uuid.UUID(value).version == 4
    assert fake.radist_access_control() in ("private", "public")
    assert fake.radist_access_type() in ("public", "password", "knock")
    assert fake.radist_space_name().strip()
    assert SLUG_PATTERN.match(fake.radist_space_slug())
    assert fake.radist_project_id()


def test_seeded_values_are_reproducible() -> None:
    def draw(seed: int) -> list[str]:
        fake = make_faker(seed=seed)
        return [fake.radist_call_token(), fake.radist_call_id(), fake.radist_space_name()]

    assert draw(3) == draw(3) != draw(4)


def test_radist_faker_fixture_is_seeded_like_the_fake(radist_faker: object, radist_fake: RadistFake) -> None:
    again = make_faker(seed=radist_fake.seed)
    assert radist_faker.radist_call_token() == again.radist_call_token()  # type: ignore[attr-defined]


def test_provider_values_work_with_the_fake(radist_faker: object, radist_fake: RadistFake) -> None:
    import radist_server

    needs_spaces(radist_server)
    name = radist_faker.radist_space_name()  # type: ignore[attr-defined]
    project = radist_fake.add_project(radist_faker.radist_project_id(), secret_key=radist_faker.radist_secret_key())  # type: ignore[attr-defined]
    client = radist_fake.client(secret_token=project.secret_key, project_id=project.id)
    assert client.create_space(name=name, access_type="public").space.name == name


"""A Faker provider for Radist values.

    from faker import Faker
    from pytest_radist.faker_provider import RadistProvider

    fake = Faker()
    fake.add_provider(RadistProvider)
    fake.radist_call_token()   # 'ct_...'

Needs ``faker`` (``pip install 'pytest-radist[faker]'``).
"""

from __future__ import annotations

from typing import Any, Optional

try:
    from faker import Faker
    from faker.providers import BaseProvider
except ImportError as exc:  # name the extra instead of a bare ModuleNotFoundError
    raise ImportError(f"{__name__} needs faker: pip install 'pytest-radist[faker]' ({exc})") from exc

from .model.entities import ACCESS_CONTROLS, ACCESS_TYPES
from .model import ids
from .model.ids import ALPHABET, RANDOM_PART_LENGTH
from .model.world import slugify

_SPACE_WORDS = ("Team", "Daily", "Standup", "Design", "Review", "Sales", "Support", "Board", "Room",
                "Planning", "Retro", "Sync", "Office", "Hours", "Demo", "Lounge")


class RadistProvider(BaseProvider):
    """Identifiers, keys, tokens and space values shaped like Radist's."""

    def _random_part(self) -> str:
        return "".join(self.random_choices(ALPHABET, length=RANDOM_PART_LENGTH))

    def _uuid(self) -> str:
        return str(self.generator.uuid4())

    def radist_project_id(self) -> str:
        return f"proj-{self.bothify('????-####').lower()}"

    def radist_secret_key(self) -> str:
        return ids.SECRET_KEY_PREFIX + self._random_part()

    def radist_public_key(self) -> str:
        return ids.PUBLIC_KEY_PREFIX + self._random_part()

    def radist_call_id(self) -> str:
        return self._uuid()

    def radist_room_id(self) -> str:
        return self._uuid()

    def radist_space_id(self) -> str:
        return self._uuid()

    def radist_call_token(self) -> str:
        return ids.PARTICIPANT_TOKEN_PREFIX + self._random_part()

    def radist_room_token(self) -> str:
        return ids.PARTICIPANT_TOKEN_PREFIX + self._random_part()

    def radist_reconnect_token(self) -> str:
        return ids.RECONNECT_TOKEN_PREFIX + self._random_part()

    def radist_peer_id(self) -> str:
        return ids.PEER_ID_PREFIX + self._random_part()

    def radist_host_token(self) -> str:
        return ids.HOST_TOKEN_PREFIX + self._random_part()

    def radist_access_control(self) -> str:
        return str(self.random_element(ACCESS_CONTROLS))

    def radist_access_type(self) -> str:
        return str(self.random_element(ACCESS_TYPES))

    def radist_space_name(self) -> str:
        return " ".join(self.random_elements(_SPACE_WORDS, length=self.random_int(1, 3), unique=True))

    def radist_space_slug(self) -> str:
        return slugify(self.radist_space_name())


def radist_faker(seed: Optional[int] = None, **faker_options: Any) -> Faker:
    """A Faker with :class:`RadistProvider`, seeded if ``seed`` is given."""
    generator = Faker(**faker_options)
    generator.add_provider(RadistProvider)
    if seed is not None:
        generator.seed_instance(seed)
    return generator

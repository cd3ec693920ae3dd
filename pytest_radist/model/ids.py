"""Identifiers, keys and tokens, all drawn from one seeded RNG."""

from __future__ import annotations

import random
import uuid

#: The URL-safe alphabet of every random part [fake].
ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
RANDOM_PART_LENGTH = 32

SECRET_KEY_PREFIX = "rad_sk_"
PUBLIC_KEY_PREFIX = "rad_pk_"
PARTICIPANT_TOKEN_PREFIX = "ct_"
RECONNECT_TOKEN_PREFIX = "rt_"
PEER_ID_PREFIX = "peer_"
HOST_TOKEN_PREFIX = "ht_"


class IdFactory:
    """Makes every random value of one fake, reproducibly from ``seed``."""

    def __init__(self, seed: int) -> None:
        self.seed = seed
        self._rng = random.Random(seed)

    def random_part(self) -> str:
        return "".join(self._rng.choices(ALPHABET, k=RANDOM_PART_LENGTH))

    def uuid(self) -> str:
        return str(uuid.UUID(int=self._rng.getrandbits(128), version=4))

    def secret_key(self) -> str:
        return SECRET_KEY_PREFIX + self.random_part()

    def public_key(self) -> str:
        return PUBLIC_KEY_PREFIX + self.random_part()

    def participant_token(self) -> str:
        return PARTICIPANT_TOKEN_PREFIX + self.random_part()

    def reconnect_token(self) -> str:
        return RECONNECT_TOKEN_PREFIX + self.random_part()

    def peer_id(self) -> str:
        return PEER_ID_PREFIX + self.random_part()

    def host_token(self) -> str:
        return HOST_TOKEN_PREFIX + self.random_part()

"""Identifiers, keys and tokens, all drawn from one seeded RNG."""

from __future__ import annotations

import random
from binascii import b2a_base64

#: The URL-safe alphabet of every random part [fake].
ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
RANDOM_PART_LENGTH = 32
# base64's two characters outside the URL-safe alphabet, to theirs (as base64.urlsafe_b64encode does)
_URL_SAFE = bytes.maketrans(b"+/", b"-_")
# a version-4 UUID: version 4 in bits 76-79, the RFC 4122 variant (10) in bits 62-63
_UUID_KEEP = ~(0xF000 << 64) & ~(0xC000 << 48)
_UUID_SET = (0x4000 << 64) | (0x8000 << 48)

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
        # 192 random bits are exactly 32 characters of URL-safe base64: one
        # uniform draw from ALPHABET per 6 bits, and much cheaper than choices()
        return b2a_base64(self._rng.getrandbits(192).to_bytes(24, "big"), newline=False).translate(_URL_SAFE).decode("ascii")

    def uuid(self) -> str:
        """A version-4 UUID string (variant bits set as RFC 4122 says)."""
        text = f"{self._rng.getrandbits(128) & _UUID_KEEP | _UUID_SET:032x}"
        return f"{text[:8]}-{text[8:12]}-{text[12:16]}-{text[16:20]}-{text[20:]}"

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

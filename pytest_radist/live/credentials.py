"""Where a real Radist is, and how to call it: live mode's credentials."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Mapping

from .. import errors as E

#: The real service, as the SDKs default to it.
DEFAULT_BASE_URL = "https://radist.tech"

#: What live mode reads from the environment: variable -> what it holds.
CREDENTIAL_VARIABLES = {
    "RADIST_KEY": "the project's secret key, rad_sk_...",
    "RADIST_PROJECT_ID": "the project's id",
    "RADIST_PUBLIC_KEY": "the project's public key, rad_pk_...",
}


class MissingCredentials(E.RadistFakeError, ValueError):
    """Live mode was asked for without the credentials it needs."""


@dataclass(frozen=True)
class LiveCredentials:
    """Where a real Radist is and how to call it."""

    project_id: str
    secret_key: str = field(repr=False)
    public_key: str = field(repr=False)
    base_url: str = DEFAULT_BASE_URL

    @classmethod
    def from_env(cls, environ: Mapping[str, str]) -> LiveCredentials:
        """Read ``RADIST_KEY``, ``RADIST_PROJECT_ID``, ``RADIST_PUBLIC_KEY``
        and ``RADIST_API_BASE_URL`` (default the real service). Raises
        :class:`MissingCredentials` naming every variable that is missing."""
        missing = [f"{name} ({what})" for name, what in CREDENTIAL_VARIABLES.items() if not environ.get(name, "").strip()]
        if missing:
            raise MissingCredentials(f"set {'; '.join(missing)} in the environment (RADIST_API_BASE_URL defaults to {DEFAULT_BASE_URL})")
        base_url = environ.get("RADIST_API_BASE_URL", "").strip().rstrip("/") or DEFAULT_BASE_URL
        if not base_url.startswith(("http://", "https://")):
            raise MissingCredentials(f"RADIST_API_BASE_URL must be an http:// or https:// URL, got {base_url!r}")
        return cls(environ["RADIST_PROJECT_ID"].strip(), environ["RADIST_KEY"].strip(), environ["RADIST_PUBLIC_KEY"].strip(), base_url)

"""A small backend that uses Radist, as an application would.

The tests beside this file show how to test it with pytest-radist.
"""

from __future__ import annotations

import urllib.error
from dataclasses import dataclass
from typing import Any

from radist_server import RadistApiError, RadistServerClient


class AtCapacity(Exception):
    """Radist said 429: the project is at its connection limit. Retrying
    will not help until a call ends, so tell the user instead."""


@dataclass
class Consultation:
    call_id: str
    doctor_token: str
    patient_token: str


class ConsultationService:
    def __init__(self, client: RadistServerClient, attempts: int = 3) -> None:
        self.client = client
        self.attempts = attempts

    def start(self) -> Consultation:
        """Create a private two-party call, retrying transient failures only."""
        last_error: Exception | None = None
        for _ in range(self.attempts):
            try:
                connection = self.client.create_p2p_connection(access_control="private")
            except RadistApiError as exc:
                if exc.status_code == 429:
                    raise AtCapacity(str(exc)) from exc  # capacity, not rate: never retry blindly
                if exc.status_code < 500:
                    raise
                last_error = exc
            except (OSError, urllib.error.URLError) as exc:  # dropped connection, timeout
                last_error = exc
            else:
                doctor, patient = connection.call_tokens[:2]
                return Consultation(connection.call_id, doctor, patient)
        assert last_error is not None
        raise last_error

    def invite(self, call_id: str) -> str:
        """A fresh token for someone joining an existing consultation."""
        return self.client.mint_connection_token(call_id=call_id).connection_token


def client_from_environment(**options: Any) -> RadistServerClient:
    """What production code usually does: read RADIST_* from the environment."""
    return RadistServerClient(**options)

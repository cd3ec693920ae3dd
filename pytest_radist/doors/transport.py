"""The in-process front door: a transport for ``RadistServerClient``."""

from __future__ import annotations

import http.client
import json
import time
from typing import TYPE_CHECKING, Any, Mapping, Optional

from ..api.app import NO_BODY, request_from_url
from ..controls.journal import copy_json

if TYPE_CHECKING:
    from .contract import Answers


def _header(headers: Mapping[str, str], name: str) -> Optional[str]:
    value = headers.get(name)
    if value is None:
        lowered = name.lower()
        for key, candidate in headers.items():
            if key.lower() == lowered:
                return candidate
    return value


def parse_like_sdk(raw: bytes) -> dict[str, Any]:
    """What the SDK's own transport makes of a body: JSON, or ``{}``."""
    try:
        value = json.loads(raw)
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


class InProcessTransport:
    """``(url, method, headers, body) -> (status, dict)``, answered by the
    fake without a socket. Faults behave as the SDK's urllib transport would
    see them: a dropped connection raises ``http.client.RemoteDisconnected``,
    a malformed body arrives as ``{}``."""

    def __init__(self, fake: Answers) -> None:
        self._fake = fake

    def __call__(
        self,
        url: str,
        method: str,
        headers: Mapping[str, str],
        body: Optional[dict[str, Any]] = None,
    ) -> tuple[int, dict[str, Any]]:
        request = request_from_url(method, url, _header(headers, "Authorization"), NO_BODY if body is None else copy_json(body))
        outcome = self._fake.dispatch(request, door="transport")
        if outcome.delay:
            time.sleep(outcome.delay)
        if outcome.drop:
            raise http.client.RemoteDisconnected("Remote end closed connection without response")
        if outcome.raw is not None:
            return outcome.status, parse_like_sdk(outcome.raw)
        return outcome.status, copy_json(outcome.body)

    def __repr__(self) -> str:
        return f"<InProcessTransport of {self._fake!r}>"

"""A ``requests`` transport adapter: for apps that call Radist with requests.

    session = requests.Session()
    session.mount("https://radist.tech", radist_fake.requests_adapter())

Requests to the mounted prefix are answered by the fake in process.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any, Mapping, Optional, Union

import requests
from requests.adapters import BaseAdapter
from requests.structures import CaseInsensitiveDict

from ..api.app import parse_body, request_from_url
from .json_bytes import json_bytes

if TYPE_CHECKING:
    from .contract import Answers


def _read_timeout(timeout: Union[None, float, tuple[Optional[float], Optional[float]]]) -> Optional[float]:
    if isinstance(timeout, tuple):
        return timeout[1]
    return timeout


def _text(value: Union[str, bytes, None]) -> Optional[str]:
    return value.decode("latin-1") if isinstance(value, bytes) else value


class RadistAdapter(BaseAdapter):
    """Answers ``requests`` calls from a fake. Faults act as over the wire:
    a dropped connection raises ``requests.ConnectionError``, latency past the
    request's read timeout raises ``requests.ReadTimeout``."""

    def __init__(self, fake: Answers) -> None:
        super().__init__()
        self._fake = fake

    def send(
        self,
        request: requests.PreparedRequest,
        stream: bool = False,
        timeout: Union[None, float, tuple[Optional[float], Optional[float]]] = None,
        verify: Union[bool, str] = True,
        cert: Any = None,
        proxies: Optional[Mapping[str, str]] = None,
    ) -> requests.Response:
        body = request.body.encode() if isinstance(request.body, str) else request.body
        raw = body if isinstance(body, bytes) else None
        api_request = request_from_url(
            request.method or "GET", request.url or "", _text(request.headers.get("Authorization")), parse_body(raw),
        )
        api_request.raw_body = raw
        api_request.body_size = None if raw is None else len(raw)  # the journal's body limit applies, as in every door
        api_request.headers = tuple((name, _text(value) or "") for name, value in request.headers.items())
        outcome = self._fake.dispatch(api_request, door="requests")
        if outcome.delay:
            limit = _read_timeout(timeout)
            time.sleep(outcome.delay if limit is None else min(outcome.delay, limit))
            if limit is not None and outcome.delay > limit:
                raise requests.ReadTimeout(f"radist fake: no answer within {limit} s (latency fault)", request=request)
        if outcome.drop:
            raise requests.ConnectionError("radist fake: connection dropped without a response (fault)", request=request)
        response = requests.Response()
        response.status_code = outcome.status
        response._content = outcome.raw if outcome.raw is not None else json_bytes(outcome.body)
        response.headers = CaseInsensitiveDict(outcome.head())
        response.encoding = "utf-8"
        response.url = request.url or ""
        response.request = request
        response.reason = ""
        return response

    def close(self) -> None:
        pass

"""The forwarding door: one request to a real Radist (or anything at a base
URL), for live mode and ``radist-fake verify``.

The standard library's ``urllib`` does it: forwarding is a handful of
requests per test, so a connection pool would buy nothing, and live mode
then needs no dependency the fake does not already have. Paths are sent as
given, still percent-encoded, so an encoded ``/`` stays part of an id.
"""

from __future__ import annotations

import http.client
import json
import socket
import urllib.error
import urllib.request
from dataclasses import dataclass
from functools import cached_property
from typing import Any, Optional

#: Seconds a forwarded request may take before it counts as unreachable.
DEFAULT_TIMEOUT = 30.0
USER_AGENT = "pytest-radist (live mode)"


class Unreachable(OSError):
    """The target could not be reached or did not answer in time."""


@dataclass(frozen=True)
class Reply:
    """What the target answered."""

    status: int
    content_type: str
    raw: bytes

    @cached_property
    def _parsed(self) -> tuple[bool, Any]:
        try:
            return True, json.loads(self.raw)
        except ValueError:  # UnicodeDecodeError is one
            return False, None

    @property
    def json(self) -> Any:
        """The body as JSON, or ``None`` if it is not JSON."""
        return self._parsed[1]

    @property
    def is_json(self) -> bool:
        return self._parsed[0]


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """A redirect is an answer to report, not to follow: Radist does not
    redirect its API, so one means the base URL is wrong."""

    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


_OPENER = urllib.request.build_opener(_NoRedirect())


def forward(
    base_url: str,
    method: str,
    path_and_query: str,
    *,
    authorization: Optional[str] = None,
    body: Optional[bytes] = None,
    timeout: float = DEFAULT_TIMEOUT,
) -> Reply:
    """Send one request to ``base_url`` + ``path_and_query``, as the SDKs do
    (``Accept: application/json``; ``Content-Type`` only with a body).
    Raises :class:`Unreachable` when no HTTP answer comes back."""
    url = base_url.rstrip("/") + path_and_query
    headers = {"Accept": "application/json", "User-Agent": USER_AGENT}
    if authorization is not None:
        headers["Authorization"] = authorization
    if body is not None:
        headers["Content-Type"] = "application/json"
    request = urllib.request.Request(url, data=body, headers=headers, method=method)
    try:
        with _OPENER.open(request, timeout=timeout) as response:
            return Reply(response.status, response.headers.get("Content-Type", ""), response.read())
    except urllib.error.HTTPError as answer:  # a 4xx or 5xx is an answer, not a failure
        with answer:
            return Reply(answer.code, answer.headers.get("Content-Type", ""), answer.read())
    except (urllib.error.URLError, socket.timeout, ConnectionError, ValueError) as exc:
        reason = getattr(exc, "reason", None) or exc
        raise Unreachable(f"{type(reason).__name__}: {reason}" if not str(reason).strip() else str(reason)) from None
    except http.client.HTTPException as exc:  # the other end does not speak HTTP
        first = str(exc.args[0] if exc.args else "")[:40]
        raise Unreachable(f"it answered something that is not HTTP ({type(exc).__name__}: {first!r})") from None
    except OSError as exc:
        raise Unreachable(str(exc) or type(exc).__name__) from None

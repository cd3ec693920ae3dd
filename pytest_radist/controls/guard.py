"""The guard against production: while a test uses the fake, a request to
the real Radist fails at once, on this machine, saying what to do.

It refuses to resolve Radist's host names (``socket.getaddrinfo``), which
every Python client goes through before it connects (urllib and so the SDK,
requests, httpx sync and async, aiohttp), so nothing leaves the machine and
in-process doors, which resolve nothing, pay nothing.
"""

from __future__ import annotations

import socket
import threading
from typing import Any, Callable

#: The real service's host (the SDK's default base URL) and its subdomains.
PRODUCTION_HOSTS = ("radist.tech",)

MESSAGE = (
    "pytest-radist blocked a request to {host} (the real Radist) from a test that uses the fake. "
    "Point the client at the fake: the radist_client fixture, radist_env (sets RADIST_API_BASE_URL), "
    "RadistServerClient(transport=radist_fake.transport), httpx.Client(transport=radist_fake.httpx_transport()), "
    "a requests session with radist_fake.requests_adapter(), or radist_fake.url. "
    "To reach the real service on purpose, mark the test @pytest.mark.radist(guard=False) or run with --radist-guard=off."
)


class ProductionRequestBlocked(socket.gaierror):
    """Raised instead of resolving a Radist host while the guard is on. A
    ``socket.gaierror``, so each client wraps it as its own connection error."""

    def __init__(self, host: str) -> None:
        super().__init__(socket.EAI_NONAME, MESSAGE.format(host=host))
        self.host = host


def is_production(host: Any) -> bool:
    if isinstance(host, bytes):
        host = host.decode("ascii", "replace")
    if not isinstance(host, str):
        return False
    name = host.rstrip(".").lower()
    return any(name == h or name.endswith("." + h) for h in PRODUCTION_HOSTS)


class ProductionGuard:
    """Installs the refusal while at least one holder is inside it (the
    per-test fake and a factory's fakes may overlap)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._holders = 0
        self._original: Callable[..., Any] = socket.getaddrinfo

    def __enter__(self) -> ProductionGuard:
        with self._lock:
            if self._holders == 0:
                self._original = socket.getaddrinfo
                original = self._original

                def guarded(host: Any, *args: Any, **kwargs: Any) -> Any:
                    if is_production(host):
                        raise ProductionRequestBlocked(str(host))
                    return original(host, *args, **kwargs)

                socket.getaddrinfo = guarded
            self._holders += 1
        return self

    def __exit__(self, *exc_info: object) -> None:
        with self._lock:
            self._holders -= 1
            if self._holders == 0:
                socket.getaddrinfo = self._original

    @property
    def active(self) -> bool:
        return self._holders > 0


#: The one guard of this process.
GUARD = ProductionGuard()

"""What a browser may do with the fake (radist-api.md 6.5 and 6.6): which
origins may call the client endpoint and open sockets, whether secret-key
endpoints answer CORS, and which hosts and origins reach ``/_radist/``.

Settings of a fake, applied by the loopback server (the only door a browser
can reach). Pure decisions, no HTTP here.
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Literal, Optional
from urllib.parse import urlsplit

from ..errors import InvalidValue

#: Who a request is for: Radist's public-key endpoint and sockets, its
#: secret-key endpoints, or the fake's control plane.
Audience = Literal["client", "secret", "control"]

LOOPBACK_HOSTS = frozenset({"localhost", "127.0.0.1", "::1"})


@lru_cache(maxsize=None)
def allow_methods(audience: Audience) -> str:
    """The methods a preflight allows, made from the route tables (the
    control plane's only when it is first asked: it loads on first use)."""
    if audience == "control":
        from .control_plane import ROUTES as CONTROL_ROUTES

        methods = sorted({route.method for route in CONTROL_ROUTES})
    else:
        from ..api.routes import methods_of

        methods = methods_of("public" if audience == "client" else "secret")
    return ", ".join(methods + ["OPTIONS"])


ALLOW_HEADERS = "Authorization, Content-Type, Accept"
MAX_AGE = "600"


def _origins(value: Optional[object], name: str) -> Optional[tuple[str, ...]]:
    if value is None:
        return None
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, (list, tuple, set, frozenset)) or not all(isinstance(v, str) and v for v in value):
        raise InvalidValue(f"{name} must be a list of origins such as 'http://localhost:3000' (or None for any), got {value!r}")
    return tuple(v.rstrip("/") for v in value)


def is_preflight(method: str, origin: Optional[str], asks_method: bool) -> bool:
    """A CORS preflight: ``OPTIONS`` from a page, naming the method it wants.
    Never journaled, never a strict-mode problem (radist-api.md 6.5)."""
    return method == "OPTIONS" and origin is not None and asks_method


@dataclass(frozen=True)
class BrowserPolicy:
    """CORS and host rules of one fake.

    ``allowed_origins``: origins that may call the public-key mint and open
    signaling sockets (``None``: any). ``secret_cors``: answer CORS on
    secret-key endpoints too (off: a page holding the secret key is a bug).
    ``control_origins``: origins that may call ``/_radist/`` from a page
    (none by default). ``allowed_hosts``: ``Host`` names beyond loopback and
    the server's own address that may reach ``/_radist/`` and appear in
    space URLs.
    """

    allowed_origins: Optional[tuple[str, ...]] = None
    secret_cors: bool = False
    control_origins: tuple[str, ...] = ()
    allowed_hosts: tuple[str, ...] = field(default=())
    #: When set, ``/_radist/`` over HTTP needs ``Authorization: Bearer <token>``.
    control_token: Optional[str] = field(default=None, repr=False)

    @classmethod
    def build(
        cls,
        allowed_origins: Optional[object] = None,
        secret_cors: bool = False,
        control_origins: Optional[object] = None,
        allowed_hosts: Optional[object] = None,
        control_token: Optional[str] = None,
    ) -> BrowserPolicy:
        hosts = _origins(allowed_hosts, "allowed_hosts") or ()
        if not isinstance(secret_cors, bool):
            raise InvalidValue(f"secret_cors must be true or false, got {secret_cors!r}")
        if control_token is not None and (not isinstance(control_token, str) or len(control_token) < 8):
            raise InvalidValue("control_token must be a string of at least 8 characters")
        return cls(_origins(allowed_origins, "allowed_origins"), secret_cors,
                   _origins(control_origins, "control_origins") or (), tuple(h.lower() for h in hosts), control_token)

    def control_token_matches(self, authorization: Optional[str]) -> bool:
        """Whether a control request carries the control token (if one is set)."""
        if self.control_token is None:
            return True
        scheme, _, given = (authorization or "").partition(" ")
        return scheme.lower() == "bearer" and hmac.compare_digest(given.strip().encode(), self.control_token.encode())

    def origin_allowed(self, origin: str, audience: Audience) -> bool:
        origin = origin.rstrip("/")
        if audience == "control":
            return origin in self.control_origins
        if audience == "secret" and not self.secret_cors:
            return False
        return self.allowed_origins is None or origin in self.allowed_origins

    def cors_headers(self, origin: Optional[str], audience: Audience) -> list[tuple[bytes, bytes]]:
        """Headers of an actual response: the origin echoed when allowed."""
        if audience == "control" and not self.control_origins:
            return []
        if audience == "secret" and not self.secret_cors:
            return []
        headers = [(b"vary", b"Origin")]
        if origin is not None and self.origin_allowed(origin, audience):
            headers.append((b"access-control-allow-origin", origin.encode("latin-1")))
        return headers

    def preflight_headers(self, origin: str, audience: Audience) -> list[tuple[bytes, bytes]]:
        return self.cors_headers(origin, audience) + [
            (b"access-control-allow-methods", allow_methods(audience).encode()),
            (b"access-control-allow-headers", ALLOW_HEADERS.encode()),
            (b"access-control-max-age", MAX_AGE.encode()),
        ]

    def host_allowed(self, host: Optional[str], server_host: str) -> bool:
        """Whether a ``Host`` header names this server (DNS rebinding guard):
        loopback names, the address it was started on, or an allowed host."""
        if not host:
            return True  # HTTP/1.0 without Host: not a browser
        name = _host_name(host)
        return name in LOOPBACK_HOSTS or name == server_host.strip("[]").lower() or name in self.allowed_hosts


@lru_cache(maxsize=256)
def _host_name(host: str) -> str:
    """The lowercase name of a ``Host`` header (clients send the same one
    on every request: parsed once)."""
    return (urlsplit(f"//{host}").hostname or "").lower()

"""What the loopback server accepts, and how long it waits: one place, so the
server, ``radist-fake`` and the docs agree."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ServerLimits:
    """Limits of the loopback server. Every refusal is ``{"error": ...}``
    with a 4xx status, and the connection is closed after it."""

    #: Largest request body; more is 413.
    max_body_bytes: int = 1024 * 1024
    #: Longest path and query together; more is 414.
    max_url_bytes: int = 8 * 1024
    #: Largest request line and headers together; more is 431 (414 when the
    #: request line alone is too long).
    max_head_bytes: int = 32 * 1024
    #: Most header fields; more is 431.
    max_headers: int = 100
    #: Seconds a client has to send a whole request (head, then body),
    #: counted from when the connection is ready for it; then 408 and close.
    read_timeout: float = 10.0
    #: Seconds an idle keep-alive connection stays open between requests.
    keep_alive_timeout: float = 5.0

    def __post_init__(self) -> None:
        for name in ("max_body_bytes", "max_url_bytes", "max_head_bytes", "max_headers"):
            value = getattr(self, name)
            if not isinstance(value, int) or isinstance(value, bool) or value < 1:
                raise ValueError(f"{name} must be a positive whole number, got {value!r}")
        for name in ("read_timeout", "keep_alive_timeout"):
            value = getattr(self, name)
            if not isinstance(value, (int, float)) or isinstance(value, bool) or not 0 < value < 86400:
                raise ValueError(f"{name} must be a number of seconds above 0 and below 86400, got {value!r}")

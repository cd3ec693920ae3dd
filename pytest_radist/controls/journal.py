"""The request journal: what the application sent, through any front door."""

from __future__ import annotations

import threading
from collections import deque
from dataclasses import dataclass
from typing import Any, Iterator, Optional
from urllib.parse import parse_qsl, urlencode

from ..model.ids import PUBLIC_KEY_PREFIX, SECRET_KEY_PREFIX


def copy_json(value: Any) -> Any:
    """A deep copy of a JSON value, so later mutation by either side cannot
    rewrite history. Raises ``TypeError`` for values JSON cannot carry."""
    if isinstance(value, dict):
        return {str(k) if not isinstance(k, str) else k: copy_json(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [copy_json(v) for v in value]
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    raise TypeError(f"request body holds {type(value).__name__} {value!r}, which is not JSON-serializable")


def key_hint(key: Optional[str]) -> Optional[str]:
    """A key as it may be shown: its prefix and last four characters."""
    if not key:
        return None
    prefix = next((p for p in (SECRET_KEY_PREFIX, PUBLIC_KEY_PREFIX) if key.startswith(p)), "")
    return f"{prefix}...{key[-4:]}"


#: Request bodies larger than this many bytes are not kept in the journal.
DEFAULT_BODY_LIMIT = 64 * 1024


@dataclass(frozen=True)
class OmittedBody:
    """Stands in the journal for a request body too large to keep."""

    size: int
    """Bytes of the body on the wire."""

    def __repr__(self) -> str:
        return f"<body of {self.size} bytes, not kept>"


#: Secrets that may travel in bodies: kept out of the journal, reprs and
#: failure messages. Participant tokens may show (tests need them).
REDACTED = "***"


def redact_secrets(value: Any) -> Any:
    """``value`` with space passwords replaced by ``***`` and host tokens cut
    to a hint (``ht_...AbCd``); the same object when there is nothing to hide."""
    if not isinstance(value, dict) or not {"password", "hostToken"} & value.keys():
        return value
    redacted = dict(value)
    if redacted.get("password") is not None:
        redacted["password"] = REDACTED
    if isinstance(redacted.get("hostToken"), str):
        redacted["hostToken"] = redacted["hostToken"][:3] + "..." + redacted["hostToken"][-4:]
    return redacted


def redact_query(query: str) -> tuple[str, Optional[str]]:
    """A socket's query with its ``publicKey`` redacted, and that key's hint."""
    pairs = parse_qsl(query, keep_blank_values=True)
    key = next((value for name, value in pairs if name == "publicKey"), None)
    if key is None:
        return query, None
    return urlencode([(n, key_hint(v) or "" if n == "publicKey" else v) for n, v in pairs], safe="."), key_hint(key)


@dataclass(slots=True)
class RecordedRequest:
    """One request as the fake saw and answered it."""

    endpoint: Optional[str]
    """Canonical endpoint name (``create_call``...), ``None`` if unroutable."""
    method: str
    path: str
    """Raw path, still percent-encoded."""
    params: dict[str, str]
    """Decoded path parameters (``projectId``, ``callId``...)."""
    raw_query: str
    """The query string as sent (a socket's ``publicKey`` redacted)."""
    json: Any
    """The request body as JSON, ``None`` when there was none, an
    :class:`OmittedBody` when it was larger than the journal keeps."""
    status: int
    response: Any
    """The response body the client was sent (``None`` if it got none)."""
    key_type: Optional[str]
    """``"secret"`` or ``"public"`` if a key authenticated it, else ``None``."""
    key: Optional[str]
    """The bearer key (a socket's ``publicKey``), redacted to its prefix
    and last four characters."""
    door: str
    """``"transport"`` (in process), ``"requests"``, ``"http"`` or ``"socket"``."""
    at: float
    """Fake-clock time of the request (epoch seconds)."""
    fault: Optional[str] = None
    """The fault rule that shaped the answer, if any."""

    @property
    def query(self) -> dict[str, str]:
        """The query parameters, decoded (a repeated one: its last value):
        ``r.query.get("page")``."""
        return dict(parse_qsl(self.raw_query, keep_blank_values=True))

    def describe(self) -> str:
        body = "" if self.json is None else f" json={self.json!r}"
        fault = f" [fault: {self.fault}]" if self.fault else ""
        query = f"?{self.raw_query}" if self.raw_query else ""
        return f"{self.endpoint or 'UNROUTED'} {self.method} {self.path}{query}{body} -> {self.status}{fault}"


class Journal:
    """Thread-safe, append-only list of :class:`RecordedRequest`.

    ``max_entries`` keeps only the newest entries (``None``: all, as a test
    wants); bodies over ``body_limit`` bytes are replaced by an
    :class:`OmittedBody` (``None``: keep every body)."""

    def __init__(self, max_entries: Optional[int] = None, body_limit: Optional[int] = DEFAULT_BODY_LIMIT) -> None:
        for name, value in (("max_entries", max_entries), ("body_limit", body_limit)):
            if value is not None and (not isinstance(value, int) or isinstance(value, bool) or value < 1):
                raise ValueError(f"journal {name} must be a positive whole number or None (no limit), got {value!r}")
        self.max_entries = max_entries
        self.body_limit = body_limit
        self._lock = threading.Lock()
        self._entries: deque[RecordedRequest] = deque(maxlen=max_entries)

    def body(self, value: Any, size: Optional[int]) -> Any:
        """What the journal keeps of a request body of ``size`` bytes."""
        if size is not None and self.body_limit is not None and size > self.body_limit:
            return OmittedBody(size)
        return value

    def record(self, entry: RecordedRequest) -> None:
        with self._lock:
            self._entries.append(entry)

    def entries(self) -> list[RecordedRequest]:
        with self._lock:
            return list(self._entries)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()

    def __iter__(self) -> Iterator[RecordedRequest]:
        return iter(self.entries())

    def __len__(self) -> int:
        return len(self._entries)

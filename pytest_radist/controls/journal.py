"""The request journal: what the application sent, through any front door."""

from __future__ import annotations

import threading
from collections import deque
from dataclasses import dataclass
from typing import Any, Callable, Iterator, Mapping, NamedTuple, Optional, Union, cast
from urllib.parse import parse_qsl

from ..api.routes import ROUTES, match
from ..errors import InvalidValue
from .faults import check_endpoint
from .redaction import DEFAULT as DEFAULT_REDACTOR
from .redaction import Redactor


_ATOMS = frozenset({str, int, float, bool, type(None)})


def copy_json(value: Any) -> Any:
    """A deep copy of a JSON value, so later mutation by either side cannot
    rewrite history. Raises ``TypeError`` for values JSON cannot carry."""
    if type(value) in _ATOMS:  # most values: no isinstance chain to reach them
        return value
    if isinstance(value, dict):
        return {str(k) if not isinstance(k, str) else k: copy_json(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [copy_json(v) for v in value]
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    raise TypeError(f"request body holds {type(value).__name__} {value!r}, which is not JSON-serializable")


#: Request bodies larger than this many bytes are not kept in the journal.
DEFAULT_BODY_LIMIT = 64 * 1024
#: What an entry holds beside its request body and its answer (its strings, the tuple or record), in bytes.
ENTRY_WEIGHT = 512


def answer_weight(body: Any) -> int:
    """The bytes an answer keeps alive in the journal, estimated from its
    shape without walking it (a list of calls dominates: a page of 100 is
    about 40 KB of Python objects)."""
    if type(body) is not dict:
        return 0
    weight = 0
    for value in body.values():
        weight += 64
        if type(value) is list:
            weight += 400 * len(value)
    return weight


@dataclass(frozen=True)
class OmittedBody:
    """Stands in the journal for a request body too large to keep."""

    size: int
    """Bytes of the body on the wire."""

    def __repr__(self) -> str:
        return f"<body of {self.size} bytes, not kept>"


@dataclass(slots=True)
class RecordedRequest:
    """One request as the fake saw and answered it."""

    endpoint: Optional[str]
    """Canonical endpoint name (``create_call``...), ``None`` if unroutable."""
    method: str
    path: str
    """Raw path, still percent-encoded (a secret key in it redacted)."""
    params: dict[str, str]
    """Decoded path parameters (``projectId``, ``callId``...)."""
    raw_query: str
    """The query string as sent, secrets redacted (a socket's ``publicKey``,
    secret keys, password parameters: see :mod:`.redaction`)."""
    json: Any
    """The request body as JSON, ``None`` when there was none, an
    :class:`OmittedBody` when it was larger than the journal keeps.
    Passwords (at any depth) read ``***``, secret keys their hint."""
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
    project: Optional[str] = None
    """The project the request names (by its path, its key or a socket's
    ``publicKey``); ``None`` for one that names none."""
    why: Optional[str] = None
    """Why it was refused, in the fake's words: the object and the rule
    (``token ct_... was consumed at ... by peer_...``, ``fault-3 (...)``).
    Never part of the answer, which stays the service's."""

    @property
    def query(self) -> dict[str, str]:
        """The query parameters, decoded (a repeated one: its last value):
        ``r.query.get("page")``."""
        return dict(parse_qsl(self.raw_query, keep_blank_values=True))

    def describe(self) -> str:
        body = "" if self.json is None else f" json={self.json!r}"
        fault = f" [fault: {self.fault}]" if self.fault else f" [why: {self.why}]" if self.why else ""
        query = f"?{self.raw_query}" if self.raw_query else ""
        return f"{self.endpoint or 'UNROUTED'} {self.method} {self.path}{query}{body} -> {self.status}{fault}"


class _Wanted(NamedTuple):
    """What :meth:`Journal.find` looks for."""

    endpoint: str
    json: dict[str, Any]
    query: Mapping[str, Any]
    params: Mapping[str, str]
    project: Optional[str] = None

    def matches(self, r: RecordedRequest) -> bool:
        if self.endpoint != "*" and r.endpoint != self.endpoint:
            return False
        if self.project is not None and r.project != self.project:
            return False
        if self.json and not (isinstance(r.json, dict) and all(k in r.json and r.json[k] == v for k, v in self.json.items())):
            return False
        if self.query:
            sent = r.query
            if not all(k in sent and sent[k] == _as_text(v) for k, v in self.query.items()):
                return False
        return all(r.params.get(k) == v for k, v in self.params.items())


def _as_text(value: Any) -> str:
    """A query value as it is sent: ``2`` as ``"2"``, ``True`` as ``"true"``."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


class Pending(NamedTuple):
    """An entry recorded but not built yet (:meth:`Journal._record_later`):
    the fields the filters read, and what builds it from what (a server
    answers many more requests than anyone reads: the reader pays)."""

    endpoint: Optional[str]
    status: int
    door: str
    project: Optional[str]
    #: Makes the entry (redacting what it must) from ``parts``.
    build: Callable[..., RecordedRequest]
    parts: tuple[Any, ...]


_Entry = Union[RecordedRequest, Pending]


def _built(entry: _Entry) -> RecordedRequest:
    if type(entry) is Pending:
        return entry.build(*entry.parts)
    return cast(RecordedRequest, entry)


class Journal:
    """Thread-safe, append-only list of :class:`RecordedRequest`, and the
    queries and assertions a test makes of it (``fake.journal``):
    :meth:`find`, :meth:`assert_called`, :meth:`assert_not_called`,
    :meth:`assert_called_in_order`.

    ``max_entries`` keeps only the newest entries, and ``max_bytes`` only
    the newest that fit in that many bytes (estimated: an entry's request
    body, its answer's shape, :data:`ENTRY_WEIGHT`); ``None``: all, as a
    test wants. :attr:`dropped` counts the entries either let go. Bodies
    over ``body_limit`` bytes are replaced by an :class:`OmittedBody`
    (``None``: keep every body).

    The fake and live mode record an entry as its parts, built (and its
    secrets redacted) when first read: a server answers many more requests
    than anyone reads, so the reader pays for the entry, not the request."""

    def __init__(self, max_entries: Optional[int] = None, body_limit: Optional[int] = DEFAULT_BODY_LIMIT,
                 max_bytes: Optional[int] = None) -> None:
        for name, value in (("max_entries", max_entries), ("body_limit", body_limit), ("max_bytes", max_bytes)):
            if value is not None and (not isinstance(value, int) or isinstance(value, bool) or value < 1):
                raise InvalidValue(f"journal {name} must be a positive whole number or None (no limit), got {value!r}")
        self.max_entries = max_entries
        self.body_limit = body_limit
        self.max_bytes = max_bytes
        #: Entries let go to keep within ``max_entries`` and ``max_bytes``, since the journal began or was cleared.
        self.dropped = 0
        self._lock = threading.Lock()
        self._entries: deque[_Entry] = deque()
        self._weights: deque[int] = deque()  # each entry's, while max_bytes is set
        self._bytes = 0
        #: What the assertions' messages hide of the values a test passes.
        self.redactor: Redactor = DEFAULT_REDACTOR

    @property
    def weighs(self) -> bool:
        """Whether entries are weighed as they are recorded (a byte budget is set)."""
        return self.max_bytes is not None

    @property
    def size(self) -> int:
        """Bytes the entries hold, estimated (``0`` when no byte budget is set: nothing is weighed)."""
        return self._bytes

    def _append(self, entry: _Entry, weight: int) -> None:
        """Under the lock: keep ``entry``, letting the oldest go past either limit."""
        entries = self._entries
        entries.append(entry)
        if self.max_bytes is not None:
            self._weights.append(weight)
            self._bytes += weight
            while self._bytes > self.max_bytes and len(entries) > 1:
                entries.popleft()
                self._bytes -= self._weights.popleft()
                self.dropped += 1
        if self.max_entries is not None and len(entries) > self.max_entries:
            entries.popleft()
            if self.max_bytes is not None:
                self._bytes -= self._weights.popleft()
            self.dropped += 1

    def body(self, value: Any, size: Optional[int]) -> Any:
        """What the journal keeps of a request body of ``size`` bytes."""
        if size is not None and self.body_limit is not None and size > self.body_limit:
            return OmittedBody(size)
        return value

    def record(self, entry: RecordedRequest) -> None:
        weight = ENTRY_WEIGHT + answer_weight(entry.response) if self.max_bytes is not None else 0
        with self._lock:
            self._append(entry, weight)

    def _record_later(self, entry: Pending, weight: int = 0) -> None:
        """Record an entry that ``entry.build(*entry.parts)`` makes when it is
        first read (the filters of :meth:`page` read its endpoint, status
        and door without building it); its parts must not change afterwards.
        ``weight``: its bytes, estimated, when :attr:`weighs`."""
        with self._lock:
            self._append(entry, weight)

    def entries(self) -> list[RecordedRequest]:
        with self._lock:
            snapshot = list(self._entries)
        # built outside the lock (the server goes on recording), then kept built;
        # ``snapshot`` holds the tuples alive, so their ids cannot be reused meanwhile
        built = {id(entry): _built(entry) for entry in snapshot if type(entry) is Pending}
        if not built:
            return snapshot  # type: ignore[return-value]
        with self._lock:
            self._entries = deque(built.get(id(entry), entry) if type(entry) is Pending else entry for entry in self._entries)
        return [built[id(entry)] if type(entry) is Pending else entry for entry in snapshot]  # type: ignore[misc]

    def page(
        self,
        page: int = 1,
        limit: int = 100,
        *,
        endpoint: Optional[str] = None,
        status: Optional[int] = None,
        door: Optional[str] = None,
        newest_first: bool = False,
        project: Optional[str] = None,
    ) -> tuple[list[RecordedRequest], int]:
        """One page of the entries that match the filters, oldest first
        (``newest_first`` reverses it), and how many match in all. Holds
        at most ``limit`` entries, however long the journal is."""
        if not isinstance(page, int) or isinstance(page, bool) or page < 1:
            raise InvalidValue(f"page must be a whole number from 1, got {page!r}")
        if not isinstance(limit, int) or isinstance(limit, bool) or limit < 1:
            raise InvalidValue(f"limit must be a whole number from 1, got {limit!r}")
        start, total = (page - 1) * limit, 0
        found: list[_Entry] = []
        with self._lock:
            for entry in (reversed(self._entries) if newest_first else self._entries):
                if ((endpoint is None or entry.endpoint == endpoint) and (status is None or entry.status == status)
                        and (door is None or entry.door == door) and (project is None or entry.project == project)):
                    if start <= total < start + limit:
                        found.append(entry)
                    total += 1
        return [_built(entry) for entry in found], total

    # -- queries and assertions ------------------------------------------------

    def find(
        self,
        /,
        endpoint: str,
        *,
        json: Optional[Mapping[str, Any]] = None,
        query: Optional[Mapping[str, Any]] = None,
        params: Optional[Mapping[str, str]] = None,
        project: Optional[str] = None,
        **json_subset: Any,
    ) -> list[RecordedRequest]:
        """The entries for ``endpoint`` (a canonical name, or ``"*"``), oldest
        first, whose JSON body contains ``json`` and ``json_subset``, whose
        query holds ``query`` (values compared as text: ``{"page": 2}``),
        whose path parameters hold ``params`` (``{"callId": call.id}``) and,
        if given, that name ``project`` (an id)."""
        check_endpoint(endpoint)
        wanted = _Wanted(endpoint, {**(json or {}), **json_subset}, query or {}, params or {}, project)
        return [r for r in self.entries() if wanted.matches(r)]

    def assert_called(
        self,
        /,
        endpoint: str,
        times: Optional[int] = None,
        *,
        json: Optional[Mapping[str, Any]] = None,
        query: Optional[Mapping[str, Any]] = None,
        params: Optional[Mapping[str, str]] = None,
        project: Optional[str] = None,
        **json_subset: Any,
    ) -> list[RecordedRequest]:
        """Assert ``endpoint`` was requested (exactly ``times`` times if given)
        as :meth:`find` matches; returns the matches."""
        __tracebackhide__ = True  # a failure points at the test's line, not this one
        matches = self.find(endpoint, json=json, query=query, params=params, project=project, **json_subset)
        if (times is None and not matches) or (times is not None and len(matches) != times):
            wanted = "at least once" if times is None else f"{times} time(s)"
            criteria = self._criteria({**(json or {}), **json_subset}, query, params, project)
            raise AssertionError(
                f"expected {endpoint} to be called {wanted}{criteria}, it was called {len(matches)} time(s).\n"
                + self.nearest(endpoint)
            )
        return matches

    def assert_not_called(
        self,
        /,
        endpoint: str,
        *,
        json: Optional[Mapping[str, Any]] = None,
        query: Optional[Mapping[str, Any]] = None,
        params: Optional[Mapping[str, str]] = None,
        project: Optional[str] = None,
        **json_subset: Any,
    ) -> None:
        """Assert no ``endpoint`` request matching as :meth:`find` matches was made."""
        __tracebackhide__ = True
        matches = self.find(endpoint, json=json, query=query, params=params, project=project, **json_subset)
        if matches:
            raise AssertionError(
                f"expected no {endpoint} request, got {len(matches)}:\n"
                + "\n".join(f"  {r.describe()}" for r in matches)
            )

    def assert_called_in_order(self, *endpoints: str) -> list[RecordedRequest]:
        """Assert these endpoints were requested in this order (others may
        come between them); returns the entries that matched, one per name:
        ``fake.journal.assert_called_in_order("create_call", "mint_call_token")``."""
        __tracebackhide__ = True
        if not endpoints:
            raise InvalidValue("assert_called_in_order() needs the endpoints, in the order they were to be called")
        for endpoint in endpoints:
            check_endpoint(endpoint)
        entries = self.entries()
        found: list[RecordedRequest] = []
        for entry in entries:
            if len(found) < len(endpoints) and endpoints[len(found)] in ("*", entry.endpoint):
                found.append(entry)
        if len(found) < len(endpoints):
            seen = [r.endpoint or "UNROUTED" for r in entries[-30:]]
            raise AssertionError(
                f"expected the calls {' -> '.join(endpoints)} in that order; after "
                f"{' -> '.join(endpoints[:len(found)]) or 'none of them'}, no {endpoints[len(found)]} followed.\n"
                f"The calls were (last {len(seen)} of {len(entries)}): {' -> '.join(seen) or 'none'}"
            )
        return found

    def nearest(self, endpoint: str, limit: int = 10) -> str:
        """The entries nearest ``endpoint``, as a failed assertion shows them
        (WireMock's near misses): those to ``endpoint`` (with other fields),
        those to its path with another method, else the newest of all."""
        entries = self.entries()
        if not entries:
            return "No request reached the fake at all (is the app pointed at it? see radist_fake.url / .transport)."
        same = [r for r in entries if r.endpoint == endpoint]
        shown = (same or entries)[-limit:]
        title = f"Requests to {endpoint}" if same else "Requests that did happen"
        text = f"{title} (last {len(shown)} of {len(same or entries)}):\n" + "\n".join(f"  {r.describe()}" for r in shown)
        method = next((route.method for route in ROUTES if route.endpoint == endpoint), None)
        if method is not None:
            elsewhere = [r for r in entries if r.endpoint is None and r.method != method
                         and match(method, r.path.split("?")[0]).endpoint == endpoint][-limit:]
            if elsewhere:
                text += f"\nTo its path with another method (it takes {method}):\n" + "\n".join(
                    f"  {r.describe()}" for r in elsewhere)
        return text

    def _criteria(self, json_subset: Mapping[str, Any], query: Optional[Mapping[str, Any]],
                  params: Optional[Mapping[str, str]], project: Optional[str] = None) -> str:
        said = []
        if json_subset:
            said.append(f"json containing {self.redactor.json(dict(json_subset))!r}")
        if query:
            said.append(f"query containing {self.redactor.json(dict(query))!r}")
        if params:
            said.append(f"path parameters {dict(params)!r}")
        if project is not None:
            said.append(f"project {project!r}")
        return (" with " + " and ".join(said)) if said else ""

    def forget(self, project: str) -> int:
        """Forget the entries that name ``project`` (a tenant's reset); how many."""
        with self._lock:
            kept = [(entry, weight) for entry, weight in zip(self._entries, self._weights if self.weighs else [0] * len(self._entries))
                    if entry.project != project]
            gone = len(self._entries) - len(kept)
            self._entries = deque(entry for entry, _ in kept)
            if self.weighs:
                self._weights = deque(weight for _, weight in kept)
                self._bytes = sum(self._weights)
            return gone

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self._weights.clear()
            self._bytes = self.dropped = 0

    def __iter__(self) -> Iterator[RecordedRequest]:
        return iter(self.entries())

    def __len__(self) -> int:
        return len(self._entries)

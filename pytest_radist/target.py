"""``RadistTarget``: what every front door answers from.

Two kinds of target exist: :class:`~pytest_radist.RadistFake`, which answers
from its own model, and :class:`~pytest_radist.live.RadistLive`, which
forwards to a real Radist (live mode). Both hand out the same front doors
(SDK transport, ``requests`` adapter, httpx transport, loopback URL) and keep
the same journal with the same assertions, so a test's doors and
``assert_called`` work against either. Only :meth:`dispatch` differs.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Any, Optional, TypeVar
from urllib.parse import parse_qsl

from . import errors as E
from .api import app as api
from .api.app import Outcome as Outcome  # where it was, for importers from 0.1
from .doors.contract import ProjectKeys
from .api import routes
from .controls.browser import BrowserPolicy
from .controls.journal import ENTRY_WEIGHT, Journal, Pending, RecordedRequest, answer_weight
from .controls.redaction import Redactor, key_hint
from .shortcuts import Shortcut

if TYPE_CHECKING:
    from radist_server import RadistServerClient

    from .doors.httpx_transport import RadistHttpxTransport
    from .doors.requests_adapter import RadistAdapter
    from .doors.server import LoopbackServer
    from .doors.transport import InProcessTransport

#: Where the control plane lives (``pytest_radist.controls.control_plane.PREFIX``).
CONTROL_PREFIX = "/_radist/"

_Target = TypeVar("_Target", bound="RadistTarget")


class RadistFakeProblem(E.RadistFakeError, AssertionError):
    """The fake saw something a strict test must not ignore."""


class RadistTarget:
    """The journal, its assertions, strict-mode problems and the front doors,
    shared by the fake and live mode. Subclasses answer :meth:`dispatch`."""

    #: ``True`` when answers come from a real Radist (live mode).
    live = False
    #: The project the doors' clients call by default.
    project: ProjectKeys

    def __init__(self, *, seed: int, strict: bool, journal: Journal, browser: BrowserPolicy) -> None:
        self.seed = seed
        #: Fail the test at teardown on unroutable requests or internal errors.
        self.strict = strict
        #: Every request answered; see :class:`~pytest_radist.controls.journal.Journal`.
        self.journal = journal
        #: What a browser may do: CORS origins, secret-key CORS, the control
        #: plane's origins and hosts (radist-api.md 6.5, 6.6).
        self.browser = browser
        self._problems: list[str] = []
        self._problems_lock = threading.Lock()
        self._server: Optional[LoopbackServer] = None
        self._owns_server = False
        self._transport: Optional[InProcessTransport] = None

    @property
    def redactor(self) -> Redactor:
        """What the journal, problems and messages hide (see :mod:`.controls.redaction`)."""
        return self.journal.redactor

    @redactor.setter
    def redactor(self, redactor: Redactor) -> None:
        self.journal.redactor = redactor

    # -- the request cycle ----------------------------------------------------

    def dispatch(self, request: api.ApiRequest, door: str) -> Outcome:
        """Answer one request and journal it; ``door`` names the front door
        (``transport``, ``http``, ``requests``, ``httpx``, ``socket``)."""
        raise NotImplementedError

    def _now(self) -> float:
        """The time journal entries carry."""
        raise NotImplementedError

    def _record(
        self,
        request: api.ApiRequest,
        found: routes.Match,
        outcome: Outcome,
        *,
        door: str,
        key_type: Optional[str],
        fault: Optional[str] = None,
        why: Optional[str] = None,
        project: Optional[str] = None,
    ) -> None:
        """Journal one answered request. Only its parts are kept here (the
        entry, with keys and secrets redacted, is built when first read);
        a body over the journal's limit is dropped now, not kept till then."""
        journal = self.journal
        body = journal.body(request.body, request.body_size)
        status = 0 if outcome.drop else outcome.status
        weight = ENTRY_WEIGHT + (request.body_size or 0) + answer_weight(outcome.body) if journal.weighs else 0
        journal._record_later(Pending(found.endpoint, status, door, project, RadistTarget._entry, (  # no bound method per request
            self, request.method, request.path, request.query, request.authorization, body, found, status,
            outcome.body, outcome.raw, outcome.drop, key_type, door, self._now(), fault, why, project,
        )), weight)

    def _entry(
        self, method: str, raw_path: str, query: str, authorization: Optional[str], body: Any, found: routes.Match,
        status: int, answer: Optional[dict[str, Any]], raw: Optional[bytes], dropped: bool,
        key_type: Optional[str], door: str, at: float, fault: Optional[str], why: Optional[str] = None,
        project: Optional[str] = None,
    ) -> RecordedRequest:
        """A journal entry from the parts :meth:`_record` kept, with keys and secrets redacted."""
        redactor = self.redactor
        if found.route is not None and found.route.key == "socket":
            key = key_hint(next((v for n, v in parse_qsl(query) if n == "publicKey"), None))
        else:
            key = key_hint(api.bearer(authorization))
        if dropped:
            response: Any = None
        elif answer is not None or raw is None:
            response = self._journaled_answer(answer)
        else:  # not JSON (a malformed fault, a forwarded HTML page): the text
            response = redactor.text(raw.decode("utf-8", "replace"))
        path = redactor.text(raw_path)
        return RecordedRequest(
            endpoint=found.endpoint, method=method, path=path,
            params=dict(found.params) if path is raw_path else {n: redactor.text(v) for n, v in found.params.items()},
            raw_query=redactor.query(query), json=None if body is api.NO_BODY else redactor.json(body),
            status=status, response=response, key_type=key_type, key=key, door=door, at=at, fault=fault,
            why=None if why is None else redactor.text(why), project=project,
        )

    def _journaled_answer(self, body: Optional[dict[str, Any]]) -> Any:
        """What the journal keeps of an answer: the fake's own answers carry
        no key, only a space's host token to hide."""
        return self.redactor.json(body) if isinstance(body, dict) and "hostToken" in body else body

    # -- the journal and its assertions ---------------------------------------

    @property
    def requests(self) -> list[RecordedRequest]:
        """Every request answered, through any front door."""
        return self.journal.entries()

    #: Shortcuts to :attr:`journal`'s queries and assertions (``fake.journal.find`` ...).
    requests_to = Shortcut("journal", Journal.find)
    assert_called = Shortcut("journal", Journal.assert_called)
    assert_not_called = Shortcut("journal", Journal.assert_not_called)

    # -- strict mode -----------------------------------------------------------

    @property
    def problems(self) -> list[str]:
        """Unroutable requests and internal errors seen so far."""
        with self._problems_lock:
            return list(self._problems)

    def report_problem(self, message: str) -> None:
        message = self.redactor.text(message)  # a target's answer may echo a key
        with self._problems_lock:
            self._problems.append(message)

    def check(self) -> None:
        """Raise :class:`RadistFakeProblem` if a strict target saw problems."""
        __tracebackhide__ = True
        problems = self.problems
        if problems:
            raise RadistFakeProblem(
                f"the Radist {'forwarder' if self.live else 'fake'} saw {len(problems)} problem(s) during this test:\n"
                + "\n".join(f"  - {p}" for p in problems)
                + "\n(mark the test with @pytest.mark.radist(strict=False) to allow this)"
            )

    def clean_up(self) -> None:
        """Remove what the test left on the service (live mode: its spaces);
        a fake has nothing to remove."""

    def _forget(self) -> None:
        """Forget the journal and the problems seen."""
        self.journal.clear()
        with self._problems_lock:
            self._problems.clear()

    # -- front doors ----------------------------------------------------------

    @property
    def transport(self) -> InProcessTransport:
        """A transport for ``RadistServerClient(transport=...)``: no socket."""
        if self._transport is None:
            from .doors.transport import InProcessTransport

            self._transport = InProcessTransport(self)
        return self._transport

    def client(self, **overrides: Any) -> RadistServerClient:
        """A ``radist_server.RadistServerClient`` wired to this target in
        process (pass ``api_base_url=self.url`` ... to go over HTTP)."""
        from .doors.sdk import make_client

        return make_client(self, **overrides)

    def requests_adapter(self) -> RadistAdapter:
        """A ``requests`` transport adapter answering in process; mount it on
        a ``requests.Session`` (needs ``requests``)."""
        from .doors.requests_adapter import RadistAdapter

        return RadistAdapter(self)

    def httpx_transport(self) -> RadistHttpxTransport:
        """An httpx transport answering in process, for
        ``httpx.Client(transport=...)`` and ``httpx.AsyncClient(transport=...)``
        alike (needs ``httpx``)."""
        try:
            from .doors.httpx_transport import RadistHttpxTransport
        except ImportError as exc:
            raise ImportError(f"httpx_transport() needs httpx: pip install 'pytest-radist[httpx]' ({exc})") from None
        return RadistHttpxTransport(self)

    @property
    def url(self) -> str:
        """Base URL of the loopback HTTP server (started on first use)."""
        if self._server is None:
            from .doors.server import LoopbackServer

            self._server = LoopbackServer(self)
            self._owns_server = True
        return self._server.url

    def serve_on(self, server: LoopbackServer) -> None:
        """Answer the requests of a shared ``server`` (the pytest plugin's)."""
        server.target = self
        self._server = server
        self._owns_server = False

    def close(self) -> None:
        """Stop the loopback server if this target started it."""
        if self._server is not None and self._owns_server:
            self._server.stop()
        self._server = None

    def __enter__(self: _Target) -> _Target:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

"""``RadistLive``: the fake's front doors, forwarding to a real Radist.

``pytest --radist-live`` hands tests a :class:`RadistLive` instead of a
:class:`~pytest_radist.RadistFake`. Its doors (SDK transport, ``requests``
adapter, httpx transport, loopback URL) forward every request to the real
service and journal it like the fake does, so ``assert_called`` keeps
working. What only the fake has (fault rules, the clock, simulated peers,
scenarios, state views, limits) refuses with a message naming the control;
the plugin turns that into a skip. Spaces a test created are deleted after
it; calls and rooms cannot be deleted through the API.
"""

from __future__ import annotations

import inspect
import random
import threading
import time
from functools import lru_cache
from typing import Any, Awaitable, Callable, NoReturn, Optional, Sequence
from urllib.parse import quote, urlencode

from .. import errors as E
from ..api import app as api
from ..api import routes
from ..controls.browser import BrowserPolicy, is_preflight
from ..controls.journal import DEFAULT_BODY_LIMIT, Journal
from ..controls.redaction import Redactor
from ..fidelity.cassettes import Recorder, http_step
from ..remote import DEFAULT_TIMEOUT, AnswerTooLarge, Connections, Unreachable, forward
from ..shortcuts import Shortcut
from ..target import CONTROL_PREFIX, Outcome, RadistTarget
from .credentials import LiveCredentials
from .relay import relay
from .wire import body_bytes, end_to_end, key_type, outcome_of

def _raise_fake_only(message: str) -> NoReturn:
    raise E.FakeOnly(message)


@lru_cache(maxsize=None)
def fake_only_controls() -> dict[str, str]:
    """Every public name of :class:`RadistFake` that live mode lacks, as a
    skip reason names it (``fail()``, ``clock``)."""
    from ..fake import RadistFake

    def public(cls: type) -> set[str]:  # its names, and those its classes only annotate (set in __init__)
        annotated = {n for klass in cls.__mro__ for n in getattr(klass, "__annotations__", {})}
        return {n for n in set(dir(cls)) | annotated if not n.startswith("_")}

    names = public(RadistFake) - public(RadistLive)
    def is_method(name: str) -> bool:
        static = inspect.getattr_static(RadistFake, name, None)
        return inspect.isfunction(static) or isinstance(static, Shortcut)

    return {n: f"{n}()" if is_method(n) else n for n in sorted(names)}


class LiveProject:
    """The project live mode calls: its id and keys. The fake's project
    views (calls, spaces, limits) refuse, like the fake's other controls."""

    def __init__(self, credentials: LiveCredentials, refuse: Callable[[str], NoReturn]) -> None:
        self.id = credentials.project_id
        self.secret_key = credentials.secret_key
        self.public_key = credentials.public_key
        self.secret_keys = [credentials.secret_key]
        self._refuse = refuse

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)
        self._refuse(E.FAKE_ONLY.format(control=f"project.{name}"))

    def __repr__(self) -> str:
        return f"<LiveProject {self.id!r}>"


class RadistLive(RadistTarget):
    """The fake's doors and journal in front of a real Radist.

    ``refuse(message)`` is called when a test uses a control only the fake
    has; the default raises :class:`~pytest_radist.errors.FakeOnly`, the
    plugin skips the test instead."""

    live = True

    def __init__(
        self,
        credentials: LiveCredentials,
        *,
        seed: Optional[int] = None,
        strict: bool = True,
        journal_limit: Optional[int] = None,
        journal_body_limit: Optional[int] = DEFAULT_BODY_LIMIT,
        journal_bytes: Optional[int] = None,
        timeout: float = DEFAULT_TIMEOUT,
        refuse: Optional[Callable[[str], NoReturn]] = None,
    ) -> None:
        super().__init__(
            seed=random.SystemRandom().randrange(2**32) if seed is None else seed, strict=strict,
            journal=Journal(journal_limit, journal_body_limit, journal_bytes),
            browser=BrowserPolicy.build(None, False, None, None, None),
        )
        self.credentials = credentials
        # the service may echo the keys: they never reach the journal or a message
        self.redactor = Redactor([credentials.secret_key, credentials.public_key])
        #: Where requests are forwarded.
        self.base_url = credentials.base_url
        self.timeout = timeout
        self._refuse = refuse or _raise_fake_only
        self.project = LiveProject(credentials, self._refuse)
        #: Keeps this test's exchanges for its cassette (``--radist-record``), if set.
        self.recorder: Optional[Recorder] = None
        self._spaces_made: list[tuple[str, Optional[str]]] = []  # (delete path, authorization)
        self._spaces_lock = threading.Lock()
        # kept alive between requests: against the service each new one is a TCP and TLS handshake
        self._connections = Connections()

    def __getattr__(self, name: str) -> Any:
        """A control only the fake has: refuse, naming it."""
        shown = None if name.startswith("_") else fake_only_controls().get(name)
        if shown is not None:
            self._refuse(E.FAKE_ONLY.format(control=shown))
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")

    # -- the request cycle ------------------------------------------------------

    def dispatch(self, request: api.ApiRequest, door: str) -> Outcome:
        """Forward one request to the real service and journal it. The
        control plane is not forwarded."""
        if request.path.startswith(CONTROL_PREFIX):
            return Outcome(404, {"error": E.LIVE_NO_CONTROL_PLANE})
        if not request.path.startswith("/"):  # OPTIONS *: no URL of the service's to forward to
            return Outcome(400, {"error": E.LIVE_NOT_A_PATH.format(target=request.path)})
        found = routes.match(request.method, request.path)
        outcome = self._forward(request)  # a socket's upgrade goes through relay_socket instead
        if self.recorder is not None and not outcome.forward_failed:
            self.recorder.http(http_step(
                request.method, request.path, request.query,
                {**dict(request.headers), **({"Authorization": request.authorization} if request.authorization else {})},
                body_bytes(request), outcome.status, outcome.head(), outcome.raw or b""))
        sent = {name.lower(): value for name, value in request.headers}
        if is_preflight(request.method, sent.get("origin"), "access-control-request-method" in sent):
            return outcome  # the service answers a page's preflight; it is not a request of the app's
        self._record(request, found, outcome, door=door, key_type=key_type(request.authorization, outcome.status))
        if found.endpoint == "create_space" and outcome.status == 200 and isinstance(outcome.body, dict):
            self._remember_space(request, outcome.body)
        return outcome

    def _forward(self, request: api.ApiRequest) -> Outcome:
        path = request.path + (f"?{request.query}" if request.query else "")
        try:
            reply = forward(
                self.base_url, request.method, path, authorization=request.authorization,
                body=body_bytes(request), timeout=self.timeout, headers=end_to_end(request.headers),
                connections=self._connections,
            )
        except Unreachable as exc:  # too slow, too large, or not there: a 502 in JSON
            template = E.LIVE_ANSWER_TOO_LARGE if isinstance(exc, AnswerTooLarge) else E.LIVE_UNREACHABLE
            message = template.format(url=self.base_url, reason=exc)
            self.report_problem(message)
            return Outcome(502, {"error": message}, forward_failed=True)
        return outcome_of(reply)

    def _now(self) -> float:
        return time.time()

    # -- signaling sockets ------------------------------------------------------

    async def relay_socket(self, path: str, query: str, headers: Sequence[tuple[str, str]],
                           receive: Callable[[], Awaitable[dict[str, Any]]], send: Callable[[dict[str, Any]], Awaitable[None]]) -> None:
        """Relay one signaling socket to the service (the loopback server
        calls it for each upgrade): the handshake as the service answers it,
        then frames both ways and the close code and reason as sent, from
        either side. The handshake is journaled, its key redacted."""
        await relay(self, path, query, headers, receive, send)

    def journal_socket(self, request: api.ApiRequest, outcome: Outcome) -> None:
        """Journal a relayed socket's handshake (the relay calls it), its key redacted."""
        self._record(request, routes.match("GET", request.path), outcome, door="socket",
                     key_type="public" if outcome.status == 101 else None)

    def signaling_url(self, token: str, *, public_key: Optional[str] = None, room: bool = False) -> str:
        """The socket URL that joins with ``token`` through the loopback
        forwarder (``room=True`` for a room token: tokens do not say which)."""
        name, path = ("roomToken", routes.SOCKET_PATHS["room"]) if room else ("callToken", routes.SOCKET_PATHS["call"])
        query = urlencode({"publicKey": public_key or self.project.public_key, name: token})
        return "ws" + self.url[len("http"):] + path + "?" + query

    def _journaled_answer(self, body: Optional[dict[str, Any]]) -> Any:
        """The service's answer, with every key and password in it redacted."""
        return self.redactor.json(body)

    # -- clean-up ---------------------------------------------------------------

    def _remember_space(self, request: api.ApiRequest, body: dict[str, Any]) -> None:
        space = body.get("space")
        if isinstance(space, dict) and isinstance(space.get("id"), str):
            path = request.path.rstrip("/") + "/" + quote(space["id"], safe="")
            with self._spaces_lock:
                self._spaces_made.append((path, request.authorization))

    def clean_up(self) -> None:
        """Delete the spaces created through these doors (a space already
        deleted is fine), and close the connections kept alive to the
        service. A space that could not be deleted is a problem: strict mode
        fails the test, naming it."""
        try:
            self._delete_spaces()
        finally:
            self._connections.close_idle()

    def close(self) -> None:
        """Stop the loopback server if this target started it, and close the
        connections kept alive to the service."""
        super().close()
        self._connections.close_idle()

    def _delete_spaces(self) -> None:
        with self._spaces_lock:
            made, self._spaces_made = self._spaces_made, []
        for path, authorization in made:
            try:
                reply = forward(self.base_url, "DELETE", path, authorization=authorization, timeout=self.timeout,
                                connections=self._connections)
            except Unreachable as exc:
                self.report_problem(f"live mode: could not delete the space at {path}: {exc}")
                continue
            if reply.status not in (200, 404):
                error = reply.json.get("error") if isinstance(reply.json, dict) else reply.raw[:200].decode("utf-8", "replace")
                self.report_problem(f"live mode: could not delete the space at {path}: {reply.status} {error}")

    def reset(self, *, state: bool = False, seed: Optional[int] = None) -> None:
        """Forget the journal and problems; a state reset needs the fake."""
        if state or seed is not None:
            self._refuse(E.FAKE_ONLY.format(control="reset(state=True)"))
        self._forget()

    def __repr__(self) -> str:
        return f"<RadistLive {self.base_url} project={self.project.id!r}>"



"""Live mode: the fake's front doors, forwarding to a real Radist.

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

import asyncio
import inspect
import json
import random
import threading
import time
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, Awaitable, Callable, Mapping, NoReturn, Optional, Sequence
from urllib.parse import quote, urlencode

from . import errors as E
from .api import app as api
from .api import routes
from .controls.browser import BrowserPolicy, is_preflight
from .controls.journal import DEFAULT_BODY_LIMIT, Journal
from .controls.redaction import Redactor
from .fidelity.cassettes import Recorder, http_step
from .remote import DEFAULT_TIMEOUT, AnswerTooLarge, Reply, Unreachable, forward
from .model.ids import PUBLIC_KEY_PREFIX, SECRET_KEY_PREFIX
from .target import CONTROL_PREFIX, Outcome, RadistTarget

#: The real service, as the SDKs default to it.
DEFAULT_BASE_URL = "https://radist.tech"

#: What live mode reads from the environment: variable -> what it holds.
CREDENTIAL_VARIABLES = {
    "RADIST_KEY": "the project's secret key, rad_sk_...",
    "RADIST_PROJECT_ID": "the project's id",
    "RADIST_PUBLIC_KEY": "the project's public key, rad_pk_...",
}


class MissingCredentials(E.RadistFakeError, ValueError):
    """Live mode was asked for without the credentials it needs."""


@dataclass(frozen=True)
class LiveCredentials:
    """Where a real Radist is and how to call it."""

    project_id: str
    secret_key: str = field(repr=False)
    public_key: str = field(repr=False)
    base_url: str = DEFAULT_BASE_URL

    @classmethod
    def from_env(cls, environ: Mapping[str, str]) -> LiveCredentials:
        """Read ``RADIST_KEY``, ``RADIST_PROJECT_ID``, ``RADIST_PUBLIC_KEY``
        and ``RADIST_API_BASE_URL`` (default the real service). Raises
        :class:`MissingCredentials` naming every variable that is missing."""
        missing = [f"{name} ({what})" for name, what in CREDENTIAL_VARIABLES.items() if not environ.get(name, "").strip()]
        if missing:
            raise MissingCredentials(f"set {'; '.join(missing)} in the environment (RADIST_API_BASE_URL defaults to {DEFAULT_BASE_URL})")
        base_url = environ.get("RADIST_API_BASE_URL", "").strip().rstrip("/") or DEFAULT_BASE_URL
        if not base_url.startswith(("http://", "https://")):
            raise MissingCredentials(f"RADIST_API_BASE_URL must be an http:// or https:// URL, got {base_url!r}")
        return cls(environ["RADIST_PROJECT_ID"].strip(), environ["RADIST_KEY"].strip(), environ["RADIST_PUBLIC_KEY"].strip(), base_url)


def _raise_fake_only(message: str) -> NoReturn:
    raise E.FakeOnly(message)


@lru_cache(maxsize=None)
def fake_only_controls() -> dict[str, str]:
    """Every public name of :class:`RadistFake` that live mode lacks, as a
    skip reason names it (``fail()``, ``clock``)."""
    from .fake import RadistFake

    def public(cls: type) -> set[str]:  # its names, and those its classes only annotate (set in __init__)
        annotated = {n for klass in cls.__mro__ for n in getattr(klass, "__annotations__", {})}
        return {n for n in set(dir(cls)) | annotated if not n.startswith("_")}

    names = public(RadistFake) - public(RadistLive)
    return {n: f"{n}()" if inspect.isfunction(inspect.getattr_static(RadistFake, n, None)) else n for n in sorted(names)}


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
        timeout: float = DEFAULT_TIMEOUT,
        refuse: Optional[Callable[[str], NoReturn]] = None,
    ) -> None:
        super().__init__(
            seed=random.SystemRandom().randrange(2**32) if seed is None else seed, strict=strict,
            journal=Journal(journal_limit, journal_body_limit),
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
        found = routes.match(request.method, request.path)
        outcome = self._forward(request)  # a socket's upgrade goes through relay_socket instead
        if self.recorder is not None and not outcome.forward_failed:
            self.recorder.http(http_step(
                request.method, request.path, request.query,
                {**dict(request.headers), **({"Authorization": request.authorization} if request.authorization else {})},
                _body_bytes(request), outcome.status, outcome.head(), outcome.raw or b""))
        sent = {name.lower(): value for name, value in request.headers}
        if is_preflight(request.method, sent.get("origin"), "access-control-request-method" in sent):
            return outcome  # the service answers a page's preflight; it is not a request of the app's
        self._record(request, found, outcome, door=door, key_type=_key_type(request.authorization, outcome.status))
        if found.endpoint == "create_space" and outcome.status == 200 and isinstance(outcome.body, dict):
            self._remember_space(request, outcome.body)
        return outcome

    def _forward(self, request: api.ApiRequest) -> Outcome:
        path = request.path + (f"?{request.query}" if request.query else "")
        try:
            reply = forward(
                self.base_url, request.method, path, authorization=request.authorization,
                body=_body_bytes(request), timeout=self.timeout, headers=end_to_end(request.headers),
            )
        except Unreachable as exc:  # too slow, too large, or not there: a 502 in JSON
            template = E.LIVE_ANSWER_TOO_LARGE if isinstance(exc, AnswerTooLarge) else E.LIVE_UNREACHABLE
            message = template.format(url=self.base_url, reason=exc)
            self.report_problem(message)
            return Outcome(502, {"error": message}, forward_failed=True)
        return _outcome(reply)

    def _now(self) -> float:
        return time.time()

    # -- signaling sockets ------------------------------------------------------

    async def relay_socket(self, path: str, query: str, headers: Sequence[tuple[str, str]],
                           receive: Callable[[], Awaitable[dict[str, Any]]], send: Callable[[dict[str, Any]], Awaitable[None]]) -> None:
        """Relay one signaling socket to the service (the loopback server
        calls it for each upgrade): the handshake as the service answers it,
        then frames both ways and the close code and reason as sent, from
        either side. The handshake is journaled, its key redacted."""
        from websockets.asyncio.client import connect
        from websockets.exceptions import ConnectionClosed, InvalidHandshake, InvalidStatus

        url = "ws" + self.base_url[len("http"):] + path + (f"?{query}" if query else "")
        request = api.ApiRequest("GET", path, query, None, api.NO_BODY, self.base_url, websocket=True, headers=tuple(headers))
        forwarded = {k: v for k, v in end_to_end(headers).items() if k.lower() not in SOCKET_HANDSHAKE}
        kept: dict[str, Any] = {"frame": None, "close": None, "refused": None}  # for the cassette
        try:
            upstream = await connect(url, additional_headers=forwarded, open_timeout=self.timeout, ping_interval=None,
                                     max_size=None, compression=None)
        except InvalidStatus as refusal:  # the service refused the upgrade: the client gets its answer
            answer = refusal.response
            refused_body = bytes(answer.body or b"")
            if self.recorder is not None:
                self.recorder.socket(path, query, dict(headers), {**kept, "refused": answer.status_code})
            self._journal_socket(request, Outcome(answer.status_code, _json_object(refused_body), raw=refused_body))
            await send({"type": "websocket.http.response.start", "status": answer.status_code,
                        "headers": [(k.lower().encode(), v.encode("latin-1")) for k, v in answer.headers.raw_items()
                                    if k.lower() not in HOP_BY_HOP]})
            await send({"type": "websocket.http.response.body", "body": refused_body})
            return
        except (OSError, TimeoutError, InvalidHandshake) as exc:
            message = E.LIVE_UNREACHABLE.format(url=self.base_url, reason=str(exc) or type(exc).__name__)
            self.report_problem(message)
            self._journal_socket(request, Outcome(502, {"error": message}))
            await send({"type": "websocket.http.response.start", "status": 502, "headers": [(b"content-type", b"application/json")]})
            await send({"type": "websocket.http.response.body", "body": json.dumps({"error": message}).encode()})
            return
        self._journal_socket(request, Outcome(101, None))
        index = None if self.recorder is None else self.recorder.socket(path, query, dict(headers), kept)
        await send({"type": "websocket.accept"})

        async def client_to_service() -> None:
            while True:
                message = await receive()
                if message["type"] != "websocket.receive":  # the client closed, or left
                    if kept["close"] is None:
                        kept["client closed"] = True
                        if self.recorder is not None and index is not None:
                            self.recorder.closed(index)
                    code = message.get("code", 1000)
                    await upstream.close(code if code in SENDABLE_CLOSE or 3000 <= code < 5000 else 1000, message.get("reason") or "")
                    return
                await upstream.send(message["text"] if message.get("text") is not None else message.get("bytes") or b"")

        async def service_to_client() -> None:
            try:
                async for frame in upstream:
                    if kept["frame"] is None:
                        kept["frame"] = _json_object(frame.encode() if isinstance(frame, str) else frame)
                    await send({"type": "websocket.send", **({"text": frame} if isinstance(frame, str) else {"bytes": frame})})
            except ConnectionClosed:
                pass
            received = upstream.close_code if upstream.close_code is not None else 1006
            if not kept.pop("client closed", False):  # the service closed it: the cassette keeps how
                kept["close"] = [received, upstream.close_reason or ""]
            code = received if received in SENDABLE_CLOSE or 3000 <= received < 5000 else 1011
            await send({"type": "websocket.close", "code": code, "reason": upstream.close_reason or ""})

        relays = [asyncio.ensure_future(client_to_service()), asyncio.ensure_future(service_to_client())]
        try:
            await asyncio.wait(relays, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for relay in relays:
                relay.cancel()
            await asyncio.gather(*relays, return_exceptions=True)
            await upstream.close()

    def _journal_socket(self, request: api.ApiRequest, outcome: Outcome) -> None:
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
        deleted is fine). A space that could not be deleted is a problem:
        strict mode fails the test, naming it."""
        with self._spaces_lock:
            made, self._spaces_made = self._spaces_made, []
        for path, authorization in made:
            try:
                reply = forward(self.base_url, "DELETE", path, authorization=authorization, timeout=self.timeout)
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


def _body_bytes(request: api.ApiRequest) -> Optional[bytes]:
    if request.raw_body is not None:
        return request.raw_body or None
    if request.body is api.NO_BODY or request.body is api.INVALID_JSON:
        return None
    return json.dumps(request.body).encode()


#: Headers that belong to one connection, not to the message (RFC 9110
#: 7.6.1), and those the forwarder sets itself: never passed on.
HOP_BY_HOP = frozenset({
    "connection", "keep-alive", "proxy-connection", "te", "transfer-encoding", "upgrade", "trailer",
    "proxy-authenticate", "proxy-authorization", "host", "content-length",
    # answers come back as the service encoded them: ask for them plain, so the journal can read them
    "accept-encoding",
})


#: What a WebSocket client sets itself on a handshake: the relay's own.
SOCKET_HANDSHAKE = frozenset({"sec-websocket-key", "sec-websocket-version", "sec-websocket-extensions", "sec-websocket-protocol"})
#: Close codes an endpoint may send (RFC 6455 7.4.1; 1005, 1006, 1015 are only ever reported).
SENDABLE_CLOSE = frozenset({1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 1012, 1013, 1014})


def _json_object(raw: Optional[bytes]) -> Optional[dict[str, Any]]:
    try:
        value = json.loads(raw or b"")
    except ValueError:
        return None
    return value if isinstance(value, dict) else None


def end_to_end(headers: Sequence[tuple[str, str]]) -> dict[str, str]:
    """``headers`` without the hop-by-hop ones (and those ``Connection`` names)."""
    named = {token.strip().lower() for name, value in headers if name.lower() == "connection" for token in value.split(",")}
    kept: dict[str, str] = {}
    for name, value in headers:
        lowered = name.lower()
        if lowered in HOP_BY_HOP or lowered in named:
            continue
        kept[name] = f"{kept[name]}, {value}" if name in kept else value
    return kept


def _outcome(reply: Reply) -> Outcome:
    """A forwarded answer as the service sent it: status, the body byte for
    byte, its end-to-end headers (``Content-Type``, ``Retry-After``, CORS);
    JSON objects are read for the journal too."""
    body = reply.json
    return Outcome(reply.status, body if isinstance(body, dict) else None, raw=reply.raw, headers=end_to_end(reply.headers))


def _key_type(authorization: Optional[str], status: int) -> Optional[str]:
    """The kind of key that was accepted (the service said anything but 401)."""
    key = api.bearer(authorization)
    if key is None or status == 401:
        return None
    if key.startswith(SECRET_KEY_PREFIX):
        return "secret"
    return "public" if key.startswith(PUBLIC_KEY_PREFIX) else None

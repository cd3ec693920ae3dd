"""The loopback server's one request pipeline: admit, dispatch, encode.

Every HTTP request the server answers, on either delivery path of
:mod:`.protocols` (written at once, or through uvicorn's request cycle when
it must be awaited), passes :meth:`Pipeline.admit` (a CORS preflight, the
control plane's guard, the ``Host`` an answer's URLs are built on), then
the fake's dispatch, then :meth:`Pipeline.encode` (status, headers, body;
CORS; the body left out for ``HEAD``). The rules of the head itself
(``Host``, header syntax, framing, limits) were decided before, once, by
:func:`.http_rules.read_head`. Nothing here does I/O: the delivery paths
write, wait and drop.
"""

from __future__ import annotations

from functools import lru_cache
from http import HTTPStatus
from typing import TYPE_CHECKING, Any, Callable, Optional, Protocol, Union

from .. import errors as E
from ..api.app import ApiRequest, Outcome, parse_body
from ..controls.browser import is_preflight
from ..controls.control_plane import PREFIX as CONTROL_PREFIX
from .asgi_io import audience_of, first_of_each, text_of
from .http_rules import Refusal
from .json_bytes import json_bytes

if TYPE_CHECKING:
    from .contract import Served


class ServedState(Protocol):
    """What the pipeline reads of the server (:class:`~.asgi.ServedApp`)."""

    @property
    def target(self) -> Optional[Served]: ...
    @property
    def host(self) -> str: ...

_JSON = (b"content-type", b"application/json")
_JSON_HEAD = _JSON[0] + b": " + _JSON[1] + b"\r\ncontent-length: "  # most answers' head, less the length
_CLOSE = (b"connection", b"close")


class Answer:
    """One answer, decided: what a delivery path sends (after ``delay``
    seconds of real time), or that it closes the connection unanswered (``drop``)."""

    __slots__ = ("status", "extra", "payload", "head_only", "delay", "drop")

    def __init__(self, status: int, payload: bytes, extra: Optional[list[tuple[bytes, bytes]]] = None, *,
                 head_only: bool = False, delay: float = 0.0, drop: bool = False) -> None:
        self.status = status
        self.payload = payload
        #: Headers beyond the type and length (CORS, ``Allow``, an HTML page's type, a fault's own).
        self.extra = extra
        #: A ``HEAD`` answer: the headers of the ``GET``, no body.
        self.head_only = head_only
        self.delay = delay
        self.drop = drop

    @property
    def bodiless(self) -> bool:
        """204 and 304 carry no body and no length (RFC 9110 8.6, 15.3.5)."""
        return self.status in (204, 304)

    def headers(self, close: bool) -> list[tuple[bytes, bytes]]:
        """The answer's headers: JSON unless it names its own type, the
        length of its body (a ``HEAD``: of the ``GET``'s), and ``close``."""
        extra = self.extra or []
        if self.bodiless:
            headers = list(extra)
        else:
            content_type = [] if any(name == b"content-type" for name, _ in extra) else [_JSON]
            headers = content_type + [(b"content-length", str(len(self.payload)).encode())] + extra
        if close:  # the body may be unread: what follows is not parsed as a request
            headers.append(_CLOSE)
        return headers

    def body(self) -> bytes:
        return b"" if self.head_only or self.bodiless else self.payload

    def wire(self, close: bool) -> bytes:
        """The whole answer as HTTP/1.1 bytes, for the path that writes at once."""
        payload = self.body()
        if not self.extra and not close and not self.bodiless:  # most answers: JSON, kept alive
            return b"".join((_status_line(self.status), _JSON_HEAD, str(len(self.payload)).encode(), b"\r\n\r\n", payload))
        parts = [_status_line(self.status)]
        for name, value in self.headers(close):
            parts += [name, b": ", value, b"\r\n"]
        parts += [b"\r\n", payload]
        return b"".join(parts)


def refusal(status: int, message: str) -> Answer:
    """An error the server decides on its own (a limit, the control plane's guard)."""
    return Answer(status, json_bytes({"error": message}))


@lru_cache(maxsize=None)
def _status_line(status: int) -> bytes:
    try:
        phrase = HTTPStatus(status).phrase
    except ValueError:  # a status no standard names (a fault may answer any)
        phrase = ""
    return f"HTTP/1.1 {status} {phrase}\r\n".encode()


def guard_control(method: str, headers: dict[bytes, bytes], host_allowed: bool, token_ok: bool,
                  origin_allowed: Callable[[str], bool]) -> Optional[Refusal]:
    """The control plane's guard against web pages (radist-api.md 6.6) and,
    with a control token, against anyone without it.

    Browsers send ``Origin`` with every request that changes state, so the
    rules for pages apply to requests that carry one: the page must be the
    dashboard's own origin or an allowed control origin, and send JSON (a
    cross-origin "simple" POST cannot). A client without ``Origin`` (curl,
    an SDK's plain HTTP client) needs no Content-Type for a body-less request."""
    if not host_allowed:
        return 403, E.HOST_NOT_ALLOWED
    if not token_ok:
        return 401, E.CONTROL_TOKEN_NEEDED
    origin = text_of(headers.get(b"origin"))
    if method in ("GET", "HEAD") or origin is None:
        return None
    if not origin_allowed(origin):
        return 403, E.CONTROL_ORIGIN_REFUSED.format(origin=origin)
    content_type = headers.get(b"content-type", b"").split(b";")[0].strip().lower()
    if content_type != b"application/json":
        return 415, E.CONTROL_NEEDS_JSON
    return None


class Pipeline:
    """Admit, dispatch, encode: the one routine of every HTTP request the
    loopback server answers (see the module's docstring)."""

    def __init__(self, served: ServedState, default_host: str) -> None:
        self.served = served
        #: ``host:port`` the server was started on: the base of answers' URLs when a client names no Host.
        self.default_host = default_host

    def admit(self, method: str, path: str, query: bytes, raw_headers: list[tuple[bytes, bytes]], host: Optional[bytes],
              body: bytes) -> Union[Answer, ApiRequest]:
        """The request for the fake's dispatch, or the answer that stands in
        for it (no fake, a CORS preflight, the control plane's guard).
        ``host`` is the Host header :func:`.http_rules.read_head` accepted."""
        fake = self.served.target
        if fake is None:
            return refusal(503, E.NO_FAKE_ATTACHED)
        headers = first_of_each(raw_headers)
        origin = text_of(headers.get(b"origin"))
        policy = fake.browser
        host_text = host.decode("ascii") if host else None
        host_allowed = policy.host_allowed(host_text, self.served.host)
        if origin is not None and not fake.live and is_preflight(method, origin, b"access-control-request-method" in headers):
            return self._preflight(fake, path, origin, text_of(headers[b"access-control-request-method"]) or "")
        if path.startswith(CONTROL_PREFIX):
            guard = guard_control(method, headers, host_allowed, policy.control_token_matches(text_of(headers.get(b"authorization"))),
                                  lambda page: page.rstrip("/") == f"http://{host_text}" or policy.origin_allowed(page, "control"))
            if guard is not None:
                return refusal(*guard)
        authorization = headers.get(b"authorization")
        return ApiRequest(
            method=method, path=path, query=query.decode("latin-1"),
            authorization=None if authorization is None else authorization.decode("latin-1"),
            body=parse_body(body), base_url=f"http://{host_text if host_text and host_allowed else self.default_host}",
            body_size=len(body), raw_body=body,
            # only a forwarder needs every header: the fake reads none
            headers=tuple((n.decode("latin-1"), v.decode("latin-1")) for n, v in raw_headers) if fake.live else (),
        )

    def dispatch(self, fake: Served, request: ApiRequest) -> Outcome:
        """The fake's answer (in process: live mode's forward is awaited off the loop by the caller)."""
        try:
            return fake.dispatch(request, door="http")
        except Exception as exc:  # a bug of the fake; never a bare traceback page
            return self.bug(exc)

    def bug(self, exc: BaseException) -> Outcome:
        """A bug of the server's own code: a 500 in the envelope, and a problem of the fake."""
        message = E.DOOR_INTERNAL_ERROR.format(kind=type(exc).__name__, error=exc)
        fake = self.served.target
        if fake is not None:
            fake.report_problem(message)
        return Outcome(500, {"error": f"pytest-radist fake: {message}"})

    def encode(self, request: ApiRequest, outcome: Outcome, origin: Optional[bytes]) -> Answer:
        """The answer to send for a dispatched request: JSON (or the
        outcome's own bytes), CORS, the outcome's own headers; for ``HEAD``, no body."""
        fake = self.served.target
        extra: list[tuple[bytes, bytes]] = []
        if fake is not None and not fake.live:
            audience = audience_of(request.method, request.path)
            if audience is not None:
                extra = fake.browser.cors_headers(text_of(origin), audience)
        if outcome.headers:
            extra += [(name.lower().encode(), value.encode("latin-1")) for name, value in outcome.headers.items()]
        try:
            payload = outcome.raw if outcome.raw is not None else json_bytes(outcome.body)
        except Exception as exc:  # an answer that is not JSON: a bug of the fake, answered and reported
            return self.encode(request, self.bug(exc), origin)
        return Answer(outcome.status, payload, extra or None, head_only=request.method == "HEAD",
                      delay=outcome.delay, drop=outcome.drop)

    def answer(self, method: str, path: str, query: bytes, raw_headers: list[tuple[bytes, bytes]], host: Optional[bytes],
               body: bytes) -> Answer:
        """Admit, dispatch and encode a request of a fake that answers in process (not live)."""
        admitted = self.admit(method, path, query, raw_headers, host, body)
        if isinstance(admitted, Answer):
            return admitted
        fake = self.served.target
        assert fake is not None  # admit answered 503 otherwise
        return self.encode(admitted, self.dispatch(fake, admitted), first_of_each(raw_headers).get(b"origin"))

    @staticmethod
    def _preflight(fake: Served, path: str, origin: str, method: str) -> Answer:
        """A CORS preflight: answered here, never journaled (radist-api.md 6.5)."""
        audience = audience_of(method.upper(), path)
        if audience is None or not fake.browser.origin_allowed(origin, audience):
            return refusal(403, E.SECRET_CORS if audience == "secret" else E.ORIGIN_NOT_ALLOWED)
        return Answer(204, b"", fake.browser.preflight_headers(origin, audience))


__all__ = ["Answer", "Pipeline", "guard_control", "refusal"]

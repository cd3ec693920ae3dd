"""The two sides a conformance run compares, and one run's view of a side.

Both sides are spoken to alike, over HTTP and WebSockets: the target at its
base URL, and a fresh fake holding the target's project id and keys, served
on a loopback server of its own (:class:`FakeSide`), so that headers (CORS,
``Allow``) and sockets are compared as a client sees them. A
:class:`Session` is one side during one run: it fills in the project and
keys, makes the few objects the checks share (calls, a room, spaces) once,
remembers every token it was given (freshness), records every exchange
(``--record``) and deletes the spaces it made at the end.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field as dataclass_field
from typing import Any, Callable, Mapping, Optional, Union
from urllib.parse import quote, urlencode

from ..remote import Connections, Reply, Unreachable, forward
from ..live import LiveCredentials
from ..fidelity.answers import field
from ..fidelity.sockets import SocketProbe

API = "/api/v1"
#: A request body: a JSON value, raw bytes as they are, or nothing.
Body = Union[dict[str, Any], list[Any], str, int, bytes, None]


class Side:
    """Something at a base URL that answers like Radist: the target."""

    name = "target"

    def __init__(self, base_url: str, timeout: float) -> None:
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        #: One connection kept alive for the run (against the real service: one TLS handshake, not one per check).
        self.connections = Connections(keep=1)

    def send(self, method: str, path_and_query: str, authorization: Optional[str], body: Optional[bytes],
             headers: Optional[Mapping[str, str]] = None) -> Reply:
        return forward(self.base_url, method, path_and_query, authorization=authorization, body=body,
                       timeout=self.timeout, headers=headers, connections=self.connections)

    def socket(self, path_and_query: str, headers: Optional[Mapping[str, str]] = None,
               on_close: Optional[Callable[[], None]] = None) -> SocketProbe:
        return SocketProbe("ws" + self.base_url[len("http"):] + path_and_query, self.timeout, headers, on_close)

    def wait(self, seconds: float) -> None:
        """Let ``seconds`` pass on the side's clock (the target's: real time)."""
        time.sleep(seconds)

    def close(self) -> None:
        self.connections.close_idle()


class FakeSide(Side):
    """A fresh fake holding the target's project id and keys, on a loopback
    server of its own; its clock moves when a check waits."""

    name = "fake"

    def __init__(self, credentials: LiveCredentials, timeout: float, *, seed: int = 0,
                 connection_limit: Optional[int] = None, token_ttl: Optional[float] = 3600.0) -> None:
        from ..fake import RadistFake

        self.fake = RadistFake(
            seed=seed, project_id=credentials.project_id, secret_key=credentials.secret_key,
            public_key=credentials.public_key, strict=False, connection_limit=connection_limit, token_ttl=token_ttl,
        )
        super().__init__(self.fake.url, timeout)

    def wait(self, seconds: float) -> None:
        time.sleep(0.02)  # what the sockets' door has yet to do (a close) happens first
        self.fake.clock.advance(seconds)

    def close(self) -> None:
        super().close()
        self.fake.close()


@dataclass
class Exchange:
    """One thing a check did on a side, for ``--record``: a request and what
    came back, a socket opened (``socket``: what it received and how the
    server closed it), a socket closed by the check (``closed``: its index),
    or a wait (``waited`` seconds)."""

    method: str = "GET"
    path: str = ""
    query: str = ""
    body: Optional[bytes] = None
    headers: dict[str, str] = dataclass_field(default_factory=dict)
    reply: Optional[Reply] = None
    socket: Optional[dict[str, Any]] = None
    closed: Optional[int] = None
    waited: Optional[float] = None


@dataclass
class Session:
    """One side during one run: requests with the run's credentials, and
    the objects the checks share, each made once."""

    side: Side
    credentials: LiveCredentials
    #: Shared by both sides of a run, unique to it: names and slugs use it.
    nonce: str
    #: What the run was asked for beyond the defaults (``connection_limit_calls``, ``token_ttl``).
    options: dict[str, Any] = dataclass_field(default_factory=dict)
    requests: int = 0
    made: dict[str, int] = dataclass_field(default_factory=lambda: {"calls": 0, "rooms": 0, "spaces": 0})
    #: Every participant and host token an answer carried, in order (freshness).
    tokens_seen: list[str] = dataclass_field(default_factory=list)
    #: The exchanges of the check running now (``--record``).
    exchanges: list[Exchange] = dataclass_field(default_factory=list)
    _shared: dict[str, Any] = dataclass_field(default_factory=dict)
    _spaces: list[str] = dataclass_field(default_factory=list)
    _sockets: list[SocketProbe] = dataclass_field(default_factory=list)

    @property
    def secret(self) -> str:
        return f"Bearer {self.credentials.secret_key}"

    @property
    def public(self) -> str:
        return f"Bearer {self.credentials.public_key}"

    def project_path(self, rest: str = "") -> str:
        return f"/projects/{quote(self.credentials.project_id, safe='')}{rest}"

    def send(self, method: str, path: str, *, auth: Optional[str] = "secret", body: Body = None, query: str = "",
             headers: Optional[Mapping[str, str]] = None) -> Reply:
        """``path`` under ``/api/v1``; ``auth`` is ``"secret"``, ``"public"``,
        ``None`` or a whole ``Authorization`` value; a ``body`` that is not
        bytes is sent as JSON."""
        authorization = {"secret": self.secret, "public": self.public}.get(auth, auth) if auth else None
        raw = body if isinstance(body, bytes) or body is None else json.dumps(body).encode()
        self.requests += 1
        path_and_query = API + path + (f"?{query}" if query else "")
        reply = self.side.send(method, path_and_query, authorization, raw, headers)
        sent = {**({"Authorization": authorization} if authorization else {}), **(headers or {})}
        self.exchanges.append(Exchange(method, API + path, query, raw, sent, reply))
        self._remember_tokens(reply.json)
        return reply

    def _remember_tokens(self, value: Any) -> None:
        if isinstance(value, dict):
            for item in value.values():
                self._remember_tokens(item)
        elif isinstance(value, list):
            for item in value:
                self._remember_tokens(item)
        elif isinstance(value, str) and value.startswith(("ct_", "ht_")):
            self.tokens_seen.append(value)

    def fresh(self, token: Any) -> bool:
        """Whether ``token`` was given once only so far (the answer that
        carried it is the one remembered)."""
        return isinstance(token, str) and self.tokens_seen.count(token) == 1

    # -- sockets -----------------------------------------------------------------

    def connect(self, kind: str = "p2p", **parameters: str) -> SocketProbe:
        """Open a signaling socket (``p2p`` or ``room``) with the public key
        and ``parameters``; it is closed at the end of the check."""
        path = "/p2p/signaling/ws" if kind == "p2p" else "/rooms/signaling/ws"
        query = urlencode({"publicKey": self.credentials.public_key, **parameters})
        self.requests += 1
        index = len(self._sockets)
        probe = self.side.socket(API + path + "?" + query, on_close=lambda: self.exchanges.append(Exchange(closed=index)))
        self._sockets.append(probe)
        self.exchanges.append(Exchange("GET", API + path, query, socket=probe.record))
        return probe

    def close_sockets(self) -> None:
        for probe in self._sockets:
            probe.close()
        self._sockets = []

    def wait(self, seconds: float) -> None:
        self.exchanges.append(Exchange(waited=seconds))
        self.side.wait(seconds)

    def until(self, condition: Callable[[], Any], seconds: float, step: float = 0.5) -> Any:
        """``condition()``'s first truthy value within ``seconds`` of the
        side's time (the fake's clock moves instead of the wall's), else its
        last value."""
        waited = 0.0
        while True:
            value = condition()
            if value or waited >= seconds:
                return value
            self.wait(step)
            waited += step

    # -- shared objects --------------------------------------------------------

    def once(self, key: str, make: Callable[[], Any], kind: Optional[str] = None) -> Any:
        """``make()``'s result, asked for once per run; a ``kind`` of object
        it made is counted if it succeeded."""
        if key not in self._shared:
            result = make()
            self._shared[key] = result
            if kind is not None and isinstance(result, Reply) and result.status == 200:
                self.made[kind] += 1
        return self._shared[key]

    def new_call(self, access_control: Optional[str] = None) -> Reply:
        """A new call (counted), private unless ``access_control`` says."""
        body = None if access_control is None else {"accessControl": access_control}
        reply = self.send("POST", self.project_path("/calls"), body=body)
        if reply.status == 200:
            self.made["calls"] += 1
        return reply

    def private_call(self) -> Reply:
        """``create_call`` with no body (private by default), once a run."""
        return self.once("private_call", lambda: self.new_call())  # type: ignore[no-any-return]

    def public_call(self) -> Reply:
        return self.once("public_call", lambda: self.new_call("public"))  # type: ignore[no-any-return]

    def room(self) -> Reply:
        return self.once("room", lambda: self.send("POST", self.project_path("/rooms")), "rooms")  # type: ignore[no-any-return]

    def space(self, key: str, body: dict[str, Any]) -> Reply:
        """A space made once per ``key``, deleted by :meth:`clean_up`."""
        def make() -> Reply:
            reply = self.send("POST", self.project_path("/spaces"), body=body)
            space_id = field(reply, "space", "id")
            if isinstance(space_id, str):
                self._spaces.append(space_id)
            return reply

        return self.once(f"space:{key}", make, "spaces")  # type: ignore[no-any-return]

    def adopt_space(self, reply: Reply) -> None:
        """A space some request made (a lenient target): counted, deleted at the end."""
        space_id = field(reply, "space", "id")
        if isinstance(space_id, str) and space_id not in self._spaces:
            self._spaces.append(space_id)
            self.made["spaces"] += 1

    def forget_space(self, space_id: str) -> None:
        """A check deleted it itself."""
        if space_id in self._spaces:
            self._spaces.remove(space_id)

    def clean_up(self) -> list[str]:
        """Close the sockets, delete the spaces made; returns the ids that could not be."""
        self.close_sockets()
        left = []
        for space_id in self._spaces:
            try:
                reply = self.send("DELETE", self.project_path(f"/spaces/{quote(space_id, safe='')}"))
            except Unreachable:
                left.append(space_id)
                continue
            if reply.status not in (200, 404):
                left.append(space_id)
        self._spaces = []
        return left


__all__ = ["API", "Body", "Exchange", "FakeSide", "Session", "Side", "field"]

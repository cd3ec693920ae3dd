"""The two sides a conformance run compares, and one run's view of a side.

A :class:`Side` sends one HTTP request and returns the reply: the target
over the network (:class:`TargetSide`), or an in-process fake
(:class:`FakeSide`). A :class:`Session` is one side during one run: it
fills in the project and keys, makes the few objects the checks share
(a private and a public call, a room, spaces) once, and remembers the
spaces so that they are deleted at the end.
"""

from __future__ import annotations

import json
from typing import Any, Callable, Optional, Protocol, Union
from urllib.parse import quote

from ..api.app import ApiRequest, parse_body
from ..doors.forward import Reply, Unreachable, forward
from ..live import LiveCredentials

API = "/api/v1"
#: A request body: a JSON value, raw bytes as they are, or nothing.
Body = Union[dict[str, Any], list[Any], bytes, None]


class Side(Protocol):
    name: str

    def send(self, method: str, path_and_query: str, authorization: Optional[str], body: Optional[bytes]) -> Reply: ...


class TargetSide:
    """The service under test, over HTTP."""

    name = "target"

    def __init__(self, base_url: str, timeout: float) -> None:
        self.base_url = base_url
        self.timeout = timeout

    def send(self, method: str, path_and_query: str, authorization: Optional[str], body: Optional[bytes]) -> Reply:
        return forward(self.base_url, method, path_and_query, authorization=authorization, body=body, timeout=self.timeout)


class FakeSide:
    """A fresh in-process fake holding the target's project id and keys."""

    name = "fake"

    def __init__(self, credentials: LiveCredentials, seed: int = 0) -> None:
        from ..fake import RadistFake

        self.fake = RadistFake(
            seed=seed, project_id=credentials.project_id, secret_key=credentials.secret_key,
            public_key=credentials.public_key, strict=False,
        )

    def send(self, method: str, path_and_query: str, authorization: Optional[str], body: Optional[bytes]) -> Reply:
        path, _, query = path_and_query.partition("?")
        request = ApiRequest(
            method, path, query, authorization, parse_body(body), "http://radist-fake.invalid",
            body_size=len(body or b""), raw_body=body,
        )
        outcome = self.fake.dispatch(request, door="verify")
        raw = outcome.raw if outcome.raw is not None else json.dumps(outcome.body).encode()
        return Reply(outcome.status, outcome.headers.get("Content-Type", "application/json"), raw)


class Session:
    """One side during one run: requests with the run's credentials, and
    the objects the checks share, each made once."""

    def __init__(self, side: Side, credentials: LiveCredentials, nonce: str) -> None:
        self.side = side
        self.credentials = credentials
        #: Shared by both sides of a run, unique to it: names and slugs use it.
        self.nonce = nonce
        self.requests = 0
        self.made: dict[str, int] = {"calls": 0, "rooms": 0, "spaces": 0}
        self._shared: dict[str, Reply] = {}
        self._spaces: list[str] = []

    @property
    def secret(self) -> str:
        return f"Bearer {self.credentials.secret_key}"

    @property
    def public(self) -> str:
        return f"Bearer {self.credentials.public_key}"

    def project_path(self, rest: str = "") -> str:
        return f"/projects/{quote(self.credentials.project_id, safe='')}{rest}"

    def send(self, method: str, path: str, *, auth: Optional[str] = "secret", body: Body = None, query: str = "") -> Reply:
        """``path`` under ``/api/v1``; ``auth`` is ``"secret"``, ``"public"``,
        ``None`` or a whole ``Authorization`` value."""
        authorization = {"secret": self.secret, "public": self.public}.get(auth, auth) if auth else None
        raw = body if isinstance(body, bytes) or body is None else json.dumps(body).encode()
        self.requests += 1
        return self.side.send(method, API + path + (f"?{query}" if query else ""), authorization, raw)

    # -- shared objects --------------------------------------------------------

    def once(self, key: str, make: Callable[[], Reply], kind: Optional[str] = None) -> Reply:
        """``make()``'s reply, asked for once per run; a ``kind`` of object
        it made is counted if it succeeded."""
        if key not in self._shared:
            reply = make()
            self._shared[key] = reply
            if kind is not None and reply.status == 200:
                self.made[kind] += 1
        return self._shared[key]

    def private_call(self) -> Reply:
        """``create_call`` with no body (private by default)."""
        return self.once("private_call", lambda: self.send("POST", self.project_path("/calls")), "calls")

    def public_call(self) -> Reply:
        return self.once("public_call", lambda: self.send("POST", self.project_path("/calls"), body={"accessControl": "public"}), "calls")

    def room(self) -> Reply:
        return self.once("room", lambda: self.send("POST", self.project_path("/rooms")), "rooms")

    def space(self, key: str, body: dict[str, Any]) -> Reply:
        """A space made once per ``key``, deleted by :meth:`clean_up`."""
        def make() -> Reply:
            reply = self.send("POST", self.project_path("/spaces"), body=body)
            space_id = field(reply, "space", "id")
            if isinstance(space_id, str):
                self._spaces.append(space_id)
            return reply

        return self.once(f"space:{key}", make, "spaces")

    def forget_space(self, space_id: str) -> None:
        """A check deleted it itself."""
        if space_id in self._spaces:
            self._spaces.remove(space_id)

    def clean_up(self) -> list[str]:
        """Delete the spaces made; returns the ids that could not be."""
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


def field(reply: Reply, *path: Union[str, int]) -> Any:
    """A value inside a reply's JSON body, or ``None`` if it is not there."""
    value: Any = reply.json
    for step in path:
        if isinstance(step, int):
            value = value[step] if isinstance(value, list) and -len(value) <= step < len(value) else None
        else:
            value = value.get(step) if isinstance(value, dict) else None
    return value

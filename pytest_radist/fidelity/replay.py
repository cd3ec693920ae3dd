"""Replaying cassettes against a fresh fake: what would the fake have
answered, step by step, where the service answered as recorded?"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Optional
from urllib.parse import parse_qsl, quote, unquote, urlencode

from ..remote import Unreachable, forward
from .cassettes import Cassette, answer_headers, http_step
from .names import Namer
from .sockets import SocketProbe

#: Seconds a replayed socket is given to answer (a frame, a close).
SOCKET_WAIT = 2.0


@dataclass(frozen=True)
class Difference:
    """Where the fake answered otherwise than the cassette recorded."""

    step: int
    request: str
    field: str
    recorded: Any
    fake: Any

    def __str__(self) -> str:
        return (f"step {self.step} {self.request}: {self.field}: recorded {_shown(self.recorded)}, "
                f"fake {_shown(self.fake)}")


def _shown(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


def _path(recorded: str, namer: Namer) -> str:
    return "/".join(quote(unquote(str(namer.concrete(segment))), safe="") if segment else segment
                    for segment in recorded.split("/"))


def _query(recorded: str, namer: Namer) -> str:
    return urlencode([(k, str(namer.concrete(v))) for k, v in parse_qsl(recorded, keep_blank_values=True)])


def replay(cassette: Cassette, *, timeout: float = 10.0) -> list[Difference]:
    """Send a cassette's requests, in order, to a fresh fake (on a loopback
    server of its own) and compare its answers with the recorded ones."""
    from ..fake import RadistFake

    try:
        fake = RadistFake(seed=0, strict=False, **cassette.fake)
    except ValueError as exc:  # a hand-written setting the fake refuses
        return [Difference(0, "the cassette's fake settings", "fake", cassette.fake, f"refused: {exc}")]
    sockets: list[SocketProbe] = []
    differences: list[Difference] = []
    try:
        namer = Namer({fake.project.id: "<project>", fake.project.secret_key: "<secret key>",
                       fake.project.public_key: "<public key>"}, [fake.url])
        for number, step in enumerate(cassette.steps, 1):
            if "close" in step:
                if 0 <= step["close"] < len(sockets):
                    _close(fake, sockets[step["close"]])
                continue
            if "wait" in step:  # time passed on the service: it passes on the fake's clock
                fake.clock.advance(float(step["wait"]))
                continue
            request = step.get("request") or step.get("socket") or {}
            path, query = _path(request.get("path", "/"), namer), _query(request.get("query", ""), namer)
            headers = {k: str(v) for k, v in namer.concrete(request.get("headers", {})).items()}
            shown = f"{request.get('method', 'GET')} {request.get('path', '/')}" + (f"?{request['query']}" if request.get("query") else "")
            if "socket" in step:
                actual = _socket(fake.url, path, query, headers, step.get("answer", {}), sockets, namer, timeout)
            else:
                actual = _http(fake.url, request, path, query, headers, namer, timeout)
            shown = f"[{step['check']}] {shown}" if step.get("check") else shown
            differences += [Difference(number, shown, where, recorded, got)
                            for where, recorded, got in namer.match(step.get("answer"), actual)]
    finally:
        for probe in sockets:
            probe.close()
        fake.close()
    return differences


def _close(fake: Any, probe: SocketProbe) -> None:
    """Close a replayed socket, and let the fake see its peer go before the
    next step (the service had, when the cassette was recorded)."""
    frames = probe.record["frames"]
    peer = fake.peers.get(frames[0].get("peerId", "")) if frames else None
    probe.close()
    if peer is not None:
        try:
            fake.wait_until(lambda: not peer.connected, timeout=SOCKET_WAIT, what=f"{peer.id} to disconnect")
        except TimeoutError:
            pass  # the next step shows what the fake made of it


def _http(base: str, request: dict[str, Any], path: str, query: str, headers: dict[str, str], namer: Namer,
          timeout: float) -> dict[str, Any]:
    body = request.get("body")
    raw: Optional[bytes] = None
    if isinstance(body, dict) and "json" in body:
        raw = json.dumps(namer.concrete(body["json"])).encode()
    elif isinstance(body, dict) and "text" in body:
        raw = str(body["text"]).encode()
    authorization = headers.pop("authorization", None)
    try:
        reply = forward(base, request.get("method", "GET"), path + (f"?{query}" if query else ""),
                        authorization=authorization, body=raw, timeout=timeout, headers=headers)
    except Unreachable as exc:
        return {"status": f"<no answer: {exc}>"}
    step = http_step(request.get("method", "GET"), path, query, headers, raw, reply.status, reply.headers, reply.raw)
    return {"status": step.answer["status"], "headers": answer_headers(step.answer["headers"]), "body": step.answer["body"]}


def _socket(base: str, path: str, query: str, headers: dict[str, str], recorded: dict[str, Any],
            sockets: list[SocketProbe], namer: Namer, timeout: float) -> dict[str, Any]:
    probe = SocketProbe("ws" + base[len("http"):] + path + (f"?{query}" if query else ""), timeout, headers)
    sockets.append(probe)
    frame = probe.next(SOCKET_WAIT)
    close = probe.closes(SOCKET_WAIT) if recorded.get("close") is not None else None
    return {"frame": frame, "close": None if close is None else list(close), "refused": probe.record["refused"]}

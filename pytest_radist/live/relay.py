"""Live mode's signaling sockets: each relayed to the service, the
handshake as the service answers it, then frames both ways and the close
code and reason as sent, from either side."""

from __future__ import annotations

import asyncio
import json
from typing import TYPE_CHECKING, Any, Awaitable, Callable, Optional, Protocol, Sequence

from .. import errors as E
from ..api import app as api
from ..api.app import Outcome
from .wire import HOP_BY_HOP, SENDABLE_CLOSE, SOCKET_HANDSHAKE, end_to_end, json_object

if TYPE_CHECKING:
    from ..fidelity.cassettes import Recorder


class Relaying(Protocol):
    """What a relay needs of the live target it serves."""

    base_url: str
    timeout: float
    recorder: Optional[Recorder]

    def report_problem(self, message: str) -> None: ...
    def journal_socket(self, request: api.ApiRequest, outcome: Outcome) -> None: ...


async def relay(self: Relaying, path: str, query: str, headers: Sequence[tuple[str, str]],
                receive: Callable[[], Awaitable[dict[str, Any]]], send: Callable[[dict[str, Any]], Awaitable[None]]) -> None:
    """Relay one signaling socket of ``self``'s loopback server to the
    service; its handshake is journaled (key redacted) and, when recording,
    kept for the cassette."""
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
        self.journal_socket(request, Outcome(answer.status_code, json_object(refused_body), raw=refused_body))
        await send({"type": "websocket.http.response.start", "status": answer.status_code,
                    "headers": [(k.lower().encode(), v.encode("latin-1")) for k, v in answer.headers.raw_items()
                                if k.lower() not in HOP_BY_HOP]})
        await send({"type": "websocket.http.response.body", "body": refused_body})
        return
    except (OSError, TimeoutError, InvalidHandshake) as exc:
        message = E.LIVE_UNREACHABLE.format(url=self.base_url, reason=str(exc) or type(exc).__name__)
        self.report_problem(message)
        self.journal_socket(request, Outcome(502, {"error": message}))
        await send({"type": "websocket.http.response.start", "status": 502, "headers": [(b"content-type", b"application/json")]})
        await send({"type": "websocket.http.response.body", "body": json.dumps({"error": message}).encode()})
        return
    self.journal_socket(request, Outcome(101, None))
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
                    kept["frame"] = json_object(frame.encode() if isinstance(frame, str) else frame)
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

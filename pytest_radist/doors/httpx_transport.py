"""An httpx transport answering from the fake in process, sync and async.

    httpx.Client(transport=radist_fake.httpx_transport())
    httpx.AsyncClient(transport=radist_fake.httpx_transport())

One object serves both (like ``httpx.MockTransport``). Requests go through
:meth:`RadistFake.dispatch` like every other door. Faults become what httpx
raises for real: a dropped connection is ``httpx.RemoteProtocolError``,
latency past the request's read timeout is ``httpx.ReadTimeout``. On the
async path latency is awaited (``anyio.sleep``: asyncio and trio alike),
never slept on the event loop.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Optional

import anyio
import httpx

from ..api.app import ApiRequest, parse_body
from .json_bytes import json_bytes

if TYPE_CHECKING:
    from ..api.app import Outcome
    from .contract import Answers

_DROPPED = "Server disconnected without sending a response."


def _read_timeout(request: httpx.Request) -> Optional[float]:
    timeout = request.extensions.get("timeout") or {}
    value = timeout.get("read")
    return None if value is None else float(value)


class RadistHttpxTransport(httpx.BaseTransport, httpx.AsyncBaseTransport):
    """Answers httpx requests from a fake (or, in live mode, the forwarder)."""

    def __init__(self, fake: Answers) -> None:
        self._fake = fake

    def _dispatch(self, request: httpx.Request, content: bytes) -> Outcome:
        url = request.url  # already parsed by httpx: no need to print and split it again
        path, _, query = url.raw_path.decode("ascii").partition("?")
        api_request = ApiRequest(
            request.method, path, query, request.headers.get("authorization"), parse_body(content),
            f"{url.scheme}://{url.netloc.decode('ascii')}", body_size=len(content), raw_body=content,
            headers=tuple(request.headers.items()) if self._fake.live else (),  # only a forwarder sends them on
        )
        return self._fake.dispatch(api_request, door="httpx")

    def _wait(self, request: httpx.Request, outcome: Outcome) -> tuple[float, bool]:
        """Seconds to wait, and whether the client's read timeout fires first."""
        limit = _read_timeout(request)
        if limit is not None and outcome.delay > limit:
            return limit, True
        return outcome.delay, False

    def _respond(self, request: httpx.Request, outcome: Outcome, timed_out: bool) -> httpx.Response:
        if timed_out:
            raise httpx.ReadTimeout(f"radist fake: no answer within the read timeout (latency fault of {outcome.delay} s)", request=request)
        if outcome.drop:
            raise httpx.RemoteProtocolError(_DROPPED, request=request)
        content = outcome.raw if outcome.raw is not None else json_bytes(outcome.body)
        return httpx.Response(outcome.status, headers=outcome.head(), content=content, request=request)

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        outcome = self._dispatch(request, request.read())
        seconds, timed_out = self._wait(request, outcome)
        if seconds:
            time.sleep(seconds)
        return self._respond(request, outcome, timed_out)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        content = await request.aread()
        if self._fake.live:  # forwarding waits on the network: not on the caller's event loop
            outcome = await anyio.to_thread.run_sync(self._dispatch, request, content)
        else:
            outcome = self._dispatch(request, content)
        seconds, timed_out = self._wait(request, outcome)
        if seconds:
            await anyio.sleep(seconds)
        return self._respond(request, outcome, timed_out)

    def __repr__(self) -> str:
        return f"<RadistHttpxTransport of {self._fake!r}>"

"""Watching who is connected, and waiting for it without sleeping blindly.

The model emits a :class:`~pytest_radist.model.world.PresenceEvent` for every
join, leave and tombstone, from whichever thread made the change (a test, the
loopback server's loop). :class:`Presence` hands them to subscribers (the
signaling sockets' door) and wakes tests that wait for a state.
"""

from __future__ import annotations

import asyncio
import threading
import time
from typing import Any, Callable, NamedTuple, Union

from ..errors import WrongKind
from ..messages import ROOMS_NEVER_END
from ..model.entities import Call, Peer, Room
from ..model.world import PresenceEvent, World

#: How often a wait re-checks for changes that no event announces (the clock's).
POLL_SECONDS = 0.05


class Presence:
    """The presence events of one fake's worlds, and waits on them."""

    def __init__(self) -> None:
        self._listeners: list[Callable[[PresenceEvent], None]] = []
        self._changes = threading.Condition()
        self._count = 0

    def watch(self, world: World) -> None:
        world.listeners.append(self._heard)

    def unwatch(self, world: World) -> None:
        """Hear ``world`` no more (the fake moved on to another)."""
        if self._heard in world.listeners:
            world.listeners.remove(self._heard)

    def subscribe(self, listener: Callable[[PresenceEvent], None]) -> None:
        self._listeners.append(listener)

    def _heard(self, event: PresenceEvent) -> None:
        # called under the world's lock: a waiter never takes that lock while
        # holding ours (it evaluates its condition outside), so no deadlock
        with self._changes:
            self._count += 1
            self._changes.notify_all()
        for listener in list(self._listeners):
            listener(event)

    def wait_until(self, condition: Callable[[], Any], *, timeout: float, what: str) -> Any:
        """``condition()``'s first truthy value, re-checked on every event and
        every :data:`POLL_SECONDS`; ``TimeoutError`` naming ``what`` after
        ``timeout`` seconds."""
        __tracebackhide__ = True
        deadline = time.monotonic() + timeout
        while True:
            with self._changes:
                seen = self._count
            value = _look(condition, deadline - time.monotonic(), timeout, what)
            if value:
                return value
            remaining = deadline - time.monotonic()
            with self._changes:
                if self._count == seen:
                    self._changes.wait(min(remaining, POLL_SECONDS))

    async def wait_until_async(self, condition: Callable[[], Any], *, timeout: float, what: str) -> Any:
        """:meth:`wait_until` for a coroutine: the event loop goes on while it
        waits (the change may come from a request the same loop answers)."""
        __tracebackhide__ = True
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        heard = asyncio.Event()

        def wake(event: PresenceEvent) -> None:  # under the world's lock, on any thread
            try:
                loop.call_soon_threadsafe(heard.set)
            except RuntimeError:  # the loop closed as the wait ended: nobody to wake
                pass

        self._listeners.append(wake)
        try:
            while True:
                heard.clear()
                value = _look(condition, deadline - loop.time(), timeout, what)
                if value:
                    return value
                remaining = deadline - loop.time()
                try:
                    await asyncio.wait_for(heard.wait(), min(remaining, POLL_SECONDS))
                except asyncio.TimeoutError:
                    pass
        finally:
            self._listeners.remove(wake)

    def peers_wait(self, session: Union[Call, Room], count: int) -> Wait:
        """What waiting for ``count`` connected peers of ``session`` checks."""
        kind = type(session).__name__.lower()

        def connected() -> list[Peer]:
            peers = session.connected_peers
            return peers if len(peers) == count else []

        def explain() -> str:
            now = session.connected_peers
            return f"{len(now)} connected ({[p.id for p in now]})"

        return Wait(connected, f"{count} connected peer(s) in {kind} {session.id}", explain)

    def tombstone_wait(self, call: Union[Call, Room]) -> Wait:
        """What waiting for ``call`` to be tombstoned checks."""
        if not isinstance(call, Call):
            raise WrongKind(ROOMS_NEVER_END.format(room=call))
        return Wait(lambda: call if not call.live else None, f"call {call.id} to be tombstoned",
                    lambda: f"{len(call.connected_peers)} peer(s) still connected")

    def wait(self, wait: Wait, *, timeout: float) -> Any:
        __tracebackhide__ = True
        try:
            return self.wait_until(wait.condition, timeout=timeout, what=wait.what)
        except TimeoutError as exc:
            raise TimeoutError(f"{exc}: {wait.explain()}") from None

    async def wait_async(self, wait: Wait, *, timeout: float) -> Any:
        __tracebackhide__ = True
        try:
            return await self.wait_until_async(wait.condition, timeout=timeout, what=wait.what)
        except TimeoutError as exc:
            raise TimeoutError(f"{exc}: {wait.explain()}") from None


def _look(condition: Callable[[], Any], remaining: float, timeout: float, what: str) -> Any:
    """One look of a wait: the condition's value; ``TimeoutError`` naming
    ``what`` if it is falsy and no time remains."""
    __tracebackhide__ = True
    value = condition()
    if not value and remaining <= 0:
        raise TimeoutError(f"waited {timeout} s for {what}; it did not happen")
    return value


class Wait(NamedTuple):
    """A state a test waits for: its condition, named, and what is instead."""

    condition: Callable[[], Any]
    what: str
    explain: Callable[[], str]

"""Watching who is connected, and waiting for it without sleeping blindly.

The model emits a :class:`~pytest_radist.model.world.PresenceEvent` for every
join, leave and tombstone, from whichever thread made the change (a test, the
loopback server's loop). :class:`Presence` hands them to subscribers (the
signaling sockets' door) and wakes tests that wait for a state.
"""

from __future__ import annotations

import threading
import time
from typing import Any, Callable, Union

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
            value = condition()
            if value:
                return value
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError(f"waited {timeout} s for {what}; it did not happen")
            with self._changes:
                if self._count == seen:
                    self._changes.wait(min(remaining, POLL_SECONDS))

    def wait_for_peers(self, session: Union[Call, Room], count: int, *, timeout: float) -> list[Peer]:
        __tracebackhide__ = True
        kind = type(session).__name__.lower()

        def connected() -> list[Peer]:
            peers = session.connected_peers
            return peers if len(peers) == count else []

        try:
            peers: list[Peer] = self.wait_until(connected, timeout=timeout, what=f"{count} connected peer(s) in {kind} {session.id}")
        except TimeoutError as exc:
            now = session.connected_peers
            raise TimeoutError(f"{exc}: {len(now)} connected ({[p.id for p in now]})") from None
        return peers

    def wait_for_tombstone(self, call: Union[Call, Room], *, timeout: float) -> Call:
        __tracebackhide__ = True
        if not isinstance(call, Call):
            raise WrongKind(ROOMS_NEVER_END.format(room=call))
        try:
            self.wait_until(lambda: not call.live, timeout=timeout, what=f"call {call.id} to be tombstoned")
        except TimeoutError as exc:
            raise TimeoutError(f"{exc}: {len(call.connected_peers)} peer(s) still connected") from None
        return call

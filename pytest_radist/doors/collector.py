"""The garbage collector of a long-running ``radist-fake``: short pauses
whatever the state holds.

A full collection walks every object the process holds. The fake's state
only grows (a call is tombstoned, never dropped): with 100,000 calls that
is about half a million objects, and a pause of 100 to 160 ms during which
no request is answered, once every few seconds under load. So what survives
a full collection is frozen (:func:`gc.freeze`): the next ones walk only
what came since, and stay short.

Frozen objects are never collected. What was alive when frozen and later
became garbage in a reference cycle (a closed connection, the state a reset
replaced) waits for a thawed collection, which the server runs when it has
answered nothing for a while, or when the heap has doubled since the last
one: memory stays within about twice what is alive, and the long pause falls
where no request waits (or, under unbroken load, ever more rarely).

The policy never counts the frozen objects while the server runs:
``gc.get_freeze_count()`` walks them all (13 ms for two million, with every
request waiting), so the heap is measured by ``sys.getallocatedblocks()``,
which reads the allocator's own counts.

Process-wide, so only ``radist-fake`` (a process of its own) installs it:
a fake inside a test run leaves the collector of the test process alone.
"""

from __future__ import annotations

import gc
import sys
import time
from typing import Any, Callable

#: Seconds without a request after which a thawed collection may run.
IDLE_AFTER = 1.0
#: A thawed collection runs under load once the heap has grown by this many
#: allocated blocks (about two per object) and doubled since the last one.
MIN_GROWTH = 500_000


class Collector:
    """Freezes what survives each full collection; thaws and collects when
    idle, or when the heap has doubled. ``activity()`` returns a number
    that changes whenever a request is answered; call :meth:`tick` often (the
    server's main thread does, twice a second)."""

    def __init__(self, activity: Callable[[], int], *, idle_after: float = IDLE_AFTER,
                 min_growth: int = MIN_GROWTH, clock: Callable[[], float] = time.monotonic) -> None:
        self._activity = activity
        self._idle_after = idle_after
        self._min_growth = min_growth
        self._clock = clock
        self._last_activity = activity()
        self._active_at = clock()
        self._baseline = 0  # allocated blocks after the last thawed collection
        self._frozen_since = False  # whether a full collection froze anything since then
        self._thresholds = gc.get_threshold()
        self.thawed_collections = 0
        #: True while a thawed collection runs (its pause is the one this policy chose).
        self.thawing = False

    def start(self) -> None:
        """Collect and freeze what the start-up made, and watch the collector."""
        self._thresholds = gc.get_threshold()
        # a full collection after every second middle one (Python: every tenth),
        # and a middle one after every fifth young one (Python: every tenth):
        # each walks only the little that came since the last freeze (with
        # 100,000 calls, the longest pause under load 6-8 -> 4-5 ms)
        gc.set_threshold(self._thresholds[0], max(1, self._thresholds[1] // 2), 1)
        gc.callbacks.append(self._observe)
        self._thaw_and_collect()

    def stop(self) -> None:
        if self._observe in gc.callbacks:
            gc.callbacks.remove(self._observe)
            gc.set_threshold(*self._thresholds)
        gc.unfreeze()

    def _observe(self, phase: str, info: dict[str, Any]) -> None:
        if phase == "stop" and info["generation"] == 2 and not self.thawing:
            gc.freeze()  # the collection is over: what survived it waits for a thawed one
            self._frozen_since = True

    def tick(self) -> None:
        now = self._clock()
        activity = self._activity()
        if activity != self._last_activity:
            self._last_activity, self._active_at = activity, now
        if not self._frozen_since:
            return
        idle = now - self._active_at >= self._idle_after
        doubled = sys.getallocatedblocks() - self._baseline >= max(self._min_growth, self._baseline)
        if idle or doubled:
            self._thaw_and_collect()
            self._active_at = now  # once per quiet spell

    def _thaw_and_collect(self) -> None:
        self.thawing = True
        try:
            gc.unfreeze()
            gc.collect()
            gc.freeze()
            # and once more, over what is not frozen (nothing): the collector then
            # counts what is frozen out of the objects whose growth starts a full
            # collection, so the next one comes soon and walks little
            gc.collect()
        finally:
            self.thawing = False
        self._baseline = sys.getallocatedblocks()
        self._frozen_since = False
        self.thawed_collections += 1

"""The fake's clock: frozen by default, driven by the test."""

from __future__ import annotations

import threading
import time
import weakref
from functools import lru_cache
from datetime import datetime, timedelta, timezone
from typing import Any, Callable, Mapping

from ..errors import InvalidValue

#: Where a frozen clock starts unless told otherwise.
DEFAULT_START = datetime(2026, 1, 1, tzinfo=timezone.utc)
#: The clock stays where ISO 8601 timestamps (four-digit years) carry it:
#: from 0001-01-01T00:00:00Z to 9999-12-31T23:59:59Z.
MIN_EPOCH = -62135596800.0
MAX_EPOCH = 253402300799.0


def _to_epoch(moment: datetime) -> float:
    if moment.tzinfo is None:
        raise InvalidValue(
            f"clock time must be timezone-aware, got naive {moment!r}; "
            "pass e.g. datetime(..., tzinfo=timezone.utc)"
        )
    return _within_range(moment.timestamp())


def _within_range(epoch: float) -> float:
    if not MIN_EPOCH <= epoch <= MAX_EPOCH:  # also refuses NaN
        raise InvalidValue(f"the clock must stay between 0001-01-01 and 9999-12-31, not {epoch!r} seconds after 1970")
    return epoch


class Clock:
    """Everything that expires or is metered reads this clock.

    A frozen clock (the default) only moves when the test calls
    :meth:`advance` or :meth:`set`. With ``realtime=True`` it follows the wall
    clock, and :meth:`advance` / :meth:`set` shift it by an offset.
    """

    def __init__(self, start: datetime | None = None, *, realtime: bool = False) -> None:
        self._lock = threading.Lock()
        self.realtime = realtime
        if realtime:
            self._offset = 0.0 if start is None else _to_epoch(start) - time.time()
        else:
            self._frozen = _to_epoch(start or DEFAULT_START)
        self._listeners: list[weakref.WeakMethod[Callable[[], None]]] = []

    def on_change(self, method: Callable[[], None]) -> None:
        """Call the bound ``method`` after each :meth:`advance` and :meth:`set`
        (held weakly: a world that is gone is not kept alive by its clock)."""
        self._listeners.append(weakref.WeakMethod(method))

    def _changed(self) -> None:
        alive = [(ref, ref()) for ref in self._listeners]
        self._listeners = [ref for ref, method in alive if method is not None]
        for _, method in alive:
            if method is not None:
                method()

    def time(self) -> float:
        """Seconds since the epoch, as a float."""
        if self.realtime:
            return time.time() + self._offset
        return self._frozen

    def now(self) -> datetime:
        """The current fake time as an aware UTC datetime."""
        return datetime.fromtimestamp(self.time(), tz=timezone.utc)

    def advance(self, seconds: float | timedelta) -> datetime:
        """Move the clock forward; returns the new time. Going back is refused."""
        delta = seconds.total_seconds() if isinstance(seconds, timedelta) else float(seconds)
        if not delta >= 0:  # negative or NaN
            raise InvalidValue(f"clock.advance() takes a non-negative duration, got {seconds!r}; use clock.set() to go back")
        _within_range(self.time() + delta)  # a refused change changes nothing
        with self._lock:
            if self.realtime:
                self._offset += delta
            else:
                self._frozen += delta
        self._changed()
        return self.now()

    def set(self, moment: datetime) -> datetime:
        """Jump to ``moment`` (timezone-aware). Jumping back is allowed but
        does not un-expire tokens or un-tombstone calls."""
        target = _to_epoch(moment)
        with self._lock:
            if self.realtime:
                self._offset = target - time.time()
            else:
                self._frozen = target
        self._changed()
        return self.now()

    def reading(self) -> dict[str, Any]:
        """What puts a clock where this one is (:meth:`load`), as JSON: its
        frozen time, or its offset from the wall clock."""
        if self.realtime:
            return {"realtime": True, "offset": self._offset}
        return {"realtime": False, "time": self._frozen}

    def load(self, reading: Mapping[str, Any]) -> None:
        """Go where :meth:`reading` was (a snapshot's clock), frozen or on
        wall time as it was; no listener is told (a restore settles itself)."""
        with self._lock:
            self.realtime = bool(reading["realtime"])
            if self.realtime:
                self._offset = float(reading["offset"])
            else:
                self._frozen = float(reading["time"])

    def __repr__(self) -> str:
        mode = "realtime" if self.realtime else "frozen"
        return f"<Clock {mode} {iso(self.time())}>"


class ProjectClock(Clock):
    """A project's own clock (``project.clock``): the fake's clock, shifted
    by what :meth:`advance` and :meth:`set` moved this one. A project whose
    clock was never moved follows the fake's exactly."""

    def __init__(self, base: Clock) -> None:
        self._lock = threading.Lock()
        self._base = base
        self._shift = 0.0
        self.realtime = base.realtime
        self._listeners: list[weakref.WeakMethod[Callable[[], None]]] = []

    @property
    def moved(self) -> bool:
        """Whether it has a time of its own (it was advanced or set)."""
        return self._shift != 0.0

    @property
    def shift(self) -> float:
        """Seconds this clock is ahead of the fake's (behind, if negative)."""
        return self._shift

    @shift.setter
    def shift(self, seconds: float) -> None:
        with self._lock:
            self._shift = float(seconds)

    def rebase(self, base: Clock) -> None:
        """Follow ``base`` from now on, keeping the shift (a restored project on the fake's clock)."""
        self._base = base
        self.realtime = base.realtime

    def time(self) -> float:
        return self._base.time() + self._shift

    def advance(self, seconds: float | timedelta) -> datetime:
        delta = seconds.total_seconds() if isinstance(seconds, timedelta) else float(seconds)
        if not delta >= 0:  # negative or NaN
            raise InvalidValue(f"clock.advance() takes a non-negative duration, got {seconds!r}; use clock.set() to go back")
        _within_range(self.time() + delta)
        with self._lock:
            self._shift += delta
        self._changed()
        return self.now()

    def set(self, moment: datetime) -> datetime:
        target = _to_epoch(moment)
        with self._lock:
            self._shift = target - self._base.time()
        self._changed()
        return self.now()

    def __repr__(self) -> str:
        return f"<ProjectClock {iso(self.time())} ({self._shift:+g} s from the fake's)>"


@lru_cache(maxsize=8192)
def iso(epoch: float) -> str:
    """ISO 8601 UTC with millisecond precision and a ``Z`` suffix. (Cached:
    a page of calls is listed again and again, and a frozen clock gives
    every call the same time.)"""
    seconds, ms = divmod(round(epoch * 1000), 1000)
    return f"{_iso_second(seconds)}.{ms:03d}Z"


@lru_cache(maxsize=4096)
def _iso_second(seconds: int) -> str:
    """``YYYY-MM-DDTHH:MM:SS`` of one second: a page of calls mostly shares
    its seconds (a frozen clock, all of them), so each is formatted once."""
    t = time.gmtime(seconds)  # formatted by hand: strftime's %Y does not pad years below 1000
    return f"{t.tm_year:04d}-{t.tm_mon:02d}-{t.tm_mday:02d}T{t.tm_hour:02d}:{t.tm_min:02d}:{t.tm_sec:02d}"

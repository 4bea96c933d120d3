"""Clocks: the wall clock by default, a manual one for tests that fake time."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

Clock = Callable[[], float]
"""A function returning the current Unix time in seconds."""


def system_clock() -> float:
    """Return the real Unix time."""
    return time.time()


class ManualClock:
    """A clock that only moves when told to; thread-safe.

    Example:
        >>> clock = ManualClock(1_700_000_000)
        >>> clock.advance(3600)
        >>> clock()
        1700003600.0

    """

    def __init__(self, start: float | None = None) -> None:
        self._now = float(time.time() if start is None else start)
        self._lock = threading.Lock()

    def __call__(self) -> float:
        with self._lock:
            return self._now

    def advance(self, seconds: float) -> None:
        """Move the clock forward by ``seconds``."""
        with self._lock:
            self._now += seconds

    def set(self, now: float) -> None:
        """Jump to the Unix time ``now``."""
        with self._lock:
            self._now = float(now)

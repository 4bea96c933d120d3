"""Kraken's hourly points allowance, metered per viewer when the fake is asked to.

Kraken gives each viewer a points allowance per hour (50,000 for an account user, see
``POINTS_PER_HOUR``) and charges each request points; once they are spent, every request is
answered with KT-CT-1199 until the allowance renews, and ``rateLimitInfo`` reports the state.
The fake meters only when ``FakeKrakenConfig(points_per_request=...)`` is above zero; otherwise
``rateLimitInfo`` reports a full allowance (or what a timed ``TooManyRequests`` fault says).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Final

from ._jwt import Principal

POINTS_PER_HOUR: Final = {"user": 50_000, "organization": 100_000, "oauth": 300_000}
"""Kraken's hourly points allowance by kind of viewer."""

HOUR: Final = 3600


@dataclass(frozen=True)
class AllowanceState:
    """One viewer's allowance at one moment, as ``rateLimitInfo`` reports it."""

    limit: int
    used: int
    renews_at: int
    """Unix time the next allowance arrives (``ttl``)."""

    @property
    def blocked(self) -> bool:
        """Whether requests are refused until ``renews_at``."""
        return self.used >= self.limit


class PointsLedger:
    """The points each viewer used in the current clock hour, charged request by request."""

    def __init__(self, points_per_request: int = 0, points_per_hour: int | None = None) -> None:
        if points_per_request < 0:
            raise ValueError(f"points_per_request must not be negative, got {points_per_request}")
        self.points_per_request = points_per_request
        self._limit = points_per_hour
        self._used: dict[tuple[Principal, int], int] = {}
        self._lock = threading.Lock()

    @property
    def metered(self) -> bool:
        """Whether requests are charged at all."""
        return self.points_per_request > 0

    def limit(self, principal: Principal) -> int:
        """Return the hourly allowance of ``principal``."""
        return self._limit if self._limit is not None else POINTS_PER_HOUR[principal.kind]

    def charge(self, principal: Principal, now: float) -> bool:
        """Charge one request at ``now``; False when the allowance is spent (nothing charged)."""
        if not self.metered:
            return True
        hour = int(now) // HOUR
        with self._lock:
            used = self._used.get((principal, hour), 0)
            if used + self.points_per_request > self.limit(principal):
                self._used[(principal, hour)] = self.limit(principal)  # blocked for the hour
                return False
            self._used[(principal, hour)] = used + self.points_per_request
            return True

    def state(self, principal: Principal, now: float) -> AllowanceState:
        """Return the allowance of ``principal`` at ``now``."""
        hour = int(now) // HOUR
        with self._lock:
            used = self._used.get((principal, hour), 0)
        return AllowanceState(self.limit(principal), used, (hour + 1) * HOUR)

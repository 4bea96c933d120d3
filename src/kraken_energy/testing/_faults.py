"""Deterministic fault injection: which requests misbehave, and how.

Every fault carries the same targeting fields; all that are set must match:

- ``on_requests``: GraphQL request numbers (1-based, in arrival order), e.g. ``range(2, 4)``;
- ``every``: every Nth request (``every=3`` hits requests 3, 6, 9...);
- ``operation``: the operation name;
- ``during``: ``(from_s, until_s)`` seconds since the fake started, by its clock;
- ``times``: fire at most this many times.

A fault with no targeting field hits every GraphQL request.
"""

from __future__ import annotations

import threading
from collections.abc import Container, Iterator
from dataclasses import dataclass
from typing import Any, Final

BAD_GATEWAY_HTML: Final = (
    "<html><head><title>502 Bad Gateway</title></head><body><h1>502 Bad Gateway</h1></body></html>"
)


@dataclass(frozen=True, kw_only=True)
class Fault:
    """Base of all faults: where it strikes. Use a subclass."""

    on_requests: Container[int] | None = None
    every: int | None = None
    operation: str | None = None
    during: tuple[float, float] | None = None
    times: int | None = None

    def targets(self, number: int, operation: str | None, elapsed: float) -> bool:
        """Whether this fault's targeting matches a request (ignores ``times``)."""
        if self.on_requests is not None and number not in self.on_requests:
            return False
        if self.every is not None and number % self.every != 0:
            return False
        if self.operation is not None and operation != self.operation:
            return False
        return self.during is None or self.during[0] <= elapsed < self.during[1]


@dataclass(frozen=True, kw_only=True)
class Latency(Fault):
    """Answer ``seconds`` after the request arrived (added up when several match).

    Like a server's response time, it includes the fake's own work on the request.
    """

    seconds: float


@dataclass(frozen=True, kw_only=True)
class TooManyRequests(Fault):
    """Fail every root field with KT-CT-1199 "Too many requests." (errorType AUTHORIZATION).

    ``retry_after`` adds a ``Retry-After`` header (seconds or an HTTP date) to the answer. While
    a rate limit targeted by ``during`` alone is in force, ``rateLimitInfo`` (which it never
    refuses) reports the viewer blocked until the window ends.
    """

    retry_after: str | None = None


@dataclass(frozen=True, kw_only=True)
class ExpiredToken(Fault):
    """Treat the request's token as expired: KT-CT-1124, as if its hour had passed."""


@dataclass(frozen=True, kw_only=True)
class HttpError(Fault):
    """Answer with an HTTP error page instead of GraphQL (default: 502 with an HTML body)."""

    status: int = 502
    body: str = BAD_GATEWAY_HTML
    content_type: str = "text/html; charset=utf-8"
    headers: tuple[tuple[str, str], ...] = ()
    """Extra response headers, e.g. ``(("Retry-After", "7"),)``."""


@dataclass(frozen=True, kw_only=True)
class DropConnection(Fault):
    """Close the connection without sending any response."""


@dataclass(frozen=True, kw_only=True)
class InvalidJson(Fault):
    """Answer HTTP 200 with a body that is not JSON."""

    body: str = '{"data": {"account": {"properties": [ <truncated'


@dataclass(frozen=True, kw_only=True)
class UnknownEnumValue(Fault):
    """Replace every string under the key ``field`` in ``data`` with ``value``.

    The default turns statistic ``type``s (and device ``type``s) into a value the schema does
    not know yet, the way Kraken adds enum values without notice.
    """

    field: str = "type"
    value: str = "NEW_STATISTIC_TYPE"


@dataclass(frozen=True, kw_only=True)
class UnknownTypename(Fault):
    """Replace ``__typename`` ``original`` with ``replacement`` wherever the response has one."""

    original: str = "IntervalMeasurementType"
    replacement: str = "FutureMeasurementType"


class FaultSet:
    """The faults of one fake, in the order added; thread-safe.

    Example:
        >>> faults = FaultSet()
        >>> _ = faults.add(TooManyRequests(on_requests=range(2, 4)))

    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._faults: list[Fault] = []
        self._fired: dict[int, int] = {}

    def add(self, fault: Fault) -> Fault:
        """Add a fault; returns it so it can be removed later."""
        with self._lock:
            self._faults.append(fault)
        return fault

    def remove(self, fault: Fault) -> None:
        """Remove a fault added earlier.

        Raises:
            ValueError: when the fault is not in the set.

        """
        with self._lock:
            self._faults.remove(fault)

    def clear(self) -> None:
        """Remove every fault."""
        with self._lock:
            self._faults.clear()
            self._fired.clear()

    def __iter__(self) -> Iterator[Fault]:
        with self._lock:
            return iter(list(self._faults))

    def __len__(self) -> int:
        with self._lock:
            return len(self._faults)

    def blocked_until(self, elapsed: float) -> float | None:
        """When (seconds since the fake started) the rate limit in force by time alone ends.

        Only a ``TooManyRequests`` whose sole targeting is ``during`` blocks every request for a
        known time; one hitting every Nth request is no block. None when nothing blocks now.
        """
        ends = [
            fault.during[1]
            for fault in self
            if isinstance(fault, TooManyRequests)
            and fault.during is not None
            and fault.on_requests is None
            and fault.every is None
            and fault.operation is None
            and fault.during[0] <= elapsed < fault.during[1]
        ]
        return max(ends, default=None)

    def select(self, number: int, operation: str | None, elapsed: float) -> list[Fault]:
        """Return the faults that fire on a request, counting each against its ``times``."""
        chosen: list[Fault] = []
        with self._lock:
            for fault in self._faults:
                if not fault.targets(number, operation, elapsed):
                    continue
                fired = self._fired.get(id(fault), 0)
                if fault.times is not None and fired >= fault.times:
                    continue
                self._fired[id(fault)] = fired + 1
                chosen.append(fault)
        return chosen


def rewrite_response(data: Any, faults: list[Fault]) -> Any:
    """Apply the response-rewriting faults (unknown enum values and typenames) to ``data``."""
    rewrites = [f for f in faults if isinstance(f, UnknownEnumValue | UnknownTypename)]
    if not rewrites or data is None:
        return data

    def walk(node: Any) -> Any:
        if isinstance(node, list):
            return [walk(item) for item in node]
        if not isinstance(node, dict):
            return node
        result = {key: walk(value) for key, value in node.items()}
        for fault in rewrites:
            if isinstance(fault, UnknownEnumValue):
                if isinstance(result.get(fault.field), str):
                    result[fault.field] = fault.value
            elif result.get("__typename") == fault.original:
                result["__typename"] = fault.replacement
        return result

    return walk(data)

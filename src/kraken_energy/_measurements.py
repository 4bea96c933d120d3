"""Every reading of an account's properties, exactly once, in order, fetched concurrently.

How a fetch runs:
1. one `getAccount` request finds the account's series (`_series.account_series`): one per
   meter point and smart meter device, export points GENERATION. Kraken's filter defaults to
   one series (electricity CONSUMPTION at RAW_INTERVAL), so each series is asked for with a
   filter of its own; a filter that matches nothing on the account fails here, before any
   measurement request;
2. the first page of every series (`getPropertyMeasurements`, one filter) is fetched at once,
   with each series' `totalCount` for the whole range;
3. a series with more pages continues through `property(id:)`. When the rest of its range,
   split into windows of one page's worth of buckets each (aligned to the frequency's bucket
   boundaries in the requested timezone), needs no more requests than its `totalCount` says
   the pages need, the windows are fetched concurrently; otherwise (sparse data, unknown bucket
   widths) the cursor is followed page by page. A window, like the cursor, is walked by the
   package's one pager (`_pager.follow`, the one `paginate()` uses) with this fetch's decoding
   (`_reader`: records) and the same guards;
4. readings are emitted property by property, series by series, each series in time order, as
   soon as their turn comes. At most twice `concurrency` windows are held at once, so memory is
   bounded by page size times concurrency;
5. every request of the fetch is sent with one `AdaptiveConcurrency`, passed explicitly to the
   pipeline (`_Fetch.send`, `Pipeline.call(limiter=...)`): it bounds the requests on the wire,
   each holding a slot for its exchange only and decoding its page after giving it back; a rate
   limit halves the requests allowed (on top of the client's cooldown) and a run of successes
   grows them back; `FetchStats` and a debug line at the end report it.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import math
from collections import deque
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, Final, TypeVar

from kraken_energy_gql.client import GET_ACCOUNT, GET_PROPERTY_MEASUREMENTS

from ._constants import DEFAULT_MEASUREMENTS_PAGE_SIZE
from ._errors import NotFoundError
from ._pager import Page, fetch_page, follow
from ._pages import (
    FIELD,
    PAGE_DECODER,
    Measurement,
    SkimPage,
    bound,
    check_complete,
    check_repeats,
    last_end,
    records,
)
from ._pagination import Connection, PageSizes, RepeatGuard
from ._ratelimit import AdaptiveConcurrency, FetchStats
from ._request import Request
from ._series import PropertySeries, account_series
from ._validation import result_envelope
from ._windows import has_buckets, windows

if TYPE_CHECKING:
    from kraken_energy_gql import GetPropertyMeasurements
    from kraken_energy_gql.records import MeasurementPageSkimData

    from ._pipeline import Pipeline
    from ._record_runtime import DeferredPage

logger = logging.getLogger("kraken_energy")

PROPERTY_MEASUREMENTS: Final[Connection[GetPropertyMeasurements]] = Connection(
    field=FIELD,
    extract=lambda result: result.property_.measurements if result.property_ else None,
    initial_page_size=DEFAULT_MEASUREMENTS_PAGE_SIZE,
)
"""The paging of `getPropertyMeasurements`, for `KrakenClient.paginate`."""


async def fetch_measurements(
    pipeline: Pipeline,
    sizes: PageSizes,
    account_number: str,
    property_id: str | None,
    request: Request,
    on_total: Callable[[str, int, int], None] | None = None,
    stats: FetchStats | None = None,
    series: Sequence[PropertySeries] | None = None,
) -> AsyncIterator[Measurement]:
    """Yield every reading the request covers, property by property, series by series.

    `series`, when given, are fetched as they are, without discovering the account's.
    """
    limiter = AdaptiveConcurrency(request.concurrency, stats)
    try:
        fetch = _Fetch(pipeline, sizes, limiter)
        batches = _batches(fetch, account_number, property_id, request, on_total, series)
        async for batch in batches:
            for measurement in batch:
                yield measurement
    finally:
        met = limiter.stats
        logger.debug(
            "measurements of %s: %d request(s), %d rate limit(s), concurrency ended at %d of %d",
            account_number,
            met.requests,
            met.rate_limits,
            met.concurrency,
            met.max_concurrency,
        )


async def discover(
    pipeline: Pipeline, account_number: str, property_id: str | None, request: Request
) -> list[PropertySeries]:
    """Find the account's series the request's filters select (one `getAccount` request).

    Raises:
        NotFoundError: no such account (KT-CT-4178).
        InvalidArgumentError: a filter or the property id matches nothing on the account.
    """
    data = await pipeline.call(
        GET_ACCOUNT, {"accountNumber": account_number}, result_envelope(GET_ACCOUNT)
    )
    if data.account is None:
        raise NotFoundError([{"message": f"No account {account_number}."}], None, "getAccount")
    return account_series(
        data.account, electricity=request.electricity, gas=request.gas, property_id=property_id
    )


@dataclass(frozen=True)
class _Fetch:
    """What one fetch sends its requests with.

    The client's pipeline and learnt page sizes, and the fetch's own limiter of requests in
    flight (halved on a rate limit, grown back after successes).
    """

    pipeline: Pipeline
    sizes: PageSizes
    limiter: AdaptiveConcurrency

    async def send(self, **variables: Any) -> SkimPage:
        """Send one `getPropertyMeasurements` page request; return its data and its page.

        The request holds one of the limiter's slots while on the wire; its answer is decoded
        (`PAGE_DECODER`: statistics skipped, the bytes kept for them) after the slot is given
        back.
        """
        page: SkimPage = await self.pipeline.call(
            GET_PROPERTY_MEASUREMENTS, variables, PAGE_DECODER, limiter=self.limiter
        )
        return page


async def _batches(
    fetch: _Fetch,
    account_number: str,
    property_id: str | None,
    request: Request,
    on_total: Callable[[str, int, int], None] | None,
    series: Sequence[PropertySeries] | None = None,
) -> AsyncIterator[list[Measurement]]:
    """Yield the readings page by page: one hop per page, not per reading, inside the pipeline."""
    if series is None:
        entries = await discover(fetch.pipeline, account_number, property_id, request)
    else:
        entries = list(series)

    async def first_page(
        entry: PropertySeries,
    ) -> tuple[MeasurementPageSkimData | None, DeferredPage | None, int]:
        (data, deferred), size = await fetch_page(
            fetch.send,
            PROPERTY_MEASUREMENTS,
            fetch.sizes,
            request.page_size,
            {"propertyId": entry.property_id, **request.for_series(entry).variables()},
        )
        if data["property"] is None:
            raise NotFoundError(
                [{"message": f"No property {entry.property_id}."}], None, "getPropertyMeasurements"
            )
        kept = deferred if request.statistics else None  # none asked for: the bytes go
        return data["property"]["measurements"], kept, size

    firsts = [page async for page in _in_order(first_page, entries, request.concurrency)]
    if on_total is not None:  # every total at once, so progress knows the whole fetch's size
        totals: dict[str, tuple[int, int]] = {}
        for entry, (page, _, size) in zip(entries, firsts, strict=True):
            count, _ = totals.get(entry.property_id, (0, size))
            totals[entry.property_id] = (count + (page["totalCount"] if page else 0), size)
        for identifier, (count, size) in totals.items():
            on_total(identifier, count, size)
    for entry, (page, deferred, size) in zip(entries, firsts, strict=True):
        if page is None:
            continue
        first = records(entry.property_id, entry.series, page, deferred)
        guard = RepeatGuard()
        check_repeats(guard, entry.property_id, page, first, (request.start, request.end), 1)
        received = len(first)
        yield first
        if page["pageInfo"]["hasNextPage"]:
            series_request = dataclasses.replace(request.for_series(entry), page_size=size)
            async for batch in _rest_of_series(fetch, entry, page, series_request, guard):
                received += len(batch)
                yield batch
        check_complete(entry.property_id, page, received, (request.start, request.end))


async def _rest_of_series(
    fetch: _Fetch,
    entry: PropertySeries,
    first: MeasurementPageSkimData,
    request: Request,
    guard: RepeatGuard,
) -> AsyncIterator[list[Measurement]]:
    """Fetch the pages after a series' first: in windows when that costs no extra requests."""
    last = last_end(first)
    remaining = first["totalCount"] - len(first["edges"])
    pages_needed = math.ceil(remaining / request.page_size)
    spans: list[tuple[datetime, datetime]] = []
    if (
        request.frequency is not None
        and has_buckets(request.frequency)
        and last is not None
        and request.concurrency > 1
    ):
        resume = last.astimezone(request.zone)
        spans = windows(resume, request.end, request.frequency, request.zone, request.page_size)
    if not spans or len(spans) > pages_needed + 1:
        # Sparse data or unknown bucket widths: windows would cost more requests than pages.
        async for batch in _pages(
            fetch, entry, request, guard, cursor=first["pageInfo"]["endCursor"]
        ):
            yield batch
        return

    async def window(span: tuple[datetime, datetime]) -> list[Measurement]:
        walk = guard.walk()  # a window's cursors are its own; repeats across windows are not
        batches = [batch async for batch in _pages(fetch, entry, request, walk, *span)]
        return batches[0] if len(batches) == 1 else [m for batch in batches for m in batch]

    async for batch in _in_order(window, spans, request.concurrency):
        yield batch


async def _pages(
    fetch: _Fetch,
    entry: PropertySeries,
    request: Request,
    guard: RepeatGuard,
    start: datetime | None = None,
    end: datetime | None = None,
    *,
    cursor: str | None = None,
) -> AsyncIterator[list[Measurement]]:
    """Follow one series' cursor through [start, end), yielding its readings page by page."""
    variables = {"propertyId": entry.property_id, **request.variables(start, end)}
    where = {
        "property_id": entry.property_id,
        "window": (start or request.start, end or request.end),
    }
    async for _, page in follow(
        fetch.send,
        PROPERTY_MEASUREMENTS,
        fetch.sizes,
        variables,
        _reader(entry, request.statistics),
        page_size=request.page_size,
        cursor=cursor,
        guard=guard,
        where=where,
    ):
        assert page is not None  # `follow` raises on a null page unless told otherwise
        yield page.items


def _reader(
    entry: PropertySeries, statistics: bool
) -> Callable[[SkimPage], Page[list[Measurement]] | None]:
    """Return the decoder of one series' pages: its readings as records, keyed for the guards.

    It runs after the page's request has given its limiter slot back. With `statistics`, each
    reading keeps its page's `DeferredPage` to read its statistics from when first asked.
    """

    def read(answer: SkimPage) -> Page[list[Measurement]] | None:
        data, deferred = answer
        page = data["property"]["measurements"] if data["property"] else None
        if page is None:
            return None
        readings = records(entry.property_id, entry.series, page, deferred if statistics else None)
        return Page(
            items=readings,
            cursors=[edge["cursor"] for edge in page["edges"] if edge is not None],
            first=bound(readings[0]) if readings else None,
            last=bound(readings[-1]) if readings else None,
            has_next=page["pageInfo"]["hasNextPage"],
            end_cursor=page["pageInfo"]["endCursor"],
        )

    return read


T = TypeVar("T")
W = TypeVar("W")


async def _in_order(
    work: Callable[[W], Awaitable[T]], items: Sequence[W], concurrency: int
) -> AsyncIterator[T]:
    """Run `work` on `items` as tasks, at most twice `concurrency` at once; yield in item order.

    A new piece starts the moment one is taken from the front, and at most twice `concurrency`
    pieces (running or finished) are held at once, which bounds memory. How many requests are
    on the wire at once is not decided here but by the fetch's limiter (`_Fetch.send`): a piece
    that has its answer decodes it while the next piece's request is in flight.
    """
    queue: deque[asyncio.Task[T]] = deque()
    upcoming = iter(items)
    try:
        for item in _take(upcoming, 2 * concurrency):
            queue.append(asyncio.ensure_future(work(item)))
        while queue:
            result = await queue.popleft()
            for item in _take(upcoming, 1):
                queue.append(asyncio.ensure_future(work(item)))
            yield result
    finally:
        for task in queue:
            task.cancel()
        await asyncio.gather(*queue, return_exceptions=True)


def _take(items: Iterable[W], count: int) -> list[W]:
    taken = []
    for item in items:
        taken.append(item)
        if len(taken) == count:
            break
    return taken

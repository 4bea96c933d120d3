"""Kraken's answers as JSON, for tests that mock HTTP (pytest-httpx, respx) instead of the fake.

Each builder executes the project's own operation text (``kraken_energy_gql.client``) against
``schema.graphql`` with graphql-core, over values you choose, so the JSON has exactly the fields,
names and scalar encodings the client's operation selects: nobody writes Kraken's JSON by hand,
and it cannot drift from the operations.

Example:
    >>> httpx_mock.add_response(json=token_response())  # doctest: +SKIP
    >>> httpx_mock.add_response(json=error_response("KT-CT-1199"))  # doctest: +SKIP
    >>> page = measurements_response([(start, end, "6.525000")])  # doctest: +SKIP
    >>> httpx_mock.add_response(json=page)  # doctest: +SKIP
"""

from __future__ import annotations

import datetime as dt
import functools
import secrets
from collections.abc import Awaitable, Iterable, Sequence
from decimal import Decimal
from typing import Any, Final

from graphql import GraphQLSchema, build_schema, execute, parse

from ._clock import system_clock
from ._data import DEMO_PROPERTY, DEMO_USER_ID, default_scenario
from ._jwt import TOKEN_LIFETIME, Credentials, Principal, TokenService
from ._kraken_codes import APPLICATION, KNOWN_CODES, CodedError, ErrorSpec
from ._relay import offset_to_cursor
from ._scalars import install_scalars
from ._schema import load_schema_sdl

ReadingTuple = tuple[dt.datetime, dt.datetime, Decimal | str | int]
"""One interval reading for :func:`measurements_response`: aware start, aware end, value (kWh)."""

_UNIT: Final = "kwh"
_SOURCE: Final = "SMART_METER"


@functools.lru_cache(maxsize=1)
def _plain_schema() -> GraphQLSchema:
    """Build the project's schema with Kraken's scalars and no resolvers (fields read the root)."""
    schema = build_schema(load_schema_sdl())
    install_scalars(schema)
    return schema


def _answer(operation: str, root: dict[str, Any], variables: dict[str, Any]) -> dict[str, Any]:
    result = execute(_plain_schema(), parse(operation), root_value=root, variable_values=variables)
    assert not isinstance(result, Awaitable)
    if result.errors:  # a builder's own mistake, never the caller's data
        raise ValueError(f"could not build the answer: {result.errors[0].message}")
    return {"data": result.data}


def token_response(*, lifetime: int = TOKEN_LIFETIME, now: float | None = None) -> dict[str, Any]:
    """Return ``obtainKrakenToken``'s answer: a signed JWT for the demo user and a refresh token.

    Args:
        lifetime: seconds from the token's ``iat`` to its ``exp``.
        now: the Unix time it is issued at (default: the wall clock).

    Raises:
        Nothing for any arguments.

    Example:
        >>> token_response()["data"]["obtainKrakenToken"]["token"].count(".")
        2

    """
    from kraken_energy_gql.client import OBTAIN_KRAKEN_TOKEN_OPERATION

    service = TokenService(
        Credentials(),
        default_scenario(),
        system_clock if now is None else (lambda: now),
        secret=secrets.token_hex(32),
        token_lifetime=lifetime,
    )
    issued = service.issue(Principal("user", DEMO_USER_ID), "API-KEY")
    variables = {"input": {"APIKey": "unused"}}
    return _answer(OBTAIN_KRAKEN_TOKEN_OPERATION, {"obtainKrakenToken": issued}, variables)


def _node(reading: ReadingTuple) -> dict[str, Any]:
    start, end, value = reading
    if start.utcoffset() is None or end.utcoffset() is None:
        raise ValueError("readings need timezone-aware start and end datetimes")
    return {
        "__typename": "IntervalMeasurementType",
        "value": Decimal(str(value)),
        "unit": _UNIT,
        "readAt": end,
        "source": _SOURCE,
        "startAt": start,
        "endAt": end,
        "durationInSeconds": int((end - start).total_seconds()),
        "metaData": {"statistics": []},
    }


def _connection(
    readings: Sequence[ReadingTuple], offset: int, has_next_page: bool, total_count: int | None
) -> dict[str, Any]:
    nodes = [_node(reading) for reading in readings]
    edges = [{"cursor": offset_to_cursor(offset + i), "node": n} for i, n in enumerate(nodes)]
    return {
        "totalCount": offset + len(edges) + int(has_next_page)
        if total_count is None
        else total_count,
        "edgeCount": len(edges),
        "pageInfo": {
            "hasNextPage": has_next_page,
            "hasPreviousPage": offset > 0,
            "startCursor": edges[0]["cursor"] if edges else None,
            "endCursor": edges[-1]["cursor"] if edges else None,
        },
        "edges": edges,
    }


def measurements_response(
    readings: Iterable[ReadingTuple],
    *,
    property_id: str = DEMO_PROPERTY,
    account_number: str | None = None,
    has_next_page: bool = False,
    offset: int = 0,
    total_count: int | None = None,
) -> dict[str, Any]:
    """Return one page of measurements, as ``getPropertyMeasurements`` answers it.

    With ``account_number``, the page is ``getMeasurements``' instead (the account's one
    property). Cursors are Kraken's offset cursors, starting at ``offset``.

    Args:
        readings: ``(start, end, value)`` per reading; aware datetimes, value in kWh
            (a ``Decimal``, or a string such as ``"6.525000"``).
        property_id: the property the page belongs to.
        account_number: answer ``getMeasurements`` for this account instead.
        has_next_page: whether the client should ask for another page.
        offset: the position of the first reading in the whole connection.
        total_count: ``totalCount`` (default: the readings so far, plus one if more follow).

    Raises:
        ValueError: a reading's start or end is naive.

    Example:
        >>> start = dt.datetime(2024, 10, 1, tzinfo=dt.UTC)
        >>> page = measurements_response([(start, start + dt.timedelta(days=1), "6.525000")])
        >>> page["data"]["property"]["measurements"]["edges"][0]["node"]["value"]
        '6.525000'

    """
    from kraken_energy_gql.client import (
        GET_MEASUREMENTS_OPERATION,
        GET_PROPERTY_MEASUREMENTS_OPERATION,
    )

    prop = {
        "id": property_id,
        "measurements": _connection(list(readings), offset, has_next_page, total_count),
    }
    if account_number is None:
        variables = {"propertyId": property_id, "first": 1}
        return _answer(GET_PROPERTY_MEASUREMENTS_OPERATION, {"property": prop}, variables)
    variables = {"accountNumber": account_number, "first": 1}
    root = {"account": {"properties": [prop]}}
    return _answer(GET_MEASUREMENTS_OPERATION, root, variables)


def error_response(
    code: str,
    *,
    message: str | None = None,
    path: Sequence[str | int] | None = None,
    data: Any = None,
    error_type: str = APPLICATION,
) -> dict[str, Any]:
    """Return a Kraken error answer (HTTP 200, ``errors`` with Kraken's ``extensions``).

    Codes the fake knows (``KT-CT-1199``, ``KT-CT-1124``, ``KT-CT-4178``, ...) get its type and
    message; any other code gets ``error_type`` and ``message``.

    Args:
        code: the ``KT-CT-`` code, e.g. ``"KT-CT-1199"`` (rate limited).
        message: the message, instead of the fake's for that code.
        path: the field path the error belongs to, e.g. ``["account"]``.
        data: the partial ``data`` sent beside the error, e.g. ``{"account": None}``.
        error_type: ``errorType`` for a code the fake does not know.

    Raises:
        Nothing: any code is accepted.

    Example:
        >>> error_response("KT-CT-1199")["errors"][0]["extensions"]["errorCode"]
        'KT-CT-1199'

    """
    known = KNOWN_CODES.get(code)
    spec = known or ErrorSpec(code, error_type, message or "Error.", "")
    error = CodedError(spec)
    entry: dict[str, Any] = {
        "message": message or spec.message,
        "locations": [{"line": 2, "column": 3}],
        "path": list(path) if path is not None else None,
        "extensions": error.extensions,
    }
    return {"errors": [entry], "data": data}

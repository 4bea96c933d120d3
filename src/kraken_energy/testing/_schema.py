"""The executable schema: the project's SDL, Kraken's scalars and the fake's resolvers."""

from __future__ import annotations

import datetime as dt
import functools
import importlib.util
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from graphql import GraphQLObjectType, GraphQLResolveInfo, GraphQLSchema, build_schema

from ._allowance import POINTS_PER_HOUR, AllowanceState
from ._data import Account, MeterPoint, Property, Scenario
from ._jwt import AuthState, Principal, TokenService
from ._kraken_codes import (
    ACCOUNT_NOT_FOUND,
    BAD_TIMEZONE,
    ONE_UTILITY_PER_ITEM,
    RATE_LIMITED,
    UNAUTHORIZED,
    CodedError,
)
from ._readings import Selection, nodes_in_window, select_streams
from ._relay import check_page_arguments, offset_to_cursor, page_window
from ._scalars import install_scalars, parse_datetime

SCHEMA_FILE = "schema.graphql"
_EARLIEST = dt.datetime(1, 1, 3, tzinfo=dt.UTC)
_LATEST = dt.datetime(9999, 12, 29, tzinfo=dt.UTC)


def load_schema_sdl() -> str:
    """Return the project's schema SDL, shipped as ``kraken_energy_gql/schema.graphql``.

    The package is located without being imported. When it is missing (a bare checkout), the
    ``schema.graphql`` at the repository root is used instead.

    Raises:
        FileNotFoundError: when neither file exists.

    Example:
        >>> "type Query" in load_schema_sdl()  # doctest: +SKIP
        True

    """
    candidates: list[Path] = []
    spec = importlib.util.find_spec("kraken_energy_gql")
    if spec is not None and spec.submodule_search_locations:
        candidates += [Path(p) / SCHEMA_FILE for p in spec.submodule_search_locations]
    candidates += [parent / SCHEMA_FILE for parent in Path(__file__).resolve().parents[1:5]]
    for candidate in candidates:
        if candidate.is_file():
            return candidate.read_text(encoding="utf-8")
    raise FileNotFoundError(
        f"No {SCHEMA_FILE} found (looked in kraken_energy_gql and the repository); pass schema_sdl."
    )


@dataclass
class RequestContext:
    """What resolvers know about the request being executed."""

    scenario: Scenario
    tokens: TokenService
    auth: AuthState
    max_page_size: int
    rate_limited: bool = False
    now: float = 0.0
    """The fake's clock when the request arrived (Unix time)."""
    blocked_until: float | None = None
    """Unix time a rate limit in force ends, when one blocks every request (see TooManyRequests)."""
    allowance: AllowanceState | None = None
    """The viewer's metered points allowance, when the fake meters requests."""


Resolver = Callable[..., Any]

_NEVER_RATE_LIMITED = frozenset({"rateLimitInfo"})
"""Root fields answered even when rate limited: reading the allowance says how long to wait."""



def _context(info: GraphQLResolveInfo) -> RequestContext:
    context = info.context
    assert isinstance(context, RequestContext)
    return context


def _guard(field_name: str, resolver: Resolver | None) -> Resolver:
    """Wrap a root field: rate limiting first, then authentication (Kraken checks per field)."""

    def guarded(root: Any, info: GraphQLResolveInfo, **args: Any) -> Any:
        context = _context(info)
        if context.rate_limited and field_name not in _NEVER_RATE_LIMITED:
            raise CodedError(RATE_LIMITED)
        auth = context.auth
        if field_name == "obtainKrakenToken":
            # A stale token in the header breaks even the mutation that replaces it.
            if auth.header_sent and auth.error is not None:
                raise CodedError(auth.error)
        elif auth.error is not None:
            raise CodedError(auth.error)
        return resolver(root, info, **args) if resolver is not None else None

    return guarded


def _principal(info: GraphQLResolveInfo) -> Principal:
    principal = _context(info).auth.principal
    assert principal is not None  # the root guard let the request through
    return principal


def _may_see(principal: Principal, account: Account) -> bool:
    return principal.kind != "user" or account.owner_id == principal.id


# --- Discovery objects (plain dicts; graphql-core's default resolver reads them) ---------------


def _meter_point(point: MeterPoint) -> dict[str, Any]:
    key = "mpan" if point.utility == "ELECTRICITY" else "mprn"
    return {
        "id": point.id,
        key: point.supply_point_id,
        "meters": [
            {
                "id": meter.id,
                "serialNumber": meter.serial_number,
                "importMeter": None
                if meter.import_meter_id is None
                else {"id": meter.import_meter_id, "serialNumber": meter.serial_number},
                "smartDevices": [
                    {
                        "deviceId": d.device_id,
                        "serialNumber": d.serial_number,
                        "type": d.type,
                        "status": d.status,
                    }
                    for d in meter.smart_devices
                ],
            }
            for meter in point.meters
        ],
        "agreements": [
            {
                "id": a.id,
                "validFrom": a.valid_from,
                "validTo": a.valid_to,
                "tariff": {
                    "__typename": a.tariff.typename,
                    "tariffCode": a.tariff.tariff_code,
                    "productCode": a.tariff.product_code,
                    "displayName": a.tariff.display_name,
                },
            }
            for a in point.agreements
        ],
    }


def _property(prop: Property) -> dict[str, Any]:
    points = prop.meter_points
    return {
        "__typename": "PropertyType",
        "id": prop.id,
        "address": prop.address,
        "postcode": prop.postcode,
        "electricityMeterPoints": [_meter_point(p) for p in points if p.utility == "ELECTRICITY"],
        "gasMeterPoints": [_meter_point(p) for p in points if p.utility == "GAS"],
        "_model": prop,
    }


def _account(account: Account) -> dict[str, Any]:
    return {
        "__typename": "AccountType",
        "number": account.number,
        "status": account.status,
        "brand": account.brand,
        "properties": [_property(p) for p in account.properties],
    }


# --- Root resolvers ---------------------------------------------------------------------------


def _resolve_viewer(_root: Any, info: GraphQLResolveInfo) -> dict[str, Any]:
    principal = _principal(info)
    if principal.kind != "user":
        raise CodedError(UNAUTHORIZED)
    accounts = _context(info).scenario.accounts_of(principal.id)
    return {"__typename": "AccountUserType", "accounts": [_account(a) for a in accounts]}


def _resolve_account(_root: Any, info: GraphQLResolveInfo, accountNumber: str) -> Any:  # noqa: N803
    account = _context(info).scenario.account(accountNumber)
    if account is None:
        raise CodedError(ACCOUNT_NOT_FOUND)
    if not _may_see(_principal(info), account):
        raise CodedError(UNAUTHORIZED)
    return _account(account)


def _resolve_property(_root: Any, info: GraphQLResolveInfo, id: str) -> Any:
    found = _context(info).scenario.property(str(id))
    if found is None or not _may_see(_principal(info), found[0]):
        raise CodedError(UNAUTHORIZED)
    return _property(found[1])


def _resolve_rate_limit_info(_root: Any, info: GraphQLResolveInfo) -> dict[str, Any]:
    """Report the allowance: metered, or as the faults say (blocked while a timed fault holds)."""
    context = _context(info)
    metered = context.allowance
    if metered is not None and context.blocked_until is None:
        return {
            "pointsAllowanceRateLimit": {
                "limit": metered.limit,
                "remainingPoints": max(metered.limit - metered.used, 0),
                "usedPoints": min(metered.used, metered.limit),
                "ttl": metered.renews_at,
                "isBlocked": metered.blocked,
            }
        }
    limit = POINTS_PER_HOUR[_principal(info).kind]
    blocked = context.blocked_until is not None
    next_hour = (int(context.now) // 3600 + 1) * 3600
    remaining = 0 if blocked else limit
    return {
        "pointsAllowanceRateLimit": {
            "limit": limit,
            "remainingPoints": remaining,
            "usedPoints": limit - remaining,
            "ttl": math.ceil(context.blocked_until) if context.blocked_until else next_hour,
            "isBlocked": blocked,
        }
    }


def _resolve_obtain_token(_root: Any, info: GraphQLResolveInfo, input: Any) -> Any:
    return _context(info).tokens.obtain(input)


# --- Measurements -----------------------------------------------------------------------------


def _selections(items: Sequence[Mapping[str, Any] | None]) -> list[Selection]:
    selections: list[Selection] = []
    for index, item in enumerate(items):
        electricity = (item or {}).get("electricityFilters")
        gas = (item or {}).get("gasFilters")
        if (electricity is None) == (gas is None):
            raise CodedError(ONE_UTILITY_PER_ITEM, input_path=["utilityFilters", index])
        chosen = electricity if electricity is not None else gas
        assert chosen is not None
        gas_only = electricity is None
        selections.append(
            Selection(
                utility="GAS" if gas_only else "ELECTRICITY",
                frequency=chosen.get("readingFrequencyType") or "RAW_INTERVAL",
                supply_point_id=chosen.get("marketSupplyPointId"),
                device_id=chosen.get("deviceId"),
                register_id=chosen.get("registerId"),
                direction=None if gas_only else chosen.get("readingDirection") or "CONSUMPTION",
                quality=None if gas_only else chosen.get("readingQuality") or "COMBINED",
            )
        )
    return selections


def _time_range(args: Mapping[str, Any], tz: ZoneInfo) -> tuple[dt.datetime, dt.datetime]:
    """``[start, end)`` from startAt/endAt and the inclusive dates startOn/endOn."""
    starts, ends = [_EARLIEST], [_LATEST]
    # An argument's SDL default arrives as the raw string; parse_datetime copes with both.
    if args.get("startAt") is not None:
        starts.append(parse_datetime(args["startAt"]))
    if args.get("endAt") is not None:
        ends.append(parse_datetime(args["endAt"]))
    if args.get("startOn") is not None:
        starts.append(dt.datetime.combine(args["startOn"], dt.time(), tzinfo=tz))
    if args.get("endOn") is not None:
        next_day = args["endOn"] + dt.timedelta(days=1)
        ends.append(dt.datetime.combine(next_day, dt.time(), tzinfo=tz))
    return max(starts), min(ends)


def _resolve_measurements(parent: Any, info: GraphQLResolveInfo, **args: Any) -> Any:
    context = _context(info)
    first, last = args.get("first"), args.get("last")
    check_page_arguments(first, last, context.max_page_size)
    try:
        tz = ZoneInfo(args.get("timezone") or "Europe/London")
    except (ZoneInfoNotFoundError, ValueError):
        raise CodedError(BAD_TIMEZONE, input_path=["timezone"]) from None
    selections = _selections(args.get("utilityFilters") or [])
    start, end = _time_range(args, tz)
    prop = parent.get("_model") if isinstance(parent, dict) else None
    now = dt.datetime.fromtimestamp(context.tokens.clock(), dt.UTC)  # the fake's present moment
    streams = (
        select_streams(prop, selections, start, end, tz, now) if isinstance(prop, Property) else []
    )
    total = sum(stream.plan.count for stream in streams)
    window = page_window(
        total, first=first, last=last, after=args.get("after"), before=args.get("before")
    )
    nodes = nodes_in_window(streams, window.start, window.end)
    edges = [
        {"cursor": offset_to_cursor(window.start + i), "node": node} for i, node in enumerate(nodes)
    ]
    return {
        "edges": edges,
        "pageInfo": window.page_info(),
        "totalCount": total,
        "edgeCount": len(edges),
    }


@functools.lru_cache(maxsize=8)
def build_executable_schema(sdl: str) -> GraphQLSchema:
    """Build the schema from SDL and attach scalars and resolvers, once per SDL text.

    The result is shared between fakes: resolvers keep no state (each request's lives in its
    context), and nothing changes the schema once built.

    Only the fields the project's operations use get resolvers; any other field reads the plain
    objects and resolves to null when absent.

    Raises:
        graphql.GraphQLError: when the SDL is not a valid schema.

    """
    schema = build_schema(sdl)
    install_scalars(schema)
    roots: dict[str, Resolver] = {
        "viewer": _resolve_viewer,
        "account": _resolve_account,
        "property": _resolve_property,
        "obtainKrakenToken": _resolve_obtain_token,
        "rateLimitInfo": _resolve_rate_limit_info,
    }
    for root in (schema.query_type, schema.mutation_type):
        if root is None:
            continue
        for name, root_field in root.fields.items():
            root_field.resolve = _guard(name, roots.get(name))
    property_type = schema.type_map.get("PropertyType")
    if isinstance(property_type, GraphQLObjectType) and "measurements" in property_type.fields:
        property_type.fields["measurements"].resolve = _resolve_measurements
    return schema

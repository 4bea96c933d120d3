"""Serialisation of Kraken's custom scalars: Decimal, DateTime, Date and GenericScalar."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation
from typing import Any

from graphql import GraphQLError, GraphQLScalarType, GraphQLSchema, ValueNode
from graphql.language import StringValueNode
from graphql.utilities import value_from_ast_untyped

from ._kraken_codes import NAIVE_DATETIME, CodedError


def parse_datetime(value: Any) -> dt.datetime:
    """Parse an ISO 8601 string into an aware datetime.

    Raises:
        CodedError: KT-CT-1609 when the value has no offset.
        GraphQLError: when the value is not an ISO 8601 datetime at all.

    """
    if isinstance(value, dt.datetime):
        parsed = value
    elif isinstance(value, str):
        try:
            parsed = dt.datetime.fromisoformat(value)
        except ValueError:
            raise GraphQLError(f"DateTime cannot represent {value!r}.") from None
    else:
        raise GraphQLError(f"DateTime cannot represent {value!r}.")
    if parsed.tzinfo is None or parsed.utcoffset() is None:
        raise CodedError(NAIVE_DATETIME)
    return parsed


def _serialize_datetime(value: Any) -> str:
    if isinstance(value, dt.datetime):
        return value.isoformat()
    if isinstance(value, str):
        return value
    raise GraphQLError(f"DateTime cannot represent {value!r}.")


def _parse_date(value: Any) -> dt.date:
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            pass
    raise GraphQLError(f"Date cannot represent {value!r}.")


def _serialize_date(value: Any) -> str:
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, str):
        return value
    raise GraphQLError(f"Date cannot represent {value!r}.")


def _parse_decimal(value: Any) -> Decimal:
    if isinstance(value, bool):
        raise GraphQLError(f"Decimal cannot represent {value!r}.")
    if isinstance(value, Decimal):
        return value
    if isinstance(value, int | float | str):
        try:
            return Decimal(str(value))
        except InvalidOperation:
            pass
    raise GraphQLError(f"Decimal cannot represent {value!r}.")


def _serialize_decimal(value: Any) -> str:
    # Kraken sends decimals as JSON strings, keeping every digit ("6.525000").
    return str(_parse_decimal(value))


def _string_literal(kind: str, parse: Any) -> Any:
    def parse_literal(node: ValueNode, _variables: Any = None) -> Any:
        if isinstance(node, StringValueNode):
            return parse(node.value)
        raise GraphQLError(f"{kind} literals are strings.", node)

    return parse_literal


def _generic_literal(node: ValueNode, variables: Any = None) -> Any:
    return value_from_ast_untyped(node, variables)


def install_scalars(schema: GraphQLSchema) -> None:
    """Give the schema's custom scalars their Kraken behaviour, in place."""
    behaviours: dict[str, tuple[Any, Any, Any]] = {
        "DateTime": (
            _serialize_datetime,
            parse_datetime,
            _string_literal("DateTime", parse_datetime),
        ),
        "Date": (_serialize_date, _parse_date, _string_literal("Date", _parse_date)),
        "Decimal": (_serialize_decimal, _parse_decimal, _string_literal("Decimal", _parse_decimal)),
        "GenericScalar": (lambda v: v, lambda v: v, _generic_literal),
    }
    for name, (serialize, parse_value, parse_literal) in behaviours.items():
        scalar = schema.type_map.get(name)
        if isinstance(scalar, GraphQLScalarType):
            scalar.serialize = serialize  # type: ignore[method-assign]
            scalar.parse_value = parse_value  # type: ignore[method-assign]
            scalar.parse_literal = parse_literal  # type: ignore[method-assign]

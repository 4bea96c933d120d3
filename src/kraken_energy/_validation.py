"""Reject bad arguments before any request, with a message that names the argument.

Each operation's variables are checked against the types the generator recorded for it in its
`Operation` (strict pydantic validation: no coercion of `123` into `"123"`, no naive datetime
where an aware one is required), then against Kraken's own rules that the types cannot express
(one utility per filter-list item, KT-CT-4713).
"""

from __future__ import annotations

from datetime import date, datetime
from functools import cache
from typing import TYPE_CHECKING, Any, Generic, NotRequired, TypeVar

from kraken_energy_gql.base_model import UNSET, BaseModel
from pydantic import ValidationError as PydanticValidationError
from typing_extensions import TypedDict

from ._codegen_runtime import Operation
from ._errors import InvalidArgumentError

if TYPE_CHECKING:
    from kraken_energy_gql.input_types import UtilityFiltersInput
    from pydantic import TypeAdapter


@cache
def _validators(operation: Operation[Any]) -> dict[str, TypeAdapter[Any]]:
    """GraphQL variable name -> strict validator, from the types the generator recorded."""
    from pydantic import TypeAdapter

    return {name: TypeAdapter(hint) for name, hint in operation.types.variables.items()}


ResultT = TypeVar("ResultT")


class Answer(TypedDict, Generic[ResultT]):
    """A GraphQL answer: the operation's result, and Kraken's errors kept as sent."""

    data: ResultT | None
    errors: NotRequired[list[dict[str, Any]] | None]


@cache
def result_envelope(operation: Operation[Any]) -> TypeAdapter[Any]:
    """Build the validator of one operation's whole answer: `{"data": Result, "errors": [...]}`.

    Validating the answer's bytes with it parses and types them in one pass, instead of a JSON
    parse and then a model validation.
    """
    from pydantic import TypeAdapter

    answer: Any = Answer  # subscripted with a runtime class: opaque to the type checker
    return TypeAdapter(answer[operation.types.result])


def check_variables(operation: Operation[Any], variables: dict[str, Any]) -> None:
    """Raise InvalidArgumentError for the first variable the operation cannot be sent with.

    Raises:
        InvalidArgumentError: names the Python argument and what is wrong with it.
    """
    validators = _validators(operation)
    for name, value in variables.items():
        if value is UNSET:
            continue
        argument = operation.arguments.get(name, name)
        validator = validators.get(name)
        if validator is not None:
            try:
                validator.validate_python(value, strict=True)
            except PydanticValidationError as exc:
                raise InvalidArgumentError(argument, _first_problem(exc)) from None
        if isinstance(value, _NESTED):
            _check_aware(argument, value)
        if name == "utilityFilters" and value is not None:
            _check_filters(argument, value)


def _first_problem(exc: PydanticValidationError) -> str:
    error = exc.errors(include_url=False)[0]
    location = "".join(
        f"[{part}]" if isinstance(part, int) else f".{part}"
        for part in error["loc"]
        if not str(part).startswith(("function-", "lax"))
    )
    got = type(error.get("input")).__name__
    return f"{error['msg']} (got {got}{' at ' + location if location else ''})"


def _check_aware(argument: str, value: Any) -> None:
    """Naive datetimes anywhere in the value, nested input objects included, are refused."""
    found = _naive(value)
    if found is not None:
        where, moment = found
        raise InvalidArgumentError(
            argument + where,
            f"naive datetime {moment.isoformat()}; give it a timezone (KT-CT-1609)",
        )


_NESTED = (datetime, BaseModel, list, tuple)


def _naive(value: Any) -> tuple[str, datetime] | None:
    """Return the path to the first naive datetime in the value (e.g. ".start_at"), if any.

    Only datetimes and containers are visited, and a path is built only for a naive datetime
    found, so checking every request's variables costs next to nothing.
    """
    if isinstance(value, datetime):
        return ("", value) if value.tzinfo is None or value.utcoffset() is None else None
    items: Any
    if isinstance(value, BaseModel):
        items = ((f".{name}", item) for name, item in vars(value).items())
    elif isinstance(value, list | tuple):
        items = ((f"[{index}]", item) for index, item in enumerate(value))
    else:
        return None
    for where, item in items:
        if isinstance(item, _NESTED):
            found = _naive(item)
            if found is not None:
                return where + found[0], found[1]
    return None


def _check_filters(argument: str, filters: list[UtilityFiltersInput | dict[str, Any]]) -> None:
    for index, item in enumerate(filters):
        chosen = [name for name, alias in _UTILITIES if _member(item, name, alias) is not None]
        if len(chosen) != 1:
            raise InvalidArgumentError(
                f"{argument}[{index}]",
                "each item must hold exactly one of electricity_filters or gas_filters "
                f"(it holds {' and '.join(chosen) or 'neither'}; KT-CT-4713)",
            )


_UTILITIES = (("electricity_filters", "electricityFilters"), ("gas_filters", "gasFilters"))


def _member(item: UtilityFiltersInput | dict[str, Any], name: str, alias: str) -> Any:
    """One utility of a filter item, given as a model or as a dict (by alias or field name)."""
    if isinstance(item, dict):
        return item.get(alias, item.get(name))
    return getattr(item, name, None)


_YEARS = (date.min.year + 1, date.max.year - 1)
"""Years a range may touch: a year clear of `date.min` and `date.max`, so that moving it to
another timezone or to the day after cannot overflow."""


def check_range_arguments(
    start: object,
    end: object,
    start_on: object,
    end_on: object,
    timezone: object,
    page_size: object,
    concurrency: object,
) -> None:
    """Refuse arguments of the wrong type for `KrakenClient.measurements`, naming each.

    A `date` where a datetime belongs (or the reverse), a `ZoneInfo` where a zone name belongs,
    a page size given as a string, and a last day with no day after it are refused here, before
    any arithmetic on them could raise something else.

    Raises:
        InvalidArgumentError: names the argument and what it should be.
    """
    for name, moment in (("start", start), ("end", end)):
        if moment is not None and not isinstance(moment, datetime):
            raise InvalidArgumentError(
                name,
                f"must be a timezone-aware datetime, got {type(moment).__name__} "
                "(for whole days, give start_on and end_on)",
            )
    for name, day in (("start_on", start_on), ("end_on", end_on)):
        if day is not None and (not isinstance(day, date) or isinstance(day, datetime)):
            raise InvalidArgumentError(
                name,
                f"must be a date, got {type(day).__name__} (for instants, give start and end)",
            )
    for name, value in (("start", start), ("end", end), ("start_on", start_on), ("end_on", end_on)):
        if isinstance(value, date) and not _YEARS[0] <= value.year <= _YEARS[1]:
            raise InvalidArgumentError(
                name, f"year {value.year} is out of range ({_YEARS[0]} to {_YEARS[1]})"
            )
    if not isinstance(timezone, str):
        hint = " (pass its .key)" if hasattr(timezone, "key") else ""
        raise InvalidArgumentError(
            "timezone",
            f"must be an IANA zone name such as 'Europe/London', got "
            f"{type(timezone).__name__}{hint}",
        )
    for name, count in (("page_size", page_size), ("concurrency", concurrency)):
        if count is not None and (isinstance(count, bool) or not isinstance(count, int)):
            raise InvalidArgumentError(name, f"must be a whole number, got {count!r}")

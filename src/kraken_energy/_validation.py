"""Reject bad arguments before any request, with a message that names the argument.

Each operation's variables are checked against the generated method's own signature (strict
pydantic validation: no coercion of `123` into `"123"`, no naive datetime where an aware one is
required), then against Kraken's own rules that the types cannot express (one utility per
filter-list item, KT-CT-4713).
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from datetime import datetime
from functools import cache
from typing import (
    TYPE_CHECKING,
    Any,
    Generic,
    NotRequired,
    TypeVar,
    Union,
    get_args,
    get_origin,
    get_type_hints,
)

import kraken_energy_gql
import kraken_energy_gql.base_model
from kraken_energy_gql import Client
from kraken_energy_gql.base_model import UNSET, BaseModel, UnsetType
from pydantic import ValidationError as PydanticValidationError
from typing_extensions import TypedDict

from ._errors import InvalidArgumentError

if TYPE_CHECKING:
    from kraken_energy_gql.input_types import UtilityFiltersInput
    from pydantic import TypeAdapter


@cache
def _snake(name: str) -> str:
    return re.sub(r"(?<=[a-z0-9])([A-Z])", r"_\1", name).lower()


@cache
def _parameters(operation_name: str) -> dict[str, tuple[str, TypeAdapter[Any]]]:
    """GraphQL variable name -> (Python argument name, strict validator) for one operation."""
    from pydantic import TypeAdapter

    hints = _hints(operation_name)
    return {
        _camel(argument): (argument, TypeAdapter(_without_unset(hint)))
        for argument, hint in hints.items()
        if argument not in ("return", "kwargs")
    }


@cache
def _hints(operation_name: str) -> dict[str, Any]:
    """Resolve the annotations of an operation's generated method ({} if there is none)."""
    method = getattr(Client, _snake(operation_name), None)
    return {} if method is None else get_type_hints(method, localns=_GeneratedNames())


class _GeneratedNames(Mapping[str, Any]):
    """The generated package's names, imported one by one as annotations mention them.

    The generated client imports its argument types for type checkers only, so its annotations
    are resolved here through the package's own lazy attributes.
    """

    def __getitem__(self, name: str) -> Any:
        for namespace in (kraken_energy_gql, kraken_energy_gql.base_model):
            try:
                return getattr(namespace, name)
            except AttributeError:
                continue
        raise KeyError(name)

    def __iter__(self) -> Iterator[str]:
        return iter(kraken_energy_gql.__all__)

    def __len__(self) -> int:
        return len(kraken_energy_gql.__all__)


ResultT = TypeVar("ResultT")


class Answer(TypedDict, Generic[ResultT]):
    """A GraphQL answer: the operation's result, and Kraken's errors kept as sent."""

    data: ResultT | None
    errors: NotRequired[list[dict[str, Any]] | None]


@cache
def result_envelope(operation_name: str) -> TypeAdapter[Any] | None:
    """Build the validator of one operation's whole answer: `{"data": Result, "errors": [...]}`.

    The result model is the generated method's return type. Validating the answer's bytes with
    it parses and types them in one pass, instead of a JSON parse and then a model validation.
    """
    from pydantic import TypeAdapter

    result = _hints(operation_name).get("return")
    if result is None:
        return None
    answer: Any = Answer  # subscripted with a runtime class: opaque to the type checker
    return TypeAdapter(answer[result])


def _without_unset(hint: Any) -> Any:
    """Drop `UnsetType` from the hint: unset arguments are never sent, so never validated."""
    if get_origin(hint) is Union:
        members = tuple(arg for arg in get_args(hint) if arg is not UnsetType)
        return Union[members] if len(members) > 1 else members[0]  # noqa: UP007
    return hint


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)


def check_variables(operation_name: str | None, variables: dict[str, Any] | None) -> None:
    """Raise InvalidArgumentError for the first variable the operation cannot be sent with.

    Raises:
        InvalidArgumentError: names the Python argument and what is wrong with it.
    """
    if not operation_name or not variables:
        return
    parameters = _parameters(operation_name)
    for name, value in variables.items():
        if value is UNSET:
            continue
        known = parameters.get(name)
        argument, validator = known if known is not None else (_snake(name), None)
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

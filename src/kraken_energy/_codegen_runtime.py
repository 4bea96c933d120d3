"""What the generated package (`kraken_energy_gql`) builds on: its base client and building blocks.

The generated code imports everything here; nothing here reads generated code back.

* `Operation` describes one operation of `queries/` as parsed at generation time: its name, its
  kind (query or mutation), its text, and its result and variable types (imported on first use).
  Each generated method passes its `Operation` and its variables to `run_operation`, so a
  request pipeline needs no reflection and never guesses anything from the operation's text.
* `KrakenBaseClient` sends one JSON POST per operation over httpx; `KrakenClient` overrides
  `run_operation` with the project's pipeline (argument checks, retries, errors, logging).
* Kraken adds enum values and union or interface members without notice, so the generated
  models keep them instead of failing: every generated enum derives from `OpenEnum` (in
  `_open_enum`, which needs only the standard library), and every
  `__typename` union ends with a fallback member whose `typename__` is checked by `not_typename`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from functools import cached_property
from types import TracebackType
from typing import TYPE_CHECKING, Annotated, Any, Generic, Literal, Self, TypeVar

import httpx
from kraken_energy_gql.base_model import UNSET, BaseModel
from pydantic import AfterValidator, GetCoreSchemaHandler
from pydantic_core import core_schema, to_jsonable_python

# Defined apart, with the standard library only, so the generated enums import without httpx and
# pydantic (the `kraken` command's option choices are those enums' values).
from ._open_enum import MAX_REMEMBERED_UNKNOWN_VALUES as MAX_REMEMBERED_UNKNOWN_VALUES
from ._open_enum import OpenEnum as OpenEnum

if TYPE_CHECKING:
    from ._retry import RetryPolicy

ResultT = TypeVar("ResultT", bound=BaseModel)
OperationKind = Literal["query", "mutation"]


@dataclass(frozen=True, slots=True)
class OperationTypes(Generic[ResultT]):
    """The Python types of one operation: its result model and each variable's type."""

    result: type[ResultT]
    variables: Mapping[str, Any]
    """GraphQL variable name -> the type of the argument the generated method takes for it."""


@dataclass(frozen=True, eq=False)  # compared and hashed by identity: one per operation
class Operation(Generic[ResultT]):
    """One operation of `queries/`, as the generator parsed it.

    Example:
        >>> from kraken_energy_gql.client import GET_ACCOUNT
        >>> (GET_ACCOUNT.name, GET_ACCOUNT.kind)
        ('getAccount', 'query')
    """

    name: str
    kind: OperationKind
    text: str
    """The document sent: the operation and every fragment it uses."""
    arguments: Mapping[str, str]
    """GraphQL variable name -> the generated method's argument name (for error messages)."""
    load_types: Callable[[], OperationTypes[ResultT]]
    """Imports the result and input types; called once, on first use (`types`)."""

    @cached_property
    def types(self) -> OperationTypes[ResultT]:
        """The result and variable types, imported the first time they are needed."""
        return self.load_types()


class _ExactInJson:
    """In JSON, take a decimal only from a string: a JSON number has lost digits already.

    The JSON parser reads `1.2345678901234567890123` as a float (`1.2345678901234567`);
    refusing it beats returning a reading that silently differs from Kraken's. Python
    values (a `Decimal`, a string) validate as `Decimal` always does. All checks run in
    pydantic-core, so the hot path costs nothing extra.
    """

    @classmethod
    def __get_pydantic_core_schema__(
        cls, source: Any, handler: GetCoreSchemaHandler
    ) -> core_schema.CoreSchema:
        decimal = handler(source)
        text = core_schema.custom_error_schema(
            core_schema.str_schema(),
            custom_error_type="decimal_not_a_string",
            custom_error_message="a decimal must arrive as a JSON string (a number loses digits)",
        )
        return core_schema.json_or_python_schema(
            json_schema=core_schema.chain_schema([text, decimal]), python_schema=decimal
        )


ExactDecimal = Annotated[Decimal, _ExactInJson]
"""Kraken's `Decimal` scalar: exact, and refused when a JSON answer sends it as a number."""


def not_typename(*known: str) -> Any:
    """Validate a fallback member's `__typename`: any name except those with their own class.

    A known member whose data is broken then fails validation instead of becoming the fallback.

    Raises:
        ValueError: (inside validation) the name is one of `known`.
    """

    def check(name: str) -> str:
        if name in known:
            raise ValueError(f"{name} data does not match its own class")
        return name

    return AfterValidator(check)


def jsonable(value: Any) -> Any:
    """Make a variable JSON-ready: input objects by alias, and only the fields the caller set.

    An explicit null overrides a GraphQL default, so fields never set are left out, not nulled.
    """
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json", by_alias=True, exclude_unset=True)
    if isinstance(value, list | tuple):
        return [jsonable(item) for item in value]
    return to_jsonable_python(value)


def request_payload(
    query: str, operation_name: str | None, variables: Mapping[str, Any] | None
) -> dict[str, Any]:
    """Build the JSON body of one operation: unset variables left out, the rest made JSON-ready."""
    payload: dict[str, Any] = {"query": query, "operationName": operation_name}
    if variables:
        payload["variables"] = {
            name: jsonable(value) for name, value in variables.items() if value is not UNSET
        }
    return payload


class KrakenBaseClient:
    """Sends GraphQL operations to one endpoint with an `httpx.AsyncClient`.

    The base of the generated `Client`; `kraken_energy.KrakenClient` is the one to use.
    """

    def __init__(self, url: str = "", http_client: httpx.AsyncClient | None = None) -> None:
        self.url = url
        self.http_client = http_client if http_client is not None else httpx.AsyncClient()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc_val: BaseException | None,
        exc_tb: TracebackType | None,
    ) -> None:
        await self.http_client.aclose()

    async def execute(
        self,
        query: str,
        operation_name: str | None = None,
        variables: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> httpx.Response:
        """POST the operation; unset variables are left out, the rest made JSON-ready."""
        payload = request_payload(query, operation_name, variables)
        return await self.http_client.post(self.url, json=payload, **kwargs)

    async def run_operation(
        self,
        operation: Operation[ResultT],
        variables: dict[str, Any],
        *,
        retry: RetryPolicy | None = None,
        timeout: httpx.Timeout | None = None,
        deadline: float | None = None,
    ) -> ResultT:
        """Send one generated operation and return its result model.

        This plain version sends once and validates the `data`; it raises httpx's errors and
        pydantic's, and ignores `retry` and `deadline`. `KrakenClient` replaces it with the
        full pipeline.
        """
        extra = {} if timeout is None else {"timeout": timeout}
        response = await self.execute(operation.text, operation.name, variables, **extra)
        response.raise_for_status()
        return operation.types.result.model_validate(response.json()["data"])

"""The runtime the generated package builds on: open enums, fallback members, operations."""

import json
from typing import Annotated

import httpx
import pytest
from kraken_energy_gql import client as generated
from kraken_energy_gql.base_model import UNSET
from pydantic import BaseModel, TypeAdapter, ValidationError
from pytest_httpx import HTTPXMock

from kraken_energy._codegen_runtime import (
    KrakenBaseClient,
    OpenEnum,
    Operation,
    OperationTypes,
    not_typename,
)

URL = "https://kraken.test/v1/graphql/"


class Colour(OpenEnum):
    RED = "RED"
    GREEN = "GREEN"


def test_open_enum_keeps_an_unknown_value_as_an_unlisted_member() -> None:
    """An unknown value becomes a member equal to its string, not listed, and not `is_known`."""
    teal = Colour("TEAL")
    assert (teal == "TEAL", teal.is_known, Colour.RED.is_known) == (True, False, True)
    assert list(Colour) == [Colour.RED, Colour.GREEN]


def test_open_enum_returns_the_same_member_for_the_same_unknown_value() -> None:
    """The same unknown value read twice is the same object, so identity checks hold."""
    assert Colour("VIOLET") is Colour("VIOLET")


def test_open_enum_refuses_a_value_that_is_not_a_string() -> None:
    """A non-string value is not a pseudo-member: the enum refuses it as enums do."""
    with pytest.raises(ValueError, match="3"):
        Colour(3)


def test_open_enum_keeps_unknown_values_through_pydantic_validation() -> None:
    """Validating JSON into an open enum keeps a value newer than the client."""
    assert TypeAdapter(list[Colour]).validate_json(b'["RED", "ULTRA"]') == ["RED", "ULTRA"]


class Fallback(BaseModel):
    typename: Annotated[str, not_typename("Circle", "Square")]


def test_not_typename_accepts_a_name_without_its_own_class() -> None:
    """A `__typename` the generator did not know is taken by the fallback member."""
    assert Fallback(typename="Triangle").typename == "Triangle"


def test_not_typename_refuses_a_name_with_its_own_class() -> None:
    """A known member's name is refused, so its broken data fails instead of falling back."""
    with pytest.raises(ValidationError, match="Circle data does not match its own class"):
        Fallback(typename="Circle")


@pytest.mark.parametrize(
    ("operation", "name", "kind"),
    [
        (generated.GET_ACCOUNT, "getAccount", "query"),
        (generated.GET_MEASUREMENTS, "getMeasurements", "query"),
        (generated.OBTAIN_KRAKEN_TOKEN, "obtainKrakenToken", "mutation"),
    ],
)
def test_generated_operations_know_their_name_and_kind(operation, name, kind) -> None:
    """Each generated Operation holds the name and kind parsed from queries/, and its text."""
    assert (operation.name, operation.kind) == (name, kind)
    assert f"{kind} {name}" in operation.text


def test_operation_types_are_loaded_once_on_first_use() -> None:
    """An Operation imports its types lazily, the first time, and keeps them."""
    calls: list[int] = []

    def load() -> OperationTypes[BaseModel]:
        calls.append(1)
        return OperationTypes(BaseModel, {})

    operation = Operation("q", "query", "query q { a }", {}, load)
    assert calls == []
    assert operation.types is operation.types
    assert calls == [1]


class Answer(BaseModel):
    a: int


async def test_base_client_posts_the_operation_and_validates_its_data(
    httpx_mock: HTTPXMock,
) -> None:
    """The plain base client sends name, text and set variables, and returns the result model."""
    httpx_mock.add_response(url=URL, json={"data": {"a": 3}})
    operation = Operation("q", "query", "query q($n: Int) { a }", {},
                          lambda: OperationTypes(Answer, {}))
    async with KrakenBaseClient(URL) as client:
        result = await client.run_operation(operation, {"n": 1, "unset": UNSET})
    assert result == Answer(a=3)
    sent = json.loads(httpx_mock.get_request().content)
    assert sent == {"query": "query q($n: Int) { a }", "operationName": "q",
                    "variables": {"n": 1}}


async def test_base_client_raises_httpx_errors_for_a_failed_status(httpx_mock: HTTPXMock) -> None:
    """The plain base client does not classify errors: an HTTP 500 raises httpx's error."""
    httpx_mock.add_response(url=URL, status_code=500)
    operation = Operation("q", "query", "query q { a }", {}, lambda: OperationTypes(Answer, {}))
    async with KrakenBaseClient(URL) as client:
        with pytest.raises(httpx.HTTPStatusError):
            await client.run_operation(operation, {})

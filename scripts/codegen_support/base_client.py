"""The base class of the generated client: one JSON POST per operation over httpx.

Replaces ariadne-codegen's default base client, which also carries websockets and file uploads
this API does not use and is not strictly typed. The hand-written `kraken_energy` layer injects
the `httpx.AsyncClient` (auth, timeouts, retries live there) and translates the exceptions below.
"""

from types import TracebackType
from typing import Any, Self

import httpx
from pydantic_core import to_jsonable_python

from .base_model import UNSET, BaseModel


class GraphQLClientError(Exception):
    """Base of what the generated client raises; `kraken_energy` translates every one."""

    def __init__(self, message: str, response: httpx.Response) -> None:
        super().__init__(message)
        self.response = response


class GraphQLClientHttpError(GraphQLClientError):
    """The server answered with a status other than 2xx."""


class GraphQLClientInvalidResponseError(GraphQLClientError):
    """The body is not JSON, or not a GraphQL response."""


class GraphQLClientGraphQLError(GraphQLClientError):
    """The response carries `errors`: kept whole, with the partial `data` beside them."""

    def __init__(
        self,
        response: httpx.Response,
        errors: list[dict[str, Any]],
        data: dict[str, Any] | None,
    ) -> None:
        super().__init__(f"{len(errors)} GraphQL error(s)", response)
        self.errors = errors
        self.data = data


def _jsonable(value: Any) -> Any:
    """A variable as JSON: input objects by alias, and only the fields the caller set.

    An explicit null overrides a GraphQL default, so fields never set are left out, not nulled.
    """
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json", by_alias=True, exclude_unset=True)
    if isinstance(value, list | tuple):
        return [_jsonable(item) for item in value]
    return to_jsonable_python(value)


class KrakenBaseClient:
    """Sends GraphQL operations to one endpoint with an `httpx.AsyncClient`."""

    def __init__(
        self,
        url: str = "",
        headers: dict[str, str] | None = None,
        http_client: httpx.AsyncClient | None = None,
    ) -> None:
        self.url = url
        self.headers = headers
        self.http_client = (
            http_client if http_client is not None else httpx.AsyncClient(headers=headers)
        )

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
        payload: dict[str, Any] = {"query": query, "operationName": operation_name}
        if variables:
            payload["variables"] = {
                name: _jsonable(value) for name, value in variables.items() if value is not UNSET
            }
        return await self.http_client.post(self.url, json=payload, **kwargs)

    def get_data(self, response: httpx.Response) -> dict[str, Any]:
        """The `data` of a GraphQL response; raises on HTTP errors, bad bodies and `errors`."""
        if not response.is_success:
            raise GraphQLClientHttpError(f"HTTP {response.status_code}", response)
        try:
            body = response.json()
        except ValueError as exc:
            raise GraphQLClientInvalidResponseError("body is not JSON", response) from exc
        if not isinstance(body, dict) or ("data" not in body and "errors" not in body):
            raise GraphQLClientInvalidResponseError("not a GraphQL response", response)
        data = body.get("data")
        errors = body.get("errors")
        if data is not None and not isinstance(data, dict):
            raise GraphQLClientInvalidResponseError("`data` is not an object", response)
        if errors:
            if not isinstance(errors, list) or not all(isinstance(e, dict) for e in errors):
                raise GraphQLClientInvalidResponseError("`errors` is not a list", response)
            raise GraphQLClientGraphQLError(response, errors, data)
        if data is None:
            raise GraphQLClientInvalidResponseError("no `data` and no `errors`", response)
        return data

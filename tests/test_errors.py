"""Error classification: Kraken-shaped payloads to exception classes, with nothing lost."""

import httpx
import pytest

import kraken_energy as kc
from kraken_energy._errors import check_response, transport_error


def kraken_error(code: str, error_type: str | None, message: str = "Invalid data.",
                 description: str = "Something was wrong.", **extra: object) -> dict:
    """One error entry shaped like Kraken's (errorClass and validationErrors on VALIDATION)."""
    extensions: dict[str, object] = {"errorCode": code, "errorDescription": description}
    if error_type is not None:
        extensions["errorType"] = error_type
    if error_type == "VALIDATION":
        extensions["errorClass"] = "VALIDATION"
        extensions["validationErrors"] = [{"message": "Bad value.", "inputPath": ["input", "x"]}]
    return {"message": message, "locations": [{"line": 2, "column": 3}],
            "path": ["obtainKrakenToken"], "extensions": extensions, **extra}


def answer(*errors: dict, data: object = None) -> httpx.Response:
    return httpx.Response(200, json={"data": data, "errors": list(errors)})


@pytest.mark.parametrize(("code", "error_type", "expected"), [
    ("KT-CT-1138", "VALIDATION", kc.AuthenticationFailedError),
    ("KT-CT-1139", "VALIDATION", kc.AuthenticationFailedError),
    ("KT-CT-1140", "VALIDATION", kc.AuthenticationFailedError),
    ("KT-CT-1134", "VALIDATION", kc.AuthenticationFailedError),
    ("KT-CT-1135", "VALIDATION", kc.AuthenticationFailedError),
    ("KT-CT-1124", "APPLICATION", kc.TokenExpiredError),
    ("KT-CT-1120", "APPLICATION", kc.TokenExpiredError),
    ("KT-CT-1163", "APPLICATION", kc.TokenExpiredError),
    ("KT-CT-1199", "AUTHORIZATION", kc.RateLimitedError),
    ("KT-CT-1188", "AUTHORIZATION", kc.QueryTooComplexError),
    ("KT-CT-1189", "AUTHORIZATION", kc.QueryTooComplexError),
    ("KT-CT-1201", "VALIDATION", kc.PaginationError),
    ("KT-CT-1202", "VALIDATION", kc.PaginationError),
    ("KT-CT-1203", "VALIDATION", kc.PaginationError),
    ("KT-CT-1208", None, kc.PaginationError),
    ("KT-CT-1112", "AUTHORIZATION", kc.AuthorizationError),
    ("KT-CT-1143", "AUTHORIZATION", kc.AuthorizationError),
    ("KT-CT-4178", "NOT_FOUND", kc.NotFoundError),
    ("KT-CT-1609", "VALIDATION", kc.ValidationError),
    ("KT-CT-4713", "VALIDATION", kc.ValidationError),
    ("KT-CT-7899", "APPLICATION", kc.ApplicationError),
    ("KT-CT-9999", "SERVICE_AVAILABILITY", kc.ServiceUnavailableError),
    ("KT-CT-9998", None, kc.GraphQLError),
])
def test_error_code_maps_to_class(code: str, error_type: str | None, expected: type) -> None:
    """The code picks a named class; otherwise the errorType picks its branch."""
    with pytest.raises(kc.GraphQLError) as caught:
        check_response(answer(kraken_error(code, error_type)), "getAccount")
    assert type(caught.value) is expected
    assert caught.value.code == code and caught.value.error_type == error_type


def test_graphql_error_keeps_everything_kraken_sent() -> None:
    """Code, type, message, description, path, input paths, all errors and partial data are kept."""
    first = kraken_error("KT-CT-4178", "NOT_FOUND", message="No account found.",
                         description="No account found with given account number.")
    first["path"] = ["account"]
    second = kraken_error("KT-CT-7899", "APPLICATION")
    with pytest.raises(kc.NotFoundError) as caught:
        check_response(answer(first, second, data={"account": None}), "getAccount")
    error = caught.value
    assert (error.message, error.description) == (
        "No account found.", "No account found with given account number.")
    assert error.path == ("account",)
    assert error.errors == [first, second]
    assert error.data == {"account": None}
    assert error.operation_name == "getAccount"
    assert str(error) == ("KT-CT-4178: No account found with given account number. in getAccount "
                          "at account (+1 more)")


def test_validation_errors_keep_their_input_paths() -> None:
    """Kraken's validationErrors become FieldProblems and appear in the one-line message."""
    with pytest.raises(kc.AuthenticationFailedError) as caught:
        check_response(answer(kraken_error("KT-CT-1139", "VALIDATION",
                                           description="Invalid API key.")), "obtainKrakenToken")
    assert caught.value.validation_errors == (kc.FieldProblem("Bad value.", ("input", "x")),)
    assert str(caught.value) == ("KT-CT-1139: Invalid API key. [input.x: Bad value.] in "
                                 "obtainKrakenToken at obtainKrakenToken")
    assert "\n" not in str(caught.value)


@pytest.mark.parametrize(("response", "expected", "text"), [
    (httpx.Response(502, text="<html><body>Bad Gateway</body></html>"), kc.HTTPStatusError,
     "HTTP 502 for getAccount: '<html><body>Bad Gateway</body></html>'"),
    (httpx.Response(200, text="<html>oops"), kc.InvalidResponseError,
     "invalid response to getAccount: body is not JSON"),
    (httpx.Response(200, content=b""), kc.InvalidResponseError,
     "invalid response to getAccount: empty body"),
    (httpx.Response(200, json=[1, 2]), kc.InvalidResponseError,
     "invalid response to getAccount: not a GraphQL response"),
    (httpx.Response(200, json={"data": None}), kc.InvalidResponseError,
     "invalid response to getAccount: no `data` and no `errors`"),
])
def test_non_graphql_answers(response: httpx.Response, expected: type, text: str) -> None:
    """Non-200 and non-GraphQL answers get their own branches, with a short body excerpt."""
    with pytest.raises(expected) as caught:
        check_response(response, "getAccount")
    assert str(caught.value) == text


def test_http_error_keeps_status_excerpt_and_retry_after() -> None:
    """A long HTML page is cut to a short excerpt; Retry-After in seconds is kept."""
    page = "<html>" + "x" * 5000 + "</html>"
    with pytest.raises(kc.HTTPStatusError) as caught:
        check_response(httpx.Response(503, text=page, headers={"Retry-After": "7"}), None)
    assert caught.value.status == 503
    assert len(caught.value.body_excerpt) == 200
    assert caught.value.retry_after == 7.0


@pytest.mark.parametrize(("exc", "expected", "never_sent"), [
    (httpx.ConnectError("refused"), kc.ConnectError, True),
    (httpx.ConnectTimeout("slow"), kc.RequestTimeoutError, True),
    (httpx.ReadTimeout("slow"), kc.RequestTimeoutError, False),
    (httpx.RemoteProtocolError("dropped"), kc.ConnectionDroppedError, False),
    (httpx.ReadError("reset"), kc.ConnectionDroppedError, False),
])
def test_transport_errors(exc: httpx.TransportError, expected: type, never_sent: bool) -> None:
    """httpx transport failures map to the transport branch; 'never sent' is known exactly."""
    error = transport_error(exc, "getAccount")
    assert type(error) is expected
    assert isinstance(error, kc.TransportError)
    assert (isinstance(error, kc.ConnectError) or getattr(error, "never_sent", False)) == never_sent

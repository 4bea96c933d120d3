"""Response builders for HTTP mocks: the JSON the project's operations select, as models read it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import jwt
import pytest
from kraken_energy_gql.get_measurements import GetMeasurements
from kraken_energy_gql.get_property_measurements import GetPropertyMeasurements
from kraken_energy_gql.obtain_kraken_token import ObtainKrakenToken

from kraken_energy.testing import error_response, measurements_response, token_response

START = datetime(2024, 10, 27, tzinfo=UTC)
READINGS = [(START + timedelta(hours=h), START + timedelta(hours=h + 1), f"{h}.500000")
            for h in range(3)]


def test_measurements_page_reads_as_the_generated_model() -> None:
    """Readings keep their exact values, times and order; cursors and pageInfo follow them."""
    page = measurements_response(READINGS, property_id="42", has_next_page=True, offset=10)
    model = GetPropertyMeasurements.model_validate(page["data"]).property_
    assert model is not None and model.id == "42"
    connection = model.measurements
    assert [e.node.value for e in connection.edges] == [Decimal("0.5"), Decimal("1.5"),
                                                       Decimal("2.5")]
    assert str(connection.edges[0].node.value) == "0.500000"
    assert connection.edges[1].node.start_at == READINGS[1][0]
    assert connection.edges[1].node.duration_in_seconds == 3600
    assert connection.page_info.has_next_page and connection.page_info.has_previous_page
    assert connection.page_info.end_cursor == connection.edges[-1].cursor
    assert (connection.edge_count, connection.total_count) == (3, 14)


def test_account_measurements_page_is_get_measurements() -> None:
    """With an account number the page is getMeasurements' shape: account, properties, page."""
    page = measurements_response(READINGS[:1], account_number="A-1", property_id="7")
    account = GetMeasurements.model_validate(page["data"]).account
    assert account is not None and account.properties is not None
    (prop,) = account.properties
    assert prop is not None and prop.id == "7" and len(prop.measurements.edges) == 1


def test_naive_reading_times_are_refused() -> None:
    """A reading without a timezone is a ValueError, not a silently wrong offset."""
    naive = datetime(2024, 10, 1)
    with pytest.raises(ValueError, match="timezone-aware"):
        measurements_response([(naive, naive + timedelta(hours=1), "1")])


def test_token_answer_is_a_jwt_with_the_lifetime_asked() -> None:
    """The token decodes as a JWT whose exp is `lifetime` after iat, issued at `now`."""
    answer = token_response(lifetime=60, now=1_700_000_000)
    model = ObtainKrakenToken.model_validate(answer["data"]).obtain_kraken_token
    assert model is not None and model.token and model.refresh_token
    claims = jwt.decode(model.token, options={"verify_signature": False, "verify_exp": False})
    assert (claims["iat"], claims["exp"]) == (1_700_000_000, 1_700_000_060)


def test_known_error_codes_carry_krakens_type_and_message() -> None:
    """KT-CT-1199 is Kraken's rate limit: AUTHORIZATION, "Too many requests."."""
    answer = error_response("KT-CT-1199", path=["property"], data={"property": None})
    (error,) = answer["errors"]
    assert error["message"] == "Too many requests."
    assert error["extensions"]["errorType"] == "AUTHORIZATION"
    assert error["path"] == ["property"] and answer["data"] == {"property": None}


def test_unknown_error_codes_take_the_given_type_and_message() -> None:
    """A code the fake does not know gets the caller's type and message."""
    answer = error_response("KT-CT-9999", message="Something new.", error_type="VALIDATION")
    error = answer["errors"][0]
    assert error["message"] == "Something new."
    assert error["extensions"]["errorCode"] == "KT-CT-9999"
    assert error["extensions"]["errorType"] == "VALIDATION"

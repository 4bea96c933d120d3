"""Kraken-shaped GraphQL errors raised by the fake's resolvers.

A resolver raises :class:`CodedError`; graphql-core turns it into an error entry carrying
``message``, ``locations``, ``path`` and the ``extensions`` built here, exactly the shape Kraken
sends. Only the short messages Kraken is known to send verbatim ("Invalid data.", "Signature of the
JWT has expired.", "Too many requests.") are literal; the other wordings are the fake's own.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Final

VALIDATION: Final = "VALIDATION"
APPLICATION: Final = "APPLICATION"
NOT_FOUND: Final = "NOT_FOUND"
AUTHORIZATION: Final = "AUTHORIZATION"

INVALID_DATA: Final = "Invalid data."


@dataclass(frozen=True)
class ErrorSpec:
    """What the fake says for one ``KT-CT-`` code: its type, message and description."""

    code: str
    error_type: str
    message: str
    description: str


def _spec(number: int, error_type: str, message: str, description: str) -> ErrorSpec:
    return ErrorSpec(f"KT-CT-{number}", error_type, message, description)


# The codes the fake produces. Messages are the fake's own wording unless Kraken's is a known fact.
UNAUTHORIZED = _spec(1111, AUTHORIZATION, "Not authorised.", "The viewer may not see this.")
HEADER_MISSING = _spec(
    1112, AUTHORIZATION, "No 'Authorization' header.", "Send the token in the header."
)
TOKEN_EXPIRED = _spec(1124, APPLICATION, "Signature of the JWT has expired.", "")
REFRESH_EXPIRED = _spec(1134, VALIDATION, INVALID_DATA, "The refresh token is past its expiry.")
REFRESH_INCORRECT = _spec(1135, VALIDATION, INVALID_DATA, "The refresh token is not recognised.")
PASSWORD_MISSING = _spec(1136, VALIDATION, INVALID_DATA, "Email and password go together.")
WRONG_COMBINATION = _spec(1137, VALIDATION, INVALID_DATA, "Send exactly one kind of credential.")
BAD_EMAIL_PASSWORD = _spec(1138, VALIDATION, INVALID_DATA, "The email or password is wrong.")
BAD_API_KEY = _spec(1139, VALIDATION, INVALID_DATA, "The API key is not recognised.")
BAD_ORG_KEY = _spec(1140, VALIDATION, INVALID_DATA, "The organization key is not recognised.")
# Kraken's code for a bad pre-signed key is not among the known facts; 1141 is a plausible one.
BAD_PRE_SIGNED_KEY = _spec(1141, VALIDATION, INVALID_DATA, "The pre-signed key is not valid.")
HEADER_INVALID = _spec(
    1143, AUTHORIZATION, "The 'Authorization' header is not a valid token.", "Obtain a new token."
)
RATE_LIMITED = _spec(1199, AUTHORIZATION, "Too many requests.", "Slow down, then retry.")
FIRST_MISSING = _spec(1201, VALIDATION, "Pagination needs first or last.", "Send first or last.")
PAGE_NEGATIVE = _spec(1202, VALIDATION, "Bad pagination parameters.", "Page sizes are positive.")
PAGE_TOO_LARGE = _spec(1203, VALIDATION, "Bad pagination parameters.", "The page is too large.")
BAD_CURSOR = _spec(1208, VALIDATION, "Bad pagination cursor.", "Use a cursor the API returned.")
NAIVE_DATETIME = _spec(
    1609, VALIDATION, "The datetime has no timezone.", "Send datetimes with an offset."
)
ACCOUNT_NOT_FOUND = _spec(4178, NOT_FOUND, "No account has that number.", "Check the number.")
ONE_UTILITY_PER_ITEM = _spec(
    4713, VALIDATION, "Each utility filter item holds exactly one filter.", "Split the item."
)
BAD_TIMEZONE = _spec(13614, VALIDATION, "Unknown timezone.", "Use an IANA timezone name.")


KNOWN_CODES: Final = {
    spec.code: spec
    for spec in (
        UNAUTHORIZED,
        HEADER_MISSING,
        TOKEN_EXPIRED,
        REFRESH_EXPIRED,
        REFRESH_INCORRECT,
        PASSWORD_MISSING,
        WRONG_COMBINATION,
        BAD_EMAIL_PASSWORD,
        BAD_API_KEY,
        BAD_ORG_KEY,
        BAD_PRE_SIGNED_KEY,
        HEADER_INVALID,
        RATE_LIMITED,
        FIRST_MISSING,
        PAGE_NEGATIVE,
        PAGE_TOO_LARGE,
        BAD_CURSOR,
        NAIVE_DATETIME,
        ACCOUNT_NOT_FOUND,
        ONE_UTILITY_PER_ITEM,
        BAD_TIMEZONE,
    )
}
"""Every code the fake produces, by its ``KT-CT-`` name."""

class CodedError(Exception):
    """An error graphql-core reports with Kraken's ``extensions``.

    Raises:
        Nothing itself; resolvers raise it and graphql-core formats it.

    Example:
        >>> raise CodedError(ACCOUNT_NOT_FOUND)  # doctest: +SKIP

    """

    def __init__(
        self,
        spec: ErrorSpec,
        *,
        input_path: Sequence[str | int] | None = None,
        detail: str | None = None,
    ) -> None:
        super().__init__(spec.message)
        self.spec = spec
        self.extensions: dict[str, Any] = {
            "errorType": spec.error_type,
            "errorCode": spec.code,
            "errorDescription": spec.description,
        }
        if spec.error_type == VALIDATION:
            self.extensions["errorClass"] = VALIDATION
            self.extensions["validationErrors"] = [
                {
                    "message": detail or spec.description or spec.message,
                    "inputPath": list(input_path) if input_path is not None else None,
                }
            ]

    @property
    def code(self) -> str:
        """The ``KT-CT-`` code."""
        return self.spec.code

"""Keep credentials and tokens out of everything the command prints, even with `-v`.

The command never formats a credential itself; this is the second line of defence for text it
does not control (exception messages, tracebacks, third-party log records): every value of a
secret environment variable, and anything shaped like a JWT, is replaced before it is printed.
"""

from __future__ import annotations

import logging
import re
import sys
from collections.abc import Iterable, Mapping
from typing import Final

SECRET_VARIABLES: Final = (
    "KRAKEN_API_KEY",
    "KRAKEN_PASSWORD",
    "KRAKEN_ORGANIZATION_SECRET_KEY",
    "KRAKEN_PRE_SIGNED_KEY",
    "KRAKEN_TOKEN",
    "KRAKEN_CLIENT_SECRET",
)
"""The environment variables whose values are secrets (an email or client id is not)."""

MIN_SECRET_LENGTH: Final = 4
"""Shorter values are not redacted: replacing every "a" would garble the output, not protect it."""

MASK: Final = "***"

_JWT: Final = re.compile(r"eyJ[A-Za-z0-9_-]*\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*")
"""A JSON Web Token: base64url of `{"...` (the header), then payload and signature."""


class Redactor:
    """Replaces known secret values and JWT-shaped tokens in text with `***`."""

    def __init__(self, secrets: Iterable[str]) -> None:
        # Longest first, so a secret that contains another is masked whole.
        self._secrets = sorted(
            {s for s in secrets if len(s) >= MIN_SECRET_LENGTH}, key=len, reverse=True
        )

    @classmethod
    def from_environment(cls, environ: Mapping[str, str]) -> Redactor:
        """Build a redactor for the secrets in `environ` (see `SECRET_VARIABLES`)."""
        return cls(environ.get(name, "") for name in SECRET_VARIABLES)

    def __call__(self, text: str) -> str:
        """Return `text` with every secret and token masked."""
        for secret in self._secrets:
            text = text.replace(secret, MASK)
        return _JWT.sub(MASK, text)


class _RedactingFilter(logging.Filter):
    """Renders each record's message once, redacted, so no handler sees the raw arguments."""

    def __init__(self, redact: Redactor) -> None:
        super().__init__()
        self._redact = redact

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = self._redact(record.getMessage())
        record.args = ()
        if record.exc_info:
            record.exc_text = self._redact(logging.Formatter().formatException(record.exc_info))
            record.exc_info = None
        return True


DEBUG_LOGGERS: Final = (("kraken_energy", logging.DEBUG), ("httpx", logging.INFO))


def enable_debug_logging(redact: Redactor) -> logging.Handler:
    """Send the client's debug log (one line per attempt) and httpx's requests to stderr.

    Returns the handler, for `disable_debug_logging` when the command ends.
    """
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("debug: %(name)s: %(message)s"))
    handler.addFilter(_RedactingFilter(redact))
    for name, level in DEBUG_LOGGERS:
        logger = logging.getLogger(name)
        logger.setLevel(level)
        logger.addHandler(handler)
    return handler


def disable_debug_logging(handler: logging.Handler) -> None:
    """Undo `enable_debug_logging`: remove the handler and restore the loggers' levels."""
    for name, _level in DEBUG_LOGGERS:
        logger = logging.getLogger(name)
        logger.removeHandler(handler)
        logger.setLevel(logging.NOTSET)

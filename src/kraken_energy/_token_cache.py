"""The optional token cache on disk: written atomically, read without following links.

A cache holds live tokens, so the file and its folder are treated as a target:
- the folder must not be writable by anyone but its owner (the user, or root): another user
  able to write there could plant a link or swap the file. Such a folder is refused with an
  `InvalidArgumentError` naming it, when the `KrakenAuth` is built;
- the cache is written to a new file created exclusively (`O_CREAT | O_EXCL | O_NOFOLLOW`,
  mode 0600) beside it, then renamed over it: a reader never sees half a file, and no link or
  file planted at either name is written through;
- it is read without following a link (`O_NOFOLLOW`), and ignored, with a warning on the
  `kraken_energy` logger, when it is a link, is owned by another user, or is not a cache this
  client wrote (corrupt, cut short, or of the wrong shape). Tokens are then obtained anew.
A cache written for another credential is ignored silently (its fingerprint differs).
"""

from __future__ import annotations

import json
import logging
import math
import os
import secrets
import stat
from pathlib import Path
from typing import Any

from ._errors import InvalidArgumentError
from ._tokens import Tokens

logger = logging.getLogger("kraken_energy")

_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)  # absent on Windows, where links need privileges
_BINARY = getattr(os, "O_BINARY", 0)


def _owner_ok(uid: int) -> bool:
    """Whether a file or folder owned by `uid` is trusted: the user's own, or root's."""
    getuid = getattr(os, "getuid", None)
    return getuid is None or uid in (getuid(), 0)


class TokenCache:
    """One cache file. `load` returns the tokens kept for a credential; `save` replaces them.

    Raises:
        InvalidArgumentError: (when built) the folder is writable by others, owned by another
            user, or is not a folder.
    """

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)
        folder = self.path.parent
        try:
            info = os.stat(folder)
        except OSError as exc:
            raise InvalidArgumentError(
                "token_cache", f"the folder {str(folder)!r} cannot be used: {exc.strerror}"
            ) from None
        if not stat.S_ISDIR(info.st_mode):
            raise InvalidArgumentError("token_cache", f"{str(folder)!r} is not a folder")
        if info.st_mode & (stat.S_IWGRP | stat.S_IWOTH) or not _owner_ok(info.st_uid):
            raise InvalidArgumentError(
                "token_cache",
                f"the folder {str(folder)!r} can be written by other users (mode "
                f"{stat.S_IMODE(info.st_mode):o}); keep the token cache in a folder only you "
                "can write to, e.g. one made with mode 0700",
            )

    def load(self, fingerprint: str) -> Tokens | None:
        """Return the tokens kept for the credential `fingerprint`, or None (see the module)."""
        try:
            descriptor = os.open(self.path, os.O_RDONLY | _NOFOLLOW | _BINARY)
        except FileNotFoundError:
            return None
        except OSError as exc:  # ELOOP: a link where the cache should be
            logger.warning("token cache %s ignored: %s", self.path, exc.strerror or exc)
            return None
        with os.fdopen(descriptor, "rb") as file:
            info = os.fstat(file.fileno())
            if not stat.S_ISREG(info.st_mode) or not _owner_ok(info.st_uid):
                logger.warning(
                    "token cache %s ignored: not a regular file owned by this user", self.path
                )
                return None
            raw = file.read()
        try:
            stored = json.loads(raw)
        except (ValueError, RecursionError):
            stored = None
        tokens = _tokens_from(stored) if isinstance(stored, dict) else None
        if tokens is None:
            logger.warning("token cache %s ignored: not a token cache (corrupt?)", self.path)
            return None
        if stored.get("credential") != fingerprint:
            return None  # a cache written for another credential is never used
        return tokens

    def save(self, fingerprint: str, tokens: Tokens) -> None:
        """Replace the cache atomically; a failure to write is a warning, never the request's."""
        record = {
            "credential": fingerprint,
            "token": tokens.token,
            "expires_at": tokens.expires_at,
            "refresh_token": tokens.refresh_token,
            "refresh_expires_at": tokens.refresh_expires_at,
        }
        temporary = self.path.with_name(f".{self.path.name}.{secrets.token_hex(8)}.tmp")
        flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | _NOFOLLOW | _BINARY
        try:
            descriptor = os.open(temporary, flags, 0o600)
        except OSError as exc:
            logger.warning("token cache %s not written: %s", self.path, exc.strerror or exc)
            return
        try:
            with os.fdopen(descriptor, "wb") as file:
                file.write(json.dumps(record).encode())
                file.flush()
                os.fsync(file.fileno())
            os.replace(temporary, self.path)  # a link at the cache's name is replaced, not followed
        except OSError as exc:
            logger.warning("token cache %s not written: %s", self.path, exc.strerror or exc)
            temporary.unlink(missing_ok=True)


def _number(value: Any) -> float | None:
    if isinstance(value, int | float) and not isinstance(value, bool):
        try:
            number = float(value)
        except OverflowError:
            return None
        return number if math.isfinite(number) else None
    return None


def _tokens_from(stored: dict[str, Any]) -> Tokens | None:
    """Return the tokens of a stored record, or None when any field has the wrong type."""
    token, refresh = stored.get("token"), stored.get("refresh_token")
    if not isinstance(token, str) or not token or not isinstance(refresh, str | None):
        return None
    expires, refresh_expires = stored.get("expires_at"), stored.get("refresh_expires_at")
    if (expires is not None and _number(expires) is None) or (
        refresh_expires is not None and _number(refresh_expires) is None
    ):
        return None
    return Tokens(token, _number(expires), refresh, _number(refresh_expires))

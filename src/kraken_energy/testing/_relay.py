"""Relay pagination the way Kraken (graphene) does it: offset cursors, ``first``/``last`` checks."""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from typing import Any, Final

from ._kraken_codes import BAD_CURSOR, FIRST_MISSING, PAGE_NEGATIVE, PAGE_TOO_LARGE, CodedError

CURSOR_PREFIX: Final = "arrayconnection:"


def offset_to_cursor(offset: int) -> str:
    """Return the opaque cursor of a zero-based offset: base64 of ``arrayconnection:N``."""
    return base64.b64encode(f"{CURSOR_PREFIX}{offset}".encode()).decode("ascii")


def cursor_to_offset(cursor: str, *, argument: str) -> int:
    """Return the offset a cursor encodes.

    Raises:
        CodedError: KT-CT-1208 when the cursor is not one this API hands out.

    """
    try:
        text = base64.b64decode(cursor.encode("ascii"), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeError, ValueError):
        raise CodedError(BAD_CURSOR, input_path=[argument]) from None
    prefix, _, number = text.partition(":")
    if f"{prefix}:" != CURSOR_PREFIX or not number.isdigit():
        raise CodedError(BAD_CURSOR, input_path=[argument])
    return int(number)


@dataclass(frozen=True)
class PageWindow:
    """The offsets ``[start, end)`` of one page and its ``pageInfo`` flags."""

    start: int
    end: int
    has_previous_page: bool
    has_next_page: bool

    def page_info(self) -> dict[str, Any]:
        """Return the ``PageInfo`` object for this window."""
        empty = self.end <= self.start
        return {
            "hasNextPage": self.has_next_page,
            "hasPreviousPage": self.has_previous_page,
            "startCursor": None if empty else offset_to_cursor(self.start),
            "endCursor": None if empty else offset_to_cursor(self.end - 1),
        }


def check_page_arguments(first: int | None, last: int | None, max_page_size: int) -> None:
    """Reject missing, negative or oversized page sizes.

    Raises:
        CodedError: KT-CT-1201 (neither first nor last), 1202 (negative), 1203 (over maximum).

    """
    if first is None and last is None:
        raise CodedError(FIRST_MISSING, input_path=["first"])
    for name, size in (("first", first), ("last", last)):
        if size is None:
            continue
        if size < 0:
            raise CodedError(PAGE_NEGATIVE, input_path=[name])
        if size > max_page_size:
            raise CodedError(
                PAGE_TOO_LARGE,
                input_path=[name],
                detail=f"At most {max_page_size} records per page.",
            )


def page_window(
    total: int,
    *,
    first: int | None,
    last: int | None,
    after: str | None,
    before: str | None,
) -> PageWindow:
    """Slice ``total`` records the way graphql-relay's ``connection_from_array`` does.

    Raises:
        CodedError: KT-CT-1208 for a malformed cursor.

    """
    after_offset = cursor_to_offset(after, argument="after") if after is not None else -1
    before_offset = cursor_to_offset(before, argument="before") if before is not None else total
    start = max(after_offset, -1) + 1
    end = min(before_offset, total)
    if first is not None:
        end = min(end, start + first)
    if last is not None:
        start = max(start, end - last)
    lower = after_offset + 1 if after is not None else 0
    upper = before_offset if before is not None else total
    return PageWindow(
        start=start,
        end=max(start, end),
        has_previous_page=last is not None and start > lower,
        has_next_page=first is not None and end < upper,
    )

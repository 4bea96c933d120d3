"""`OpenEnum`, the base of every generated enum: it keeps values newer than the schema.

It needs only the standard library, so `kraken_energy_gql.enums` imports without httpx or
pydantic: the `kraken` command lists those enums' values as option choices in its `--help`.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any, Final

MAX_REMEMBERED_UNKNOWN_VALUES: Final = 256
"""Unknown values one open enum remembers (as the same object each time); more are kept too,
as a fresh pseudo-member each time they arrive."""


class OpenEnum(StrEnum):
    """A string enum that keeps values it does not know as pseudo-members.

    An unknown value becomes a member that compares equal to its raw string and is not listed
    by iteration; `is_known` tells them apart.

    Example:
        >>> class Colour(OpenEnum):
        ...     RED = "RED"
        >>> Colour("TEAL").is_known, Colour("TEAL") == "TEAL", list(Colour)
        (False, True, [<Colour.RED: 'RED'>])
    """

    @classmethod
    def _missing_(cls, value: object) -> Any:
        if not isinstance(value, str):
            return None
        member = str.__new__(cls, value)
        member._name_ = value
        member._value_ = value
        # Cached so that the same unknown value is the same object; iteration does not show it.
        # Past the bound, new unknown values are still kept (equal to their string), just not
        # remembered: a server sending endless new values cannot grow memory without end.
        if len(cls._value2member_map_) - len(cls.__members__) < MAX_REMEMBERED_UNKNOWN_VALUES:
            cls._value2member_map_[value] = member
        return member

    @property
    def is_known(self) -> bool:
        """Whether this value was in the schema the client was generated from."""
        return self._name_ in type(self).__members__

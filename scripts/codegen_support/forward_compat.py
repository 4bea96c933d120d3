"""Forward-compatible building blocks for the generated models.

Kraken adds enum values and union or interface members without notice. A client that rejects them
breaks on the day the server adds one, so the generated models keep them instead:

* every generated enum derives from `OpenEnum`: an unknown value becomes a pseudo-member that
  compares equal to its raw string and is not listed by iteration;
* every `__typename` union tries its known members by tag, then a fallback class whose
  `typename__` (checked by `not_typename`) keeps any other name.
"""

from enum import StrEnum
from typing import Any

from pydantic import AfterValidator


class OpenEnum(StrEnum):
    """A string enum that keeps values it does not know as pseudo-members."""

    @classmethod
    def _missing_(cls, value: object) -> Any:
        if not isinstance(value, str):
            return None
        member = str.__new__(cls, value)
        member._name_ = value
        member._value_ = value
        # Cached so that the same unknown value is the same object; iteration does not show it.
        cls._value2member_map_[value] = member
        return member

    @property
    def is_known(self) -> bool:
        """Whether this value was in the schema the client was generated from."""
        return self._name_ in type(self).__members__


def not_typename(*known: str) -> Any:
    """Validate a fallback member's `__typename`: any name except those with their own class.

    A known member whose data is broken then fails validation instead of becoming the fallback.
    """

    def check(name: str) -> str:
        if name in known:
            raise ValueError(f"{name} data does not match its own class")
        return name

    return AfterValidator(check)

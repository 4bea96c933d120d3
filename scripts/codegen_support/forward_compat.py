"""Forward-compatible building blocks for the generated models.

Kraken adds enum values and union or interface members without notice. A client that rejects them
breaks on the day the server adds one, so the generated models keep them instead:

* every generated enum derives from `OpenEnum`: an unknown value becomes a pseudo-member that
  compares equal to its raw string and is not listed by iteration;
* every `__typename` union is discriminated by `by_typename`: a known name picks its class, any
  other picks the union's fallback class, whose `typename__` keeps the raw name.
"""

from enum import StrEnum
from typing import Any

from pydantic import Discriminator

OTHER_TYPENAME = "__other__"
"""The tag of a union's fallback member: the class that takes any `__typename` not listed."""


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


def by_typename(*known: str) -> Any:
    """A pydantic discriminator: the `__typename` when it is one of `known`, else the fallback."""
    known_names = frozenset(known)

    def tag(value: Any) -> str | None:
        if isinstance(value, dict):
            name = value.get("__typename")
        else:
            name = getattr(value, "typename__", None)
        if name is None:
            return None
        return name if name in known_names else OTHER_TYPENAME

    return Discriminator(tag)

"""Building a frozen dataclass instance from its field values in one step.

A frozen dataclass's generated __init__ sets every field through object.__setattr__, about 0.1 us each; the hot
paths that make many of them (a profile's videos, a plan's thirty requirement checks) already hold the values as a
dict in field order. The instance made here is the same as one from the constructor: same fields, equal, same
hash and repr, still frozen. Only for plain dataclasses without __post_init__, __slots__ or InitVar fields.
"""

from __future__ import annotations

from typing import Any, TypeVar

T = TypeVar("T")


def from_fields(cls: type[T], values: dict[str, Any]) -> T:
    """An instance of the frozen dataclass `cls` whose fields are `values` (every field, in declaration order; the
    dict becomes the instance's own and must not be used after)."""
    instance = object.__new__(cls)
    object.__setattr__(instance, "__dict__", values)
    return instance

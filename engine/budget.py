"""How large a value a template builds really is: the budget rule text (and a user's report template) is held to.

Checking `len(value)` bounds a text or a list, not what is inside it: `[[1] * 20000] * 20000` is a list of 20,000
items, each a reference to one list of 20,000, and printing it, summing it or comparing it with `==` costs four
hundred million steps. `cost` counts what writing the value out would: the characters of every text, the digits
of every number, and a couple for each container and item, through any nesting and counting a shared list each
time it appears. It stops as soon as the count passes the limit, so checking a value costs at most the limit,
however large the value would be.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


def cost(value: Any, limit: int) -> int:
    """The size of `value` written out, counted up to a little over `limit` (a result over `limit` means "too
    large"; the exact figure past it is not computed)."""
    total = 0
    stack = [value]
    while stack:
        item = stack.pop()
        kind = type(item)
        if kind is str:
            total += len(item)
        elif kind is int:
            total += item.bit_length() // 3 + 1
        elif kind is list or kind is tuple or isinstance(item, (list, tuple)):
            total += 2 + len(item)
            if total <= limit:
                stack.extend(item)
        elif isinstance(item, Mapping):
            total += 2 + 2 * len(item)
            if total <= limit:
                for key, entry in item.items():
                    stack.append(key)
                    stack.append(entry)
        elif isinstance(item, str):
            total += len(item)
        else:
            total += 8  # a number, a truth value, None, a date: a few characters
        if total > limit:
            return total
    return total

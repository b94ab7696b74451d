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

from jinja2.exceptions import SecurityError

MAX_NUMBER_BITS = 256  # integers a template computes (2**256 has 78 digits)


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


def _size(value: Any, limit: int) -> int:
    """What a text or list costs written out, nested lists included; 0 for anything else."""
    return cost(value, limit + 1) if isinstance(value, (str, list, tuple)) else 0


def bounded_binop(symbol: str, left: Any, right: Any, limit: int, what: str) -> None:
    """Refuse, before computing it, an operation whose result would be over `limit` written out (or a number of
    more than MAX_NUMBER_BITS bits); `what` names the kind of template (rule text, a report template) in the
    message. Jinja's sandbox calls it for the operators that can build large values."""
    numbers = all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in (left, right))
    if symbol == "*":
        for sequence, count in ((left, right), (right, left)):
            size = _size(sequence, limit)
            if size and isinstance(count, int) and size * max(count, 0) > limit:
                raise SecurityError(f"'*' would make a text or list of {size * count:,}; {what} is limited to "
                                    f"{limit:,}")
        if numbers and isinstance(left, int) and isinstance(right, int) and \
                left.bit_length() + right.bit_length() > MAX_NUMBER_BITS:
            raise SecurityError(f"'*' would make a number of more than {MAX_NUMBER_BITS} bits")
    elif symbol == "**" and numbers and isinstance(left, int) and isinstance(right, int) and abs(left) > 1 \
            and right > 0 and right * (abs(left).bit_length() - 1) > MAX_NUMBER_BITS:
        raise SecurityError(f"'**' would make a number of more than {MAX_NUMBER_BITS} bits")
    elif symbol == "%" and isinstance(left, str):
        raise SecurityError(f"'%' formatting is not available in {what}; use a filter such as `| number`")
    elif symbol == "+" and _size(left, limit) + _size(right, limit) > limit:
        raise SecurityError(f"'+' would make a text or list of {_size(left, limit) + _size(right, limit):,}; {what} "
                            f"is limited to {limit:,}")

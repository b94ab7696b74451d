"""Number formatting shared by rule text and reports, so a figure reads the same everywhere.

These are registered as Jinja filters both in the sandbox that renders rule authors' text and in the report
environment. Each accepts None (an unknown value) and renders it as an em dash rather than failing, because a
profile may lack the fact a sentence mentions.
"""

from __future__ import annotations

import datetime as _dt
import math
from typing import Any, Callable

UNKNOWN = "—"


MAX_DIGITS = 12  # decimals a filter writes: more says nothing, and `number(x, 10**9)` would take a gigabyte


def _digits(digits: Any) -> int:
    if type(digits) is int and 0 <= digits <= MAX_DIGITS:
        return digits  # the common case: a report formats some hundred numbers
    return max(0, min(int(digits), MAX_DIGITS))


def _is_number(value: Any) -> bool:
    kind = type(value)
    if kind is int:
        return True
    if kind is float:
        return math.isfinite(value)
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def number(value: Any, digits: int = 0) -> str:
    """12345 -> '12,345'; 0.5 with digits=1 -> '0.5'. Whole numbers never show a decimal point."""
    if type(value) is int:  # the common case, a count: a report writes about a hundred
        return f"{value:,}"
    if not _is_number(value):
        return UNKNOWN if value is None else str(value)
    digits = _digits(digits)
    if digits == 0 or float(value).is_integer() and isinstance(value, int):
        return f"{round(value):,}"
    return f"{value:,.{digits}f}"


def compact(value: Any) -> str:
    """12345 -> '12.3K', 2500000 -> '2.5M': the way the app itself shows counts."""
    if not _is_number(value):
        return UNKNOWN if value is None else str(value)
    for size, suffix in ((1_000_000_000, "B"), (1_000_000, "M"), (1_000, "K")):
        if abs(value) >= size:
            text = f"{value / size:.1f}".rstrip("0").rstrip(".")
            return f"{text}{suffix}"
    return f"{round(value):,}"


def percent(value: Any, digits: int = 1) -> str:
    """A share in 0..1 as a percentage, the one rounding rule of every report and rule text: at most `digits`
    decimals (one by default), trailing zeros dropped: 0.0712 -> '7.1%', 0.1 -> '10%', 0.947 -> '94.7%'."""
    if not _is_number(value):
        return UNKNOWN if value is None else str(value)
    text = f"{value * 100:,.{_digits(digits)}f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return f"{'0' if text in ('-0', '') else text}%"


def money(value: Any, currency: str = "USD") -> str:
    """0.4 -> '$0.40', 12.5 -> '$12.50', 1068.8 -> '$1,069', 1234 -> '$1,234': cents only under $100, where they
    matter. Other currencies are written as a code suffix."""
    if not _is_number(value):
        return UNKNOWN if value is None else str(value)
    whole = abs(value) >= 100 or (float(value).is_integer() and abs(value) >= 10)
    text = f"{value:,.0f}" if whole else f"{value:,.2f}"
    return f"${text}" if currency == "USD" else f"{text} {currency}"


def signed(value: Any) -> str:
    """1234 -> '+1,234', -5 -> '-5'."""
    if not _is_number(value):
        return UNKNOWN if value is None else str(value)
    return f"{value:+,}" if isinstance(value, int) else f"{value:+,.1f}"


def words(value: Any) -> str:
    """Any fact or threshold value as a person reads it: 10000 -> '10,000', 0.07123 -> '0.0712', True -> 'yes',
    a date in ISO form, a list joined, None (unknown) -> an em dash. The one definition: rule explanations, rule
    test reports and the reports all call it, so a value reads the same wherever it appears."""
    kind = type(value)
    if kind is str:
        return value
    if kind is int:
        return f"{value:,}"
    if kind is float:  # a rate, a share: before the isinstance tests below
        if not math.isfinite(value):
            return UNKNOWN
        return f"{round(value):,}" if value.is_integer() else f"{round(value, 4):,}"
    if value is None:
        return UNKNOWN
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, (int, float)):
        return words(int(value) if isinstance(value, int) else float(value))
    if isinstance(value, _dt.date):
        return value.isoformat()
    if isinstance(value, (list, tuple)):
        return ", ".join(words(part) for part in value)
    return str(value)


def isodate(value: Any) -> str:
    """A date as YYYY-MM-DD; passes strings through."""
    if type(value) is str:  # the common case: the plan's dates are ISO text already
        return value
    if isinstance(value, _dt.date):
        return value.isoformat()
    return UNKNOWN if value is None else str(value)


FILTERS: dict[str, Callable[..., str]] = {
    "number": number,
    "compact": compact,
    "percent": percent,
    "money": money,
    "signed": signed,
    "isodate": isodate,
}

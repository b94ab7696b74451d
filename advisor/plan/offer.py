"""Why a programme is not offered to a creator, in words: the unmet scope requirements of its gate.

A scope requirement (engine: `scope: true`) says whom a programme is for: its markets, its minimum age, its kind
of account. Unmet, there is no gap to close, so the plan says "not offered" and why, and never draws the
requirement as progress ("15 / 18 years of age" is not progress anyone can make).
"""

from __future__ import annotations

from typing import Any, Iterable

from advisor.values import country_name
from engine import RequirementCheck


def not_offered_reason(unmet: Iterable[RequirementCheck], country: Any) -> str:
    """One sentence from the unmet scope requirements: "not offered in Vietnam; opens at 18"."""
    phrases = []
    for check in unmet:
        if check.fact == "country":
            where = country_name(country) if isinstance(country, str) else "this country"
            phrases.append(f"not offered in {where}")
        elif check.fact == "age":
            phrases.append(f"opens at {check.required}" if check.required is not None else "not for this age")
        elif check.fact == "account_type":
            phrases.append(f"only for {check.required} accounts, not {check.actual} accounts")
        else:
            phrases.append(f"only where {check.text}")
    return "; ".join(dict.fromkeys(phrases)) or "not offered to this account"

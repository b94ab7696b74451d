"""Did-you-mean suggestions for names a rule author typed: facts, thresholds, keys, operators."""

from __future__ import annotations

import difflib
from typing import Iterable

# Slips whose closest spelling is not what was meant: `=>` is one edit from `>` but means `>=`.
KNOWN_SLIPS = {"=>": ">=", "=<": "<=", "=": "==", "<>": "!=", "=!": "!=", "≥": ">=", "≤": "<=", "≠": "!="}


def closest(name: str, known: Iterable[str]) -> str | None:
    """The known name most like `name`, or None when nothing is close enough to be a plausible typo."""
    candidates = sorted(set(known))
    if KNOWN_SLIPS.get(name) in candidates:
        return KNOWN_SLIPS[name]
    matches = difflib.get_close_matches(name, candidates, n=1, cutoff=0.6)
    return matches[0] if matches else None


def did_you_mean(name: str, known: Iterable[str]) -> str:
    """'; did you mean 'x'?' or '' — ready to append to a message."""
    match = closest(name, known)
    return f"; did you mean {match!r}?" if match else ""

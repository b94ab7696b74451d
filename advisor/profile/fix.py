"""`--fix`: write the corrections that are certain into a profile file, keeping everything else as it was.

Only what a person certainly meant is changed (advisor.values: a handle written '@maya', a country code written
'us', 'UK' for the United Kingdom); anything else stays an error to decide by hand. The file is edited in place
at the line and column where each value stands, so comments, order and quoting survive, and it is written whole
or not at all (advisor.output).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from advisor.values import country_fix, handle_fix
from engine.documents import DEFAULT_LIMITS, Limits, LocatedDocument, format_path, load_yaml_file


@dataclass(frozen=True)
class Fix:
    """One certain correction: where it stands (1-based line and column), the text written and the text meant."""

    where: str
    line: int
    column: int
    old: str
    new: str

    def __str__(self) -> str:
        return f"{self.where}: {self.old!r} -> {self.new!r}"


def certain_fixes(document: LocatedDocument) -> list[Fix]:
    """The certain corrections of a loaded profile, in file order."""
    data = document.data
    if not isinstance(data, Mapping):
        return []
    found: list[tuple[tuple[Any, ...], bool, str, str]] = []
    handle = data.get("handle")
    if isinstance(handle, str) and (fixed := handle_fix(handle)) is not None:
        found.append((("handle",), False, handle, fixed))
    country = data.get("country")
    if isinstance(country, str) and (fixed := country_fix(country)) is not None:
        found.append((("country",), False, country, fixed))
    audience = data.get("audience")
    shares = audience.get("top_countries") if isinstance(audience, Mapping) else None
    if isinstance(shares, Mapping):
        for code in shares:
            if isinstance(code, str) and (fixed := country_fix(code)) is not None and fixed not in shares:
                found.append((("audience", "top_countries", code), True, code, fixed))
    fixes = []
    for path, key, old, new in found:
        line, column = document.mark(path, key=key)
        if line is not None and column is not None:
            fixes.append(Fix(format_path(path), line, column, old, new))
    return sorted(fixes, key=lambda fix: (fix.line, fix.column))


def apply_fixes(text: str, fixes: list[Fix]) -> str:
    """`text` with each fix's old value, at its line and column (plain or quoted), replaced by the new one. A
    value not found where its mark says is left alone."""
    lines = text.splitlines(keepends=True)
    for fix in sorted(fixes, key=lambda item: (item.line, item.column), reverse=True):
        index, start = fix.line - 1, fix.column - 1
        if not 0 <= index < len(lines):
            continue
        line = lines[index]
        quote = line[start:start + 1]
        offset = start + 1 if quote in ("'", '"') else start
        if line.startswith(fix.old, offset):
            lines[index] = line[:offset] + fix.new + line[offset + len(fix.old):]
    return "".join(lines)


def fix_profile_file(path: str | os.PathLike[str], limits: Limits = DEFAULT_LIMITS) -> list[Fix]:
    """Write the certain corrections into the profile file at `path`; the corrections made (none: untouched)."""
    from advisor.output import write_whole

    document = load_yaml_file(path, limits)
    fixes = certain_fixes(document)
    if fixes:
        raw = Path(path).read_bytes()
        bom = raw.startswith(b"\xef\xbb\xbf")
        text = apply_fixes(raw.decode("utf-8-sig"), fixes)
        write_whole(path, ("\ufeff" if bom else "") + text)
    return fixes

"""A threshold written back as the data of a rule file: what a tool that writes overlays needs.

The loader turns YAML into `Threshold`; this is the way back, in the key order the rule-format guide uses, so a
generated overlay reads like one written by hand and loads into an equal `Threshold` (origin aside).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from .model import Threshold, ThresholdEntry


def plain_value(value: Any) -> Any:
    """A threshold value as YAML data: tuples become lists."""
    if isinstance(value, tuple):
        return [plain_value(item) for item in value]
    return value


def entry_data(entry: ThresholdEntry, *, earlier: bool = True) -> dict[str, Any]:
    """One entry as a mapping: value, source, url, as_of, valid_from, valid_until, note (absent keys left out),
    then its earlier values."""
    data: dict[str, Any] = {"value": plain_value(entry.value), "source": entry.source}
    for key in ("url", "as_of", "valid_from", "valid_until", "note"):
        found = getattr(entry, key)
        if found is not None:
            data[key] = found
    if earlier and entry.earlier:
        data["earlier"] = [entry_data(item, earlier=False) for item in entry.earlier]
    return data


def threshold_data(threshold: Threshold) -> dict[str, Any]:
    """The mapping that defines `threshold` under `thresholds:` in a rule file."""
    data: dict[str, Any] = {"value": plain_value(threshold.base.value)}
    if threshold.unit is not None:
        data["unit"] = threshold.unit
    if threshold.description is not None:
        data["description"] = threshold.description
    base = entry_data(threshold.base)
    del base["value"]
    data.update(base)
    if threshold.countries:
        data["countries"] = {code: entry_data(entry) for code, entry in threshold.countries}
    return data


def lost_in_replacement(before: Threshold, after: Threshold) -> list[str]:
    """What `after` (an overlay's definition) no longer has of `before` (the one it replaces): country values and
    dated values (its `earlier` values and its end date: an overlay that forgets `valid_until` reopens what had
    closed), in words (`the country value for KR (19)`), for a lint warning."""
    lost = []
    kept = dict(after.countries)
    for code, entry in before.countries:
        if code not in kept:
            lost.append(f"the country value for {code} ({_shown(entry.value)})")
    pairs = [("", before.base, after.base)] + [(f" of {code}", entry, kept[code])
                                              for code, entry in before.countries if code in kept]
    for where, old, new in pairs:
        if old.valid_until is not None and new.valid_until is None:
            lost.append(f"the end date{where} (valid_until {old.valid_until})")
        remaining = {(item.valid_from, item.valid_until) for item in new.earlier}
        for item in old.earlier:
            if (item.valid_from, item.valid_until) not in remaining and item not in new.earlier:
                lost.append(f"the earlier value{where} {_shown(item.value)} (until {item.valid_until})")
    return lost


def _shown(value: Any) -> str:
    if isinstance(value, tuple):
        return "[" + ", ".join(_shown(item) for item in value) + "]"
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)

"""A rule pack as JSON (`creator-advisor rules docs --json`): what a compact plan refers to by id.

A compact plan (advisor.compact) names thresholds, gates and rules instead of repeating their sources, notes and
URLs; this document resolves every such id. Thresholds give every entry (default, per country, earlier values)
with the dates it is in force, so the entry behind a plan's requirement is the one in force for the plan's country
and `as_of`. Deterministic: same pack, same bytes (keys in the pack's order, no clock, no absolute paths).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from .catalogue import sentence
from .model import Leaf, Rule, ThresholdEntry, leaves
from .pack import RulePack

CATALOGUE_VERSION = 1


def _value(value: Any) -> Any:
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if isinstance(value, (list, tuple, frozenset, set)):
        items = [_value(item) for item in value]
        return sorted(items, key=str) if isinstance(value, (set, frozenset)) else items
    return value


def _entry(entry: ThresholdEntry) -> dict[str, Any]:
    data = {"value": _value(entry.value), "source": entry.source, "as_of": entry.as_of.isoformat(),
            "valid_from": entry.valid_from.isoformat() if entry.valid_from else None,
            "valid_until": entry.valid_until.isoformat() if entry.valid_until else None,
            "note": entry.note, "url": entry.url}
    if entry.earlier:
        data["earlier"] = [_entry(item) for item in entry.earlier]
    return data


def _requirement(condition: Any) -> dict[str, Any]:
    found = leaves(condition)
    first: Leaf | None = found[0] if len(found) == 1 else None
    names = list(dict.fromkeys(name for leaf in found for name in leaf.threshold_names()))
    return {"thresholds": names, "fact": first.fact if first else None,
            "operator": first.op if first else None}


def _rule(rule: Rule, pack: RulePack) -> dict[str, Any]:
    data: dict[str, Any] = {"category": rule.category, "priority": rule.priority, "gate": rule.gate,
                            "layer": pack.layers.get(rule.id, 0), "title": rule.title,
                            "description": rule.description, "note": rule.note, "when": sentence(rule, pack)}
    if rule.advice is not None:
        data["advice"] = {"title": rule.advice.title, "text": rule.advice.text,
                          "because": list(rule.advice.because)}
    return data


def catalogue_data(pack: RulePack) -> dict[str, Any]:
    """The pack as a JSON-safe mapping: pack, gates (by gate id), rules and thresholds (by id)."""
    return {
        "catalogue_version": CATALOGUE_VERSION,
        "pack": {"name": pack.name, "version": pack.version,
                 "layers": [{"name": info.name, "version": info.version} for info in pack.infos]},
        "gates": {rule.gate: {"rule": rule.id, "title": rule.title, "note": rule.note,
                              "requirements": [_requirement(item) for item in rule.requirements]}
                  for rule in pack.gate_rules() if rule.gate},
        "rules": {rule_id: _rule(rule, pack) for rule_id, rule in pack.rules.items()},
        "thresholds": {name: {"description": threshold.description, "unit": threshold.unit,
                              "default": _entry(threshold.base),
                              "countries": {code: _entry(entry) for code, entry in threshold.countries}}
                       for name, threshold in pack.thresholds.items()},
    }

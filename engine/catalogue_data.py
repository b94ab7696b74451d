"""A rule pack as JSON-ready data: its gates (what a caller calls programmes) with their requirements and the
thresholds behind them, its rules with their conditions, and every threshold with its values, sources and dates.

The Markdown catalogue (engine/catalogue.py) is for people reading the pack; this is the same content for
programs that read it (the HTTP service's /v1/programs and /v1/rules). Conditions are given in the rule files' own
shape (`all`/`any`/`not`, `fact`/`op`/`value` or `threshold`) and in words. Deterministic: same pack, same data.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from .catalogue import sentence
from .model import AllOf, AnyOf, Condition, Leaf, NotOf, Rule, Threshold, ThresholdEntry, ThresholdRef, leaves
from .pack import RulePack


def _json(value: Any) -> Any:
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if isinstance(value, tuple):
        return [_json(item) for item in value]
    return value


def condition_data(condition: Condition) -> dict[str, Any]:
    """A condition in the rule file's shape."""
    if isinstance(condition, Leaf):
        data: dict[str, Any] = {"fact": condition.fact, "op": condition.op}
        if condition.threshold is not None:
            data["threshold"] = _json(condition.threshold)
        elif condition.op != "exists":
            data["value"] = _json(condition.value)
        return data
    if isinstance(condition, NotOf):
        return {"not": condition_data(condition.item)}
    key = "all" if isinstance(condition, AllOf) else "any"
    assert isinstance(condition, (AllOf, AnyOf))
    return {key: [condition_data(item) for item in condition.items]}


def _entry(entry: ThresholdEntry) -> dict[str, Any]:
    data = {"value": _json(entry.value), "source": entry.source, "as_of": entry.as_of.isoformat(),
            "valid_from": _json(entry.valid_from), "valid_until": _json(entry.valid_until), "note": entry.note,
            "url": entry.url}
    if entry.earlier:
        data["earlier"] = [_entry(item) for item in entry.earlier]
    return data


def catalogue_threshold(threshold: Threshold) -> dict[str, Any]:
    """A threshold: its base value with source and dates, and its per-country values."""
    return {"name": threshold.name, "description": threshold.description, "unit": threshold.unit,
            **_entry(threshold.base), "countries": {code: _entry(entry) for code, entry in threshold.countries}}


def rule_data(rule: Rule, pack: RulePack) -> dict[str, Any]:
    """A rule: identity, place in the firing order, condition (as data and in Markdown words), effects."""
    return {"id": rule.id, "category": rule.category, "priority": rule.priority,
            "layer": pack.layers.get(rule.id, 0), "gate": rule.gate, "title": rule.title,
            "description": rule.description, "note": rule.note, "pack": rule.pack,
            "when": condition_data(rule.when), "in_words": sentence(rule, pack),
            "asserts": {name: ({"threshold": value.name} if isinstance(value, ThresholdRef) else _json(value))
                        for name, value in rule.asserts},
            "advice": None if rule.advice is None else {"title": rule.advice.title, "text": rule.advice.text,
                                                        "because": list(rule.advice.because)}}


def gate_data(rule: Rule, pack: RulePack) -> dict[str, Any]:
    """A gate (a programme): each requirement as data, with the thresholds it compares against."""
    requirements = []
    for requirement in rule.requirements:
        names = list(dict.fromkeys(name for leaf in leaves(requirement) for name in leaf.threshold_names()))
        requirements.append({"when": condition_data(requirement),
                             "thresholds": [catalogue_threshold(pack.thresholds[name]) for name in names
                                            if name in pack.thresholds]})
    return {"id": rule.gate, "rule": rule.id, "title": rule.title, "description": rule.description,
            "note": rule.note, "requirements": requirements}


def pack_data(pack: RulePack) -> dict[str, Any]:
    """The whole pack: name, version, gates in declaration order, rules in firing order, thresholds by name."""
    ordered = sorted(pack.rules.values(), key=lambda rule: (pack.layers.get(rule.id, 0), -rule.priority, rule.id))
    return {"pack": {"name": pack.name, "version": pack.version},
            "gates": [gate_data(rule, pack) for rule in pack.gate_rules()],
            "rules": [rule_data(rule, pack) for rule in ordered],
            "thresholds": [catalogue_threshold(threshold) for threshold in pack.thresholds.values()]}

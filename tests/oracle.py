"""An independent oracle: rule conditions evaluated in plain Python, straight from the rule files.

SQLite is tested against independent implementations; this is the same idea for the rule engine. Nothing here
comes from the engine (no engine.loader, engine.durable, engine.python, engine.explain or engine.pack): the YAML
files are read with PyYAML's safe loader, and every rule of docs/rule-format.md is written out again from the document:

- thresholds: a country's override, else the base entry; if that entry is not in force on the date (valid_from
  inclusive, valid_until exclusive), the first of its `earlier` entries that is; else the threshold is not in
  force and every comparison with it is false;
- conditions: `all`, `any`, `not`, the nine operators, a comparison with an absent fact is false (so its `not` is
  true), `exists` asks whether the fact is present; dates are compared as dates;
- forward chaining: a rule that reads a derived fact runs after every rule that can assert it (layers), each rule
  fires at most once, `{threshold: T}` asserts the value in force (nothing when none is);
- gates: a gated rule's verdict is whether it fired; each requirement (an item of its top-level `all`) is judged on
  its own: met, not met, or unknown (None) when its fact is absent and its threshold in force.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Mapping

import yaml

NOT_IN_FORCE = object()
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


class _Loader(yaml.SafeLoader):
    """The safe loader with YAML 1.2 booleans (only true/false), as the rule format says: `NO` is Norway."""


_Loader.yaml_implicit_resolvers = {
    key: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:bool"]
    for key, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()}
_Loader.add_implicit_resolver("tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"),
                              list("tTfF"))


def _value(raw: Any) -> Any:
    """A value as the rules compare it: a date written as text is a date; a list is a tuple."""
    if isinstance(raw, list):
        return tuple(_value(item) for item in raw)
    if isinstance(raw, dt.datetime):
        return raw.date()
    if isinstance(raw, str) and _DATE.match(raw):
        try:
            return dt.date.fromisoformat(raw)
        except ValueError:
            return raw
    return raw


def _day(raw: Any) -> dt.date | None:
    if raw is None:
        return None
    if isinstance(raw, dt.datetime):
        return raw.date()
    return raw if isinstance(raw, dt.date) else dt.date.fromisoformat(str(raw))


@dataclass
class Entry:
    value: Any
    valid_from: dt.date | None
    valid_until: dt.date | None
    earlier: list["Entry"]

    @classmethod
    def read(cls, raw: Mapping[str, Any]) -> "Entry":
        return cls(_value(raw["value"]), _day(raw.get("valid_from")), _day(raw.get("valid_until")),
                   [cls.read(item) for item in raw.get("earlier", [])])

    def in_force(self, on: dt.date) -> bool:
        started = self.valid_from is None or self.valid_from <= on
        return started and (self.valid_until is None or on < self.valid_until)


@dataclass
class OracleRule:
    id: str
    when: Mapping[str, Any]
    gate: str | None
    asserts: dict[str, Any]
    reads: set[str] = field(default_factory=set)


@dataclass
class Verdict:
    fired: frozenset[str]
    derived: dict[str, Any]
    gates: dict[str, bool]
    requirements: dict[str, list[bool | None]]
    conflict: str | None = None


class Oracle:
    def __init__(self, folders: Iterable[str | Path]):
        self.thresholds: dict[str, tuple[Entry, dict[str, Entry]]] = {}
        self.members: dict[str, dict[str, Entry]] = {}
        self.rules: dict[str, OracleRule] = {}
        for folder in folders:
            for path in sorted(Path(folder).glob("*.yaml")):
                data = yaml.load(path.read_text(encoding="utf-8-sig"), Loader=_Loader) or {}
                for name, raw in (data.get("thresholds") or {}).items():
                    if "members" in raw:  # a member list: its value on a date is the members in force then
                        self.members[name] = {key: Entry(key, _day(entry.get("valid_from")),
                                                         _day(entry.get("valid_until")), [])
                                              for key, entry in raw["members"].items()}
                        continue
                    countries = {code: Entry.read(entry) for code, entry in (raw.get("countries") or {}).items()}
                    self.thresholds[name] = (Entry.read(raw), countries)
                for raw in data.get("rules") or []:
                    then = raw.get("then") or {}
                    rule = OracleRule(raw["id"], raw["when"], raw.get("gate"), dict(then.get("assert") or {}))
                    rule.reads = set(_facts_of(rule.when))
                    self.rules[rule.id] = rule
        self.layers = self._layers()

    # -- thresholds ----------------------------------------------------------------------------------------------
    def threshold(self, name: str, country: str | None, on: dt.date) -> Any:
        if name in self.members:
            # The list is in force from its first member's start to its last member's end (open-ended where a
            # member is); within that span its value is the members in force, possibly none.
            entries = self.members[name].values()
            if all(e.valid_from is not None and on < e.valid_from for e in entries) or \
                    all(e.valid_until is not None and on >= e.valid_until for e in entries):
                return NOT_IN_FORCE
            return tuple(key for key, entry in self.members[name].items() if entry.in_force(on))
        base, countries = self.thresholds[name]
        entry = countries.get(country, base) if country else base
        if entry.in_force(on):
            return entry.value
        for earlier in entry.earlier:
            if earlier.in_force(on):
                return earlier.value
        return NOT_IN_FORCE

    def edges(self) -> tuple[set[Any], set[dt.date], set[str]]:
        """Every number, date and country code the pack mentions: values for generating profiles at the edges."""
        numbers: set[Any] = set()
        dates: set[dt.date] = set()
        countries: set[str] = set()

        def visit(entry: Entry) -> None:
            for value in entry.value if isinstance(entry.value, tuple) else (entry.value,):
                if isinstance(value, (int, float)) and not isinstance(value, bool):
                    numbers.add(value)
                elif isinstance(value, dt.date):
                    dates.add(value)
                elif isinstance(value, str) and re.fullmatch(r"[A-Z]{2}", value):
                    countries.add(value)
            dates.update(day for day in (entry.valid_from, entry.valid_until) if day)
            for earlier in entry.earlier:
                visit(earlier)

        for base, by_country in self.thresholds.values():
            visit(base)
            countries.update(by_country)
            for entry in by_country.values():
                visit(entry)
        for members in self.members.values():
            for entry in members.values():
                visit(entry)
        return numbers, dates, countries

    # -- layers --------------------------------------------------------------------------------------------------
    def _layers(self) -> dict[str, int]:
        producers: dict[str, list[str]] = {}
        for rule in self.rules.values():
            for name in rule.asserts:
                producers.setdefault(name, []).append(rule.id)
        layers: dict[str, int] = {}

        def layer(rule_id: str, seen: tuple[str, ...] = ()) -> int:
            if rule_id in layers:
                return layers[rule_id]
            assert rule_id not in seen, f"cycle through {seen}"
            below = [layer(producer, seen + (rule_id,)) for fact in self.rules[rule_id].reads
                     for producer in producers.get(fact, [])]
            layers[rule_id] = 1 + max(below) if below else 0
            return layers[rule_id]

        for rule_id in self.rules:
            layer(rule_id)
        return layers

    # -- evaluation ----------------------------------------------------------------------------------------------
    def holds(self, condition: Mapping[str, Any], facts: Mapping[str, Any], country: str | None,
              on: dt.date) -> bool:
        if "all" in condition:
            return all(self.holds(item, facts, country, on) for item in condition["all"])
        if "any" in condition:
            return any(self.holds(item, facts, country, on) for item in condition["any"])
        if "not" in condition:
            return not self.holds(condition["not"], facts, country, on)
        actual = facts.get(condition["fact"])
        op = condition["op"]
        if op == "exists":
            return actual is not None
        right = self.right(condition, country, on)
        if actual is None or right is NOT_IN_FORCE:
            return False
        return compare(op, actual, right)

    def right(self, leaf: Mapping[str, Any], country: str | None, on: dt.date) -> Any:
        if "threshold" not in leaf:
            return _value(leaf["value"])
        names = leaf["threshold"]
        if isinstance(names, list):
            values = tuple(self.threshold(name, country, on) for name in names)
            return NOT_IN_FORCE if NOT_IN_FORCE in values else values
        return self.threshold(names, country, on)

    def evaluate(self, facts: Mapping[str, Any], country: str | None, on: dt.date) -> Verdict:
        known = {name: value for name, value in facts.items() if value is not None}
        derived: dict[str, Any] = {}
        asserted_by: dict[str, str] = {}
        fired: set[str] = set()
        conflict = None
        for layer in sorted(set(self.layers.values())):
            seen = {**known, **derived}
            for rule in self.rules.values():
                if self.layers[rule.id] != layer or not self.holds(rule.when, seen, country, on):
                    continue
                fired.add(rule.id)
                for name, raw in rule.asserts.items():
                    value = self.threshold(raw["threshold"], country, on) if isinstance(raw, dict) else _value(raw)
                    if value is NOT_IN_FORCE:
                        continue
                    if name in derived and derived[name] != value:
                        conflict = f"{asserted_by[name]} and {rule.id} assert {name}"
                    derived.setdefault(name, value)
                    asserted_by.setdefault(name, rule.id)
        everything = {**known, **derived}
        gates, requirements = {}, {}
        for rule in self.rules.values():
            if rule.gate:
                gates[rule.gate] = rule.id in fired
                items = rule.when["all"] if "all" in rule.when else [rule.when]
                requirements[rule.gate] = [self.requirement(item, everything, country, on) for item in items]
        return Verdict(frozenset(fired), derived, gates, requirements, conflict)

    def requirement(self, item: Mapping[str, Any], facts: Mapping[str, Any], country: str | None,
                    on: dt.date) -> bool | None:
        """Met, not met, or None (unknown: the fact is absent, and the threshold in force, or `exists` on it)."""
        if "fact" not in item:  # all / any / not: unknown when a fact is missing and it does not hold
            met = self.holds(item, facts, country, on)
            missing = any(facts.get(name) is None for name in _facts_of(item))
            return None if missing and not met else met
        if item["op"] == "exists":  # a fact not given is unknown ("cannot tell yet"), never a failed requirement
            return True if facts.get(item["fact"]) is not None else None
        right = self.right(item, country, on)
        if facts.get(item["fact"]) is None:
            return False if right is NOT_IN_FORCE else None
        return False if right is NOT_IN_FORCE else compare(item["op"], facts[item["fact"]], right)


def compare(op: str, actual: Any, right: Any) -> bool:
    if op == "==":
        return actual == right
    if op == "!=":
        return actual != right
    if op == "<":
        return actual < right
    if op == "<=":
        return actual <= right
    if op == ">":
        return actual > right
    if op == ">=":
        return actual >= right
    if op == "in":
        return actual in right
    if op == "between":
        return right[0] <= actual <= right[1]
    raise ValueError(f"unknown operator {op!r}")


def _facts_of(condition: Mapping[str, Any]) -> list[str]:
    if "fact" in condition:
        return [condition["fact"]]
    if "not" in condition:
        return _facts_of(condition["not"])
    return [name for item in condition.get("all", condition.get("any", [])) for name in _facts_of(item)]

"""Helpers of the differential tests (tests/test_differential.py): what an evaluation produced, written so that two
engines' results compare equal only when a user could not tell them apart, and fact sets at the edges of any pack.

The edge generator reads the pack's own conditions and thresholds (never a hard-coded list): every constant and
every threshold value a rule compares a fact with, that value's neighbours (one away for whole numbers, the next
float either side for decimals, the day before and after for dates), the days each threshold value starts and
stops being in force, and every country with an override, plus absent facts and a few values no rule names.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
import random
from typing import Any, Mapping

from engine import EngineError, RulePack
from engine.model import leaves

OUT_OF_RANGE = 2**53 + 1  # beyond what the engine compares exactly: both engines must refuse it alike
LONE_SURROGATE = "lone \ud800"  # not Unicode text: durable-rules cannot take it, so both must refuse it alike


_SCALARS = frozenset({int, float, str, bool, type(None), dt.date})
_FIELDS: dict[type, tuple[str, ...]] = {}


def typed(value: Any) -> Any:
    """A value with its type made part of it, so that True, 1 and 1.0 never compare equal by accident."""
    kind = type(value)
    if kind in _SCALARS:
        return kind, value
    if isinstance(value, Mapping):
        return tuple(sorted((str(key), typed(item)) for key, item in value.items()))
    if isinstance(value, (list, tuple)):
        return tuple(typed(item) for item in value)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        names = _FIELDS.get(kind)
        if names is None:
            names = _FIELDS[kind] = tuple(f.name for f in dataclasses.fields(value))
        return kind.__name__, tuple(typed(getattr(value, name)) for name in names)
    return kind.__name__, repr(value)


def signature(outcome: Any) -> tuple[Any, ...]:
    """What an engine decides in an Outcome: fired rules in order (with layer and matched facts), derived facts,
    every gate's verdict and every requirement check. (The facts and thresholds in force come from code both
    engines share.)"""
    return (
        tuple((firing.rule, firing.layer, typed(firing.matched)) for firing in outcome.fired),
        typed(outcome.derived),
        tuple((name, gate.rule, gate.passed, typed(gate.requirements)) for name, gate in outcome.gates.items()),
    )


def run(pack: RulePack, facts: Mapping[str, Any], country: str | None, on: dt.date, *,
        advice: bool = False) -> tuple[Any, ...]:
    """("ok", signature[, advice]) or ("error", class name, message) for one evaluation."""
    try:
        outcome = pack.evaluate(facts, country=country, on=on)
        if advice:
            return "ok", signature(outcome), typed(pack.render_advice(outcome))
        return "ok", signature(outcome)
    except EngineError as error:
        return "error", type(error).__name__, str(error)


def difference(first: tuple[Any, ...], second: tuple[Any, ...]) -> str:
    """What differs between two `run` results, in a few lines a person can read."""
    if first[0] != second[0] or first[0] == "error":
        return f"{first[:3]!r}\n   vs {second[:3]!r}"[:2000]
    lines = []
    (fired_a, derived_a, gates_a), (fired_b, derived_b, gates_b) = first[1], second[1]
    if fired_a != fired_b:
        lines.append(f"fired: {[f[0] for f in fired_a]}\n   vs {[f[0] for f in fired_b]}")
    if derived_a != derived_b:
        lines.append(f"derived: {sorted(set(derived_a) ^ set(derived_b))}")
    for gate_a, gate_b in zip(gates_a, gates_b):
        if gate_a != gate_b:
            lines.append(f"gate {gate_a[0]}: passed {gate_a[2]} vs {gate_b[2]}; requirements differ: "
                         f"{gate_a[3] != gate_b[3]}")
    if first[2:] != second[2:]:
        lines.append("rendered advice differs")
    return "\n".join(lines)


class EdgeFacts:
    """Seeded fact sets at the edges of one pack's conditions and thresholds."""

    def __init__(self, pack: RulePack, seed: int):
        self.rng = random.Random(seed)
        self.pack = pack
        constants: dict[str, set[Any]] = {name: set() for name in pack.facts}
        days: set[dt.date] = set()
        countries: set[str] = set()
        for threshold in pack.thresholds.values():
            countries.update(code for code, _ in threshold.countries)
            for entry in threshold.entries():
                days.update(day for day in (entry.valid_from, entry.valid_until) if day is not None)
        for rule in pack.rules.values():
            for leaf in leaves(rule.when):
                if leaf.fact not in constants:
                    continue  # a derived fact: the rules set it
                found = [leaf.value] if leaf.threshold is None else [
                    entry.value for name in leaf.threshold_names() for entry in pack.thresholds[name].entries()]
                for value in found:
                    constants[leaf.fact].update(value if isinstance(value, tuple) else (value,))
        self.values = {name: self._neighbours(pack.facts[name].type, found) for name, found in constants.items()}
        self.days = sorted({day + dt.timedelta(days=shift) for day in days for shift in (-1, 0, 1)}) or \
            [dt.date(2024, 6, 1)]
        self.countries: list[str | None] = [None, "ZZ", *sorted(countries)]

    def _neighbours(self, kind: str, found: set[Any]) -> list[Any]:
        values: set[Any] = set()
        for value in found:
            if value is None:
                continue
            if kind == "integer" and isinstance(value, (int, float)) and not isinstance(value, bool):
                base = math.floor(value)
                values.update({base - 1, base, base + 1, math.ceil(value)})
            elif kind == "number" and isinstance(value, (int, float)) and not isinstance(value, bool):
                values.update({value, math.nextafter(value, -math.inf), math.nextafter(value, math.inf),
                               value - 1, value + 1, float(value)})
            elif kind == "date" and isinstance(value, dt.date):
                values.update(value + dt.timedelta(days=shift) for shift in (-1, 0, 1))
            else:
                values.add(value)
        extra = {"integer": [0, 1, -1, 10**6], "number": [0, 0.5, -0.25, 1e-05, 12345.678],
                 "string": ["", "something else", "ZZ", "caf\u00e9", "a\"b\\c", "nul\x00byte"],
                 "boolean": [True, False],
                 "date": [dt.date(2020, 1, 1), dt.date(2026, 12, 6)]}[kind]
        values.update(extra)
        return sorted(values, key=repr)

    def facts(self) -> dict[str, Any]:
        rng = self.rng
        facts = {}
        for name, spec in self.pack.facts.items():
            pick = rng.random()
            if pick < 0.25:
                continue  # absent
            if spec.type == "string" and rng.random() < 0.002:
                facts[name] = LONE_SURROGATE
            elif pick < 0.9 or spec.type in ("string", "boolean"):
                facts[name] = rng.choice(self.values[name])
            elif spec.type == "integer":
                facts[name] = OUT_OF_RANGE if rng.random() < 0.01 else rng.randint(-10, 10**7)
            elif spec.type == "number":
                facts[name] = rng.uniform(-1, 10**6)
            else:
                facts[name] = dt.date(2016, 1, 1) + dt.timedelta(days=rng.randint(0, 4000))
        return facts

    def case(self) -> tuple[dict[str, Any], str | None, dt.date]:
        """(facts, country, date) for one evaluation."""
        rng = self.rng
        on = rng.choice(self.days) if rng.random() < 0.7 else \
            dt.date(2016, 1, 1) + dt.timedelta(days=rng.randint(0, 4500))
        return self.facts(), rng.choice(self.countries), on

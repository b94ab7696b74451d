"""What one evaluation produced: the fired rules in order, derived facts, and every gate's requirement checks."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any, Iterable, Mapping

from .encoding import JSON_SCALARS, json_data

_new, _set = object.__new__, object.__setattr__
_MISSING = object()


class MadeOnFirstRead:
    """A field of a frozen dataclass that the hot path may leave to make when first read: the instance then holds,
    under `pending`, the arguments of `make`. Set on the class after the dataclass is made (so it is no default),
    it is read only when the instance has no value of its own: a constructed instance, or one read once, reads
    its field as any other. Two threads reading it at once get the same value."""

    def __init__(self, name: str, make: Any):
        self.name, self.pending, self.make = name, f"_{name}", make

    def __get__(self, instance: Any, owner: type | None = None) -> Any:
        if instance is None:
            return self
        state = instance.__dict__
        value = state.get(self.name, _MISSING)  # made by another thread meanwhile
        if value is _MISSING:
            pending = state.get(self.pending)
            if pending is None:  # none to make, or another thread made it (it sets the value, then drops pending)
                value = state.get(self.name, _MISSING)
                if value is _MISSING:
                    raise AttributeError(f"{type(instance).__name__!r} object has no attribute {self.name!r}")
                return value
            value = state.setdefault(self.name, self.make(*pending))
            state.pop(self.pending, None)
        return value


def whole_state(instance: Any) -> dict[str, Any]:
    """The instance's state for pickling and copying, each field left to make on first read made now."""
    state = dict(instance.__dict__)
    for name, field_maker in vars(type(instance)).items():
        if isinstance(field_maker, MadeOnFirstRead) and field_maker.pending in state:
            state[name] = getattr(instance, name)
            del state[field_maker.pending]
    return state


def _matched(names: tuple[str, ...], facts: Mapping[str, Any]) -> dict[str, Any]:
    return dict(zip(names, map(facts.get, names)))


@dataclass(frozen=True)
class Firing:
    """A rule that fired: its id, its layer, and the facts its conditions read, with their values.

    An evaluation makes its firings with `matched` still to work out (`firings`, MadeOnFirstRead): only the JSON
    trace reads it, and some twenty dicts an evaluation would otherwise build went unread by every other report.
    Equality, repr and pickling read it as any field."""

    rule: str
    layer: int
    matched: Mapping[str, Any]

    __getstate__ = whole_state


Firing.matched = MadeOnFirstRead("matched", _matched)  # type: ignore[assignment]


def firings(fired: Iterable[str], layers: Mapping[str, int], reads: Mapping[str, tuple[str, ...]],
            facts: Mapping[str, Any]) -> tuple[Firing, ...]:
    """The Firing of each rule fired (by id, in order), each reading its facts (`reads[rule]`) from `facts`
    when first asked (a rule reads only facts given or derived before it fired, and derived facts are written
    once, so their values at the end are those it saw)."""
    made = []
    for rule in fired:
        firing = _new(Firing)  # Firing(rule, layer, matched) without its __init__ (engine.frozen)
        _set(firing, "__dict__", {"rule": rule, "layer": layers[rule], "_matched": (reads[rule], facts)})
        made.append(firing)
    return tuple(made)


@dataclass(frozen=True)
class RequirementCheck:
    """One requirement of a gate: the fact, the comparison, the required and actual values, and the verdict.

    `met` is None when the fact is unknown (absent); `gap` is how far the actual value is from the required one
    for ordering comparisons (0 when met) and None otherwise; `in_force` is False when the threshold has no
    value in force on the evaluation's date (for a member list: when the actual value is a member not in force
    then). A `scope` requirement says whom the gate is for: it has no gap, and unmet it puts the subject outside
    the gate rather than short of it (`GateResult.outside`). `label`, `required_text` and `actual_text` are the
    fact and the values in the pack's words (engine.labels): what a report shows instead of ids and raw values.
    """

    fact: str | None
    operator: str
    required: Any
    actual: Any
    met: bool | None
    gap: float | int | None
    text: str
    threshold: str | None = None
    in_force: bool = True
    source: str | None = None
    as_of: dt.date | None = None
    note: str | None = None
    url: str | None = None
    label: str | None = None
    required_text: str | None = None
    actual_text: str | None = None
    scope: bool = False

    def to_data(self) -> dict[str, Any]:
        """The check as JSON data, with `progress` (the share of the required value reached, for `>=` and `>`; none
        for a scope requirement, which is not progress anyone can make):
        a new dict each call, which its reader may change. Most checks of a batch are the very same objects (a
        pack remembers finished checks, explain.py), so data holding only scalars is made once and kept on the
        check, outside its fields (equality, repr and replace() ignore it)."""
        data = self.__dict__.get("_data")
        if data is not None:
            return data.copy()
        progress = None
        actual, required = self.actual, self.required
        if not self.scope and self.operator in (">=", ">") and isinstance(actual, (int, float)) and \
                isinstance(required, (int, float)) and not isinstance(actual, bool) and required > 0:
            progress = round(min(1.0, max(0.0, actual / required)), 4)
        plain = JSON_SCALARS
        data = {"fact": self.fact, "operator": self.operator,
                "required": required if type(required) in plain else json_data(required),
                "actual": actual if type(actual) in plain else json_data(actual), "met": self.met, "gap": self.gap,
                "progress": progress, "threshold": self.threshold, "source": self.source,
                "as_of": None if self.as_of is None else self.as_of.isoformat(),
                "in_force": self.in_force, "note": self.note, "url": self.url, "text": self.text,
                "label": self.label, "actual_text": self.actual_text, "required_text": self.required_text,
                "scope": self.scope}
        if type(data["required"]) in plain and type(data["actual"]) in plain:  # every value immutable: keep it
            self.__dict__["_data"] = data  # frozen: its own cache, written past the frozen __setattr__
            return data.copy()
        return data


@dataclass(frozen=True)
class GateResult:
    """A gated rule's verdict (`passed`: the rule fired in the engine) and its requirement checks."""

    gate: str
    rule: str
    passed: bool
    requirements: tuple[RequirementCheck, ...]

    @property
    def in_force(self) -> bool:
        return all(check.in_force for check in self.requirements)

    @property
    def unknown(self) -> tuple[RequirementCheck, ...]:
        return tuple(check for check in self.requirements if check.met is None)

    @property
    def outside(self) -> tuple[RequirementCheck, ...]:
        """The scope requirements not met: why the subject is outside this gate (empty when inside or unknown)."""
        return tuple(check for check in self.requirements if check.scope and check.met is False)


@dataclass(frozen=True)
class AdviceItem:
    """A fired rule's advice, rendered."""

    rule: str
    category: str
    priority: int
    title: str
    text: str
    because: tuple[str, ...]


@dataclass(frozen=True)
class Outcome:
    """What one evaluation produced, the same whichever engine ran it: the input facts as checked, the facts
    the rules derived, the fired rules in firing order with the facts each read, every gate's verdict and
    requirement checks, the threshold values in force, and the country and date they were resolved for.

    An evaluation leaves `fired` to make on first read (MadeOnFirstRead; `_fired`: the rules fired, their layers,
    what each reads, the facts): a caller that needs only `fired_ids`, the derived facts or the gates never pays
    for the Firing objects."""
    facts: Mapping[str, Any]
    derived: Mapping[str, Any]
    fired: tuple[Firing, ...]
    gates: Mapping[str, GateResult]
    thresholds: Mapping[str, Any]
    country: str | None
    on: dt.date
    fired_ids: frozenset[str] = field(default=frozenset())
    # Folded facts (FactSpec.folded) as given, before folding: rule text shows them so, comparisons never see them.
    as_given: Mapping[str, Any] = field(default_factory=dict, compare=False)

    __getstate__ = whole_state

    def did_fire(self, rule_id: str) -> bool:
        return rule_id in self.fired_ids

    @property
    def all_facts(self) -> dict[str, Any]:
        """Input and derived facts together, as the rules saw them at the end."""
        return {**self.facts, **self.derived}


Outcome.fired = MadeOnFirstRead("fired", firings)  # type: ignore[assignment]

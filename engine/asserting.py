"""Derived facts: what a fired rule asserts under one set of threshold values, each fact written once.

Both engines keep the same rule: a rule that fires asserts its facts (a threshold's value in force, or nothing when
none is); a fact once derived keeps its value, and a later rule asserting a different value for it is a
FactConflictError naming both rules. What a rule asserts depends on the threshold values alone, so each compiled
ruleset works it out once (`asserted_facts`), engine values included. The durable engine writes through `Derived`;
the python engine writes the same steps into its compiled function (engine/python/compiler.py), and the
differential tests hold the two equal.
"""

from __future__ import annotations

from typing import Any, Mapping, Sequence

from .encoding import engine_value
from .errors import FactConflictError, FactError
from .model import Rule, ThresholdRef

# (fact, the value as asserted, its engine value, or the FactError taking it into the engine raises)
AssertedFact = tuple[str, Any, Any]


def asserted_facts(rule: Rule, values: Mapping[str, Any]) -> tuple[AssertedFact, ...]:
    """What `rule` asserts when it fires under these threshold values, in the order its file writes them."""
    asserted = []
    for name, written in rule.asserts:
        value = values.get(written.name) if isinstance(written, ThresholdRef) else written
        if value is None:
            continue  # a threshold not in force asserts nothing
        try:
            engine: Any = engine_value(value, f"fact {name!r} asserted by rule {rule.id}")
        except FactError as error:  # raised when the rule fires, as any failure of its action
            engine = error
        asserted.append((name, value, engine))
    return tuple(asserted)


def conflict(name: str, value: Any, rule: Rule, derived: Mapping[str, Any], fired: Sequence[str],
             tables: Mapping[str, tuple[AssertedFact, ...]]) -> FactConflictError:
    """The error for `rule` asserting `value` for `name`, derived already as another value. The rule that derived
    it is the first of the fired rules (in firing order) that asserts it: found here, on the rare error, rather
    than recorded at every write."""
    first = next((other for other in fired if other != rule.id
                  and any(asserted == name for asserted, _, _ in tables.get(other, ()))), "?")
    return FactConflictError(f"rules {first} and {rule.id} assert different values for {name!r}: "
                             f"{derived[name]!r} and {value!r}")


class Derived:
    """The facts derived in one evaluation (`values`, as asserted) and the ids of the rules fired so far, in order,
    for an engine that writes them one firing at a time (the durable engine)."""

    __slots__ = ("values", "fired", "tables")

    def __init__(self, tables: Mapping[str, tuple[AssertedFact, ...]]):
        self.values: dict[str, Any] = {}
        self.fired: list[str] = []
        self.tables = tables

    def fire(self, rule: Rule) -> dict[str, Any]:
        """Record the firing; write what the rule asserts. Returns the new facts as engine values, for the
        working memory the next layer reads."""
        self.fired.append(rule.id)
        new = {}
        values = self.values
        for name, value, engine in self.tables.get(rule.id, ()):
            if name in values and values[name] != value:
                raise conflict(name, value, rule, values, self.fired, self.tables)
            values[name] = value
            if isinstance(engine, FactError):
                raise engine
            new[name] = engine
        return new

"""The rule pack as typed, immutable data: what the loader builds and the compiler and explainer read.

Each object remembers where it was written (`origin`) so a later check can still point at the file, line and
column, but the origin takes no part in equality: two packs with the same content are the same pack.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, replace
from typing import Any, Iterable, Mapping, Union

from .documents.yaml_source import LocatedDocument

Scalar = Union[int, float, str, bool, dt.date]
Value = Union[Scalar, tuple[Scalar, ...]]

FACT_TYPES = ("integer", "number", "string", "boolean", "date")
OPERATORS = ("==", "!=", "<", "<=", ">", ">=", "in", "between", "exists")
ORDERING_OPERATORS = ("<", "<=", ">", ">=", "between")


@dataclass(frozen=True)
class FactSpec:
    """A fact the caller promises to supply (or leave absent): its name, type and meaning.

    Types: integer, number (integer or decimal), string, boolean, date. A `folded` string fact is compared without
    regard to case or runs of whitespace (engine/folding.py): "Home  Baking" equals `home baking`.
    """

    name: str
    type: str
    description: str = ""
    folded: bool = False

    def __post_init__(self) -> None:
        if self.type not in FACT_TYPES:
            raise ValueError(f"fact {self.name!r}: type must be one of {', '.join(FACT_TYPES)}, not {self.type!r}")


@dataclass(frozen=True)
class Origin:
    """Where a piece of the pack was written: the loaded document and the path of its node."""

    document: LocatedDocument = field(compare=False, repr=False)
    path: tuple[Any, ...] = field(compare=False)


@dataclass(frozen=True)
class ThresholdEntry:
    """One value of a threshold with its provenance and the dates it is in force (until is exclusive)."""

    value: Value
    source: str
    as_of: dt.date
    valid_from: dt.date | None = None
    valid_until: dt.date | None = None
    note: str | None = None
    url: str | None = None
    earlier: tuple["ThresholdEntry", ...] = ()

    def in_force(self, on: dt.date) -> bool:
        if self.valid_from is not None and on < self.valid_from:
            return False
        return self.valid_until is None or on < self.valid_until


@dataclass(frozen=True)
class Threshold:
    """A named value rules compare facts with; per-country overrides and dated earlier values.

    A member list (`members`) is a list whose items each have their own dates and source: its value on a date is
    the keys of the members in force then (a programme's markets, each with its start and end). Its `base` holds
    the list's own provenance and, as its value, every key (what type checks see).
    """

    name: str
    base: ThresholdEntry
    countries: tuple[tuple[str, ThresholdEntry], ...] = ()
    description: str | None = None
    unit: str | None = None
    origin: Origin | None = field(default=None, compare=False, repr=False)
    members: tuple[tuple[str, ThresholdEntry], ...] = ()
    # `replace: whole` in an overlay: it drops what the definition it replaces had (countries, dates) on purpose.
    replace_whole: bool = field(default=False, compare=False)

    def resolve(self, country: str | None, on: dt.date) -> ThresholdEntry | None:
        """The entry in force for this country on this date, or None when no value is in force."""
        if self.members:
            if not self.base.in_force(on):
                return None
            return replace(self.base, value=tuple(key for key, entry in self.members if entry.in_force(on)))
        entry = dict(self.countries).get(country or "", self.base)
        if entry.in_force(on):
            return entry
        for earlier in entry.earlier:
            if earlier.in_force(on):
                return earlier
        return None

    def entries(self) -> list[ThresholdEntry]:
        """Every value this threshold can take, for type checks and the catalogue."""
        found = []
        for entry in (self.base, *(entry for _, entry in self.countries)):
            found.append(entry)
            found.extend(entry.earlier)
        return found

    def member(self, key: Any) -> ThresholdEntry | None:
        """A member list's entry for one key (its dates and source), or None."""
        for name, entry in self.members:
            if name == key:
                return entry
        return None


def member_span(members: tuple[tuple[str, ThresholdEntry], ...]) -> tuple[dt.date | None, dt.date | None]:
    """(first day, first day after) a member list has any member in force: None where some member is unbounded."""
    entries = [entry for _, entry in members]
    starts = [entry.valid_from for entry in entries]
    ends = [entry.valid_until for entry in entries]
    first = None if not entries or None in starts else min(day for day in starts if day is not None)
    last = None if not entries or None in ends else max(day for day in ends if day is not None)
    return first, last


@dataclass(frozen=True)
class Leaf:
    """A comparison of one fact with a literal or a named threshold (or, for `exists`, with nothing)."""

    fact: str
    op: str
    value: Value | None = None
    threshold: str | tuple[str, str] | None = None
    origin: Origin | None = field(default=None, compare=False, repr=False)
    # A scope requirement says whom a gate is for (a market, an age, a kind of account), not a target to reach:
    # unmet, the subject is outside the gate, and no gap or progress is reported for it.
    scope: bool = False

    def threshold_names(self) -> tuple[str, ...]:
        if self.threshold is None:
            return ()
        return (self.threshold,) if isinstance(self.threshold, str) else tuple(self.threshold)


@dataclass(frozen=True)
class AllOf:
    """All of the conditions hold (`all:` in a rule file)."""
    items: tuple["Condition", ...]


@dataclass(frozen=True)
class AnyOf:
    """At least one of the conditions holds (`any:` in a rule file)."""
    items: tuple["Condition", ...]


@dataclass(frozen=True)
class NotOf:
    """The condition does not hold (`not:` in a rule file)."""
    item: "Condition"


Condition = Union[Leaf, AllOf, AnyOf, NotOf]


def leaves(condition: Condition) -> list[Leaf]:
    """Every comparison in a condition, in the order written."""
    if isinstance(condition, Leaf):
        return [condition]
    if isinstance(condition, NotOf):
        return leaves(condition.item)
    return [leaf for item in condition.items for leaf in leaves(item)]


NOT_IN_FORCE = object()  # the right-hand side of a comparison whose threshold has no value in force


def operand(leaf: Leaf, values: Mapping[str, Any]) -> Any:
    """The right-hand side of a comparison for these thresholds: a value, a tuple, or NOT_IN_FORCE. Every engine
    and the explanations read it here, so "a threshold not in force makes its comparison false" has one home."""
    if leaf.threshold is None:
        return leaf.value
    if isinstance(leaf.threshold, tuple):
        low, high = (values.get(name, NOT_IN_FORCE) for name in leaf.threshold)
        return NOT_IN_FORCE if NOT_IN_FORCE in (low, high) else (low, high)
    return values.get(leaf.threshold, NOT_IN_FORCE)


@dataclass(frozen=True)
class ThresholdRef:
    """`{threshold: name}` on the right of an assert: the threshold's value in force."""

    name: str


@dataclass(frozen=True)
class Advice:
    """What a rule tells the user when it fires; every field is a sandboxed Jinja template."""

    title: str
    text: str
    because: tuple[str, ...] = ()


@dataclass(frozen=True)
class Rule:
    """One validated rule: its id, category and `when` condition, its priority among ready rules, an optional gate
    (the programme whose requirements it checks), what it asserts and the advice it gives. Built by the loader from
    a rule file; `origin` says where it was written, for located errors."""

    id: str
    category: str
    when: Condition
    priority: int = 50
    gate: str | None = None
    title: str | None = None
    description: str | None = None
    note: str | None = None
    asserts: tuple[tuple[str, Scalar | ThresholdRef], ...] = ()
    advice: Advice | None = None
    pack: str = ""
    origin: Origin | None = field(default=None, compare=False, repr=False)
    # A gate kept to explain something that has ended (a retired programme): lint checks it is indeed closed.
    historical: bool = False

    @property
    def facts_read(self) -> tuple[str, ...]:
        """Facts the rule's conditions mention, each once, in the order written."""
        return tuple(dict.fromkeys(leaf.fact for leaf in leaves(self.when)))

    @property
    def texts(self) -> tuple[tuple[tuple[Any, ...], str], ...]:
        """Every text the rule's author wrote (title, advice title, text and reasons), each with its path in the
        rule, so a check or a lint finding points at the very field."""
        texts: list[tuple[tuple[Any, ...], str]] = []
        if self.title:
            texts.append((("title",), self.title))
        if self.advice:
            texts.append((("then", "advice", "title"), self.advice.title))
            texts.append((("then", "advice", "text"), self.advice.text))
            texts.extend((("then", "advice", "because", i), text) for i, text in enumerate(self.advice.because))
        return tuple(texts)

    @property
    def requirements(self) -> tuple[Condition, ...]:
        """For a gate, the conditions reported one by one: the items of a top-level `all`, else the condition."""
        return self.when.items if isinstance(self.when, AllOf) else (self.when,)


def firing_order(rules: Iterable[Rule], layers: Mapping[str, int]) -> list[Rule]:
    """The one definition of the order in which ready rules fire: the lower layer first, then the higher priority,
    then the smaller id. A total order, so every engine, listing and catalogue gives the same sequence (the
    durable-rules compiler writes it as each rule's `pri`, the python engine runs its rules in it)."""
    return sorted(rules, key=lambda rule: (layers.get(rule.id, 0), -rule.priority, rule.id))


@dataclass(frozen=True)
class PackInfo:
    """A pack's `pack.yaml`: its name, version and description, and the folder it was read from."""
    name: str
    version: str = ""
    description: str = ""
    folder: str = ""
    # Derived facts the host application reads from an outcome (so lint does not call them unread).
    host_reads: tuple[str, ...] = ()

"""Plain-words explanations: requirement checks for gates, and sentences for conditions.

The verdict of a rule always comes from the engine that ran; this module only explains it. It evaluates each requirement
of a gate on its own, so the user sees every requirement, met or not, with the actual value, the required value
and the gap, including when the gate did not fire. Conditions are also turned into sentences ("followers at least
10,000") for the plan's reasons and the rule catalogue.
"""

from __future__ import annotations

import datetime as dt
import operator
from typing import Any, Callable, Mapping, Sequence

from .documents.schema import is_json_number
from .frozen import from_fields
from .labels import NO_LABELS, Labels
from .model import NOT_IN_FORCE, AllOf, AnyOf, Condition, Leaf, NotOf, Threshold, ThresholdEntry, leaves, operand
from .outcome import RequirementCheck
from .templating.filters import words as show


def describe(condition: Condition, values: Mapping[str, Any] | None = None, labels: Labels = NO_LABELS) -> str:
    """A condition in words; with `values`, thresholds are shown as their values in force. Facts, operators and
    values read as the pack's `labels` give them (engine.labels)."""
    if isinstance(condition, NotOf):
        return f"not ({describe(condition.item, values, labels)})"
    if isinstance(condition, (AllOf, AnyOf)):
        joiner = " and " if isinstance(condition, AllOf) else " or "
        return "(" + joiner.join(describe(item, values, labels) for item in condition.items) + ")"
    leaf = condition
    fact = labels.fact(leaf.fact)
    if leaf.op == "exists":
        return f"{fact} {labels.operator('exists')}"
    return f"{fact} {labels.operator(leaf.op)} {_right(leaf, values, labels)}"


def _right(leaf: Leaf, values: Mapping[str, Any] | None, labels: Labels) -> str:
    """The right-hand side of a comparison in words: the threshold names without `values`, else the values."""
    if values is None:
        if leaf.threshold:
            return " and ".join(leaf.threshold_names())
        return labels.value(leaf.fact, leaf.value)
    resolved = operand(leaf, values)
    if resolved is NOT_IN_FORCE:
        return "a value not in force"
    if leaf.op == "between" and isinstance(resolved, (tuple, list)) and len(resolved) == 2:
        return " and ".join(labels.value(leaf.fact, item) for item in resolved)
    return labels.value(leaf.fact, resolved)


def holds(condition: Condition, facts: Mapping[str, Any], values: Mapping[str, Any]) -> bool:
    """Two-valued truth, with the engine's rule that a comparison with an absent fact is false."""
    if isinstance(condition, NotOf):
        return not holds(condition.item, facts, values)
    if isinstance(condition, AllOf):
        return all(holds(item, facts, values) for item in condition.items)
    if isinstance(condition, AnyOf):
        return any(holds(item, facts, values) for item in condition.items)
    return _compare(condition, facts.get(condition.fact), operand(condition, values))


def _compare(leaf: Leaf, actual: Any, right: Any) -> bool:
    if leaf.op == "exists":
        return actual is not None
    if actual is None or right is NOT_IN_FORCE:
        return False
    if leaf.op == "in":
        return actual in right
    if leaf.op == "between":
        return right[0] <= actual <= right[1]
    return _COMPARE[leaf.op](actual, right)  # only the comparison asked for: `"a" == 1` is False, not an error


_COMPARE = {"==": operator.eq, "!=": operator.ne, "<": operator.lt, "<=": operator.le, ">": operator.gt,
            ">=": operator.ge}


_NUMBERS = (int, float)
_new, _set = object.__new__, object.__setattr__


def _gap(op: str, actual: Any, required: Any) -> float | int | None:
    """How far `actual` is from `required` for an ordering comparison (0 when met); None for anything else."""
    if not ((type(actual) in _NUMBERS or is_json_number(actual)) and
            (type(required) in _NUMBERS or is_json_number(required))):
        return None
    if op in (">=", ">"):
        return max(0, required - actual)
    if op in ("<=", "<"):
        return max(0, actual - required)
    return None


class PreparedRequirement:
    """What a requirement check owes to the thresholds alone (the words, the value required, the source): the same
    for every evaluation with the same country and date, so a pack prepares it once per (country, date), and
    engine.gates checks it for each evaluation. `static`
    is the check with actual, met and gap still to fill in; `names` are a composite requirement's facts.

    A check is frozen and depends on nothing else, so finished checks are kept and given again: a leaf
    requirement's by actual value, with the other requirements on its fact (`fact_checks`); a composite
    requirement's three possible checks (`remembered`, by verdict), each made once, on first need. `unknown` is a
    leaf requirement's check for an absent fact."""

    __slots__ = ("condition", "leaf", "right", "static", "names", "labels", "members", "on", "fact",
                 "remembered", "unknown")

    def __init__(self, condition: Condition, leaf: Leaf | None, right: Any, static: RequirementCheck,
                 names: tuple[str, ...] = (), labels: Labels = NO_LABELS, members: Threshold | None = None,
                 on: dt.date | None = None):
        self.condition, self.leaf, self.right, self.static, self.names = condition, leaf, right, static, names
        self.labels = labels  # for the actual value in words
        self.members, self.on = members, on  # a member list compared with: each actual value's own provenance
        self.fact = leaf.fact if leaf is not None else None
        self.remembered: dict[Any, RequirementCheck] = {}
        self.unknown: RequirementCheck | None = None
        if leaf is not None:  # a fact not given is "cannot tell yet", never a failed requirement (`exists` too)
            self.unknown = _finish(self, None)


MAX_REMEMBERED = 512  # values whose checks one fact's requirements keep (fact_checks): some 700 bytes a check
# The types a fact's values are kept by (see fact_checks): not float, where 0.0 == -0.0.
REMEMBERED_TYPES = {"integer": int, "string": str, "boolean": bool, "date": dt.date, "number": int}


def prepare_requirements(requirements: tuple[Condition, ...], values: Mapping[str, Any],
                         thresholds: Mapping[str, Threshold], country: str | None, on: dt.date,
                         labels: Labels = NO_LABELS) -> tuple[PreparedRequirement, ...]:
    """Each requirement of a gate with what depends on the thresholds alone worked out (the words, the
    value required, the source, whether it is in force on `on` in `country`), ready for engine.gates.
    The words follow the pack's `labels`."""
    prepared = []
    for condition in requirements:
        if not isinstance(condition, Leaf):
            text = describe(condition, values, labels)
            operator = "all" if isinstance(condition, AllOf) else "any" if isinstance(condition, AnyOf) else "not"
            prepared.append(PreparedRequirement(
                condition, None, None, RequirementCheck(None, operator, text, None, None, None, text),
                tuple(leaf.fact for leaf in leaves(condition))))
            continue
        leaf = condition
        right = operand(leaf, values)
        entry = _entry(leaf, thresholds, country, on)
        in_force = right is not NOT_IN_FORCE
        required = None if leaf.op == "exists" else (right if in_force else None)
        text = describe(leaf, values, labels)
        if not in_force and entry is not None and isinstance(leaf.threshold, str):
            text = describe(leaf, {leaf.threshold: entry.value}, labels) + _window(entry, on)
        threshold = thresholds.get(leaf.threshold) if isinstance(leaf.threshold, str) else None
        prepared.append(PreparedRequirement(condition, leaf, right, RequirementCheck(
            fact=leaf.fact, operator=leaf.op, required=required, actual=None, met=None, gap=None,
            text=text, threshold=leaf.threshold if isinstance(leaf.threshold, str) else None,
            in_force=in_force, source=entry.source if entry else None, as_of=entry.as_of if entry else None,
            note=entry.note if entry else None, url=entry.url if entry else None, label=labels.fact(leaf.fact),
            required_text=None if required is None else labels.value(leaf.fact, required), scope=leaf.scope),
            labels=labels, members=threshold if threshold is not None and threshold.members and in_force else None,
            on=on))
    return tuple(prepared)


def remembered_type(fact_type: str | None) -> type | None:
    """The type a fact's finished checks are kept by (`fact_checks`' `exact`), from its declared type."""
    return REMEMBERED_TYPES.get(fact_type or "")


def fact_checks(items: Sequence[PreparedRequirement], exact: type | None
                ) -> tuple[Callable[[Any], tuple[RequirementCheck, ...]], dict[Any, tuple[RequirementCheck, ...]]]:
    """(`finish(actual)`: the checks of the leaf requirements `items`, all on one fact, for one present value;
    the checks finished so far, by value). engine.gates looks a value up there first: a fact meets the same few
    values again across a batch (an age, a country, an account type), and when one requirement on it needs a new
    check, so do the others on it (some creator's follower count), so they are finished and kept together.

    Only values of `exact`, the fact's own type, are kept by value, so 1, 1.0 and True never stand for one another
    (a float 0, equal to -0.0, is never kept: `exact` is never float), at most MAX_REMEMBERED of them. A number
    compared by order is filled in directly (`_quick`), its words written once for all; anything else goes the
    general way (`_finish`): the same checks either way, which tests/test_engine.py holds."""
    pairs = [(_quick(item), item) for item in items]
    remembered: dict[Any, tuple[RequirementCheck, ...]] = {}

    def finish(actual: Any) -> tuple[RequirementCheck, ...]:
        kind = type(actual)
        if kind is int or kind is float:
            text = show(actual)
            checks = tuple([_finish(item, actual) if quick is None else quick(actual, text) for quick, item in pairs])
        else:
            checks = tuple([_finish(item, actual) for _, item in pairs])
        if kind is exact:
            if len(remembered) >= MAX_REMEMBERED:
                remembered.clear()
            remembered[actual] = checks
        return checks
    return finish, remembered


def _quick(item: PreparedRequirement) -> Callable[[Any, str], RequirementCheck] | None:
    """`_finish` for an ordering comparison with a number, given the actual value and its words (None for any
    other requirement): what depends on the requirement alone decided once."""
    static, leaf, right = item.static, item.leaf, item.right
    if leaf is None or leaf.op not in ("<", "<=", ">", ">=") or item.members is not None or not (
            type(right) in _NUMBERS or right is NOT_IN_FORCE):
        return None
    in_force = right is not NOT_IN_FORCE
    compare = _COMPARE[leaf.op] if in_force else None  # not in force (closed on the date): never met, no gap
    base = dict(static.__dict__)  # actual, met, gap and actual_text are None in it
    ahead, gap = leaf.op in (">=", ">"), in_force and not static.scope

    def quick(actual: Any, text: str) -> RequirementCheck:
        fields = base.copy()
        fields["actual"] = actual
        fields["met"] = compare(actual, right) if compare is not None else False
        if gap:
            fields["gap"] = max(0, right - actual) if ahead else max(0, actual - right)
        fields["actual_text"] = text
        check = _new(RequirementCheck)
        _set(check, "__dict__", fields)  # engine.frozen's from_fields, written out
        return check
    return quick


def composite_check(item: PreparedRequirement, values: Mapping[str, Any], facts: Mapping[str, Any]
                    ) -> RequirementCheck:
    """The check of a composite requirement (`all`/`any`/`not`): met, not met, or unknown (a fact it reads is
    absent and it does not hold anyway); each of the three made once."""
    unknown = any(facts.get(name) is None for name in item.names)
    holding = holds(item.condition, facts, values)
    met = None if unknown and not holding else holding
    found = item.remembered.get(met)
    if found is None:
        static = item.static
        found = item.remembered[met] = RequirementCheck(None, static.operator, static.required, None, met, None,
                                                        static.text)
    return found


def _finish(item: PreparedRequirement, actual: Any) -> RequirementCheck:
    """The check of one leaf requirement for this actual value (None: the fact is absent): the prepared check with
    the actual value, met, the gap and the actual value in words filled in (`replace(static, ...)` at a quarter of
    the cost, engine.frozen: a plan checks some thirty requirements)."""
    static = item.static
    fields = dict(static.__dict__)  # actual, met, gap and actual_text are None in it
    if actual is None:  # `exists` too: a fact not given is "cannot tell yet", never a failed requirement
        fields["met"] = None if static.in_force else False
        return from_fields(RequirementCheck, fields)
    leaf = item.leaf
    assert leaf is not None
    fields["actual"] = actual
    fields["met"] = _compare(leaf, actual, item.right)
    if static.in_force and not static.scope:
        fields["gap"] = _gap(leaf.op, actual, static.required)
    kind = type(actual)  # a number has no label of its own: its words are `show`'s (Labels.value)
    fields["actual_text"] = show(actual) if kind is int or kind is float else item.labels.value(leaf.fact, actual)
    check = _new(RequirementCheck)
    _set(check, "__dict__", fields)  # engine.frozen's from_fields, written out: a check finished per evaluation
    if item.members is not None:
        member = item.members.member(actual)
        if member is not None:
            check = _with_member(check, leaf, member, item.on)
    return check


def _with_member(check: RequirementCheck, leaf: Leaf, member: ThresholdEntry, on: dt.date | None
                 ) -> RequirementCheck:
    """A comparison with a member list, for a value that is one of its members: that member's source and dates.
    A member not in force on the date (a market not yet open, or closed) makes the requirement not in force."""
    fields = dict(check.__dict__)
    fields.update(source=member.source, as_of=member.as_of, note=member.note or check.note, url=member.url)
    if on is not None and not member.in_force(on):
        fields.update(in_force=False, gap=None, required=None, required_text=None,
                      text=f"{leaf.fact} is {show(check.actual)}{_window(member, on)}")
    return from_fields(RequirementCheck, fields)


def _window(entry: ThresholdEntry, on: dt.date) -> str:
    """Why a threshold has no value on `on`: it ended, or it had not started."""
    if entry.valid_until is not None and on >= entry.valid_until:
        return f" (no longer in force: ended {entry.valid_until.isoformat()})"
    if entry.valid_from is not None and on < entry.valid_from:
        return f" (not yet in force: starts {entry.valid_from.isoformat()})"
    return " (not in force on this date)"


def _entry(leaf: Leaf, thresholds: Mapping[str, Threshold], country: str | None,
           on: dt.date) -> ThresholdEntry | None:
    """The threshold entry behind a comparison: the one in force, or (when none is) the base, for provenance."""
    if not isinstance(leaf.threshold, str) or leaf.threshold not in thresholds:
        return None
    threshold = thresholds[leaf.threshold]
    return threshold.resolve(country, on) or dict(threshold.countries).get(country or "", threshold.base)



def reasons(condition: Condition, facts: Mapping[str, Any], values: Mapping[str, Any],
            labels: Labels = NO_LABELS) -> list[str]:
    """Why a condition holds, in words with the actual values: one phrase per comparison that made it true,
    such as 'followers: 6,840 (at least 1,000)'."""
    if isinstance(condition, AllOf):
        return [reason for item in condition.items for reason in reasons(item, facts, values, labels)]
    if isinstance(condition, AnyOf):
        for item in condition.items:
            if holds(item, facts, values):
                return reasons(item, facts, values, labels)
        return []
    if isinstance(condition, NotOf):
        return [f"not ({describe(condition.item, values, labels)})"]
    actual = labels.value(condition.fact, facts.get(condition.fact))
    fact = labels.fact(condition.fact)
    if condition.op in ("exists", "==", "in"):
        return [f"{fact}: {actual}"]
    return [f"{fact}: {actual} ({labels.operator(condition.op)} {_right(condition, values, labels)})"]

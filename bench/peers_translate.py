"""The peer benchmark's one source of truth, translated: bench/peers_pack/ is loaded and validated by our engine,
and each contender's form of it is generated from that rule model (never written by hand), so no copy can drift.

Every translation keeps the engine's semantics (docs/rule-format.md): a comparison with an absent fact is false
(so `not` of it is true); rules fire in layers (a rule reading a derived fact after every rule that can assert
it), then by priority, then by id, at most once each. That order is a total one, so each contender is given it as
its own notion of priority (CLIPS salience, durable-rules `pri`, json-rules-engine `priority`) and every contender
must report the very same firings in the very same order.

Constants come from the validated model only (numbers, text, truth values), written with repr() into the Python
and CLIPS text after a type check, and as JSON for json-rules-engine. This is a benchmark over our own pack, not a
path for user packs.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

from engine import load_rule_pack
from engine.model import AllOf, AnyOf, Condition, Leaf, NotOf, Rule, ThresholdRef, leaves

PACK_FOLDER = Path(__file__).resolve().parent / "peers_pack"
NOT_IN_FORCE = object()


@dataclass
class PeerPack:
    """The bench pack as every translator reads it: rules in firing-rank order with their layer, the threshold
    values (the same everywhere: the pack has no per-country or dated values), the profile facts the rules read
    and the facts they derive."""

    rules: list[Rule]
    layers: dict[str, int]
    values: dict[str, Any]
    base_facts: tuple[str, ...]
    derived: tuple[str, ...]

    def operand(self, leaf: Leaf) -> Any:
        if leaf.threshold is None:
            return leaf.value
        if isinstance(leaf.threshold, tuple):
            pair = tuple(self.values.get(name, NOT_IN_FORCE) for name in leaf.threshold)
            return NOT_IN_FORCE if NOT_IN_FORCE in pair else pair
        return self.values.get(leaf.threshold, NOT_IN_FORCE)

    def asserts(self, rule: Rule) -> list[tuple[str, Any]]:
        found = []
        for name, value in rule.asserts:
            if isinstance(value, ThresholdRef):
                value = self.values.get(value.name, NOT_IN_FORCE)
                if value is NOT_IN_FORCE:
                    continue
            found.append((name, value))
        return found


def load_peer_pack(facts, folder: Path = PACK_FOLDER) -> tuple[Any, PeerPack]:
    """(our RulePack, its PeerPack). Refuses a pack whose thresholds vary by country or date."""
    pack = load_rule_pack(folder, facts)
    for threshold in pack.thresholds.values():
        if threshold.countries or threshold.base.valid_from or threshold.base.valid_until or threshold.base.earlier:
            raise SystemExit(f"{folder}: threshold {threshold.name} varies by country or date; the peers have no "
                             "such thing, so the peer pack must not either")
    ordered = sorted(pack.rules.values(), key=lambda rule: (pack.layers[rule.id], -rule.priority, rule.id))
    values = {name: threshold.base.value for name, threshold in pack.thresholds.items()}
    derived = tuple(sorted(pack.derived_types))
    read = dict.fromkeys(leaf.fact for rule in ordered for leaf in leaves(rule.when))
    base = tuple(name for name in read if name not in pack.derived_types)
    return pack, PeerPack(ordered, dict(pack.layers), values, base, derived)


def constant(value: Any) -> str:
    """A constant of the model as Python text (repr of a checked scalar)."""
    if isinstance(value, bool) or isinstance(value, int) or isinstance(value, str):
        return repr(value)
    if isinstance(value, float) and math.isfinite(value):
        return repr(value)
    raise SystemExit(f"the peer pack holds a constant the translators do not handle: {value!r}")


# -- plain Python: one function, the limit --------------------------------------------------------------------

def plain_python_source(peer: PeerPack) -> str:
    """One function `evaluate(facts) -> fired rule ids`: each rule an `if` in firing order, derived facts local
    variables. What a programmer would write by hand for these 30 rules, and the speed limit of Python itself."""
    names = {name: f"f{number}" for number, name in enumerate((*peer.base_facts, *peer.derived))}
    lines = ["def evaluate(facts):", "    get = facts.get", "    fired = []", "    add = fired.append"]
    lines += [f"    {names[name]} = get({name!r})  # {name}" for name in peer.base_facts]
    lines += [f"    {names[name]} = None  # {name} (derived)" for name in peer.derived]
    for rule in peer.rules:
        lines.append(f"    if {_python(rule.when, peer, names)}:  # {rule.id}")
        lines.append(f"        add({rule.id!r})")
        lines += [f"        {names[name]} = {constant(value)}" for name, value in peer.asserts(rule)]
    lines.append("    return fired")
    return "\n".join(lines) + "\n"


def plain_python(peer: PeerPack) -> Callable[[dict], list[str]]:
    namespace: dict[str, Any] = {}
    exec(compile(plain_python_source(peer), "<peers: plain Python>", "exec"), namespace)  # our own generated text
    return namespace["evaluate"]


def _python(condition: Condition, peer: PeerPack, names: dict[str, str]) -> str:
    if isinstance(condition, NotOf):
        return f"not ({_python(condition.item, peer, names)})"
    if isinstance(condition, (AllOf, AnyOf)):
        joiner = " and " if isinstance(condition, AllOf) else " or "
        return "(" + joiner.join(_python(item, peer, names) for item in condition.items) + ")"
    variable = names[condition.fact]
    if condition.op == "exists":
        return f"{variable} is not None"
    right = peer.operand(condition)
    if right is NOT_IN_FORCE:
        return "False"
    if condition.op == "in":
        return f"{variable} in ({''.join(constant(item) + ', ' for item in right)})"
    if condition.op == "between":
        return f"({variable} is not None and {constant(right[0])} <= {variable} <= {constant(right[1])})"
    if condition.op == "==":
        return f"{variable} == {constant(right)}"
    return f"({variable} is not None and {variable} {condition.op} {constant(right)})"


# -- CLIPS (clipspy) --------------------------------------------------------------------------------------------

def clips_program(peer: PeerPack) -> str:
    """A `profile` template with one slot per profile fact (nil when absent), one ordered fact `(d-NAME value)`
    per derived fact, one defrule per rule: salience from the firing rank, the condition as conditional elements
    (a comparison with a profile fact is a pattern on the one profile fact, `any` is written
    `(not (and (not A) (not B)))` so a rule activates once), and a right-hand side that calls `fired` and asserts."""
    slots = " ".join(f"(slot {name} (default nil))" for name in peer.base_facts)
    parts = [f"(deftemplate profile {slots})"]
    counter = iter(range(10**6))
    for rank, rule in enumerate(peer.rules):
        elements = _clips(rule.when, peer, counter)
        actions = [f"(fired {rank})"] + [f"(assert (d-{name} {_clips_constant(value)}))"
                                         for name, value in peer.asserts(rule)]
        parts.append(f"(defrule r{rank} (declare (salience {10000 - rank})) {elements} => {' '.join(actions)})")
    return "\n".join(parts)


def _clips_constant(value: Any) -> str:
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, str):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    return constant(value)


def _clips(condition: Condition, peer: PeerPack, counter) -> str:
    if isinstance(condition, NotOf):
        return f"(not {_clips(condition.item, peer, counter)})"
    if isinstance(condition, AnyOf):
        return "(not (and " + " ".join(f"(not {_clips(item, peer, counter)})" for item in condition.items) + "))"
    items = condition.items if isinstance(condition, AllOf) else (condition,)
    # The comparisons with profile facts of one `all` go into one pattern on the profile fact, as a CLIPS user
    # writes them (one slot constraint per fact); derived facts and nested conditions are elements of their own.
    slots: dict[str, list[str]] = {}
    elements = []
    for item in items:
        if isinstance(item, Leaf) and item.fact not in peer.derived:
            slots.setdefault(item.fact, []).append(_clips_constraint(item, peer))
        elif isinstance(item, Leaf):
            elements.append(f"(d-{item.fact} {_clips_slot([_clips_constraint(item, peer)], counter)})")
        else:
            elements.append(_clips(item, peer, counter))
    if slots:
        constraints = [f"({fact} {_clips_slot(parts, counter)})" for fact, parts in slots.items()]
        elements.insert(0, "(profile " + " ".join(constraints) + ")")
    return elements[0] if len(elements) == 1 else "(and " + " ".join(elements) + ")"


def _clips_slot(parts: list[str], counter) -> str:
    """One slot's constraints joined: a lone literal constraint (`"US"|"GB"`) as it is, else a fresh variable
    with each constraint on it (`?v3&~nil&:(< ?v3 1)`)."""
    if len(parts) == 1 and not parts[0].startswith((":", "~", "?")):
        return parts[0]
    variable = f"?v{next(counter)}"
    return variable + "".join("&" + part.replace("?v", variable) for part in parts if part != "?v")


def _clips_constraint(leaf: Leaf, peer: PeerPack) -> str:
    """A slot constraint for one comparison, written for the variable `?v` (replaced by _clips_slot)."""
    if leaf.op == "exists":
        return "~nil" if leaf.fact not in peer.derived else "?v"
    right = peer.operand(leaf)
    if right is NOT_IN_FORCE:
        return ":FALSE"
    if leaf.op == "in":
        return "|".join(_clips_constant(item) for item in right)
    number = isinstance(right, (int, float)) and not isinstance(right, bool) or leaf.op == "between"
    if leaf.op == "between":
        return f":(and (numberp ?v) (>= ?v {constant(right[0])}) (<= ?v {constant(right[1])}))"
    if leaf.op in ("==", "!=") and not number:
        return _clips_constant(right) if leaf.op == "==" else f"~nil&~{_clips_constant(right)}"
    clips_op = {"==": "=", "!=": "<>"}.get(leaf.op, leaf.op)
    return f":(and (numberp ?v) ({clips_op} ?v {constant(right)}))"


# -- durable-rules through its own Python API (durable.lang) ---------------------------------------------------

LAYER_FACT = "peers_layer"


def durable_lang_ruleset(peer: PeerPack, name: str, on_fire: Callable[[int], None]) -> list[int]:
    """Declare ruleset `name` with durable.lang's DSL (`with ruleset: when_all(pri(n), m.x >= 1 & ...)`), one
    rule per pack rule guarded by its layer (the working memory is asserted once per layer, so a rule sees the
    facts derived before its layer), the action a Python function that reports the rule's rank. durable-rules has
    no general `not`, so negation is pushed down to the comparisons, as a durable-rules user has to. Returns the
    layers to assert."""
    from durable.lang import m, pri, ruleset, when_all

    def action(rank: int):
        return lambda c: on_fire(rank)

    with ruleset(name):
        for rank, rule in enumerate(peer.rules):
            expression = _durable(rule.when, peer, m, False)
            if expression is False:
                continue
            guard = getattr(m, LAYER_FACT) == peer.layers[rule.id]
            when_all(pri(rank + 1), guard if expression is True else guard & expression)(action(rank))
        when_all(getattr(m, "peers_flush") == 1)(lambda c: None)  # see engine/runtime.py's _FLUSH_RULE
    return sorted({peer.layers[rule.id] for rule in peer.rules})


def _durable(condition: Condition, peer: PeerPack, m, negate: bool):
    if isinstance(condition, NotOf):
        return _durable(condition.item, peer, m, not negate)
    if isinstance(condition, (AllOf, AnyOf)):
        parts = [_durable(item, peer, m, negate) for item in condition.items]
        conjunction = isinstance(condition, AllOf) != negate
        return _fold(parts, conjunction)
    fact = getattr(m, condition.fact)
    if condition.op == "exists":
        return -fact if negate else +fact
    right = peer.operand(condition)
    if right is NOT_IN_FORCE:
        return negate
    if condition.op == "in":
        if negate:
            return _fold([-fact, _fold([fact != item for item in right], True)], False)
        return _fold([fact == item for item in right], False)
    if condition.op == "between":
        if negate:
            return _fold([-fact, fact < right[0], fact > right[1]], False)
        return _fold([fact >= right[0], fact <= right[1]], True)
    compare = {"==": lambda: fact == right, "!=": lambda: fact != right, "<": lambda: fact < right,
               "<=": lambda: fact <= right, ">": lambda: fact > right, ">=": lambda: fact >= right}
    opposite = {"==": "!=", "!=": "==", "<": ">=", "<=": ">", ">": "<=", ">=": "<"}
    if negate:
        return _fold([-fact, compare[opposite[condition.op]]()], False)
    return compare[condition.op]()


def _fold(parts: list, conjunction: bool):
    if any(part is (not conjunction) for part in parts if isinstance(part, bool)):
        return not conjunction
    parts = [part for part in parts if not isinstance(part, bool)]
    if not parts:
        return conjunction
    result = parts[0]
    for part in parts[1:]:
        result = (result & part) if conjunction else (result | part)
    return result


# -- json-rules-engine ------------------------------------------------------------------------------------------

def json_rules(peer: PeerPack) -> list[dict[str, Any]]:
    """The rules as json-rules-engine reads them: conditions with its operators (plus an `exists` operator the
    Node script adds), `priority` from the firing rank (it runs higher priorities first, one priority at a time),
    the rule id as the event type and the derived facts as its params (the script adds them as runtime facts)."""
    rules = []
    for rank, rule in enumerate(peer.rules):
        condition = _json(rule.when, peer)
        if not any(key in condition for key in ("all", "any", "not")):
            condition = {"all": [condition]}
        rules.append({"name": rule.id, "priority": len(peer.rules) - rank, "conditions": condition,
                      "event": {"type": rule.id, "params": {"assert": dict(peer.asserts(rule))}}})
    return rules


def _json(condition: Condition, peer: PeerPack) -> dict[str, Any]:
    if isinstance(condition, NotOf):
        return {"not": _json(condition.item, peer)}
    if isinstance(condition, (AllOf, AnyOf)):
        return {"all" if isinstance(condition, AllOf) else "any": [_json(item, peer) for item in condition.items]}
    fact = condition.fact
    exists = {"fact": fact, "operator": "exists", "value": True}
    if condition.op == "exists":
        return exists
    right = peer.operand(condition)
    if right is NOT_IN_FORCE:
        return {"not": {"all": []}}  # an empty `all` holds, so this never does
    if condition.op == "in":
        return {"fact": fact, "operator": "in", "value": list(right)}
    if condition.op == "between":
        return {"all": [{"fact": fact, "operator": "greaterThanInclusive", "value": right[0]},
                        {"fact": fact, "operator": "lessThanInclusive", "value": right[1]}]}
    operator = {"==": "equal", "!=": "notEqual", "<": "lessThan", "<=": "lessThanInclusive", ">": "greaterThan",
                ">=": "greaterThanInclusive"}[condition.op]
    leaf = {"fact": fact, "operator": operator, "value": right}
    return {"all": [exists, leaf]} if condition.op == "!=" else leaf  # notEqual holds for an absent fact

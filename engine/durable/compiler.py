"""Conditions -> durable-rules' JSON ruleset format, for one set of threshold values in force.

Each rule becomes one durable-rules rule over a single fact (the working memory of the evaluation) whose pattern
is the rule's condition with thresholds written in as constants, guarded by the layer the rule belongs to. Negation
is pushed down to the comparisons (durable-rules has no general `not`): `not (followers >= 1000)` becomes
"followers is absent or below 1000", which keeps the rule "a comparison with an absent fact is false".
A threshold not in force makes its comparisons false, and constant parts are folded away, so a rule that can
never fire under these thresholds is left out of the ruleset entirely.
"""

from __future__ import annotations

from typing import Any, Mapping, Union

from ..encoding import engine_value
from ..model import NOT_IN_FORCE, AllOf, AnyOf, Condition, Leaf, NotOf, Rule, firing_order, operand

LAYER_KEY = "__layer"

Expression = Union[dict[str, Any], bool]

_POSITIVE = {"<": "$lt", "<=": "$lte", ">": "$gt", ">=": "$gte", "!=": "$neq"}
_NEGATED = {"<": "$gte", "<=": "$gt", ">": "$lte", ">=": "$lt", "==": "$neq"}


def _and(parts: list[Expression]) -> Expression:
    if any(part is False for part in parts):
        return False
    parts = [part for part in parts if part is not True]
    if not parts:
        return True
    return parts[0] if len(parts) == 1 else {"$and": parts}


def _or(parts: list[Expression]) -> Expression:
    if any(part is True for part in parts):
        return True
    parts = [part for part in parts if part is not False]
    if not parts:
        return False
    return parts[0] if len(parts) == 1 else {"$or": parts}


def compile_condition(condition: Condition, values: Mapping[str, Any], negate: bool = False) -> Expression:
    """A condition as a durable-rules expression with the thresholds' values in force filled in (`negate`
    pushes a `not` down to the comparisons). True or False where the values decide it already, so the caller can
    drop a rule that can never fire."""
    if isinstance(condition, NotOf):
        return compile_condition(condition.item, values, not negate)
    if isinstance(condition, AllOf):
        parts = [compile_condition(item, values, negate) for item in condition.items]
        return _or(parts) if negate else _and(parts)
    if isinstance(condition, AnyOf):
        parts = [compile_condition(item, values, negate) for item in condition.items]
        return _and(parts) if negate else _or(parts)
    return _compile_leaf(condition, values, negate)


def _compile_leaf(leaf: Leaf, values: Mapping[str, Any], negate: bool) -> Expression:
    fact = leaf.fact
    absent = {"$nex": {fact: 1}}
    if leaf.op == "exists":
        return absent if negate else {"$ex": {fact: 1}}
    right = operand(leaf, values)
    if right is NOT_IN_FORCE:
        return negate  # the comparison is false, so its negation is true
    what = f"rule constant for {fact}"
    if leaf.op == "in":
        options = [engine_value(item, what) for item in right]
        if negate:
            return _or([absent, _and([{"$neq": {fact: option}} for option in options])])
        return _or([{fact: option} for option in options])
    if leaf.op == "between":
        low, high = (engine_value(item, what) for item in right)
        if negate:
            return _or([absent, {"$lt": {fact: low}}, {"$gt": {fact: high}}])
        return _and([{"$gte": {fact: low}}, {"$lte": {fact: high}}])
    constant = engine_value(right, what)
    if negate:
        if leaf.op == "!=":
            return _or([absent, {fact: constant}])
        return _or([absent, {_NEGATED[leaf.op]: {fact: constant}}])
    if leaf.op == "==":
        return {fact: constant}
    return {_POSITIVE[leaf.op]: {fact: constant}}


def compile_ruleset(rules: list[Rule], layers: Mapping[str, int], values: Mapping[str, Any]) -> tuple[
        dict[str, Any], list[Rule]]:
    """(durable-rules ruleset definition, the rules it contains in firing-rank order).

    Durable rule names are `r<rank>`; `pri` is the rank, so among ready rules the lower layer, then the higher
    priority, then the smaller id fires first: a total order, hence deterministic output.
    """
    ordered = firing_order(rules, layers)
    definition: dict[str, Any] = {}
    included: list[Rule] = []
    for rule in ordered:
        expression = compile_condition(rule.when, values)
        if expression is False:
            continue
        rank = len(included)
        guard = {LAYER_KEY: layers[rule.id]}
        pattern = guard if expression is True else {"$and": [guard, expression]}
        definition[f"r{rank}"] = {"pri": rank, "all": [{"m": pattern}]}
        included.append(rule)
    return definition, included

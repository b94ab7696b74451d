"""Conditions -> Python closures, for one set of threshold values in force.

Each comparison becomes a small function of the working memory (a dict of fact name -> engine value, see
engine.encoding: dates as YYYYMMDD integers, exactly what durable-rules compares) with its constant bound when the
closure is made: a value from a rule file is only ever an argument, never text turned into code. The semantics are
the rule format's, the same the durable-rules compiler writes as patterns: a comparison with an absent fact is
false (so its `not` is true), `exists` asks whether the fact is present, a threshold not in force makes its
comparison false, and constant parts are folded away so a rule that can never fire is left out.
"""

from __future__ import annotations

from typing import Any, Callable, Mapping, Union

from ..encoding import engine_value
from ..model import NOT_IN_FORCE, AllOf, AnyOf, Condition, Leaf, NotOf, operand

Memory = Mapping[str, Any]
Test = Callable[[Memory], bool]
Compiled = Union[Test, bool]  # True or False when the condition does not depend on the facts


def compile_condition(condition: Condition, values: Mapping[str, Any]) -> Compiled:
    """A function of the working memory that says whether `condition` holds, or a constant."""
    if isinstance(condition, NotOf):
        inner = compile_condition(condition.item, values)
        if isinstance(inner, bool):
            return not inner
        return lambda memory: not inner(memory)
    if isinstance(condition, AllOf):
        return _all([compile_condition(item, values) for item in condition.items])
    if isinstance(condition, AnyOf):
        return _any([compile_condition(item, values) for item in condition.items])
    return _leaf(condition, values)


def _all(parts: list[Compiled]) -> Compiled:
    if any(part is False for part in parts):
        return False
    tests = tuple(part for part in parts if part is not True)
    if not tests:
        return True
    if len(tests) == 1:
        return tests[0]
    if len(tests) == 2:
        first, second = tests
        return lambda memory: first(memory) and second(memory)

    def all_of(memory: Memory) -> bool:
        for test in tests:
            if not test(memory):
                return False
        return True
    return all_of


def _any(parts: list[Compiled]) -> Compiled:
    if any(part is True for part in parts):
        return True
    tests = tuple(part for part in parts if part is not False)
    if not tests:
        return False
    if len(tests) == 1:
        return tests[0]
    if len(tests) == 2:
        first, second = tests
        return lambda memory: first(memory) or second(memory)

    def any_of(memory: Memory) -> bool:
        for test in tests:
            if test(memory):
                return True
        return False
    return any_of


def _leaf(leaf: Leaf, values: Mapping[str, Any]) -> Compiled:
    fact = leaf.fact
    op = leaf.op
    if op == "exists":
        return lambda memory: fact in memory
    right = operand(leaf, values)
    if right is NOT_IN_FORCE:
        return False
    what = f"rule constant for {fact}"
    if op == "in":
        # Facts and constants are of one declared type (checked when the pack loads), so set membership is the
        # engine's equality; an absent fact (None) is in no set.
        options = frozenset(engine_value(item, what) for item in right)
        if not options:
            return False
        return lambda memory: memory.get(fact) in options
    if op == "between":
        low, high = (engine_value(item, what) for item in right)

        def between(memory: Memory) -> bool:
            value = memory.get(fact)
            return value is not None and low <= value <= high
        return between
    constant = engine_value(right, what)
    return _COMPARISONS[op](fact, constant)


def _equal(fact: str, constant: Any) -> Test:
    return lambda memory: memory.get(fact) == constant  # never None: an absent fact is unequal to every constant


def _not_equal(fact: str, constant: Any) -> Test:
    def not_equal(memory: Memory) -> bool:
        value = memory.get(fact)
        return value is not None and value != constant
    return not_equal


def _below(fact: str, constant: Any) -> Test:
    def below(memory: Memory) -> bool:
        value = memory.get(fact)
        return value is not None and value < constant
    return below


def _at_most(fact: str, constant: Any) -> Test:
    def at_most(memory: Memory) -> bool:
        value = memory.get(fact)
        return value is not None and value <= constant
    return at_most


def _above(fact: str, constant: Any) -> Test:
    def above(memory: Memory) -> bool:
        value = memory.get(fact)
        return value is not None and value > constant
    return above


def _at_least(fact: str, constant: Any) -> Test:
    def at_least(memory: Memory) -> bool:
        value = memory.get(fact)
        return value is not None and value >= constant
    return at_least


_COMPARISONS: dict[str, Callable[[str, Any], Test]] = {
    "==": _equal, "!=": _not_equal, "<": _below, "<=": _at_most, ">": _above, ">=": _at_least}

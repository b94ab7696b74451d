"""A set of rules, for one set of threshold values in force -> one Python function, built as a syntax tree.

The function is what a programmer would write by hand for the pack: each fact a rule reads loaded once into a
local variable, then per layer, in firing order, one `if <condition>:` per rule, whose body records the firing and
writes what the rule asserts (engine.asserting) into the derived facts and the variable later layers read. It is built
as a syntax tree from the validated model (engine.codegen), never from text: a value from a rule file is a
constant node (or, for a Rule object or a fact's name, an entry of the function's globals), so nothing a rule file
says can become code.

The semantics are the rule format's, the same the durable-rules compiler writes as patterns (engine/durable): a
comparison with an absent fact is false (so its `not` is true), `exists` asks whether the fact is present, a
threshold not in force makes its comparison false, and constant parts are folded away, so a rule that can never
fire is left out. Facts and constants are compared as engine values (engine.encoding: dates as YYYYMMDD integers,
converted as a fact is loaded), and the facts never hold None (an absent fact is not in them), so "present" is "not
None".
"""

from __future__ import annotations

import ast
import datetime as dt
from collections import Counter
from typing import Any, Callable, Mapping, Union

from ..asserting import asserted_facts, conflict
from ..codegen import assign, attribute, build, call, constant, is_none, name, place
from ..encoding import date_number, engine_value
from ..errors import EvaluationError, FactError
from ..model import NOT_IN_FORCE, AllOf, AnyOf, Condition, Leaf, NotOf, Rule, operand

FILENAME = "<python engine: rules>"
MAX_NESTING = 200  # `all`/`any`/`not` nested deeper than this is refused (Python's own compiler recurses on it)

Expression = Union[ast.expr, bool]  # True or False when the condition does not depend on the facts
Run = Callable[[Mapping[str, Any]], tuple[list[str], dict[str, Any]]]

_ORDERING = {"<": ast.Lt, "<=": ast.LtE, ">": ast.Gt, ">=": ast.GtE, "!=": ast.NotEq}


class _Builder:
    """The function's inputs (facts by local variable, Rule objects by global) and its conditions' syntax."""

    def __init__(self) -> None:
        self.globals: dict[str, Any] = {}
        self.variables: dict[str, str] = {}  # fact name -> its local variable; the name is global k<n>
        self.dates: set[str] = set()  # facts compared with dates: loaded as the integer YYYYMMDD

    def variable(self, fact: str) -> str:
        found = self.variables.get(fact)
        if found is None:
            number = len(self.variables)
            found = self.variables[fact] = f"v{number}"
            self.globals[f"k{number}"] = fact
        return found

    def global_name(self, prefix: str, value: Any) -> str:
        label = f"{prefix}{len(self.globals)}"
        self.globals[label] = value
        return label

    def condition(self, condition: Condition, values: Mapping[str, Any], depth: int = 0) -> Expression:
        if depth > MAX_NESTING:
            raise _TooDeep()
        if isinstance(condition, NotOf):
            inner = self.condition(condition.item, values, depth + 1)
            if isinstance(inner, bool):
                return not inner
            return ast.UnaryOp(op=ast.Not(), operand=inner)
        if isinstance(condition, (AllOf, AnyOf)):
            every = isinstance(condition, AllOf)
            parts = [self.condition(item, values, depth + 1) for item in condition.items]
            if any(part is (not every) for part in parts):  # a False in an `all`, a True in an `any`
                return not every
            tests = [part for part in parts if not isinstance(part, bool)]
            if not tests:
                return every
            if len(tests) == 1:
                return tests[0]
            return ast.BoolOp(op=ast.And() if every else ast.Or(), values=tests)
        return self.leaf(condition, values)

    def leaf(self, leaf: Leaf, values: Mapping[str, Any]) -> Expression:
        value = name(self.variable(leaf.fact))
        present = is_none(value, negate=True)
        if leaf.op == "exists":
            return present
        right = operand(leaf, values)
        if right is NOT_IN_FORCE:
            return False
        if any(isinstance(item, dt.date) for item in (right if isinstance(right, (tuple, list)) else (right,))):
            self.dates.add(leaf.fact)
        what = f"rule constant for {leaf.fact}"
        if leaf.op == "in":
            # Facts and constants are of one declared type (checked when the pack loads), so set membership is
            # the engine's equality; an absent fact (None) is in no set.
            options = frozenset(engine_value(item, what) for item in right)
            if not options:
                return False
            return ast.Compare(left=value, ops=[ast.In()], comparators=[constant(options)])
        if leaf.op == "between":
            low, high = (engine_value(item, what) for item in right)
            return ast.BoolOp(op=ast.And(), values=[present, ast.Compare(
                left=constant(low), ops=[ast.LtE(), ast.LtE()], comparators=[value, constant(high)])])
        right_value = constant(engine_value(right, what))
        if leaf.op == "==":  # never None: an absent fact is unequal to every constant
            return ast.Compare(left=value, ops=[ast.Eq()], comparators=[right_value])
        return ast.BoolOp(op=ast.And(), values=[present, ast.Compare(
            left=value, ops=[_ORDERING[leaf.op]()], comparators=[right_value])])


class _TooDeep(Exception):
    pass


def compile_rules(rules: list[tuple[Rule, int]], values: Mapping[str, Any]) -> tuple[Run, tuple[Rule, ...]]:
    """(the function `run(facts)`, the rules it can fire, in order) for `rules` (each with its layer, in firing
    order) under these threshold values. Line n + 2 of the function is its n-th rule: a failure there names that
    rule (`rule_at`).

    `run(facts)` (as engine.intake took them in; a fact compared with dates is loaded as the engine compares it,
    engine.encoding) returns (the ids of the rules fired, in firing order; the facts derived, as asserted). A rule
    that fires writes what it asserts (engine.asserting: worked out here, once) into the derived facts and into
    the variable later layers read; a fact two rules may assert is checked first, write-once."""
    builder = _Builder()
    kept: list[tuple[Rule, int, Expression]] = []
    for rule, layer in rules:
        try:
            test = builder.condition(rule.when, values)
        except _TooDeep:
            raise EvaluationError(f"rule {rule.id}: its condition is nested more than {MAX_NESTING} deep, more "
                                  "than the python engine compiles") from None
        if test is not False:  # a rule that cannot fire under these thresholds is left out
            kept.append((rule, layer, test))
    tables = {rule.id: asserted_facts(rule, values) for rule, _, _ in kept if rule.asserts}
    asserters = Counter(name for table in tables.values() for name, _, _ in table)
    body: list[ast.stmt] = [assign("get", attribute("facts", "get")),
                            assign("fired", ast.List(elts=[], ctx=ast.Load())),
                            assign("rec", attribute("fired", "append")),
                            assign("derived", ast.Dict(keys=[], values=[]))]
    for fact, variable in builder.variables.items():
        loaded = call("get", name(f"k{variable[1:]}"))
        body.append(assign(variable, call("day", loaded) if fact in builder.dates else loaded))
    builder.globals.update(conflict=conflict, tables=tables, day=date_number)
    for number, (rule, layer, test) in enumerate(kept):
        line = number + 2
        statements: list[ast.stmt] = [ast.Expr(value=call("rec", constant(rule.id)))]
        for fact, value, engine in tables.get(rule.id, ()):
            key, given = name(builder.global_name("d", fact)), name(builder.global_name("g", value))
            if asserters[fact] > 1:  # `if d in derived and derived[d] != g: raise conflict(...)`
                statements.append(ast.If(test=ast.BoolOp(op=ast.And(), values=[
                    ast.Compare(left=key, ops=[ast.In()], comparators=[name("derived")]),
                    ast.Compare(left=ast.Subscript(value=name("derived"), slice=key, ctx=ast.Load()),
                                ops=[ast.NotEq()], comparators=[given])]),
                    body=[ast.Raise(exc=call("conflict", key, given, name(builder.global_name("r", rule)),
                                             name("derived"), name("fired"), name("tables")), cause=None)],
                    orelse=[]))
            statements.append(ast.Assign(targets=[ast.Subscript(value=name("derived"), slice=key,
                                                                ctx=ast.Store())], value=given))
            if isinstance(engine, FactError):  # the value cannot enter the engine: raised as it fires
                statements.append(ast.Raise(exc=name(builder.global_name("e", engine)), cause=None))
            elif fact in builder.variables:  # a later layer reads it
                statements.append(assign(builder.variables[fact], name(builder.global_name("e", engine))))
        if not isinstance(test, bool):
            statements = [ast.If(test=test, body=statements, orelse=[])]
        for statement in statements:
            body.append(place(statement, line))
    body.append(place(ast.Return(value=ast.Tuple(elts=[name("fired"), name("derived")], ctx=ast.Load())),
                      len(kept) + 2))
    return build("run", ["facts"], body, builder.globals, FILENAME), tuple(r for r, _, _ in kept)


def rule_at(traceback: Any, rules: tuple[Rule, ...]) -> Rule | None:
    """The rule whose line of the generated function a failure passed through (compile_rules numbers them)."""
    line = None
    while traceback is not None:
        if traceback.tb_frame.f_code.co_filename == FILENAME:
            line = traceback.tb_lineno
        traceback = traceback.tb_next
    if line is None or not 2 <= line < len(rules) + 2:
        return None
    return rules[line - 2]

"""Every gate's requirement checks in one evaluation, as one function: built once per pack, bound per country and
date.

After the rules ran (either engine), each gated rule's requirements are checked one by one against the facts, so
the user sees every requirement, met or not, with the actual value, the required value and the gap (engine.explain
says what a check holds and finishes it). This is the loop over every requirement of every gate, written out: per
requirement, its fact read, then the check for an absent fact, or the one already finished for the same value
(PreparedRequirement.remembered), taken as it is, else a check finished now; per gate, its GateResult.

Its shape depends on the pack alone (which facts, of which type, in which gates), so the function is built once per
pack as a syntax tree (engine.codegen, never text) around a factory; what depends on the country and date (the
prepared requirements: words, values required, sources) is bound to it by calling the factory, a few microseconds
per (country, date).
"""

from __future__ import annotations

import ast
from functools import partial
from typing import AbstractSet, Any, Callable, Mapping, Sequence

from .codegen import assign, attribute, build, call, constant, function_def, is_none, name, place
from .explain import REMEMBERED_TYPES, PreparedRequirement, composite_check, finisher, remembered_type
from .model import Condition, Leaf
from .outcome import GateResult

FILENAME = "<requirement checks>"

Checker = Callable[[Mapping[str, Any], AbstractSet[str]], dict[str, GateResult]]
Gate = tuple[str, str, Sequence[Condition]]  # (gate, its rule's id, its requirements)


class GateChecks:
    """The requirement checks of a pack's gates: `bind(prepared, values)` gives the function for one country and
    date, `checker(facts, fired_ids) -> {gate: GateResult}`."""

    def __init__(self, gates: Sequence[Gate], fact_types: Mapping[str, str]):
        self.count = sum(len(requirements) for _, _, requirements in gates)
        self._factory = _factory(gates, fact_types)

    def bind(self, prepared: Sequence[tuple[PreparedRequirement, ...]], values: Mapping[str, Any]) -> Checker:
        items = tuple(item for requirements in prepared for item in requirements)
        if len(items) != self.count:
            raise ValueError("the prepared requirements are not those of this pack's gates")
        return self._factory(items, values)


def _factory(gates: Sequence[Gate], fact_types: Mapping[str, str]) -> Callable[..., Checker]:
    """`make(items, values)` -> `check(facts, fired)`: `make` takes each prepared requirement apart into the
    closure's variables (u: the check for an absent fact, m: the checks finished by value, f: finish one, x: a
    composite requirement's check), `check` is the loop written out: each fact read once (a: its value, e: of
    the fact's own type), then each requirement's check c, then each gate's GateResult g."""
    outer: list[ast.stmt] = []
    inner: list[ast.stmt] = [assign("get", attribute("facts", "get"), 2)]
    facts: dict[str, int] = {}  # fact -> number of its variables a<j> and e<j>
    for _, _, requirements in gates:
        for condition in requirements:
            if isinstance(condition, Leaf) and condition.fact not in facts:
                j = facts[condition.fact] = len(facts)
                inner.append(assign(f"a{j}", call("get", constant(condition.fact)), 2))
                exact = remembered_type(fact_types.get(condition.fact))
                if exact is not None:
                    outer.append(assign(f"t{j}", name(f"type_{exact.__name__}")))
                    inner.append(assign(f"e{j}", ast.Compare(left=call("type", name(f"a{j}")), ops=[ast.Is()],
                                                             comparators=[name(f"t{j}")]), 2))
    number = 0
    results_keys: list[ast.expr | None] = []
    results_values: list[ast.expr] = []
    for line, (gate, rule, requirements) in enumerate(gates, 3):
        checks: list[ast.expr] = []
        for condition in requirements:
            n = number
            number += 1
            item = ast.Subscript(value=name("items"), slice=constant(n), ctx=ast.Load())
            if not isinstance(condition, Leaf):
                outer.append(assign(f"x{n}", call("partial", name("composite_check"), item, name("values"))))
                inner.append(assign(f"c{n}", call(f"x{n}", name("facts")), line))
                checks.append(name(f"c{n}"))
                continue
            j = facts[condition.fact]
            actual = name(f"a{j}")
            outer.append(assign(f"u{n}", ast.Attribute(value=item, attr="unknown", ctx=ast.Load())))
            outer.append(assign(f"f{n}", call("finisher", item)))
            present: list[ast.stmt] = [assign(f"c{n}", call(f"f{n}", actual))]
            if remembered_type(fact_types.get(condition.fact)) is not None:  # `c = m.get(a)` first
                outer.append(assign(f"m{n}", ast.Attribute(value=item, attr="remembered", ctx=ast.Load())))
                present = [ast.If(test=name(f"e{j}"), body=[
                    assign(f"c{n}", call(attribute(f"m{n}", "get"), actual)),
                    ast.If(test=is_none(name(f"c{n}")), body=present, orelse=[])], orelse=present)]
            inner.append(place(ast.If(test=is_none(actual), body=[assign(f"c{n}", name(f"u{n}"))],
                                      orelse=present), line))
            checks.append(name(f"c{n}"))
        # g = new(GateResult); set(g, "__dict__", {...}): engine.frozen's from_fields, written out
        inner.append(assign(f"g{line}", call("new", name("GateResult")), line))
        inner.append(place(ast.Expr(value=call("put", name(f"g{line}"), constant("__dict__"), ast.Dict(
            keys=[constant("gate"), constant("rule"), constant("passed"), constant("requirements")],
            values=[constant(gate), constant(rule),
                    ast.Compare(left=constant(rule), ops=[ast.In()], comparators=[name("fired")]),
                    ast.Tuple(elts=checks, ctx=ast.Load())]))), line))
        results_keys.append(constant(gate))
        results_values.append(name(f"g{line}"))
    inner.append(place(ast.Return(value=ast.Dict(keys=results_keys, values=results_values)), len(gates) + 3))
    outer.append(function_def("check", ["facts", "fired"], inner, 2))
    outer.append(place(ast.Return(value=name("check")), len(gates) + 4))
    namespace = {"partial": partial, "composite_check": composite_check, "finisher": finisher,
                 "GateResult": GateResult, "new": object.__new__, "put": object.__setattr__, "type": type,
                 **{f"type_{kind.__name__}": kind for kind in REMEMBERED_TYPES.values()}}
    return build("make", ["items", "values"], outer, namespace, FILENAME)

"""Every gate's requirement checks in one evaluation, as one function: built once per pack, bound per country and
date.

After the rules ran (either engine), each gated rule's requirements are checked one by one against the facts, so
the user sees every requirement, met or not, with the actual value, the required value and the gap (engine.explain
says what a check holds and finishes it). This is the loop over every requirement of every gate, written out: per
fact, its value read once, then the checks of every requirement on it together: those for an absent fact, or those
already finished for the same value (explain.fact_checks), taken as they are, else finished now; per composite
requirement, its check; per gate, its GateResult.

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
from .explain import REMEMBERED_TYPES, PreparedRequirement, composite_check, fact_checks, remembered_type
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
    """`make(items, values)` -> `check(facts, fired)`. `make` takes the prepared requirements apart into the
    closure's variables: per fact j read by leaf requirements, U<j> (their checks for an absent fact), F<j> and
    M<j> (finish their checks for a value; those finished, by value: explain.fact_checks), T<j> (the fact's own
    type); per composite requirement n, x<n> (its check). `check` is the loop written out: each fact read once
    (a<j>) and the checks of every requirement on it taken together (g<j>, unpacked into c<n>), then each gate's
    GateResult."""
    outer: list[ast.stmt] = []
    inner: list[ast.stmt] = [assign("get", attribute("facts", "get"), 2)]
    on_fact: dict[str, list[int]] = {}  # fact -> the numbers of the leaf requirements on it, in order
    number = 0
    for _, _, requirements in gates:
        for condition in requirements:
            if isinstance(condition, Leaf):
                on_fact.setdefault(condition.fact, []).append(number)
            number += 1

    def item(n: int) -> ast.Subscript:
        return ast.Subscript(value=name("items"), slice=constant(n), ctx=ast.Load())

    for j, (fact, numbers) in enumerate(on_fact.items()):
        exact = remembered_type(fact_types.get(fact))
        outer.append(assign(f"U{j}", ast.Tuple(elts=[ast.Attribute(value=item(n), attr="unknown", ctx=ast.Load())
                                                     for n in numbers], ctx=ast.Load())))
        outer.append(ast.Assign(targets=[ast.Tuple(elts=[ast.Name(id=f"F{j}", ctx=ast.Store()),
                                                         ast.Name(id=f"M{j}", ctx=ast.Store())], ctx=ast.Store())],
                                value=call("fact_checks", ast.Tuple(elts=[item(n) for n in numbers], ctx=ast.Load()),
                                           name(f"type_{exact.__name__}") if exact is not None else constant(None))))
        actual = name(f"a{j}")
        inner.append(assign(f"a{j}", call("get", constant(fact)), 2))
        finished: list[ast.stmt] = [assign(f"g{j}", call(f"F{j}", actual))]
        if exact is not None:  # `g = M.get(a)` first, for a value of the fact's own type
            outer.append(assign(f"T{j}", name(f"type_{exact.__name__}")))
            finished = [ast.If(test=ast.Compare(left=call("type", actual), ops=[ast.Is()],
                                                comparators=[name(f"T{j}")]),
                               body=[assign(f"g{j}", call(attribute(f"M{j}", "get"), actual)),
                                     ast.If(test=is_none(name(f"g{j}")), body=finished, orelse=[])],
                               orelse=finished)]
        inner.append(place(ast.If(test=is_none(actual), body=[assign(f"g{j}", name(f"U{j}"))], orelse=finished), 2))
        inner.append(place(ast.Assign(targets=[ast.Tuple(elts=[ast.Name(id=f"c{n}", ctx=ast.Store())
                                                               for n in numbers], ctx=ast.Store())],
                                      value=name(f"g{j}")), 2))
    number = 0
    results_keys: list[ast.expr | None] = []
    results_values: list[ast.expr] = []
    for line, (gate, rule, requirements) in enumerate(gates, 3):
        checks: list[ast.expr] = []
        for condition in requirements:
            n = number
            number += 1
            if not isinstance(condition, Leaf):
                outer.append(assign(f"x{n}", call("partial", name("composite_check"), item(n), name("values"))))
                inner.append(assign(f"c{n}", call(f"x{n}", name("facts")), line))
            checks.append(name(f"c{n}"))
        # r = new(GateResult); set(r, "__dict__", {...}): engine.frozen's from_fields, written out
        inner.append(assign(f"r{line}", call("new", name("GateResult")), line))
        inner.append(place(ast.Expr(value=call("put", name(f"r{line}"), constant("__dict__"), ast.Dict(
            keys=[constant("gate"), constant("rule"), constant("passed"), constant("requirements")],
            values=[constant(gate), constant(rule),
                    ast.Compare(left=constant(rule), ops=[ast.In()], comparators=[name("fired")]),
                    ast.Tuple(elts=checks, ctx=ast.Load())]))), line))
        results_keys.append(constant(gate))
        results_values.append(name(f"r{line}"))
    inner.append(place(ast.Return(value=ast.Dict(keys=results_keys, values=results_values)), len(gates) + 3))
    outer.append(function_def("check", ["facts", "fired"], inner, 2))
    outer.append(place(ast.Return(value=name("check")), len(gates) + 4))
    namespace = {"partial": partial, "composite_check": composite_check, "fact_checks": fact_checks,
                 "GateResult": GateResult, "new": object.__new__, "put": object.__setattr__, "type": type,
                 **{f"type_{kind.__name__}": kind for kind in REMEMBERED_TYPES.values()}}
    return build("make", ["items", "values"], outer, namespace, FILENAME)

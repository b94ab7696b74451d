"""The durable-rules engine behind the engine's common interface (see engine.engines): compile one set of
threshold values into a ruleset, hold the process-wide lock around its use, and refuse at load time a pack that
durable-rules could not hold."""

from __future__ import annotations

from typing import Any, Mapping

from ..asserting import asserted_facts
from ..errors import Problem
from ..model import Rule, Threshold, leaves
from .capacity import CapacityError, check_definition, fact_count_problem
from .compiler import compile_ruleset
from .runtime import ENGINE_LOCK, CompiledRuleset


class DurableBackend:
    name = "durable"
    lock = ENGINE_LOCK  # durable-rules is not thread-safe: compiling, running and freeing all hold it

    def compile(self, rules: list[Rule], layers: Mapping[str, int], values: Mapping[str, Any]) -> CompiledRuleset:
        definition, included = compile_ruleset(rules, layers, values)
        numbers = sorted({layers[rule.id] for rule in included})
        reads = [tuple(sorted({leaf.fact for rule in included if layers[rule.id] == layer
                               for leaf in leaves(rule.when)})) for layer in numbers]
        return CompiledRuleset.create(definition, included, numbers, reads,
                                      {rule.id: asserted_facts(rule, values) for rule in included if rule.asserts})

    def load_problems(self, rules: Mapping[str, Rule], thresholds: Mapping[str, Threshold],
                      layers: Mapping[str, int], fact_names: list[str]) -> list[Problem]:
        """What durable-rules could not hold, found when the pack loads rather than at its first evaluation: too
        many facts for one evaluation, or a rule network that overflows one of its tables (see capacity). The
        network is built with every threshold in force at its widest value (the longest list), the largest shape
        any date or country can give; each compiled variant is checked again before it reaches durable-rules."""
        problems = []
        too_many = fact_count_problem(fact_names)
        if too_many:
            widest_rule = max(rules.values(), key=lambda rule: len(rule.asserts), default=None)
            problems.append(_rule_problem(widest_rule, too_many, ("then", "assert")) if widest_rule
                            else Problem("<pack>", None, None, too_many))
        widest = {}
        for name, threshold in thresholds.items():
            values = [entry.value for entry in threshold.entries()]
            widest[name] = max(values, key=lambda v: len(v) if isinstance(v, tuple) else 0)
        definition, included = compile_ruleset(list(rules.values()), layers, widest)
        try:
            check_definition(definition)
        except CapacityError as error:
            rank = int(error.rule[1:])
            problems.append(_rule_problem(included[rank], f"the pack is too large for durable-rules: {error}; "
                                                          "split the condition or spread the rules over more facts"))
        return problems


def _rule_problem(rule: Rule, message: str, path: tuple[str, ...] = ("when",)) -> Problem:
    if rule.origin is None:
        return Problem("<memory>", None, None, message, rule=rule.id)
    return rule.origin.document.problem(rule.origin.path + path, message, rule=rule.id, shown_path=path)

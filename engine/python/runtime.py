"""The Python engine's ruleset: the rules of one set of threshold values compiled into one function, and its run.

Forward chaining here is plain: a layer's rules read only facts supplied by the caller or derived in earlier layers
(engine.checks assigns the layers so), so running each layer's rules once, in firing order, against the facts and
those derived so far gives exactly the firings the durable-rules engine gives when it matches the layer's fact
against the same rules and takes its agenda in priority order. Nothing here is shared between evaluations but the
compiled, read-only function, so any number of threads may evaluate at once, without a lock.
"""

from __future__ import annotations

import sys
from typing import Any, Mapping

from ..errors import EngineError, action_failure
from ..model import Rule, firing_order
from .compiler import Run, compile_rules, rule_at


class PythonRuleset:
    """The rules that can fire under one set of threshold values, in firing order, as one compiled function."""

    def __init__(self, run: Run, rules: tuple[Rule, ...]):
        self._run = run
        self.rules = rules  # those that can fire under its thresholds, in firing order: line n + 2 is rules[n]

    @classmethod
    def create(cls, rules: list[Rule], layers: Mapping[str, int], values: Mapping[str, Any]) -> "PythonRuleset":
        return cls(*compile_rules([(rule, layers[rule.id]) for rule in firing_order(rules, layers)], values))

    def close(self) -> None:
        """Nothing to free: the function goes with the object."""

    def run(self, facts: Mapping[str, Any]) -> tuple[list[str], dict[str, Any]]:
        """Run every layer on the facts (engine.intake): (the ids of the rules fired, in firing order; the facts
        derived, as asserted). What a rule asserts is read by the next layers."""
        try:
            return self._run(facts)
        except EngineError:
            raise  # already says what went wrong (two rules asserting different values, say)
        except Exception as error:  # a failure in a rule's action: named and typed, as the durable engine does
            rule = rule_at(sys.exc_info()[2], self.rules)
            raise action_failure(error, rule.id if rule is not None else None) from error

"""The Python engine's evaluation loop: the rules of one set of threshold values, layer by layer, in firing order.

Forward chaining here is plain: a layer's rules read only facts supplied by the caller or derived in earlier layers
(engine.checks assigns the layers so), so running each layer's rules once, in firing order, against the working
memory gives exactly the firings the durable-rules engine gives when it matches the layer's fact against the same
rules and takes its agenda in priority order. Nothing here is shared between evaluations but the compiled, read-only
closures, so any number of threads may evaluate at once, without a lock.
"""

from __future__ import annotations

from typing import Any, Callable, Mapping

from ..errors import EngineError, action_failure
from ..model import Rule, firing_order
from .compiler import Compiled, compile_condition


class PythonRuleset:
    """The rules that can fire under one set of threshold values, grouped by layer, as closures."""

    def __init__(self, layers: list[tuple[int, tuple[tuple[Rule, Compiled], ...]]]):
        self.layers = layers
        self.rules = [rule for _, rules in layers for rule, _ in rules]

    @classmethod
    def create(cls, rules: list[Rule], layers: Mapping[str, int], values: Mapping[str, Any]) -> "PythonRuleset":
        grouped: dict[int, list[tuple[Rule, Compiled]]] = {}
        for rule in firing_order(rules, layers):
            test = compile_condition(rule.when, values)
            if test is not False:  # a rule that cannot fire under these thresholds is left out
                grouped.setdefault(layers[rule.id], []).append((rule, test))
        return cls([(layer, tuple(grouped[layer])) for layer in sorted(grouped)])

    def close(self) -> None:
        """Nothing to free: the closures go with the object."""

    def run(self, memory: dict[str, Any], on_fire: Callable[[Rule, int], dict[str, Any]]) -> None:
        """Run every layer on `memory`; call `on_fire(rule, layer)` for each rule that fires, in firing order.

        `on_fire` returns the facts the rule asserts; they join the working memory (the next layer reads them).
        """
        firing: Rule | None = None
        try:
            for layer, rules in self.layers:
                for rule, test in rules:
                    firing = rule
                    if test is True or test(memory):  # type: ignore[operator]
                        new = on_fire(rule, layer)
                        if new:
                            memory.update(new)
                firing = None
        except EngineError:
            raise  # already says what went wrong (two rules asserting different values, say)
        except Exception as error:  # a failure in a rule's action: named and typed, as the durable engine does
            raise action_failure(error, firing.id if firing is not None else None) from error

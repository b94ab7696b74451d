"""The pure-Python engine: the rule model compiled to one Python function per set of thresholds in force (built as a
syntax tree, never from text), its rules run layer by layer in firing order.

It runs wherever Python does (3.13 and later included, no C compiler), holds no process-wide state and no lock, so
threads evaluate at once, and it knows nothing of durable-rules' limits. Its outcomes are held equal to the
durable-rules engine's by tests/test_differential.py.
"""

from __future__ import annotations

import contextlib
from typing import Any, Mapping

from ..errors import Problem
from ..model import Rule, Threshold
from .runtime import PythonRuleset

NAME = "python"


class PythonBackend:
    name = NAME
    lock = contextlib.nullcontext()  # nothing shared to guard: compiled rulesets are read-only

    def compile(self, rules: list[Rule], layers: Mapping[str, int], values: Mapping[str, Any]) -> PythonRuleset:
        return PythonRuleset.create(rules, layers, values)

    def load_problems(self, rules: Mapping[str, Rule], thresholds: Mapping[str, Threshold],
                      layers: Mapping[str, int], fact_names: list[str]) -> list[Problem]:
        return []  # no table to overflow: a pack's size is bounded by the loader's limits alone


def create() -> PythonBackend:
    return PythonBackend()

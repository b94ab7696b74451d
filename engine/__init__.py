"""A general forward-chaining rule engine: declarative YAML rule packs, evaluated by one of two engines that give
the same outcomes: durable-rules' C engine, or pure Python (engine.engines chooses).

It knows nothing of any domain: a caller declares the facts it supplies (`FactSpec`), loads a pack of YAML rule
files (`load_rule_pack`, optionally naming the engine), and evaluates sets of facts (`RulePack.evaluate`) into an
`Outcome`: the rules that fired, in order, with the facts each matched; the facts they derived; and each gate's
requirement checks.

This module is the rule engine's one front door: callers import from `engine`, never from its modules. Its two
rooms below have doors of their own: `engine.documents` (the files people write) and `engine.templating` (the
Jinja sandbox). The authors' tools (lint, catalogue, a threshold as a rule file writes it) are loaded on first use,
so a command that plans never pays for them.
"""

from typing import TYPE_CHECKING, Any

from .encoding import JSON_SCALARS, json_data
from .engines import ENGINE_VARIABLE, ENGINES, available_engines, choose_engine, default_engine
from .errors import (
    EngineChoiceError,
    EngineError,
    EvaluationError,
    FactConflictError,
    FactError,
    Problem,
    RulePackError,
    RuleTextError,
    SourceError,
)
from .explain import describe, holds, reasons
from .frozen import from_fields
from .model import Condition, FactSpec, Rule, Threshold, ThresholdEntry, ThresholdRef, leaves
from .outcome import AdviceItem, Firing, GateResult, Outcome, RequirementCheck
from .pack import RulePack, load_rule_pack
from .text import use_code_cache

if TYPE_CHECKING:
    from .catalogue import catalogue_markdown
    from .catalogue_data import pack_data
    from .lint import in_folder, lint_pack
    from .threshold_as_written import threshold_data

# Names loaded on first use: each maps to the module that defines it.
_ON_FIRST_USE = {"catalogue_markdown": "catalogue", "pack_data": "catalogue_data", "in_folder": "lint",
                 "lint_pack": "lint", "threshold_data": "threshold_as_written"}


def __getattr__(name: str) -> Any:
    """Load an author's tool the first time it is asked for (PEP 562)."""
    module = _ON_FIRST_USE.get(name)
    if module is None:
        raise AttributeError(f"module 'engine' has no attribute {name!r}")
    from importlib import import_module
    value = getattr(import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value


__all__ = [
    "AdviceItem", "Condition", "ENGINES", "ENGINE_VARIABLE", "EngineChoiceError", "EngineError", "EvaluationError",
    "FactConflictError", "FactError", "FactSpec", "Firing", "GateResult", "JSON_SCALARS", "Outcome", "Problem",
    "RequirementCheck", "Rule", "RulePack", "RulePackError", "RuleTextError", "SourceError", "Threshold",
    "ThresholdEntry", "ThresholdRef", "available_engines", "catalogue_markdown", "choose_engine", "default_engine",
    "describe", "from_fields", "holds", "in_folder", "json_data", "leaves", "lint_pack", "load_rule_pack",
    "pack_data", "reasons", "threshold_data", "use_code_cache",
]

"""A general forward-chaining rule engine: declarative YAML rule packs, evaluated by one of two engines that give
the same outcomes: durable-rules' C engine, or pure Python (engine.engines chooses).

It knows nothing of any domain: a caller declares the facts it supplies (`FactSpec`), loads a pack of YAML rule
files (`load_rule_pack`, optionally naming the engine), and evaluates sets of facts (`RulePack.evaluate`) into an
`Outcome`: the rules that fired, in order, with the facts each matched; the facts they derived; and each gate's
requirement checks.
"""

from .encoding import JSON_SCALARS, json_data
from .engines import ENGINE_VARIABLE, ENGINES, available_engines, choose_engine, default_engine
from .errors import (EngineChoiceError, EngineError, EvaluationError, FactConflictError, FactError, Problem,
                     RulePackError, RuleTextError, SourceError)
from .model import FactSpec, Rule, Threshold, ThresholdRef
from .outcome import AdviceItem, Firing, GateResult, Outcome, RequirementCheck
from .pack import RulePack, load_rule_pack
from .yaml_source import DEFAULT_LIMITS, Limits, LocatedDocument, load_yaml_file, parse_yaml_bytes

__all__ = [
    "AdviceItem", "DEFAULT_LIMITS", "ENGINES", "ENGINE_VARIABLE", "EngineChoiceError", "EngineError",
    "EvaluationError", "FactConflictError", "FactError", "FactSpec", "Firing", "GateResult", "JSON_SCALARS",
    "Limits", "LocatedDocument", "Outcome", "Problem", "RequirementCheck", "Rule", "RulePack", "RulePackError",
    "RuleTextError", "SourceError", "Threshold", "ThresholdRef", "available_engines", "choose_engine",
    "default_engine", "json_data", "load_rule_pack", "load_yaml_file", "parse_yaml_bytes",
]

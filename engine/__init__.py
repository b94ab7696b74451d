"""A general forward-chaining rule engine: declarative YAML rule packs evaluated by durable-rules.

It knows nothing of any domain: a caller declares the facts it supplies (`FactSpec`), loads a pack of YAML rule
files (`load_rule_pack`), and evaluates sets of facts (`RulePack.evaluate`) into an `Outcome`: the rules that
fired, in order, with the facts each matched; the facts they derived; and each gate's requirement checks.
"""

from .errors import (EngineError, EvaluationError, FactConflictError, FactError, Problem, RulePackError,
                     RuleTextError, SourceError)
from .encoding import JSON_SCALARS, json_data
from .model import FactSpec, Rule, Threshold, ThresholdRef
from .outcome import AdviceItem, Firing, GateResult, Outcome, RequirementCheck
from .pack import RulePack, load_rule_pack
from .yaml_source import DEFAULT_LIMITS, Limits, LocatedDocument, load_yaml_file, parse_yaml_bytes

__all__ = [
    "AdviceItem", "DEFAULT_LIMITS", "JSON_SCALARS", "EngineError", "EvaluationError", "FactConflictError", "FactError",
    "FactSpec", "Firing", "GateResult", "Limits", "LocatedDocument", "Outcome", "Problem", "RequirementCheck",
    "Rule", "RulePack", "RulePackError", "RuleTextError", "SourceError", "Threshold", "ThresholdRef", "json_data",
    "load_rule_pack",
    "load_yaml_file", "parse_yaml_bytes",
]

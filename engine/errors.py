"""Every error the engine raises to its callers, under one base class.

Callers catch `EngineError`; each subclass says when it is raised. durable-rules' own exceptions never leave the
engine: the runtime turns them into one of these, naming the rule or fact involved.
"""

from __future__ import annotations

from .documents.problems import EngineError, Problem, SourceError

__all__ = ["EngineError", "Problem", "SourceError", "RulePackError", "FactError", "FactConflictError",
           "EvaluationError", "EngineChoiceError", "RuleTextError", "action_failure"]


class RulePackError(EngineError):
    """A rule pack failed validation when it was loaded. Carries every problem found, not only the first."""

    def __init__(self, problems: list[Problem]):
        self.problems = list(problems)
        count = len(self.problems)
        header = f"{count} problem{'s' if count != 1 else ''} in the rule pack"
        super().__init__(header + ":\n" + "\n".join(f"  {p}" for p in self.problems))


class FactError(EngineError):
    """The facts given to an evaluation are unusable: an undeclared fact, a value of the wrong type, a number that
    is not finite or is out of the range the engine can compare exactly."""


class FactConflictError(EngineError):
    """Two rules asserted different values for one fact in the same evaluation (or a rule asserted a fact the
    caller supplied). Names the fact and both rules."""


class EvaluationError(EngineError):
    """The rule engine failed during an evaluation (for example a durable-rules error code); names the rule
    when one was firing. The engine's state for that evaluation has been discarded."""


class EngineChoiceError(EngineError):
    """The engine asked for is unknown, or cannot run in this Python (durable-rules missing or not importable);
    says why and what to use instead."""


class RuleTextError(EngineError):
    """A rule's title, text or because template failed to render (an undefined name, a sandbox violation).
    Names the rule and the field."""


def action_failure(error: Exception, rule: str | None) -> EvaluationError:
    """The error for an unexpected failure while an evaluation ran (in a rule's action, say), naming the rule
    that was firing: the same words whichever engine ran."""
    where = f" while rule {rule} was firing" if rule is not None else ""
    return EvaluationError(f"the evaluation failed{where}: {type(error).__name__}: {error}")

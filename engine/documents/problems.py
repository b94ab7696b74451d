"""Located problems in the files people write, and the one root of every error the engine package raises.

They live on the lowest floor (documents) so that reading a YAML or JSON file needs nothing of the rule engine;
`engine.errors` adds the rule engine's own errors under the same root, so a caller catches `EngineError` for all.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    """One located finding: the file, the line and column of the YAML node, the rule and key path, and what is wrong.

    `str(problem)` is the compiler-style line that editors and terminals understand:
    ``rules/programs.yaml:12:9: rule program.x: when.all[1].threshold: unknown threshold 'a.b'; did you mean 'a.c'?``
    """

    file: str
    line: int | None
    column: int | None
    message: str
    rule: str | None = None
    path: str = ""
    severity: str = "error"

    def __str__(self) -> str:
        where = self.file
        if self.line is not None:
            where += f":{self.line}:{self.column or 1}"
        parts = [where]
        if self.rule:
            parts.append(f"rule {self.rule}")
        if self.path:
            parts.append(self.path)
        if self.severity != "error":
            parts.append(self.severity)
        return ": ".join(parts) + ": " + self.message


class EngineError(Exception):
    """Base class of every error the engine package raises: documents, templating and the rule engine."""


class SourceError(EngineError):
    """A file could not be read or parsed: missing, too large, not UTF-8, malformed YAML, an unsafe tag, a
    duplicate key, nesting too deep. Carries the located problem."""

    def __init__(self, problem: Problem):
        super().__init__(str(problem))
        self.problem = problem

"""The one door to the engines: which one runs, and the interface both implement.

Two implementations of one rule semantics: "durable" (durable-rules' C engine, the engine of record where it
installs) and "python" (pure Python, everywhere). A caller names one, or sets CREATOR_ADVISOR_ENGINE, or gets the
default: durable where durable-rules imports on Python 3.12 or earlier, else python. Nothing above this door
(RulePack and everything built on it) knows which one ran, except to report its name.

An engine (a "backend") offers:
- `name`, and `lock`: a context manager held while a compiled ruleset is chosen and run (durable-rules is not
  thread-safe; the Python engine's lock does nothing);
- `compile(rules, layers, values)`: the rules that can fire under one set of threshold values, as an object with
  `run(facts)` (the facts engine.intake took in; the engine turns them into what it compares, engine.encoding)
  -> (the ids of the rules fired, in firing order, each once; the facts derived, each written once as
  engine.asserting says, and read by the later layers) and `close()`;
- `load_problems(rules, thresholds, layers, fact_names)`: what this engine could not hold, as located problems.
"""

from __future__ import annotations

import os
import sys
from contextlib import AbstractContextManager
from typing import Any, Mapping, Protocol

from . import durable, python
from .errors import EngineChoiceError, Problem
from .model import Rule, Threshold

ENGINES = (durable.NAME, python.NAME)
ENGINE_VARIABLE = "CREATOR_ADVISOR_ENGINE"


class Ruleset(Protocol):
    def run(self, facts: Mapping[str, Any]) -> tuple[list[str], dict[str, Any]]: ...

    def close(self) -> None: ...


class Backend(Protocol):
    name: str

    @property
    def lock(self) -> AbstractContextManager[Any]: ...

    def compile(self, rules: list[Rule], layers: Mapping[str, int], values: Mapping[str, Any]) -> Ruleset: ...

    def load_problems(self, rules: Mapping[str, Rule], thresholds: Mapping[str, Threshold],
                      layers: Mapping[str, int], fact_names: list[str]) -> list[Problem]: ...


def default_engine() -> str:
    """durable where durable-rules imports (Python 3.12 and earlier, as installed), else python."""
    if sys.version_info < (3, 13) and durable.unavailable() is None:
        return durable.NAME
    return python.NAME


def available_engines() -> tuple[str, ...]:
    """The engines that can run in this process."""
    return tuple(name for name in ENGINES if name != durable.NAME or durable.unavailable() is None)


def choose_engine(name: str | None = None) -> str:
    """The engine to run: `name` when given, else $CREATOR_ADVISOR_ENGINE when set, else the default.

    Raises EngineChoiceError for an unknown name, or for durable where durable-rules cannot run (saying why).
    """
    origin = "engine"
    if name is None:
        name = os.environ.get(ENGINE_VARIABLE, "").strip() or None
        origin = ENGINE_VARIABLE
    if name is None:
        return default_engine()
    chosen = name.strip().lower()
    if chosen not in ENGINES:
        raise EngineChoiceError(f"unknown {origin} {name!r}: choose one of {', '.join(ENGINES)}")
    if chosen == durable.NAME:
        problem = durable.unavailable()
        if problem is not None:
            raise EngineChoiceError(f"the durable engine cannot run here: {problem}. The python engine gives the "
                                    f"same plans: use --engine python (or {ENGINE_VARIABLE}=python)")
    return chosen


def backend(name: str | None = None) -> Backend:
    """The engine `choose_engine(name)` picks, ready to compile."""
    chosen = choose_engine(name)
    return durable.create() if chosen == durable.NAME else python.create()

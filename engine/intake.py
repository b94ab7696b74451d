"""The facts an evaluation takes in: checked against their declared types, and those the rules read, as the engines
compare them.

Every evaluation starts here, so the common case (a declared fact of its very type, a value the engine takes as it
is) costs one dict lookup and a type test per fact; anything else is checked in full, which says what is wrong
(FactError), naming the fact, in the order the facts were given: first every fact's type, then the values the
engine cannot take (numbers beyond 2**53, text with a lone surrogate).
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Mapping

from .checks import compatible
from .encoding import MAX_EXACT_INTEGER, engine_value
from .errors import FactError
from .folding import fold_text
from .model import FactSpec

# The Python types that are certainly of a declared fact type (the fast paths; anything else is checked in full,
# which also accepts subclasses).
EXACT_TYPES = {"integer": (int,), "number": (int, float), "boolean": (bool,), "string": (str,),
               "date": (dt.date, dt.datetime)}


class FactIntake:
    """`check(facts)`: the facts checked; `take(facts)`: the facts checked for the engines too, for one pack."""

    def __init__(self, facts: Mapping[str, FactSpec], read: frozenset[str]):
        self.facts = facts
        self.read = read  # the facts some condition reads: only they go to the engine
        self.exact = {name: () if spec.folded else EXACT_TYPES.get(spec.type, ()) for name, spec in facts.items()}
        # fact name -> (the Python types certainly of its declared type, whether some condition reads it, whether
        # it is folded text)
        self._fast = {name: (types, name in read, facts[name].folded and facts[name].type == "string")
                      for name, types in self.exact.items()}

    def check(self, facts: Mapping[str, Any]) -> dict[str, Any]:
        """The facts with absent (None) values dropped, each checked against its declared type, folded text
        folded."""
        clean = {}
        exact = self.exact
        for name, value in facts.items():
            if type(value) in exact.get(name, ()):  # the common case: a declared fact of its very type
                clean[name] = value
                continue
            spec = self.facts.get(name)
            if spec is None:
                raise FactError(f"fact {name!r} is not declared to the rule pack")
            if value is None:
                continue
            if spec.type == "integer" and (isinstance(value, bool) or not isinstance(value, int)):
                raise FactError(f"fact {name!r} must be a whole number, got {value!r}")
            if not compatible(spec.type, value if not isinstance(value, dt.datetime) else value.date()):
                raise FactError(f"fact {name!r} must be {spec.type}, got {value!r}")
            clean[name] = fold_text(value) if spec.folded else value
        return clean

    def take(self, facts: Mapping[str, Any]) -> dict[str, Any]:
        """The facts as `check` gives them, those some condition reads also checked as engine values (the engine
        compares them: engine.encoding), in one pass. Raises FactError as `check`, then as engine_value, naming
        the fact. Each engine takes these facts in its own way (engine.engines)."""
        clean: dict[str, Any] = {}
        later: list[str] = []
        fast = self._fast
        read_anywhere = self.read
        for name, value in facts.items():
            found = fast.get(name)
            if found is not None and type(value) in found[0]:  # the common case
                read = found[1]
            elif found is not None and found[2] and type(value) is str:  # folded text: as `check` folds it
                value = fold_text(value)
                read = found[1]
            else:  # check it in full
                checked = self.check({name: value})
                if not checked:
                    continue
                value = checked[name]
                read = name in read_anywhere
            clean[name] = value
            if read:
                kind = type(value)
                if not ((kind is str and value.isascii()) or kind is bool or (
                        (kind is int or kind is float) and -MAX_EXACT_INTEGER <= value <= MAX_EXACT_INTEGER)):
                    later.append(name)  # a NaN fails the comparison, and engine_value refuses it
        for name in later:  # after every fact is checked: a bad fact's type is reported before another's value
            engine_value(clean[name], f"fact {name!r}")
        return clean

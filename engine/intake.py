"""The facts an evaluation takes in: checked against their declared types, and the working memory the engine reads.

Every evaluation starts here, so it is written for the common case: a caller (the advisor, a batch) passes facts of
the same names and types profile after profile. The names and value types of a set of facts, its "shape", are
read at C speed (`tuple(facts)`, `tuple(map(type, facts.values()))`); what a shape needs (which facts to fold,
which the engine reads, which values to look at for its limits) is worked out once per shape and kept, so most
evaluations take their facts in with a few bulk operations. A shape with anything unusual (a None, an undeclared
fact, a value not of its fact's own type) and a value the bulk checks do not pass take the one general path,
fact by fact, which also says what is wrong (FactError), in the order the facts were given.
"""

from __future__ import annotations

import datetime as dt
import math
from typing import Any, Mapping

from .checks import compatible
from .encoding import MAX_EXACT_INTEGER, engine_value
from .errors import FactError
from .folding import fold_text
from .model import FactSpec

MAX_SHAPES = 256  # shapes kept: a caller has a few; each costs some hundreds of bytes

# The Python types that are certainly of a declared fact type (the fast paths; anything else is checked in full,
# which also accepts subclasses).
EXACT_TYPES = {"integer": (int,), "number": (int, float), "boolean": (bool,), "string": (str,),
               "date": (dt.date, dt.datetime)}


class _Shape:
    """What facts of one shape need: the folded ones, and the engine's facts by the check their values need."""

    __slots__ = ("folded", "read", "integers", "floats", "texts", "dates")

    def __init__(self, folded: tuple[str, ...], read: tuple[str, ...], integers: tuple[str, ...],
                 floats: tuple[str, ...], texts: tuple[str, ...], dates: tuple[str, ...]):
        self.folded, self.read, self.integers, self.floats, self.texts, self.dates = \
            folded, read, integers, floats, texts, dates


class FactIntake:
    """`check(facts)`: the facts checked; `take(facts)`: (checked facts, working memory), for one pack."""

    def __init__(self, facts: Mapping[str, FactSpec], read: frozenset[str]):
        self.facts = facts
        self.read = read  # the facts some condition reads: only they go to the engine
        self.exact = {name: () if spec.folded else EXACT_TYPES.get(spec.type, ()) for name, spec in facts.items()}
        self._shapes: dict[tuple[tuple[str, ...], tuple[type, ...]], _Shape | None] = {}

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

    def take(self, facts: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
        """(the facts as `check` gives them, the working memory: the facts some condition reads, as engine values:
        engine.encoding). Raises FactError as `check`, then as engine_value, naming the fact."""
        key = (tuple(facts), tuple(map(type, facts.values())))
        shapes = self._shapes
        try:
            shape = shapes[key]
        except KeyError:  # a new shape (or one another thread's clear() took meanwhile)
            shape = self._shape(*key)
            if len(shapes) >= MAX_SHAPES:
                shapes.clear()
            shapes[key] = shape
        if shape is None:
            return self._take_slowly(facts)
        clean = dict(facts)
        for name in shape.folded:
            clean[name] = fold_text(clean[name])
        value = clean.__getitem__
        integers = tuple(map(value, shape.integers))
        if integers and (max(integers) > MAX_EXACT_INTEGER or min(integers) < -MAX_EXACT_INTEGER):
            return self._take_slowly(facts)
        floats = tuple(map(value, shape.floats))
        if floats and not (all(map(math.isfinite, floats)) and max(floats) <= MAX_EXACT_INTEGER and
                           min(floats) >= -MAX_EXACT_INTEGER):
            return self._take_slowly(facts)
        if not all(map(str.isascii, map(value, shape.texts))):
            return self._take_slowly(facts)
        memory = dict(zip(shape.read, map(value, shape.read)))
        for name in shape.dates:
            memory[name] = engine_value(clean[name], f"fact {name!r}")
        return clean, memory

    def _shape(self, names: tuple[str, ...], types: tuple[type, ...]) -> _Shape | None:
        """What facts of these names and value types need; None for a shape the general path must take."""
        if len(set(names)) != len(names):
            return None
        groups: dict[str, list[str]] = {"folded": [], "read": [], "integers": [], "floats": [], "texts": [],
                                        "dates": []}
        for name, kind in zip(names, types):
            spec = self.facts.get(name)
            if spec is None:
                return None
            if spec.folded:
                if kind is not str:
                    return None
                groups["folded"].append(name)
            elif kind not in self.exact[name]:
                return None
            if name not in self.read:
                continue
            groups["read"].append(name)
            group = {int: "integers", float: "floats", str: "texts", dt.date: "dates", dt.datetime: "dates"}.get(kind)
            if group is not None:
                groups[group].append(name)
        return _Shape(*(tuple(groups[name]) for name in _Shape.__slots__))

    def _take_slowly(self, facts: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
        """The general path: every fact checked (`check`), then the engine's facts converted one by one."""
        clean = self.check(facts)
        memory = {}
        for name, value in clean.items():
            if name in self.read:
                kind = type(value)
                if (kind is str and value.isascii()) or kind is bool or (
                        (kind is int or kind is float) and -MAX_EXACT_INTEGER <= value <= MAX_EXACT_INTEGER):
                    memory[name] = value  # a NaN fails the comparison, and engine_value refuses it
                else:
                    memory[name] = engine_value(value, f"fact {name!r}")
        return clean, memory


"""The private host: drives durable-rules' C engine directly for one evaluation at a time.

durable-rules keeps process-wide state (a global table of rulesets, sessions that live until deleted, at most
1,024 of them per ruleset) and is not thread-safe. This module is the only code that touches it. It asserts the
working memory once per layer, takes the fired rules from the engine's action queue in the engine's order, and
always deletes the session afterwards, also when something fails, so no state outlives an evaluation. Actions are
not Python callbacks: the engine reports which rule is ready, this loop records it and completes the action, which
keeps each firing as cheap as durable-rules allows.
"""

from __future__ import annotations

import itertools
import threading
from dataclasses import dataclass, field
from typing import Any, Mapping

import durable_rules_engine as _engine

from ..asserting import AssertedFact, Derived
from ..encoding import dumps, encode_items, engine_facts
from ..errors import EngineError, EvaluationError, action_failure
from ..model import Rule
from .capacity import CapacityError, check_definition

# durable-rules is not thread-safe: every call into it holds this lock.
ENGINE_LOCK = threading.RLock()
_SESSION = "0"
_names = itertools.count(1)

# durable-rules 2.0.28 creates a session without initialising its action context, and deleting a session in which
# no action ever started frees that garbage (a segmentation fault, seen here about one run in three). Every
# compiled ruleset therefore carries this rule; an evaluation in which nothing fired asserts the flush fact, so an
# action starts and completes (which clears the context) before the session is deleted.
_FLUSH_RULE = "flush"
_FLUSH_FACT = dumps({"sid": _SESSION, "__flush": 1})


@dataclass
class CompiledRuleset:
    """One durable-rules ruleset: its handle and the rules behind its `r<rank>` names."""

    handle: int | None
    rules: list[Rule]
    layers: list[int]
    reads: list[tuple[str, ...]] | None = None  # per layer, the facts its rules read: all of them when None
    asserted: Mapping[str, tuple[AssertedFact, ...]] = field(default_factory=dict)  # rule id -> what it asserts

    def __post_init__(self) -> None:
        self.read = None if self.reads is None else frozenset(name for names in self.reads for name in names)

    @classmethod
    def create(cls, definition: dict[str, Any], rules: list[Rule], layers: list[int],
               reads: list[tuple[str, ...]] | None = None,
               asserted: Mapping[str, tuple[AssertedFact, ...]] | None = None) -> "CompiledRuleset":
        definition = {**definition, _FLUSH_RULE: {"all": [{"m": {"__flush": 1}}]}}
        try:
            check_definition(definition)  # before the C code, which could hang or overrun on a too-large pack
        except CapacityError as error:
            rank = error.rule[1:]
            rule = rules[int(rank)].id if rank.isdigit() and int(rank) < len(rules) else error.rule
            raise EvaluationError(f"the rule pack is too large for durable-rules at rule {rule}: {error}") from None
        with ENGINE_LOCK:
            try:
                handle = _engine.create_ruleset(f"creator_advisor_{next(_names)}", dumps(definition))
            except _engine.error as error:
                raise EvaluationError(f"durable-rules refused the compiled rule pack: {error}") from None
        return cls(handle, rules, layers, reads, dict(asserted or {}))

    def close(self) -> None:
        """Free the engine's ruleset (a process holds a bounded number of them)."""
        if self.handle is not None:
            with ENGINE_LOCK:
                try:
                    _engine.delete_ruleset(self.handle)
                except _engine.error:
                    pass
            self.handle = None

    def run(self, facts: Mapping[str, Any]) -> tuple[list[str], dict[str, Any]]:
        """Assert the facts some rule reads, as engine values, layer by layer: (the ids of the rules fired, in the
        engine's order, each once; the facts derived, as asserted). What a rule asserts joins the working memory of
        the next layer."""
        with ENGINE_LOCK:
            handle = self.handle
            if handle is None:
                raise EvaluationError("this compiled rule pack was closed")
            firing: Rule | None = None
            started = False
            # each fact encoded once, not once per layer
            encoded = encode_items(engine_facts(facts, self.read if self.read is not None else facts))
            fired: set[str] = set()  # each rule fires once
            derived = Derived(self.asserted)
            try:
                for number, layer in enumerate(self.layers):
                    # Only what the layer's rules read: the C engine parses every fact of the message, and returns
                    # the whole message with each firing. The first layer reads most facts, the later ones a few.
                    parts = list(encoded.values()) if self.reads is None else \
                        [encoded[name] for name in self.reads[number] if name in encoded]
                    parts.append(f'"__layer":{layer},"sid":"{_SESSION}"')
                    result = _engine.assert_fact(handle, "{" + ",".join(parts) + "}")
                    if result[0] != 0:
                        continue  # 1: no rule matched this layer
                    state = result[1]
                    action = _engine.start_action_for_state(handle, state)
                    started = started or bool(action)
                    while action:
                        messages = action[1] if isinstance(action, tuple) else action
                        firing = self.rules[_rank(messages)]
                        if firing.id not in fired:  # an `any` whose branches both hold is on the agenda per branch
                            fired.add(firing.id)
                            new = derived.fire(firing)
                            if new:
                                encoded.update(encode_items(new))
                        firing = None
                        action = _engine.complete_and_start_action(handle, state)
            except _engine.error as error:
                rule = f" while rule {firing.id} was firing" if firing is not None else ""
                raise EvaluationError(f"the rule engine failed{rule}: {error}") from None
            except EngineError:
                raise  # already says what went wrong (two rules asserting different values, say)
            except Exception as error:  # a failure in a rule's action: named, typed, and the session still ends
                raise action_failure(error, firing.id if firing is not None else None) from error
            finally:
                _end_session(handle, started)
        return derived.fired, derived.values


def _end_session(handle: int, started: bool) -> None:
    """Delete the evaluation's session, first making sure an action has run in it (see _FLUSH_RULE)."""
    try:
        if not started:
            result = _engine.assert_fact(handle, _FLUSH_FACT)
            if result[0] == 0 and _engine.start_action_for_state(handle, result[1]):
                _engine.complete_and_start_action(handle, result[1])
        _engine.delete_state(handle, _SESSION)
    except _engine.error:
        pass


def _rank(messages: str) -> int:
    # The action message is '{"r<rank>": {...}}': read the name without parsing the whole fact back.
    return int(messages[3:messages.index('"', 3)])

"""Load-time checks of a merged pack against the facts the caller supplies.

Everything that can be known before a profile arrives is checked here, so an author learns of a mistake when the
pack loads: unknown facts and thresholds (with did-you-mean), comparisons of the wrong type, derived facts that
clash, two rules gating one programme, text that cannot render, and cycles among derived facts (a pack that could
loop). The same pass assigns each rule its layer: the order in which forward chaining can run it.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field
from typing import Any, Mapping

from .documents.suggest import did_you_mean
from .encoding import MAX_EXACT_INTEGER
from .errors import Problem
from .loader import LoadedPacks
from .model import ORDERING_OPERATORS, FactSpec, Leaf, Rule, Threshold, ThresholdRef, leaves
from .text import CheckResults, check_texts


@dataclass
class CheckResult:
    """What the load-time checks found: the problems, each rule's layer, the types of derived facts and which
    rules produce each. `check_pack` fills it; the pack is refused when `problems` is not empty."""
    problems: list[Problem] = field(default_factory=list)
    layers: dict[str, int] = field(default_factory=dict)
    derived_types: dict[str, str] = field(default_factory=dict)
    producers: dict[str, list[str]] = field(default_factory=dict)


def value_type(value: Any) -> str:
    """The fact type a literal belongs to."""
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, (int, float)):
        return "number"
    if isinstance(value, dt.date):
        return "date"
    return "string"


def compatible(fact_type: str, value: Any) -> bool:
    """True when `value` fits a fact declared of `fact_type` (an integer or a number both take any number)."""
    kind = value_type(value)
    if fact_type in ("integer", "number"):
        return kind == "number"
    return kind == fact_type


def _problem(rule: Rule, path: tuple[Any, ...], message: str, key: bool = False) -> Problem:
    origin = rule.origin
    if origin is None:
        return Problem("<memory>", None, None, message, rule=rule.id, path=".".join(map(str, path)))
    return origin.document.problem(origin.path + path, message, rule=rule.id, key=key, shown_path=path)


def _leaf_path(rule: Rule, leaf: Leaf) -> tuple[Any, ...]:
    if leaf.origin is None or rule.origin is None:
        return ()
    return leaf.origin.path[len(rule.origin.path):]


def check_pack(loaded: LoadedPacks, facts: Mapping[str, FactSpec]) -> CheckResult:
    """Every check a pack meets when it loads, before any profile reaches it: numbers in range, asserted facts
    typed and written once, conditions naming known facts and thresholds of fitting types, rule texts that parse and
    name what exists, one rule per gate, and rules layered by the facts they derive (a cycle is a problem)."""
    result = CheckResult()
    rules = list(loaded.rules.values())
    _check_numbers(rules, loaded.thresholds, result)
    _check_asserts(rules, facts, loaded.thresholds, result)
    fact_types = {name: spec.type for name, spec in facts.items()}
    fact_types.update(result.derived_types)
    fact_types.update({name: "any" for name in loaded.broken_names if name not in fact_types})
    thresholds: dict[str, Threshold | None] = dict(loaded.thresholds)
    thresholds.update({name: None for name in loaded.broken_names if name not in thresholds})
    texts = {rule.id: rule.texts for rule in rules}
    checked = check_texts(source for rule_texts in texts.values() for _, source in rule_texts)
    for rule in rules:
        for leaf in leaves(rule.when):
            _check_leaf(rule, leaf, fact_types, thresholds, result)
        _check_texts(rule, texts[rule.id], checked, fact_types, thresholds, result)
    for name, document, path in loaded.label_sites:
        if name not in fact_types:
            result.problems.append(document.problem(path, f"label for unknown fact {name!r}: no input fact or rule "
                                                          f"provides it{did_you_mean(name, fact_types)}", key=True))
    _check_gates(rules, result)
    _layer(rules, result)
    return result


def number_problem(value: Any) -> str | None:
    """Why a number written in a pack cannot be compared exactly by the engine (NaN, infinity, beyond 2**53)."""
    items = value if isinstance(value, tuple) else (value,)
    for item in items:
        if isinstance(item, bool) or not isinstance(item, (int, float)):
            continue
        if isinstance(item, float) and not math.isfinite(item):
            return f"{item!r} is not a finite number"
        if abs(item) > MAX_EXACT_INTEGER:
            shown = repr(item) if isinstance(item, float) else f"a number of {len(str(abs(item)))} digits"
            return f"{shown} is too large: the engine compares numbers up to {MAX_EXACT_INTEGER:,} exactly"
    return None


def _check_numbers(rules: list[Rule], thresholds: Mapping[str, Threshold], result: CheckResult) -> None:
    """NaN, infinity and numbers beyond 2**53 in thresholds, rule values and asserted values, found at load time
    rather than as a failure of every evaluation."""
    for name, threshold in thresholds.items():
        for entry in threshold.entries():
            message = number_problem(entry.value)
            if message and threshold.origin is not None:
                result.problems.append(threshold.origin.document.problem(
                    threshold.origin.path + ("value",), f"threshold {name!r}: {message}"))
                break
    for rule in rules:
        for leaf in leaves(rule.when):
            message = number_problem(leaf.value)
            if message:
                result.problems.append(_problem(rule, _leaf_path(rule, leaf) + ("value",), message))
        for name, value in rule.asserts:
            message = None if isinstance(value, ThresholdRef) else number_problem(value)
            if message:
                result.problems.append(_problem(rule, ("then", "assert", name), message))


def _check_asserts(rules: list[Rule], facts: Mapping[str, FactSpec], thresholds: Mapping[str, Threshold],
                   result: CheckResult) -> None:
    for rule in rules:
        for name, value in rule.asserts:
            path = ("then", "assert", name)
            if name in facts:
                result.problems.append(_problem(rule, path, f"asserts {name!r}, which the caller supplies as "
                                                            "input; derived facts need names of their own", True))
                continue
            if isinstance(value, ThresholdRef):
                threshold = thresholds.get(value.name)
                if threshold is None:
                    result.problems.append(_problem(rule, path + ("threshold",), f"unknown threshold "
                                                    f"{value.name!r}{did_you_mean(value.name, thresholds)}"))
                    continue
                kinds = {value_type(entry.value) for entry in threshold.entries()}
                if any(isinstance(entry.value, tuple) for entry in threshold.entries()):
                    result.problems.append(_problem(rule, path, f"threshold {value.name!r} is a list; a derived "
                                                                "fact holds one value"))
                    continue
                kind = kinds.pop() if len(kinds) == 1 else None
            else:
                kind = value_type(value)
            if kind is None:
                continue
            previous = result.derived_types.setdefault(name, kind)
            if previous != kind:
                result.problems.append(_problem(rule, path, f"asserts {name!r} as {kind}, but another rule asserts "
                                                            f"it as {previous}"))
            result.producers.setdefault(name, []).append(rule.id)


def _check_leaf(rule: Rule, leaf: Leaf, fact_types: Mapping[str, str], thresholds: Mapping[str, Threshold | None],
                result: CheckResult) -> None:
    path = _leaf_path(rule, leaf)
    fact_type = fact_types.get(leaf.fact)
    if fact_type == "any":
        return  # asserted by a rule that failed the schema: already reported there
    if fact_type is None:
        result.problems.append(_problem(rule, path + ("fact",), f"unknown fact {leaf.fact!r}: no input fact "
                                        f"or rule provides it{did_you_mean(leaf.fact, fact_types)}"))
        return
    if leaf.op in ORDERING_OPERATORS and fact_type in ("string", "boolean"):
        result.problems.append(_problem(rule, path + ("op",), f"{leaf.op!r} compares order, but {leaf.fact!r} "
                                        f"is {fact_type}; use '==', '!=' or 'in'"))
        return
    if leaf.op == "exists":
        return
    candidates: list[tuple[tuple[Any, ...], Any, str]] = []
    if leaf.threshold is not None:
        for position, name in enumerate(leaf.threshold_names()):
            threshold = thresholds.get(name)
            key_path = path + (("threshold", position) if isinstance(leaf.threshold, tuple) else ("threshold",))
            if name in thresholds and threshold is None:
                continue  # defined, but failed the schema: already reported there
            if threshold is None:
                result.problems.append(_problem(rule, key_path, f"unknown threshold {name!r}"
                                                f"{did_you_mean(name, thresholds)}"))
                continue
            for entry in threshold.entries():
                candidates.append((key_path, entry.value, f"threshold {name!r}"))
    else:
        candidates.append((path + ("value",), leaf.value, "the value"))
    for key_path, value, what in candidates:
        wants_list = leaf.op == "in" or (leaf.op == "between" and leaf.threshold is None)
        if wants_list != isinstance(value, tuple):
            shape = "a list" if wants_list else "a single value"
            result.problems.append(_problem(rule, key_path, f"{leaf.op!r} needs {shape}, but {what} is "
                                                            f"{'a list' if isinstance(value, tuple) else repr(value)}"))
            continue
        items = value if isinstance(value, tuple) else (value,)
        wrong = [item for item in items if not compatible(fact_type, item)]
        if wrong:
            result.problems.append(_problem(rule, key_path, f"{leaf.fact!r} is {fact_type}, but {what} is "
                                                            f"{value_type(wrong[0])} ({wrong[0]!r})"))
            continue
        if leaf.op == "between" and leaf.threshold is None and items[0] > items[1]:
            result.problems.append(_problem(rule, key_path, f"'between' needs [low, high], got {list(items)}"))


def _check_texts(rule: Rule, texts: tuple[tuple[tuple[Any, ...], str], ...], checked: CheckResults,
                 fact_types: Mapping[str, str], thresholds: Mapping[str, Threshold | None], result: CheckResult) -> None:
    for path, source in texts:
        error, references = checked[source]
        if error:
            result.problems.append(_problem(rule, path, error))
            continue
        for kind, name in dict.fromkeys(references):
            if kind == "fact" and name not in fact_types:
                result.problems.append(_problem(rule, path, f"the text uses unknown fact {name!r}"
                                                            f"{did_you_mean(name, fact_types)}"))
            elif kind == "threshold" and name not in thresholds:
                result.problems.append(_problem(rule, path, f"the text uses unknown threshold {name!r}"
                                                            f"{did_you_mean(name, thresholds)}"))
            elif kind == "forbidden":
                result.problems.append(_problem(rule, path, name))
            elif kind == "variable":
                result.problems.append(_problem(rule, path, f"the text uses unknown name {name!r}: only "
                                                            "facts, thresholds and rule are available"))


def _check_gates(rules: list[Rule], result: CheckResult) -> None:
    seen: dict[str, str] = {}
    for rule in rules:
        if rule.gate is None:
            continue
        if rule.gate in seen:
            result.problems.append(_problem(rule, ("gate",), f"gate {rule.gate!r} is already defined by rule "
                                                             f"{seen[rule.gate]}"))
        seen.setdefault(rule.gate, rule.id)


def _layer(rules: list[Rule], result: CheckResult) -> None:
    """Layer = 1 + the highest layer of any rule producing a fact this rule reads; cycles are problems."""
    by_id = {rule.id: rule for rule in rules}
    depends: dict[str, list[str]] = {
        rule.id: sorted({producer for fact in rule.facts_read for producer in result.producers.get(fact, [])})
        for rule in rules}
    state: dict[str, int] = {}  # 1 visiting, 2 done
    reported: set[frozenset[str]] = set()

    def visit(rule_id: str, stack: list[str]) -> int:
        if state.get(rule_id) == 2:
            return result.layers[rule_id]
        if state.get(rule_id) == 1:
            cycle = stack[stack.index(rule_id):]
            key = frozenset(cycle)
            if key not in reported:
                reported.add(key)
                chain = " -> ".join(cycle + [rule_id])
                first = by_id[min(cycle)]
                result.problems.append(_problem(first, ("when",), f"rules form a cycle through derived facts "
                                                                  f"({chain}): a fact may not depend on itself"))
            return 0
        state[rule_id] = 1
        stack.append(rule_id)
        layer = 0
        for producer in depends[rule_id]:
            layer = max(layer, visit(producer, stack) + 1)
        stack.pop()
        state[rule_id] = 2
        result.layers[rule_id] = layer
        return layer

    for rule in sorted(rules, key=lambda r: r.id):
        visit(rule.id, [])

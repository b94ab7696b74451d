"""RulePack: a loaded, checked rule pack that evaluates facts. The engine's public face.

Loading reads and checks everything once. Evaluation resolves the thresholds in force for the facts' country and
date, compiles (once per distinct set of threshold values, then cached) the ruleset of the chosen engine
(durable-rules or pure Python, see engine.engines), runs it, and returns an Outcome. Compiled rulesets are few
(thresholds differ by a handful of countries and dates) and bounded: the least recently used is freed when the
cache is full.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import threading
from collections import OrderedDict
from typing import Any, Iterable, Mapping, Sequence

from .checks import check_pack
from .documents.yaml_source import DEFAULT_LIMITS, Limits
from .engines import Backend, Ruleset, backend
from .errors import RulePackError
from .explain import prepare_requirements, reasons
from .folding import fold_pack
from .gates import Checker, GateChecks
from .intake import FactIntake
from .labels import NO_LABELS, Labels
from .loader import iter_folders, read_packs
from .model import FactSpec, PackInfo, Rule, Threshold, firing_order
from .outcome import AdviceItem, Outcome
from .text import is_plain, render_text

MAX_COMPILED_VARIANTS = 32
_new, _set = object.__new__, object.__setattr__
_RESOLUTION_CACHE_SIZE = 4096


class RulePack:
    """A validated rule pack bound to the facts its caller supplies. Build it with `load_rule_pack`."""

    def __init__(self, infos: list[PackInfo], rules: dict[str, Rule], thresholds: dict[str, Threshold],
                 facts: Mapping[str, FactSpec], layers: dict[str, int], derived_types: dict[str, str],
                 replaced: list[tuple[str, str, str]], labels: Labels = NO_LABELS,
                 engine: Backend | None = None,
                 previous: Mapping[tuple[str, str, str], Rule | Threshold] | None = None):
        self.infos = infos
        self.rules = dict(sorted(rules.items()))
        self.thresholds = dict(sorted(thresholds.items()))
        self.facts = dict(facts)
        self.layers = layers
        self.derived_types = derived_types
        self.replaced = replaced
        self.labels = labels  # words for facts, operators and values (engine.labels)
        self._backend = engine if engine is not None else backend()
        self._serial = not isinstance(self._backend.lock, contextlib.nullcontext)  # python: no lock to take
        # (kind, name, overlay folder) -> what that overlay replaced: lint compares them, rule tests name them.
        self.previous = dict(previous or {})
        self.firing_order: tuple[Rule, ...] = tuple(firing_order(self.rules.values(), layers))
        self._gates = [rule for rule in self.firing_order if rule.gate]
        self._gates_declared = tuple(sorted(self._gates, key=_declaration_order))  # a plan lists them so
        self._reads = {rule.id: rule.facts_read for rule in self.rules.values()}
        self._read_anywhere = frozenset(name for names in self._reads.values() for name in names)
        # Per (country, date): every gate's requirement checks, with what depends on the thresholds alone worked out
        # once (engine.gates, engine.explain).
        self._prepared: dict[tuple[str | None, dt.date], Checker] = {}
        self._resolutions: dict[tuple[str | None, dt.date], tuple[dict[str, Any], _VariantKey]] = {}
        self._variants: OrderedDict[_VariantKey, Ruleset] = OrderedDict()
        self._variants_lock = threading.Lock()  # compiling into the cache; lookups and evaluations run outside it
        self._variant_keys: dict[_VariantKey, _VariantKey] = {}
        # For rule text: every declared fact's name, and per set of threshold values in force every threshold
        # (None where not in force), keyed by the identity of the values (_resolve keeps one dict per set).
        self._fact_names = (*self.facts, *self.derived_types)
        self._folded = tuple(name for name, spec in self.facts.items() if spec.folded)
        self._intake = FactIntake(self.facts, self._read_anywhere)  # facts checked, as the engines take them
        self._threshold_texts: dict[int, tuple[Mapping[str, Any], dict[str, Any]]] = {}
        self._fact_types = {**{name: spec.type for name, spec in self.facts.items()}, **self.derived_types}
        self._gate_checks = GateChecks([(rule.gate or "", rule.id, rule.requirements) for rule in self._gates],
                                       self._fact_types)

    @property
    def name(self) -> str:
        return self.infos[0].name if self.infos else ""

    @property
    def version(self) -> str:
        return self.infos[0].version if self.infos else ""

    @property
    def engine(self) -> str:
        """The name of the engine that evaluates this pack: "durable" or "python" (see engine.engines)."""
        return self._backend.name
    def defined_by(self, kind: str, name: str, folder: str) -> Rule | Threshold | None:
        """What overlay `folder` defined for (kind "rule" or "threshold", name): the pack's own definition unless a
        later folder replaced it again. Compare with `previous[(kind, name, folder)]`, what it replaced."""
        folders = [where for k, n, where in self.replaced if (k, n) == (kind, name)]
        if folder not in folders:
            return None
        position = folders.index(folder)
        if position + 1 < len(folders):
            return self.previous.get((kind, name, folders[position + 1]))
        return (self.thresholds if kind == "threshold" else self.rules).get(name)

    def gate_rules(self) -> list[Rule]:
        """The gated rules, in the order the pack's files declare them."""
        return list(self._gates_declared)

    def close(self) -> None:
        """Free every compiled ruleset (held in durable-rules by that engine); the pack can still evaluate: it
        recompiles."""
        with self._backend.lock, self._variants_lock:
            while self._variants:
                self._variants.popitem(last=False)[1].close()

    def __del__(self) -> None:
        try:
            self.close()
        except Exception:
            pass

    # -- thresholds ---------------------------------------------------------------------------------------
    def resolve_thresholds(self, country: str | None, on: dt.date) -> dict[str, Any]:
        """Threshold name -> value in force for this country on this date (names not in force are absent)."""
        return self._resolve(country, on)[0]

    def _resolve(self, country: str | None, on: dt.date) -> tuple[dict[str, Any], _VariantKey]:
        key = (country, on)
        found = self._resolutions.get(key)
        if found is None:
            values = {}
            for name, threshold in self.thresholds.items():
                entry = threshold.resolve(country, on)
                if entry is not None:
                    values[name] = entry.value
            variant = _VariantKey(tuple(sorted((k, repr(v)) for k, v in values.items())))
            if len(self._resolutions) >= _RESOLUTION_CACHE_SIZE:
                self._resolutions.clear()
                self._prepared.clear()
                self._variant_keys.clear()
            # One key object per set of values: countries with the same thresholds then find their compiled
            # ruleset by identity, not by comparing a hundred pairs at every evaluation.
            found = self._resolutions[key] = (values, self._variant_keys.setdefault(variant, variant))
        return found

    def _variant(self, values: dict[str, Any], key: _VariantKey) -> Ruleset:
        variant = self._variants.get(key)
        if variant is not None:  # the common case, without a lock
            try:
                self._variants.move_to_end(key)
            except KeyError:
                pass  # another thread evicted it meanwhile (python engine): it still runs, and is not kept
            return variant
        with self._variants_lock:  # compiling and evicting, one thread at a time
            variant = self._variants.get(key)
            if variant is None:
                variant = self._backend.compile(list(self.rules.values()), self.layers, values)
                self._variants[key] = variant
                if len(self._variants) > MAX_COMPILED_VARIANTS:
                    self._variants.popitem(last=False)[1].close()  # the python engine's close frees nothing in use
            return variant

    # -- evaluation ---------------------------------------------------------------------------------------
    def check_facts(self, facts: Mapping[str, Any]) -> dict[str, Any]:
        """The facts with absent (None) values dropped, each checked against its declared type."""
        return self._intake.check(facts)

    def evaluate(self, facts: Mapping[str, Any], *, country: str | None = None,
                 on: dt.date | None = None) -> Outcome:
        """Run the pack on one set of facts. Isolated: nothing of this evaluation stays in the engine.

        `country` selects per-country threshold overrides and `on` the date thresholds are judged on (default
        today). Raises FactError for unusable facts, FactConflictError when two rules assert different values for
        one fact, EvaluationError when the engine itself fails.
        """
        on = on or dt.date.today()
        clean = self._intake.take(facts)
        values, key = self._resolve(country, on)
        # durable: one lock from choosing the compiled variant to running it, so no thread can free it between;
        # python: no lock at all.
        if self._serial:
            with self._backend.lock:
                fired, derived = self._variant(values, key).run(clean)
        else:
            fired, derived = self._variant(values, key).run(clean)
        fired_ids = frozenset(fired)
        everything = {**clean, **derived} if derived else clean.copy()
        gates = self._prepared_gates(country, on, values)(everything, fired_ids)
        as_given = {name: facts[name] for name in self._folded if isinstance(facts.get(name), str)}
        outcome = _new(Outcome)  # Outcome(...) without its __init__ (engine.frozen)
        # `fired` made on first read (engine.outcome.firings): the rules fired, their layers, what each reads, the facts
        _set(outcome, "__dict__", {"facts": clean, "derived": derived,
                                   "_fired": (fired, self.layers, self._reads, everything), "gates": gates,
                                   "thresholds": values, "country": country, "on": on, "fired_ids": fired_ids,
                                   "as_given": as_given})
        return outcome

    def _prepared_gates(self, country: str | None, on: dt.date, values: dict[str, Any]) -> Checker:
        """Every gate's requirement checks for this country and date: (facts, fired rule ids) -> {gate: result}."""
        found = self._prepared.get((country, on))
        if found is None:
            found = self._gate_checks.bind([prepare_requirements(rule.requirements, values, self.thresholds, country,
                                                                 on, self.labels)
                                            for rule in self._gates], values)
            self._prepared[(country, on)] = found
        return found

    def render_advice(self, outcome: Outcome) -> list[AdviceItem]:
        """The advice of every fired rule that has some, rendered, ordered by priority (highest first) then id."""
        facts, thresholds = self._text_context(outcome)
        items = []
        for firing in outcome.fired:
            rule = self.rules[firing.rule]
            if rule.advice is None:
                continue
            context: dict[str, Any] = {"facts": facts, "thresholds": thresholds, "rule": rule.id}
            because = tuple(render_text(text, field=f"then.advice.because[{i}]", **context)
                            for i, text in enumerate(rule.advice.because))
            if not because:
                because = tuple(reasons(rule.when, facts, outcome.thresholds, self.labels))
            items.append(AdviceItem(
                rule.id, rule.category, rule.priority,
                render_text(rule.advice.title, field="then.advice.title", **context),
                render_text(rule.advice.text, field="then.advice.text", **context), because))
        items.sort(key=lambda item: (-item.priority, item.rule))
        return items

    def render_title(self, rule: Rule, outcome: Outcome) -> str:
        """A rule's `title` rendered for this outcome (its id when it has none)."""
        if not rule.title:
            return rule.id
        if is_plain(rule.title):
            return rule.title.strip()  # a programme's name, usually: no need to build the text context
        facts, thresholds = self._text_context(outcome)
        return render_text(rule.title, facts=facts, thresholds=thresholds, rule=rule.id, field="title")

    def _text_context(self, outcome: Outcome) -> tuple[dict[str, Any], dict[str, Any]]:
        """Every declared fact and threshold by name for rule text: None (shown as a dash) when absent or not
        in force, so a sentence never fails because a profile lacks a number."""
        facts = dict.fromkeys(self._fact_names)
        facts.update(outcome.all_facts)
        facts.update(outcome.as_given)  # a folded fact reads as the creator wrote it
        values = outcome.thresholds
        found = self._threshold_texts.get(id(values))
        if found is None or found[0] is not values:  # one per set of values in force (rule text cannot change it)
            thresholds: dict[str, Any] = dict.fromkeys(self.thresholds)
            thresholds.update(values)
            if len(self._threshold_texts) >= _RESOLUTION_CACHE_SIZE:
                self._threshold_texts.clear()
            found = self._threshold_texts[id(values)] = (values, thresholds)
        return facts, found[1]


class _VariantKey:
    """The threshold values in force, as the key of their compiled ruleset. It is looked up at every evaluation,
    and a tuple of a hundred pairs is hashed afresh each time: this one keeps its hash."""

    __slots__ = ("values", "hash")

    def __init__(self, values: tuple[tuple[str, str], ...]):
        self.values = values
        self.hash = hash(values)

    def __hash__(self) -> int:
        return self.hash

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _VariantKey) and self.values == other.values


def _declaration_order(rule: Rule) -> tuple[Any, ...]:
    if rule.origin is None:
        return ("", 0, rule.id)
    return (rule.origin.document.file, rule.origin.path[1] if len(rule.origin.path) > 1 else 0, rule.id)


def load_rule_pack(folders: Sequence[str | os.PathLike[str]] | str | os.PathLike[str],
                   facts: Iterable[FactSpec], limits: Limits = DEFAULT_LIMITS, *,
                   engine: str | None = None) -> RulePack:
    """Load one pack folder, or several (each later one an overlay), and check it against `facts`.

    `engine` ("durable" or "python") chooses the engine that evaluates it; None: $CREATOR_ADVISOR_ENGINE, else
    the default (engine.engines). Raises EngineChoiceError for an engine that cannot run here (before reading any
    file), and RulePackError listing every problem found, each with file, line, column, rule and key path.
    """
    chosen = backend(engine)
    specs = {spec.name: spec for spec in facts}
    loaded = read_packs(iter_folders(folders), limits)
    checked = check_pack(loaded, specs)
    problems = sorted(loaded.problems + checked.problems, key=lambda p: (p.file, p.line or 0, p.column or 0))
    if problems:
        raise RulePackError(problems)
    problems = chosen.load_problems(loaded.rules, loaded.thresholds, checked.layers,
                                    [*specs, *checked.derived_types])
    if problems:
        raise RulePackError(problems)
    rules, thresholds = fold_pack(loaded.rules, loaded.thresholds, specs)
    return RulePack(loaded.infos, rules, thresholds, specs, checked.layers, checked.derived_types,
                    loaded.replaced, loaded.labels, engine=chosen, previous=loaded.previous)

"""Lint: warnings about a pack that loads but is probably not what its authors meant.

Loading rejects what cannot work (unknown names, wrong types, cycles). Lint looks for what works but deserves a
second look, each check for a reason:

- stale sources: every threshold value cites a dated source, and rules of the outside world change; a value whose
  source is older than `max_source_age_days` should be checked again before users rely on it;
- unused thresholds: a value no condition, assert or text reads, and that `pack.host_reads` does not declare, is
  dead weight, or a sign that a rule names the wrong threshold;
- derived facts nobody reads: an asserted fact no rule condition or text matches, and that the pack does not
  declare in `pack.host_reads` (the facts its host application reads), is a leftover; a declared one that no rule
  asserts is a stale declaration;
- rules that can never fire: within one `all`, comparisons of one fact that no value can satisfy together (an
  empty interval, two different `==`, disjoint `in` lists, `exists` with `not exists`), checked for every country
  and date variant of the thresholds involved, so a rule is only reported when it is dead for all of them;
- closed gates: a gate whose every threshold value has ended is a programme that closed; a rule kept on purpose to
  tell users so says `historical: true`, and one that says so while still open is reported instead;
- rules that do nothing: no advice, no assert and no gate means firing has no effect.

- sources dated in the future: an error, not a warning (a typo in the year, or a start date written as as_of);
- overlays that drop what they replace: a threshold redefined without the country values or dates the earlier
  definition had, unless it says `replace: whole`.

Every finding is a `Problem` with severity "warning" (the future source: "error"), located at the file, line and
column of the node concerned.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import os
from itertools import combinations
from pathlib import Path
from typing import Any

from .documents.yaml_source import format_path
from .errors import Problem
from .explain import describe
from .model import AllOf, Condition, Leaf, NotOf, Origin, Rule, Threshold, ThresholdEntry, ThresholdRef, leaves
from .pack import RulePack
from .text import parse_problems
from .threshold_as_written import lost_in_replacement

_NEGATED = {"==": "!=", "!=": "==", "<": ">=", "<=": ">", ">": "<=", ">=": "<", "in": "not in"}


def lint_pack(pack: RulePack, *, today: dt.date, max_source_age_days: int = 730,
              now: dt.date | None = None) -> list[Problem]:
    """Warnings about `pack` as of `today`, sorted by file, line and column. A source is in the future when it is
    dated after both `today` and `now` (the real date, by default): `today` may be set back to reproduce an old
    run, and a source published since is not a mistake."""
    problems: list[Problem] = []
    problems += _stale_sources(pack, today, max_source_age_days)
    problems += _future_sources(pack, max(today, now or dt.date.today()))
    problems += _lost_in_replacement(pack)
    problems += _unused_thresholds(pack)
    problems += _unread_derived_facts(pack)
    for rule in pack.rules.values():
        problems += _never_fires(pack, rule)
        problems += _closed_gate(pack, rule, today)
        if rule.advice is None and not rule.asserts and rule.gate is None:
            problems.append(_at_rule(rule, ("id",), "this rule does nothing: it has no advice, asserts nothing "
                                                    "and is not a gate"))
    return sorted(problems, key=lambda p: (p.file, p.line or 0, p.column or 0, p.rule or "", p.message))


def in_folder(problems: list[Problem], folder: str | os.PathLike[str]) -> list[Problem]:
    """The problems found in the files directly in `folder` (one pack folder of several)."""
    wanted = Path(folder).resolve()
    return [problem for problem in problems if Path(problem.file).resolve().parent == wanted]


# -- locating ---------------------------------------------------------------------------------------------------
def _at(origin: Origin | None, path: tuple[Any, ...], message: str, *, rule: str | None = None,
        shown: tuple[Any, ...] | None = None, key: bool = False) -> Problem:
    if origin is None:
        return Problem("<memory>", None, None, message, rule=rule, path=".".join(map(str, shown or path)),
                       severity="warning")
    return origin.document.problem(origin.path + path, message, rule=rule, key=key,
                                   shown_path=origin.path + path if shown is None else shown, severity="warning")


def _at_rule(rule: Rule, path: tuple[Any, ...], message: str, key: bool = False) -> Problem:
    return _at(rule.origin, path, message, rule=rule.id, shown=path, key=key)


# -- stale sources ----------------------------------------------------------------------------------------------
def _located_entries(threshold: Threshold) -> list[tuple[tuple[Any, ...], ThresholdEntry]]:
    """Every entry of a threshold with its path below the threshold's own node."""
    found: list[tuple[tuple[Any, ...], ThresholdEntry]] = []
    tops: list[tuple[tuple[Any, ...], ThresholdEntry]] = [((), threshold.base)]
    tops += [(("countries", code), entry) for code, entry in threshold.countries]
    tops += [(("members", key), entry) for key, entry in threshold.members]
    for path, entry in tops:
        found.append((path, entry))
        found.extend((path + ("earlier", i), earlier) for i, earlier in enumerate(entry.earlier))
    return found


def _stale_sources(pack: RulePack, today: dt.date, max_days: int) -> list[Problem]:
    problems = []
    for threshold in pack.thresholds.values():
        for path, entry in _located_entries(threshold):
            if (today - entry.as_of).days > max_days:
                problems.append(_at(threshold.origin, path + ("as_of",), f"source dated {entry.as_of.isoformat()} "
                                    f"is older than {max_days} days: check it still holds"))
    return problems


def _future_sources(pack: RulePack, today: dt.date) -> list[Problem]:
    """A source dated after today is an error (usually a typo in the year, or a valid_from written as as_of): no
    reader can have seen it yet, and the plan would cite it as if they had."""
    problems = []
    for threshold in pack.thresholds.values():
        for path, entry in _located_entries(threshold):
            if entry.as_of > today:
                problem = _at(threshold.origin, path + ("as_of",), f"source dated {entry.as_of.isoformat()} is in "
                              f"the future (after {today.isoformat()}): as_of is the day the source said it; "
                              "a date the value starts to apply is valid_from")
                problems.append(dataclasses.replace(problem, severity="error"))
    return problems


def _lost_in_replacement(pack: RulePack) -> list[Problem]:
    """An overlay's threshold replaces the earlier definition whole: the country values and dates it leaves out
    are gone, which is rarely meant (forgetting `countries:` loses Korea's 19). `replace: whole` says it is."""
    problems = []
    for kind, name, folder in pack.replaced:
        before, after = pack.previous.get((kind, name, folder)), pack.defined_by(kind, name, folder)
        if kind != "threshold" or not isinstance(before, Threshold) or not isinstance(after, Threshold):
            continue
        lost = lost_in_replacement(before, after)
        if lost and not after.replace_whole:
            where = before.origin.document.file if before.origin is not None else "the pack it replaces"
            problems.append(_at(after.origin, (), f"threshold {name!r} replaces the one in {where} whole and drops "
                                f"{'; '.join(lost)}: copy what should stay into this definition, or add "
                                "'replace: whole' if dropping it is meant", key=True))
    return problems


# -- what rules read ----------------------------------------------------------------------------------------------
def _text_references(rule: Rule, kind: str) -> set[str]:
    return {name for _, text in rule.texts for found, name in parse_problems(text)[1] if found == kind}


def _unused_thresholds(pack: RulePack) -> list[Problem]:
    used: set[str] = {name for info in pack.infos for name in info.host_reads}
    for rule in pack.rules.values():
        used.update(name for leaf in leaves(rule.when) for name in leaf.threshold_names())
        used.update(value.name for _, value in rule.asserts if isinstance(value, ThresholdRef))
        used |= _text_references(rule, "threshold")
    return [_at(threshold.origin, (), f"threshold {name!r} is not used by any rule condition, assert or text",
                key=True)
            for name, threshold in pack.thresholds.items() if name not in used]


def _unread_derived_facts(pack: RulePack) -> list[Problem]:
    read: set[str] = set()
    for rule in pack.rules.values():
        read.update(rule.facts_read)
        read |= _text_references(rule, "fact")
    asserters: dict[str, list[Rule]] = {}
    for rule in pack.rules.values():
        for name, _ in rule.asserts:
            asserters.setdefault(name, []).append(rule)
    problems = []
    for info in pack.infos:
        for name in info.host_reads:
            if name not in asserters and name not in pack.thresholds:
                problems.append(Problem(info.folder or info.name, None, None, f"pack.host_reads names {name!r}, "
                                        "but no rule asserts it and no threshold has that name: drop it from the "
                                        "list", severity="warning"))
        read.update(info.host_reads)
    for name, rules in sorted(asserters.items()):
        if name in read:
            continue
        first = min(rules, key=_position)
        others = f" (and by {len(rules) - 1} other rule{'s' if len(rules) > 2 else ''})" if len(rules) > 1 else ""
        problems.append(_at_rule(first, ("then", "assert", name), f"derived fact {name!r} is asserted here{others} "
                                 "but no rule condition or text reads it: fine if the host application reads it, "
                                 "otherwise drop it", key=True))
    return problems


def _position(rule: Rule) -> tuple[Any, ...]:
    if rule.origin is None:
        return ("", (0, 0), rule.id)
    return (rule.origin.document.file, rule.origin.document.mark(rule.origin.path), rule.id)


# -- closed gates -------------------------------------------------------------------------------------------------
def _closed_gate(pack: RulePack, rule: Rule, today: dt.date) -> list[Problem]:
    names = {name for leaf in leaves(rule.when) for name in leaf.threshold_names()}
    entries = [entry for name in names if name in pack.thresholds for entry in pack.thresholds[name].entries()]
    if rule.gate is None or not entries:
        return [_at_rule(rule, ("historical",), "marked historical, but it is not a gate with dated thresholds")
                ] if rule.historical else []
    if any(entry.valid_until is None or entry.valid_until > today for entry in entries):
        return [_at_rule(rule, ("historical",), "marked historical, but some threshold it requires is still in "
                                                "force: drop the mark")] if rule.historical else []
    if rule.historical:
        return []
    closed = max(entry.valid_until for entry in entries if entry.valid_until is not None)
    return [_at_rule(rule, ("gate",), f"programme closed since {closed.isoformat()}: every value of the thresholds "
                                      "it requires has ended (if the rule is kept to tell users it closed, mark it "
                                      "`historical: true`)")]


# -- rules that can never fire ------------------------------------------------------------------------------------
def _conjuncts(condition: Condition) -> list[Condition]:
    """The items that must all hold: `all` groups flattened, leaves and negated leaves kept, `any` left out."""
    if isinstance(condition, AllOf):
        return [item for part in condition.items for item in _conjuncts(part)]
    if isinstance(condition, Leaf) or (isinstance(condition, NotOf) and isinstance(condition.item, Leaf)):
        return [condition]
    return []


def _leaf_of(item: Condition) -> Leaf:
    return item.item if isinstance(item, NotOf) else item  # type: ignore[return-value]


def _variants(pack: RulePack, names: set[str]) -> list[tuple[str | None, dt.date]]:
    """(country, date) pairs covering every combination of values the named thresholds can take."""
    thresholds = [pack.thresholds[name] for name in sorted(names) if name in pack.thresholds]
    countries = sorted({code for threshold in thresholds for code, _ in threshold.countries})
    dates = {dt.date.min} | {day for threshold in thresholds
                             for entry in (*threshold.entries(), *(entry for _, entry in threshold.members))
                             for day in (entry.valid_from, entry.valid_until) if day is not None}
    return [(country, day) for country in [None, *countries] for day in sorted(dates, reverse=True)]


def _operand(leaf: Leaf, pack: RulePack, country: str | None, on: dt.date) -> tuple[bool, Any]:
    """(in force, right-hand value) of a comparison for one variant."""
    if leaf.threshold is None:
        return True, leaf.value
    values = []
    for name in leaf.threshold_names():
        entry = pack.thresholds[name].resolve(country, on) if name in pack.thresholds else None
        if entry is None:
            return False, None
        values.append(entry.value)
    return True, tuple(values) if isinstance(leaf.threshold, tuple) else values[0]


def _satisfiable(items: list[tuple[bool, str, Any]]) -> bool:
    """Can one value of a fact meet every (negated, op, operand)? A negated comparison also holds when absent."""
    if all(negated for negated, _, _ in items):
        return True  # the fact may simply be absent
    if any(op == "exists" and negated for negated, op, _ in items):
        return False  # presence is required, but so is absence
    low, high, allowed, excluded = None, None, None, set()
    for negated, op, right in items:
        op = _NEGATED.get(op, op) if negated else op
        if negated and op == "between":
            continue  # outside [low, high] is two intervals: not tracked
        if op in ("==", "in"):
            choices = {right} if op == "==" else set(right)
            allowed = choices if allowed is None else allowed & choices
        elif op in ("!=", "not in"):
            excluded |= {right} if op == "!=" else set(right)
        elif op in (">", ">=", "between"):
            bound = (right[0], True) if op == "between" else (right, op == ">=")
            low = bound if low is None or (bound[0], not bound[1]) > (low[0], not low[1]) else low
        if op in ("<", "<=", "between"):
            bound = (right[1], True) if op == "between" else (right, op == "<=")
            high = bound if high is None or (bound[0], bound[1]) < (high[0], high[1]) else high

    def inside(value: Any) -> bool:
        return (value not in excluded and (low is None or value > low[0] or (value == low[0] and low[1]))
                and (high is None or value < high[0] or (value == high[0] and high[1])))

    if allowed is not None:
        return any(inside(value) for value in allowed)
    if low is None or high is None:
        return True
    return low[0] < high[0] or (low[0] == high[0] and low[1] and high[1] and low[0] not in excluded)


def _never_fires(pack: RulePack, rule: Rule) -> list[Problem]:
    by_fact: dict[str, list[Condition]] = {}
    for item in _conjuncts(rule.when):
        by_fact.setdefault(_leaf_of(item).fact, []).append(item)
    groups = [items for items in by_fact.values() if len(items) > 1]
    if not groups:
        return []
    names = {name for items in groups for item in items for name in _leaf_of(item).threshold_names()}
    witness: list[Condition] | None = None
    for country, on in _variants(pack, names):
        resolved = {id(item): _operand(_leaf_of(item), pack, country, on) for items in groups for item in items}
        if any(not in_force for in_force, _ in resolved.values()):
            continue  # a comparison with a value not in force is false: nothing fires on this variant
        dead = [items for items in groups if not _satisfiable(_constraints(items, resolved))]
        if not dead:
            return []
        witness = witness or _smallest(dead[0], resolved)
    if witness is None:
        return []
    where = " and ".join(f"{_shown_path(rule, item)} ({describe(item)})" for item in witness)
    both = "both" if len(witness) == 2 else "all"
    return [_at_rule(rule, _relative_path(rule, witness[-1]), f"this rule can never fire: {where} cannot {both} hold")]


def _constraints(items: list[Condition], resolved: dict[int, tuple[bool, Any]]) -> list[tuple[bool, str, Any]]:
    return [(isinstance(item, NotOf), _leaf_of(item).op, resolved[id(item)][1]) for item in items]


def _smallest(items: list[Condition], resolved: dict[int, tuple[bool, Any]]) -> list[Condition]:
    for pair in combinations(items, 2):
        if not _satisfiable(_constraints(list(pair), resolved)):
            return list(pair)
    return items


def _relative_path(rule: Rule, item: Condition) -> tuple[Any, ...]:
    leaf = _leaf_of(item)
    if leaf.origin is None or rule.origin is None:
        return ()
    path = leaf.origin.path[len(rule.origin.path):]
    return path[:-1] if isinstance(item, NotOf) and path[-1:] == ("not",) else path


def _shown_path(rule: Rule, item: Condition) -> str:
    return format_path(_relative_path(rule, item))

"""Text facts compared without regard to case or spacing: a profile's "Cooking " matches a rule's `cooking`.

A caller declares such a fact with `FactSpec(..., folded=True)`. Both sides of every comparison are then folded
the same way, once: the literal values (and the values of thresholds) that conditions on the fact compare with,
when the pack loads, and the fact's value, when it is checked before an evaluation. Whatever engine runs the
pack then compares plain equal strings, so `==`, `!=` and `in` behave the same everywhere.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any, Mapping

from .model import AllOf, AnyOf, Condition, FactSpec, Leaf, NotOf, Rule, Threshold, ThresholdEntry, leaves


def fold_text(text: str) -> str:
    """Lower-case (Unicode case folding) with runs of whitespace made one space and the ends trimmed."""
    return " ".join(text.split()).casefold()


def fold_value(value: Any) -> Any:
    """A literal or threshold value with every text in it folded."""
    if isinstance(value, str):
        return fold_text(value)
    if isinstance(value, tuple):
        return tuple(fold_value(item) for item in value)
    return value


def _fold_condition(condition: Condition, folded: frozenset[str]) -> Condition:
    if isinstance(condition, Leaf):
        if condition.fact in folded and condition.value is not None:
            return replace(condition, value=fold_value(condition.value))
        return condition
    if isinstance(condition, NotOf):
        return NotOf(_fold_condition(condition.item, folded))
    items = tuple(_fold_condition(item, folded) for item in condition.items)
    return AllOf(items) if isinstance(condition, AllOf) else AnyOf(items)


def _fold_entry(entry: ThresholdEntry) -> ThresholdEntry:
    return replace(entry, value=fold_value(entry.value), earlier=tuple(_fold_entry(item) for item in entry.earlier))


def fold_pack(rules: Mapping[str, Rule], thresholds: Mapping[str, Threshold], facts: Mapping[str, FactSpec]
              ) -> tuple[dict[str, Rule], dict[str, Threshold]]:
    """The rules with the values their conditions on folded facts compare with folded, and the thresholds those
    conditions name folded too."""
    folded = frozenset(name for name, spec in facts.items() if spec.folded)
    if not folded:
        return dict(rules), dict(thresholds)
    named = {name for rule in rules.values() for leaf in leaves(rule.when) if leaf.fact in folded
             for name in leaf.threshold_names()}
    new_rules = {rule_id: replace(rule, when=_fold_condition(rule.when, folded))
                 if any(leaf.fact in folded for leaf in leaves(rule.when)) else rule
                 for rule_id, rule in rules.items()}
    new_thresholds = {name: replace(threshold, base=_fold_entry(threshold.base),
                                    countries=tuple((code, _fold_entry(entry)) for code, entry in threshold.countries))
                      if name in named else threshold for name, threshold in thresholds.items()}
    return new_rules, new_thresholds

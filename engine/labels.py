"""Words for people: the labels a rule pack gives its facts, operators and values.

A pack may declare, in any of its files, a `labels` mapping (docs/rule-format.md):

    labels:
      facts: {views_30d: views in the last 30 days}
      operators: {">=": at least}
      values: {account_type: {personal: a personal account}}

Requirement sentences, the reasons of advice and the catalogue are built from these labels and from the threshold
values in force, so a sentence never shows a fact's id and an overlay that changes a number or a label changes it
everywhere it is said. A fact without a label reads as its name; an operator without one reads as the engine's
own words. Overlays replace labels one key at a time.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping

from .templating.filters import words as show  # the one "value in words"

# The engine's own words for each operator, used where a pack gives none.
OPERATOR_WORDS = {"==": "is", "!=": "is not", "<": "below", "<=": "at most", ">": "above", ">=": "at least",
                  "in": "one of", "between": "between", "exists": "is known"}


@dataclass(frozen=True, eq=False)
class Labels:
    """The pack's labels, merged over its folders (a later folder's label for the same key wins)."""

    facts: Mapping[str, str] = field(default_factory=dict)
    operators: Mapping[str, str] = field(default_factory=dict)
    values: Mapping[str, Mapping[str, str]] = field(default_factory=dict)

    def fact(self, name: str) -> str:
        """'views_30d' -> 'views in the last 30 days'; a fact without a label keeps its name, which is what
        a rule author reads in the lint and rule-test messages of a pack that gives no words."""
        label = self.facts.get(name)
        return label if label is not None else name

    def operator(self, op: str) -> str:
        """'>=' -> 'at least'."""
        label = self.operators.get(op)
        return label if label is not None else OPERATOR_WORDS.get(op, op)

    def value(self, fact: str, value: Any) -> str:
        """A value of `fact` in words: its label when the pack gives one ('personal' -> 'a personal account'), a
        list as 'a, b or c', anything else as `show` writes it."""
        if isinstance(value, (tuple, list)):
            if not (self.facts or self.operators or self.values):
                return show(tuple(value))  # a pack without words: as its author wrote it, 'a, b'
            words = [self.value(fact, item) for item in value]
            return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " or " + words[-1] if words else ""
        labels = self.values.get(fact)
        if labels is not None and isinstance(value, str) and value in labels:
            return labels[value]
        return show(value)

    def merged(self, other: "Labels") -> "Labels":
        """These labels with `other`'s laid over them, key by key."""
        values = {fact: dict(words) for fact, words in self.values.items()}
        for fact, words in other.values.items():
            values.setdefault(fact, {}).update(words)
        return Labels({**self.facts, **other.facts}, {**self.operators, **other.operators}, values)


NO_LABELS = Labels()

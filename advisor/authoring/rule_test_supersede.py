"""Which failing rule tests an overlay has overruled: tests that follow the overlay.

An agency that lowers Creator Rewards to 5,000 followers in its overlay means the default pack's test "a
9,999-follower creator is one follower short" to stop holding; if that test failed the run, no overlay could ever
pass CI. So a test of an earlier pack folder that fails on the combined pack is *superseded* when both hold:

- what its failed expectations are about (a programme's gate rule, a rule, a category's rules) depends, through
  the conditions, asserted facts and thresholds they read, on a threshold or rule a later folder replaced with a
  different definition; and
- the test passes on the pack it was written for (the folders up to its own), so the failure is the overlay's
  doing and not a fault of the earlier pack.

Anything else that fails still fails. The dependency walk is static (the pack's own structure); the second check
runs the test once more, only for the few tests that fail.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable

from advisor.authoring.rule_test_results import Replacement, RuleTestResult
from advisor.errors import AdvisorError
from engine import EngineError, Rule, RulePack, ThresholdRef, leaves

if TYPE_CHECKING:  # pragma: no cover
    from advisor.authoring.rule_test_files import RuleTest


def rule_folder_of(rule: Rule, folders: list[Path]) -> int | None:
    """The index of the pack folder a rule of the combined pack was written in (None if it was not read from one)."""
    if rule.origin is None:
        return None
    parent = Path(rule.origin.document.file).parent.resolve()
    for index in range(len(folders) - 1, -1, -1):
        if folders[index].resolve() == parent:
            return index
    return None


class Supersession:
    """Decides, for failing tests, whether a later overlay overruled them (see the module docstring)."""

    def __init__(self, folders: list[Path], pack: RulePack):
        self.folders = folders
        self.pack = pack
        index = {str(folder): position for position, folder in enumerate(folders)}
        # Replacements that changed something, with the index of the folder that made them.
        self.replacements: list[tuple[int, Replacement]] = []
        for kind, name, overlay in pack.replaced:
            previous = pack.previous.get((kind, name, overlay))
            current = pack.defined_by(kind, name, overlay)
            if previous is not None and current is not None and previous == current:
                continue  # copied unchanged: it cannot be why a test fails
            self.replacements.append((index.get(overlay, len(folders)), Replacement(Path(overlay).name, kind, name)))
        self.producers: dict[str, list[Rule]] = {}
        for rule in pack.rules.values():
            for fact, _ in rule.asserts:
                self.producers.setdefault(fact, []).append(rule)
        self._own_packs: dict[int, Any] = {}

    def review(self, result: RuleTestResult, test: RuleTest, owner: int,
               judge: Callable[[Any, Any, RulePack], RuleTestResult]) -> RuleTestResult:
        """`result` marked superseded when an overlay after folder `owner` overruled it, else unchanged."""
        later = [item for position, item in self.replacements if position > owner]
        if not later or result.error is not None:
            return result
        depends = set()
        for kind, name in result.subjects:
            depends |= self.dependencies(kind, name)
        found = tuple(dict.fromkeys(item for item in later if (item.kind, item.name) in depends))
        if not found:
            return result
        own = self._own_advisor(owner)
        if own is None:
            return result
        try:
            plan = own.advise(test.profile, as_of=test.as_of)
            passes_on_its_own_pack = judge(test, plan, own.pack).passed
        except (AdvisorError, EngineError, KeyError):
            return result  # the test does not even hold on its own pack: a failure of that pack
        return replace(result, superseded_by=found) if passes_on_its_own_pack else result

    def dependencies(self, kind: str, name: str) -> set[tuple[str, str]]:
        """Every rule and threshold the verdict on a programme, rule or category can depend on."""
        rules = self.pack.rules
        if kind == "program":
            todo = [rule for rule in rules.values() if rule.gate == name]
        elif kind == "rule":
            todo = [rules[name]] if name in rules else []
        else:
            todo = [rule for rule in rules.values() if rule.category == name]
        found: set[tuple[str, str]] = set()
        while todo:
            rule = todo.pop()
            if ("rule", rule.id) in found:
                continue
            found.add(("rule", rule.id))
            for leaf in leaves(rule.when):
                found.update(("threshold", threshold) for threshold in leaf.threshold_names())
                todo.extend(self.producers.get(leaf.fact, ()))
            found.update(("threshold", value.name) for _, value in rule.asserts if isinstance(value, ThresholdRef))
        return found

    def _own_advisor(self, owner: int) -> Any:
        if owner not in self._own_packs:
            from advisor.api import Advisor

            try:
                self._own_packs[owner] = Advisor(self.folders[:owner + 1])
            except (AdvisorError, EngineError):
                self._own_packs[owner] = None  # an earlier folder alone may not load (it relies on the later ones)
        return self._own_packs[owner]


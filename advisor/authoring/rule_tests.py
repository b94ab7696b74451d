"""Rule tests: experts check their own rules by stating, for a profile, the verdicts they expect.

A rule pack is advice written by people who know the domain, not the code; the way they know a change to a threshold
or a condition did what they meant is to pin down examples ("a 9,999-follower creator is one follower short of
Creator Rewards") and run them, as semgrep's rule tests and `opa test` let policy authors do. Each test runs the
whole pack (with its overlays) on one profile through the same `Advisor` the CLI uses, and reports what was
`missed` (expected, absent) and what was `unexpected` (present, ruled out), with the reason in the rules' own
terms: the unmet requirements of a programme, the conditions of a rule that did not hold, or why a rule fired.
The report also lists the rules no test exercises, so a pack's tests can be held to cover all of it.

The format is in docs/rule-tests.md; reading and checking the files is rule_test_files.py.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

from advisor.api import Advisor, RulesInput, load_rules, rule_folders
from advisor.authoring.rule_test_files import RuleTestFile, find_test_files, read_test_files
from advisor.authoring.rule_test_report import format_report
from advisor.authoring.rule_test_results import PackCoverage, RuleTestReport, RuleTestResult, judge, judge_refusal
from advisor.authoring.rule_test_supersede import Supersession, rule_folder_of
from advisor.errors import AdvisorError, ProfileRefusedError, RuleTestError
from engine import EngineError, Problem, RulePack

__all__ = ["PackCoverage", "RuleTestFile", "RuleTestReport", "RuleTestResult", "discover", "format_report",
           "run_rule_tests"]

Folders = Sequence[str | os.PathLike]


def discover(folders: RulesInput, *, test_folders: Folders | None = None,
             pack: RulePack | None = None) -> list[RuleTestFile]:
    """The checked test files of the pack folders' `tests/` (and of `test_folders`), their names checked against
    `pack` (default: the pack the folders make; None means the default pack). Raises RuleTestError with every
    problem found."""
    folders = rule_folders(folders)
    pack = pack if pack is not None else load_rules(folders)
    paths, problems = find_test_files(folders, test_folders)
    if problems:
        raise RuleTestError(problems)
    return read_test_files(paths, pack)


def run_rule_tests(folders: RulesInput, *, overlays: RulesInput = None, test_folders: Folders | None = None,
                   only: str | os.PathLike | None = None, pattern: str | None = None,
                   min_coverage: float | None = None, engine: str | None = None) -> RuleTestReport:
    """Load the pack of `folders` with `overlays` on top (None: the default pack) once and run the tests found
    for it, every one against the combined pack, evaluated by `engine` ("durable" or "python"; None: the default,
    see load_rules).

    A test of an earlier folder that fails because a later folder replaced a threshold or rule it depends on (and
    that passes on the pack it was written for) is superseded, not failed: the overlay meant that change.
    `only` runs the tests of that one pack folder (it must be one of the folders loaded); `pattern` keeps the
    tests whose name contains it (case-insensitive); `min_coverage` is the percentage of its rules each folder
    whose tests ran must see exercised.

    Raises RuleTestError for unusable test files or options and the engine's RulePackError for an unusable pack;
    a test whose plan fails (say a rule's text cannot render for its profile) is a failed test, not an exception.
    """
    folders = rule_folders(folders, overlays)
    pack = load_rules(folders, engine=engine)
    scope = _scope(folders, only)
    paths, problems = find_test_files([folders[index] for index in scope], test_folders if only is None else None)
    if problems:
        raise RuleTestError(problems)
    files = read_test_files(paths, pack)
    advisor = Advisor(pack=pack)
    supersession = Supersession(folders, pack)
    results = []
    exercised: set[str] = set()
    needle = pattern.casefold() if pattern else None
    for file in files:
        owner = _owner(file.path, folders)
        for test in file.tests:
            if needle is not None and needle not in test.name.casefold():
                continue
            exercised |= test.expect.named_rules()
            try:
                plan = advisor.advise(test.profile, as_of=test.as_of)
            except ProfileRefusedError as error:
                exercised |= error.rules
                results.append(replace(judge_refusal(test, error), pack=str(folders[owner])))
                continue
            except (AdvisorError, EngineError) as error:
                results.append(RuleTestResult(test.name, test.file, test.line, False, error=str(error),
                                              pack=str(folders[owner])))
                continue
            if test.expect.refused:
                results.append(RuleTestResult(test.name, test.file, test.line, False, ("refused",), (),
                                              ("a plan was made for the profile",), pack=str(folders[owner])))
                continue
            exercised |= plan.outcome.fired_ids
            result = replace(judge(test, plan, pack), pack=str(folders[owner]))
            if not result.passed:
                result = supersession.review(result, test, owner, judge)
            results.append(result)
    coverage = tuple(_coverage(pack, folders, index, exercised) for index in scope)
    in_scope = {rule_id for item in coverage for rule_id in item.rules} if only is not None else set(pack.rules)
    uncovered = tuple(rule_id for rule_id in pack.rules if rule_id not in exercised and rule_id in in_scope)
    return RuleTestReport(tuple(results), tuple(file.path for file in files), uncovered, coverage,
                          min_coverage, pattern)


def _scope(folders: list[Path], only: str | os.PathLike | None) -> list[int]:
    """The indexes of the folders whose tests run: all, or the one `only` names."""
    if only is None:
        return list(range(len(folders)))
    wanted = Path(only).resolve()
    for index, folder in enumerate(folders):
        if folder.resolve() == wanted:
            return [index]
    loaded = ", ".join(str(folder) for folder in folders)
    raise RuleTestError([Problem(str(only), None, None, f"--only names a folder that is not part of the pack "
                                                        f"(loaded: {loaded}); add it with --overlay")])


def _owner(path: Path, folders: list[Path]) -> int:
    """The index of the pack folder a test file belongs to: the folder whose tests/ holds it; a file from an
    extra --tests folder belongs to the last (topmost) folder."""
    parent = path.parent.parent.resolve()
    for index in range(len(folders) - 1, -1, -1):
        if folders[index].resolve() == parent:
            return index
    return len(folders) - 1


def _coverage(pack: RulePack, folders: list[Path], index: int, exercised: set[str]) -> PackCoverage:
    folder = folders[index]
    owned = tuple(rule_id for rule_id, rule in pack.rules.items() if rule_folder_of(rule, folders) == index)
    name = pack.infos[index].name if index < len(pack.infos) else folder.name
    return PackCoverage(str(folder), name, owned, tuple(rule_id for rule_id in owned if rule_id not in exercised))

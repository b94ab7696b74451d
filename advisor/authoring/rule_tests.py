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
from dataclasses import dataclass, replace
from pathlib import Path

from advisor.api import Advisor, RulesInput, load_rules, rule_folders
from advisor.authoring.rule_test_explain import fired_because, not_fired_because, unmet_requirements, why_not_status
from advisor.authoring.rule_test_files import RuleTest, RuleTestFile, find_test_files, read_test_files
from advisor.authoring.rule_test_report import format_report
from advisor.authoring.rule_test_supersede import Replacement, Supersession, rule_folder_of
from advisor.errors import AdvisorError, ProfileRefusedError, RuleTestError
from advisor.plan.model import Plan
from engine import EngineError, Problem, RulePack

__all__ = ["PackCoverage", "RuleTestFile", "RuleTestReport", "RuleTestResult", "discover", "format_report",
           "run_rule_tests"]

Folders = Sequence[str | os.PathLike]


@dataclass(frozen=True)
class RuleTestResult:
    """The verdict on one test. `missed`: expected items that are absent; `unexpected`: items present that the
    test rules out; `explanation`: why, in the rules' terms; `error`: the plan could not be made at all.
    `subjects`: the programmes (gates), rules and categories whose expectations failed. `superseded_by`: the later
    overlays' replacements the failure comes from, when the test is a default one an overlay has overruled (it
    then does not count as failed). `pack`: the folder whose tests/ holds the test."""

    name: str
    file: str
    line: int | None
    passed: bool
    missed: tuple[str, ...] = ()
    unexpected: tuple[str, ...] = ()
    explanation: tuple[str, ...] = ()
    error: str | None = None
    subjects: tuple[tuple[str, str], ...] = ()
    superseded_by: tuple[Replacement, ...] = ()
    pack: str = ""

    @property
    def where(self) -> str:
        return f"{self.file}:{self.line}" if self.line is not None else self.file

    @property
    def outcome(self) -> str:
        """passed, failed or superseded."""
        if self.passed:
            return "passed"
        return "superseded" if self.superseded_by else "failed"


@dataclass(frozen=True)
class PackCoverage:
    """How many of the rules one pack folder contributes to the combined pack its tests' runs exercised."""

    folder: str
    name: str
    rules: tuple[str, ...]
    uncovered: tuple[str, ...]

    @property
    def exercised(self) -> int:
        return len(self.rules) - len(self.uncovered)

    @property
    def percent(self) -> float:
        """Exercised rules as a percentage (100 for a folder with no rules: there is nothing left to test)."""
        return 100.0 * self.exercised / len(self.rules) if self.rules else 100.0


@dataclass(frozen=True)
class RuleTestReport:
    """Every test's result in file order, the files read, the rules no test exercises (of the folders whose tests
    ran), and coverage
    per pack folder (the folders whose tests ran). `min_coverage`, when set, is the percentage every one of those
    folders must reach; `pattern` is the -k filter that chose the tests."""

    results: tuple[RuleTestResult, ...]
    files: tuple[Path, ...]
    uncovered_rules: tuple[str, ...]
    coverage: tuple[PackCoverage, ...] = ()
    min_coverage: float | None = None
    pattern: str | None = None

    @property
    def passed(self) -> int:
        return sum(1 for result in self.results if result.passed)

    @property
    def superseded(self) -> int:
        return sum(1 for result in self.results if result.outcome == "superseded")

    @property
    def failed(self) -> int:
        return sum(1 for result in self.results if result.outcome == "failed")

    @property
    def below_coverage(self) -> tuple[PackCoverage, ...]:
        """The folders under --min-coverage."""
        if self.min_coverage is None:
            return ()
        return tuple(item for item in self.coverage if item.percent < self.min_coverage)

    @property
    def ok(self) -> bool:
        """No test failed and every folder reached the coverage floor (a run with no tests is not ok: it proves
        nothing, and neither does a run whose every test was superseded)."""
        return self.passed > 0 and self.failed == 0 and not self.below_coverage


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


def judge_refusal(test: RuleTest, error: ProfileRefusedError) -> RuleTestResult:
    """A refused profile: the test passes when it expected the refusal and the rules it names fired for it."""
    if not test.expect.refused:
        return RuleTestResult(test.name, test.file, test.line, False, error=str(error))
    missed = tuple(f"fires {rule_id}" for rule_id in test.expect.fires if rule_id not in error.rules)
    unexpected = tuple(f"fires {rule_id}" for rule_id in test.expect.does_not_fire if rule_id in error.rules)
    return RuleTestResult(test.name, test.file, test.line, not missed and not unexpected, missed, unexpected,
                          (str(error),) if missed or unexpected else ())


def judge(test: RuleTest, plan: Plan, pack: RulePack) -> RuleTestResult:
    """Compare one plan with one test's expectations."""
    expect = test.expect
    missed: list[str] = []
    unexpected: list[str] = []
    why: list[str] = []
    subjects: list[tuple[str, str]] = []  # what each failed expectation is about, for superseding
    programs = {item.program: item for item in plan.eligibility}
    for program in expect.eligible:
        item = programs[program]
        if not item.eligible:
            reasons = unmet_requirements(item)
            missed.append(f"eligible {program} (status {item.status}"
                          + (f": {'; '.join(check for check, _ in reasons)})" if reasons else ")"))
            why += [f"{program} needs {text}" for _, text in reasons]
            subjects.append(("program", program))
    for program in expect.not_eligible:
        if programs[program].eligible:
            unexpected.append(f"eligible {program}")
            why += [f"{program}: every requirement is met: "
                    + "; ".join(check.text for check in programs[program].requirements)]
            subjects.append(("program", program))
    for program, status in expect.status:
        item = programs[program]
        if item.status != status:
            missed.append(f"status {program} {status} (is {item.status})")
            why += why_not_status(item, status)
            subjects.append(("program", program))
    fired = plan.outcome.fired_ids
    for rule_id in expect.fires:
        if rule_id not in fired:
            missed.append(f"fires {rule_id}")
            why += not_fired_because(pack.rules[rule_id], plan.outcome)
            subjects.append(("rule", rule_id))
    for rule_id in expect.does_not_fire:
        if rule_id in fired:
            unexpected.append(f"fires {rule_id}")
            why += fired_because(pack.rules[rule_id], plan.outcome)
            subjects.append(("rule", rule_id))
    categories = {item.category for item in plan.recommendations}
    for category in expect.categories:
        if category not in categories:
            missed.append(f"category {category}")
            why.append("recommendation categories present: " + (", ".join(sorted(categories)) or "none"))
            subjects.append(("category", category))
    recommended = {item.rule for item in plan.recommendations}
    for rule_id in expect.recommendations:
        if rule_id not in recommended:
            missed.append(f"recommendation {rule_id}")
            if rule_id not in expect.fires:  # already explained under fires
                why += not_fired_because(pack.rules[rule_id], plan.outcome)
            subjects.append(("rule", rule_id))
    passed = not missed and not unexpected
    return RuleTestResult(test.name, test.file, test.line, passed, tuple(missed), tuple(unexpected),
                          tuple(dict.fromkeys(why)), subjects=tuple(dict.fromkeys(subjects)))

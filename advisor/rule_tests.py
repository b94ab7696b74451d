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
from dataclasses import dataclass
from pathlib import Path

from engine import EngineError, RulePack

from .api import Advisor, RulesInput, load_rules, rule_folders
from .errors import AdvisorError, ProfileRefusedError, RuleTestError
from .plan import Plan
from .rule_test_explain import fired_because, not_fired_because, unmet_requirements, why_not_status
from .rule_test_files import RuleTest, RuleTestFile, find_test_files, read_test_files

__all__ = ["RuleTestFile", "RuleTestReport", "RuleTestResult", "discover", "format_report", "run_rule_tests"]

Folders = Sequence[str | os.PathLike]


@dataclass(frozen=True)
class RuleTestResult:
    """The verdict on one test. `missed`: expected items that are absent; `unexpected`: items present that the
    test rules out; `explanation`: why, in the rules' terms; `error`: the plan could not be made at all."""

    name: str
    file: str
    line: int | None
    passed: bool
    missed: tuple[str, ...] = ()
    unexpected: tuple[str, ...] = ()
    explanation: tuple[str, ...] = ()
    error: str | None = None

    @property
    def where(self) -> str:
        return f"{self.file}:{self.line}" if self.line is not None else self.file


@dataclass(frozen=True)
class RuleTestReport:
    """Every test's result in file order, the files read, and the pack's rules that no test exercises."""

    results: tuple[RuleTestResult, ...]
    files: tuple[Path, ...]
    uncovered_rules: tuple[str, ...]

    @property
    def passed(self) -> int:
        return sum(1 for result in self.results if result.passed)

    @property
    def failed(self) -> int:
        return len(self.results) - self.passed

    @property
    def ok(self) -> bool:
        """Every test passed (a run with no tests is not ok: it proves nothing)."""
        return bool(self.results) and self.failed == 0


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


def run_rule_tests(folders: RulesInput, *, test_folders: Folders | None = None,
                   engine: str | None = None) -> RuleTestReport:
    """Load the pack of `folders` (overlays in order; None: the default pack) once and run every test found for it,
    evaluated by `engine` ("durable" or "python"; None: the default, see load_rules).

    Raises RuleTestError for unusable test files and the engine's RulePackError for an unusable pack; a test whose
    plan fails (say a rule's text cannot render for its profile) is a failed test, not an exception.
    """
    folders = rule_folders(folders)
    pack = load_rules(folders, engine=engine)
    files = discover(folders, test_folders=test_folders, pack=pack)
    advisor = Advisor(pack=pack)
    results = []
    exercised: set[str] = set()
    for test in (test for file in files for test in file.tests):
        exercised |= test.expect.named_rules()
        try:
            plan = advisor.advise(test.profile, as_of=test.as_of)
        except ProfileRefusedError as error:
            exercised |= error.rules
            results.append(judge_refusal(test, error))
            continue
        except (AdvisorError, EngineError) as error:
            results.append(RuleTestResult(test.name, test.file, test.line, False, error=str(error)))
            continue
        if test.expect.refused:
            results.append(RuleTestResult(test.name, test.file, test.line, False, ("refused",), (),
                                          ("a plan was made for the profile",)))
            continue
        exercised |= plan.outcome.fired_ids
        results.append(judge(test, plan, pack))
    uncovered = tuple(rule_id for rule_id in pack.rules if rule_id not in exercised)
    return RuleTestReport(tuple(results), tuple(file.path for file in files), uncovered)


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
    programs = {item.program: item for item in plan.eligibility}
    for program in expect.eligible:
        item = programs[program]
        if not item.eligible:
            reasons = unmet_requirements(item)
            missed.append(f"eligible {program} (status {item.status}"
                          + (f": {'; '.join(check for check, _ in reasons)})" if reasons else ")"))
            why += [f"{program} needs {text}" for _, text in reasons]
    for program in expect.not_eligible:
        if programs[program].eligible:
            unexpected.append(f"eligible {program}")
            why += [f"{program}: every requirement is met: "
                    + "; ".join(check.text for check in programs[program].requirements)]
    for program, status in expect.status:
        item = programs[program]
        if item.status != status:
            missed.append(f"status {program} {status} (is {item.status})")
            why += why_not_status(item, status)
    fired = plan.outcome.fired_ids
    for rule_id in expect.fires:
        if rule_id not in fired:
            missed.append(f"fires {rule_id}")
            why += not_fired_because(pack.rules[rule_id], plan.outcome)
    for rule_id in expect.does_not_fire:
        if rule_id in fired:
            unexpected.append(f"fires {rule_id}")
            why += fired_because(pack.rules[rule_id], plan.outcome)
    categories = {item.category for item in plan.recommendations}
    for category in expect.categories:
        if category not in categories:
            missed.append(f"category {category}")
            why.append("recommendation categories present: " + (", ".join(sorted(categories)) or "none"))
    recommended = {item.rule for item in plan.recommendations}
    for rule_id in expect.recommendations:
        if rule_id not in recommended:
            missed.append(f"recommendation {rule_id}")
            if rule_id not in expect.fires:  # already explained under fires
                why += not_fired_because(pack.rules[rule_id], plan.outcome)
    passed = not missed and not unexpected
    return RuleTestResult(test.name, test.file, test.line, passed, tuple(missed), tuple(unexpected),
                          tuple(dict.fromkeys(why)))


def format_report(report: RuleTestReport) -> str:
    """The text `creator-advisor rules test` prints: a line per test, the failures' details, a summary line, and
    the rules no test exercises."""
    lines = []
    if not report.files:
        lines.append("No rule tests found.")
    for result in report.results:
        if result.passed:
            lines.append(f"PASS {result.name}")
            continue
        lines.append(f"FAIL {result.name} ({result.where})")
        if result.error:
            lines.append(f"    error: {result.error}")
        lines += [f"    missed: {item}" for item in result.missed]
        lines += [f"    unexpected: {item}" for item in result.unexpected]
        lines += [f"      because {text}" for text in result.explanation]
    lines.append(f"{report.passed} passed, {report.failed} failed")
    if report.uncovered_rules:
        lines.append("Rules no test exercises: " + ", ".join(report.uncovered_rules))
    else:
        lines.append("Every rule is exercised by a test.")
    return "\n".join(lines) + "\n"

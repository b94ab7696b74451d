"""What a rule-test run finds: each test's verdict (`judge`: one plan against one test's expectations), the
coverage of each pack folder, the whole run's report, and the overlays' replacements that can supersede a
failure. The runner (rule_tests), the supersession check (rule_test_supersede) and the report formats
(rule_test_report) all work on these.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from advisor.authoring.rule_test_explain import fired_because, not_fired_because, unmet_requirements, why_not_status
from advisor.authoring.rule_test_files import RuleTest
from advisor.errors import ProfileRefusedError
from advisor.plan.model import Plan
from engine import RulePack


@dataclass(frozen=True)
class Replacement:
    """One definition an overlay folder replaced: `kind` is "threshold" or "rule"."""

    overlay: str
    kind: str
    name: str

    def describe(self) -> str:
        return f"{self.kind} {self.name} {'changed' if self.kind == 'threshold' else 'replaced'}"


def describe_supersession(replacements: tuple[Replacement, ...]) -> str:
    """`superseded by my-agency (threshold creator_rewards.min_followers changed)`, one clause per overlay."""
    by_overlay: dict[str, list[str]] = {}
    for item in replacements:
        by_overlay.setdefault(item.overlay, []).append(item.describe())
    return "superseded by " + "; ".join(f"{overlay} ({', '.join(what)})" for overlay, what in by_overlay.items())


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

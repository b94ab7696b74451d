"""Reading rule-test files: a pack's `tests/*.yaml`, each a list of profiles and the verdicts an expert expects.

Rule tests are written by the same domain experts who write the rules, so a mistake in one must be reported like a
mistake in a rule: the file, line and column, what was expected, and the closest known name. A test that names a
programme or rule the pack does not have would otherwise pass or fail for the wrong reason (an `expcet` key or a
misspelt rule id silently expecting nothing), so every name is checked against the loaded pack before anything runs,
and every problem of every file is gathered into one `RuleTestError`. The format is in docs/rule-tests.md; its
schema is data, in schemas/rule_test.schema.json.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from advisor.errors import ProfileError, RuleTestError
from advisor.profile.model import Profile
from advisor.profile.reading import profile_from_document
from engine import Problem, RulePack, SourceError
from engine.documents import LocatedDocument, did_you_mean, format_path, load_yaml_file, schema_errors

TEST_FOLDER = "tests"
TEST_SUFFIXES = (".yaml", ".yml")
STATUSES = ("eligible", "not_eligible", "unknown", "not_offered", "closed")
LIST_KEYS = ("eligible", "not_eligible", "fires", "does_not_fire", "categories", "recommendations")
# Pairs of expectations that cannot both hold for one name.
_CONTRADICTIONS = (("eligible", "not_eligible", "both eligible and not eligible"),
                   ("fires", "does_not_fire", "both to fire and not to fire"),
                   ("recommendations", "does_not_fire", "both to give a recommendation and not to fire"))


@dataclass(frozen=True)
class Expectations:
    """What one test expects; every name has been checked against the pack."""

    eligible: tuple[str, ...] = ()
    not_eligible: tuple[str, ...] = ()
    status: tuple[tuple[str, str], ...] = ()
    fires: tuple[str, ...] = ()
    does_not_fire: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    recommendations: tuple[str, ...] = ()
    refused: bool = False  # the advisor must refuse the profile: no plan is made

    def named_rules(self) -> set[str]:
        """Rule ids the test names, which count as exercised whether it expects them to fire or not."""
        return {*self.fires, *self.does_not_fire, *self.recommendations}


@dataclass(frozen=True)
class RuleTest:
    """One checked test: its name, where it is written, the profile and as_of, and the expectations."""

    name: str
    file: str
    line: int | None
    profile: Profile
    as_of: dt.date | None
    expect: Expectations
    note: str | None = None


@dataclass(frozen=True)
class RuleTestFile:
    """One file of an expert's rule tests (a pack's tests/*.yaml): where it is, and its tests in file order."""
    path: Path
    tests: tuple[RuleTest, ...]


def find_test_files(folders: Sequence[str | os.PathLike[str]],
                    test_folders: Sequence[str | os.PathLike[str]] | None = None) -> tuple[list[Path], list[Problem]]:
    """The test files: every pack folder's `tests/` (absent is fine), then each folder of `test_folders` (which
    must exist), each in name order, without repeats."""
    places = [(Path(folder) / TEST_FOLDER, False) for folder in folders]
    places += [(Path(folder), True) for folder in test_folders or ()]
    found: list[Path] = []
    seen: set[Path] = set()
    problems = []
    for folder, required in places:
        if not folder.is_dir():
            if required:
                problems.append(Problem(str(folder), None, None, "rule test folder not found"))
            continue
        for path in sorted(folder.iterdir()):
            is_test = path.is_file() and path.suffix in TEST_SUFFIXES and not path.name.startswith(".")
            if is_test and path.resolve() not in seen:
                seen.add(path.resolve())
                found.append(path)
    return found, problems


def read_test_files(paths: Iterable[Path], pack: RulePack) -> list[RuleTestFile]:
    """Read and check every file against `pack`; raise RuleTestError with every problem of every file."""
    files, problems = [], []
    for path in paths:
        reader = _FileReader(path, pack)
        tests = reader.read()
        problems += sorted(reader.problems, key=lambda problem: (problem.line or 0, problem.column or 0))
        files.append(RuleTestFile(path, tests))
    if problems:
        raise RuleTestError(problems)
    return files


class _FileReader:
    """Checks one test file: the schema first, then what only the pack and the profile contract can tell."""

    def __init__(self, path: Path, pack: RulePack):
        self.path = path
        self.pack = pack
        self.problems: list[Problem] = []
        self.document = LocatedDocument(str(path), None, {}, {})
        self.programs = [rule.gate for rule in pack.gate_rules() if rule.gate]
        self.categories = sorted({rule.category for rule in pack.rules.values() if rule.advice is not None})

    def read(self) -> tuple[RuleTest, ...]:
        try:
            self.document = load_yaml_file(self.path)
        except SourceError as error:
            self.problems.append(error.problem)
            return ()
        data = self.document.data
        broken: set[int] = set()
        for path, problem in schema_errors(self.document, "advisor", "rule_test.schema.json"):
            self.problems.append(self._in_test(problem, path))
            if len(path) >= 2 and path[0] == "tests" and isinstance(path[1], int):
                broken.add(path[1])
        if not isinstance(data, dict) or not isinstance(data.get("tests"), list):
            return ()
        tests: list[RuleTest] = []
        first_line: dict[Any, int | None] = {}
        for index, raw in enumerate(data["tests"]):
            line = self.document.mark(("tests", index))[0]
            name = raw.get("name") if isinstance(raw, dict) else None
            if isinstance(name, str) and name in first_line:
                self.report(index, ("name",), f"the name {name!r} is used twice in this file "
                                              f"(first at line {first_line[name]})")
            first_line.setdefault(name, line)
            if index in broken:
                continue
            test = self.test(index, raw, line)
            if test is not None:
                tests.append(test)
        return tuple(tests)

    def report(self, index: int, path: tuple[Any, ...], message: str, key: bool = False) -> None:
        full = ("tests", index) + path
        self.problems.append(self._in_test(self.document.problem(full, message, key=key), full))

    def _in_test(self, problem: Problem, path: tuple[Any, ...]) -> Problem:
        """The breadcrumb of a problem inside a test names the test: `test 'name': expect.fires[0]`."""
        tests = self.document.data.get("tests") if isinstance(self.document.data, dict) else None
        if len(path) < 2 or path[0] != "tests" or not isinstance(tests, list) or not isinstance(path[1], int):
            return problem
        name = tests[path[1]].get("name") if isinstance(tests[path[1]], dict) else None
        label = f"test {name!r}" if isinstance(name, str) else format_path(path[:2])
        rest = format_path(path[2:])
        return replace(problem, path=f"{label}: {rest}" if rest else label)

    def test(self, index: int, raw: dict[str, Any], line: int | None) -> RuleTest | None:
        before = len(self.problems)
        expect = self.expectations(index, raw["expect"])
        as_of = raw.get("as_of")
        as_of = dt.date.fromisoformat(as_of) if isinstance(as_of, str) else as_of
        profile = self.profile(index, raw, as_of)
        if profile is None or len(self.problems) > before:
            return None
        return RuleTest(raw["name"], str(self.path), line, profile, as_of, expect, raw.get("note"))

    def expectations(self, index: int, raw: dict[str, Any]) -> Expectations:
        rules, programs, categories = self.pack.rules, self.programs, self.categories
        known: dict[str, tuple[str, Collection[str]]] = {
            "eligible": ("programme", programs), "not_eligible": ("programme", programs), "fires": ("rule", rules),
            "does_not_fire": ("rule", rules), "recommendations": ("rule", rules),
            "categories": ("recommendation category", categories)}
        for key in LIST_KEYS:
            what, names = known[key]
            for position, name in enumerate(raw.get(key, ())):
                where = ("expect", key, position)
                if name not in names:
                    listed = f" (known: {', '.join(names)})" if what != "rule" else ""
                    self.report(index, where, f"unknown {what} {name!r}{did_you_mean(name, names)}{listed}")
                elif key == "recommendations" and rules[name].advice is None:
                    self.report(index, where, f"rule {name!r} gives no advice, so it is never a recommendation; "
                                              "expect it under 'fires'")
        for name in raw.get("status", {}):
            if name not in programs:
                self.report(index, ("expect", "status", name), f"unknown programme {name!r}"
                            f"{did_you_mean(name, programs)} (known: {', '.join(programs)})", key=True)
        status = dict(raw.get("status", {}))
        for first, second, words in _CONTRADICTIONS:
            for position, name in enumerate(raw.get(second, ())):
                if name in raw.get(first, ()):
                    self.report(index, ("expect", second, position), f"{name!r} is expected {words}")
        for key, agrees in (("eligible", lambda s: s == "eligible"), ("not_eligible", lambda s: s != "eligible")):
            for position, name in enumerate(raw.get(key, ())):
                if name in status and not agrees(status[name]):
                    self.report(index, ("expect", key, position),
                                f"{name!r} is expected {key.replace('_', ' ')} but its status is expected "
                                f"to be {status[name]!r}")
        return Expectations(**{key: tuple(raw.get(key, ())) for key in LIST_KEYS},
                            status=tuple(status.items()), refused=raw.get("refused", False) is True)

    def profile(self, index: int, raw: dict[str, Any], as_of: dt.date | None) -> Profile | None:
        if ("profile" in raw) == ("profile_file" in raw):
            both = "profile" in raw
            self.report(index, ("profile_file",) if both else (), "give the profile inline (profile) or as a file "
                        "(profile_file)" + (", not both" if both else ""), key=both)
            return None
        inline = "profile" in raw
        if inline:
            document = _sub_document(self.document, ("tests", index, "profile"))
        else:
            target = Path(os.path.normpath(self.path.parent / raw["profile_file"]))
            if not target.is_file():
                self.report(index, ("profile_file",), f"profile file not found: {target}")
                return None
            try:
                document = load_yaml_file(target)
            except SourceError as error:
                self.problems.append(_about_test(error.problem, raw["name"], self.path, self.document, index))
                return None
        if as_of is None and not (isinstance(document.data, dict) and "as_of" in document.data):
            self.report(index, (), "neither the test nor its profile gives as_of: add one so the test judges the "
                                   "same day every time it runs")
            return None
        try:
            return profile_from_document(document, as_of=as_of)
        except ProfileError as error:
            for problem in error.problems:
                if inline:
                    path = ("tests", index, "profile") + ((problem.path,) if problem.path else ())
                    self.problems.append(self._in_test(problem, path))
                else:
                    self.problems.append(_about_test(problem, raw["name"], self.path, self.document, index))
            return None


def _sub_document(document: LocatedDocument, prefix: tuple[Any, ...]) -> LocatedDocument:
    """The mapping at `prefix` as a document of its own that keeps the marks of the file it sits in."""
    data: Any = document.data
    for part in prefix:
        data = data[part]
    size = len(prefix)
    values = {path[size:]: mark for path, mark in document.value_marks.items() if path[:size] == prefix}
    keys = {path[size:]: mark for path, mark in document.key_marks.items() if path[:size] == prefix}
    return LocatedDocument(document.file, data, values, keys)


def _about_test(problem: Problem, name: str, path: Path, document: LocatedDocument, index: int) -> Problem:
    """A problem in a test's profile file, saying which test uses it."""
    line = document.mark(("tests", index, "profile_file"))[0]
    return replace(problem, message=f"{problem.message} (the profile of test {name!r}, {path}:{line})")

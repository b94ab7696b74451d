"""A rule-test run for people and for CI: the terminal text, JSON, and JUnit XML.

The text is what an expert reads (a line per test, the reasons under a failure). CI systems read JUnit XML (GitLab,
GitHub Actions reporters, Jenkins show each test and its failure) or JSON (`opa test --format json` is the model),
so an agency can gate a merge on its overlay's tests and show which one broke. All three say the same things:
passed, failed, superseded (a default test an overlay overruled, shown as skipped in JUnit), coverage per pack.
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ElementTree
from typing import TYPE_CHECKING, Any

from advisor.authoring.rule_test_results import describe_supersession

if TYPE_CHECKING:  # pragma: no cover
    from advisor.authoring.rule_test_results import PackCoverage, RuleTestReport, RuleTestResult

REPORT_FORMATS = ("text", "json", "junit")


def render_report(report: RuleTestReport, fmt: str = "text") -> str:
    """The report in one of REPORT_FORMATS."""
    if fmt == "json":
        return json.dumps(report_dict(report), indent=2, ensure_ascii=False) + "\n"
    if fmt == "junit":
        return junit_xml(report)
    return format_report(report)


def _coverage_line(item: PackCoverage) -> str:
    if not item.rules:
        return f"{item.name} ({item.folder}): no rules of its own (thresholds only)"
    return (f"{item.name} ({item.folder}): {item.exercised} of {len(item.rules)} rules exercised "
            f"({item.percent:.0f}%)")


def format_report(report: RuleTestReport) -> str:
    """The text `creator-advisor rules test` prints: a line per test, the failures' details, a summary line, the
    rules no test exercises, and coverage per pack when several packs ran or a floor was set."""
    lines = []
    if not report.files:
        lines.append("No rule tests found.")
    elif not report.results and report.pattern is not None:
        lines.append(f"No rule test name contains {report.pattern!r}.")
    for result in report.results:
        if result.passed:
            lines.append(f"PASS {result.name}")
            continue
        if result.superseded_by:
            lines.append(f"SUPERSEDED {result.name} ({result.where}): {describe_supersession(result.superseded_by)}")
            continue
        lines.append(f"FAIL {result.name} ({result.where})")
        if result.error:
            lines.append(f"    error: {result.error}")
        lines += [f"    missed: {item}" for item in result.missed]
        lines += [f"    unexpected: {item}" for item in result.unexpected]
        lines += [f"      because {text}" for text in result.explanation]
    summary = f"{report.passed} passed, {report.failed} failed"
    if report.superseded:
        summary += f", {report.superseded} superseded by overlays"
    lines.append(summary)
    if report.uncovered_rules:
        lines.append("Rules no test exercises: " + ", ".join(report.uncovered_rules))
    else:
        lines.append("Every rule is exercised by a test.")
    if len(report.coverage) > 1 or report.min_coverage is not None:
        lines += ["Coverage: " + _coverage_line(item) for item in report.coverage]
    for item in report.below_coverage:
        lines.append(f"Coverage of {item.name} is {item.percent:.0f}% ({item.exercised} of {len(item.rules)} rules), "
                     f"under --min-coverage {report.min_coverage:g}")
    return "\n".join(lines) + "\n"


def _result_dict(result: RuleTestResult) -> dict[str, Any]:
    return {"name": result.name, "file": result.file, "line": result.line, "pack": result.pack,
            "outcome": result.outcome, "missed": list(result.missed), "unexpected": list(result.unexpected),
            "because": list(result.explanation), "error": result.error,
            "superseded_by": [{"overlay": item.overlay, "kind": item.kind, "name": item.name}
                              for item in result.superseded_by]}


def report_dict(report: RuleTestReport) -> dict[str, Any]:
    """The JSON document of `rules test --format json` (keys documented in docs/rule-tests.md)."""
    return {
        "ok": report.ok,
        "summary": {"passed": report.passed, "failed": report.failed, "superseded": report.superseded,
                    "total": len(report.results)},
        "filter": report.pattern,
        "min_coverage": report.min_coverage,
        "coverage": [{"pack": item.name, "folder": item.folder, "rules": len(item.rules),
                      "exercised": item.exercised, "percent": round(item.percent, 2),
                      "uncovered": list(item.uncovered),
                      "below_min": item in report.below_coverage} for item in report.coverage],
        "uncovered_rules": list(report.uncovered_rules),
        "files": [str(path) for path in report.files],
        "tests": [_result_dict(result) for result in report.results],
    }


def junit_xml(report: RuleTestReport) -> str:
    """JUnit XML: a testsuite per test file, a testcase per test (failure, or skipped when superseded), and one
    testcase per pack for the coverage floor when --min-coverage is set."""
    root = ElementTree.Element("testsuites", name="creator-advisor rules test", tests=str(len(report.results)),
                               failures=str(report.failed), skipped=str(report.superseded))
    suites: dict[str, ElementTree.Element] = {}
    counts: dict[str, list[int]] = {}
    for result in report.results:
        suite = suites.get(result.file)
        if suite is None:
            suite = suites[result.file] = ElementTree.SubElement(root, "testsuite", name=result.file)
            counts[result.file] = [0, 0, 0]
        count = counts[result.file]
        count[0] += 1
        case = ElementTree.SubElement(suite, "testcase", name=result.name, classname=result.pack or result.file,
                                      file=result.file)
        if result.line is not None:
            case.set("line", str(result.line))
        if result.outcome == "superseded":
            count[2] += 1
            ElementTree.SubElement(case, "skipped", message=describe_supersession(result.superseded_by))
        elif result.outcome == "failed":
            count[1] += 1
            details = ([f"error: {result.error}"] if result.error else []) + \
                [f"missed: {item}" for item in result.missed] + \
                [f"unexpected: {item}" for item in result.unexpected] + \
                [f"  because {text}" for text in result.explanation]
            failure = ElementTree.SubElement(case, "failure", message=(details or ["failed"])[0])
            failure.text = "\n".join(details)
    for name, suite in suites.items():
        tests, failures, skipped = counts[name]
        suite.set("tests", str(tests))
        suite.set("failures", str(failures))
        suite.set("skipped", str(skipped))
    if report.min_coverage is not None:
        suite = ElementTree.SubElement(root, "testsuite", name="coverage", tests=str(len(report.coverage)),
                                       failures=str(len(report.below_coverage)), skipped="0")
        for item in report.coverage:
            case = ElementTree.SubElement(suite, "testcase", name=f"coverage of {item.name}",
                                          classname=item.folder)
            if item in report.below_coverage:
                failure = ElementTree.SubElement(case, "failure", message=f"{item.percent:.0f}% of rules exercised, "
                                                 f"under --min-coverage {report.min_coverage:g}")
                failure.text = "no test exercises " + ", ".join(item.uncovered)
        root.set("tests", str(len(report.results) + len(report.coverage)))
        root.set("failures", str(report.failed + len(report.below_coverage)))
    ElementTree.indent(root)
    return '<?xml version="1.0" encoding="utf-8"?>\n' + ElementTree.tostring(root, encoding="unicode") + "\n"

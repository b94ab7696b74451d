"""Why a rule test failed, in the rules' own terms, so the author can tell a wrong rule from a wrong expectation.

A bare "expected content.steady_cadence to fire" sends the author to a debugger; "posts_per_week below 3 does not
hold (posts_per_week is 4.2)" tells them at once whether the profile or the threshold is off. The verdicts come
from the engine; this module only re-reads them: a programme's requirement checks as the plan reports them, and a
rule's conditions through engine.explain's `holds` and `describe` on the facts and thresholds of that evaluation.
"""

from __future__ import annotations

from advisor.plan.model import ProgramEligibility
from engine import Condition, Outcome, RequirementCheck, Rule, describe, holds, leaves, reasons
from engine.templating import words as show

# For an unmet comparison: the word that says how the actual value falls short of the required one.
_SHORT_OF = {">=": "below", ">": "not above", "<=": "above", "<": "not below", "!=": "is", "between": "not between"}


def shortfall(check: RequirementCheck) -> str:
    """An unmet requirement, short: `views_30d 62,300 below 100,000`, `age unknown`, `country CA not one of US, GB`."""
    if not check.in_force or check.fact is None:
        return check.text
    if check.met is None:
        return f"{check.fact} unknown"
    actual, required = show(check.actual), show(check.required)
    if check.operator == "==":
        return f"{check.fact} is {actual}, not {required}"
    if check.operator == "in":
        return f"{check.fact} {actual} not one of {required}"
    if check.operator == "exists":
        return f"{check.fact} unknown"
    return f"{check.fact} {actual} {_SHORT_OF[check.operator]} {required}"


def requirement_line(check: RequirementCheck) -> str:
    """An unmet requirement, in full: `views_30d at least 100,000 (has 62,300)`."""
    if not check.in_force:
        return check.text
    if check.met is None:
        return f"{check.text} (not in the profile)"
    if check.fact is None:
        return f"{check.text} (not met)"
    return f"{check.text} (has {show(check.actual)})"


def unmet_requirements(item: ProgramEligibility) -> list[tuple[str, str]]:
    """(short, full) for every requirement of a programme that is not met: failed, unknown, or not in force."""
    return [(shortfall(check), requirement_line(check)) for check in item.requirements
            if check.met is not True or not check.in_force]


def why_not_status(item: ProgramEligibility, expected: str) -> list[str]:
    """Why a programme has another status than the one expected."""
    if item.status == "eligible":
        return [f"{item.program}: every requirement is met: "
                + "; ".join(check.text for check in item.requirements)]
    lines = [f"{item.program} needs {full}" for _, full in unmet_requirements(item)]
    if expected == "closed" and item.status != "closed":
        lines.append(f"{item.program}: every requirement's threshold is in force on this date")
    return lines


def not_fired_because(rule: Rule, outcome: Outcome) -> list[str]:
    """Each condition of a rule (each item of a top-level `all`) that did not hold, with the facts it reads."""
    facts, values = outcome.all_facts, outcome.thresholds
    lines = []
    for condition in rule.requirements:
        if not holds(condition, facts, values):
            lines.append(f"{rule.id}: {_plain(describe(condition, values))} does not hold ({_actual(condition, facts)})")
    return lines or [f"{rule.id}: its conditions hold on the final facts, yet it did not fire"]


def fired_because(rule: Rule, outcome: Outcome) -> list[str]:
    """Why a rule fired: the comparisons that made its conditions true, with the actual values."""
    found = reasons(rule.when, outcome.all_facts, outcome.thresholds)
    return [f"{rule.id} fired: " + "; ".join(found)] if found else [f"{rule.id} fired"]


def _actual(condition: Condition, facts: dict) -> str:
    shown = []
    for name in dict.fromkeys(leaf.fact for leaf in leaves(condition)):
        value = facts.get(name)
        shown.append(f"{name} is unknown" if value is None else f"{name} is {show(value)}")
    return ", ".join(shown)


def _plain(text: str) -> str:
    """`describe` brackets compound conditions; one bracketed condition reads better without them."""
    return text[1:-1] if text.startswith("(") and text.endswith(")") and text.count("(") == 1 else text

"""Assembling the plan: a profile, its facts and the engine's outcome become what the creator reads.

The engine decides (which rules fired, which gates passed); this module only arranges those decisions for people:
programmes with their requirements and progress, engagement against the benchmark, what likes are and are not
worth, the next follower milestone, and the prioritised actions. `Plan.to_dict()` is the stable JSON contract
described in docs/plan-json.md.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any, Mapping

from advisor.profile.model import Profile
from engine import JSON_SCALARS, AdviceItem, Outcome, RequirementCheck, json_data

SCHEMA_VERSION = 1
TOOL_NAME = "creator-advisor"

# Derived facts the default pack's engagement rules assert; the plan reads them by these names.
ENGAGEMENT_FACTS = ("engagement_tier", "engagement_benchmark", "engagement_band", "engagement_level")


@dataclass(frozen=True)
class ProgramEligibility:
    """One programme's verdict and the requirement checks behind it."""

    program: str
    name: str
    eligible: bool
    status: str  # eligible | not_eligible | unknown | not_offered | closed
    requirements: tuple[RequirementCheck, ...]
    note: str | None = None
    reason: str | None = None  # for not_offered: why, in words ("not offered in Vietnam")

    @property
    def summary(self) -> str:
        met = sum(1 for check in self.requirements if check.met)
        total = len(self.requirements)
        if self.status == "closed":
            return "not available on this date"
        if self.status == "not_offered":
            return self.reason or "not offered to this account"
        unknown = sum(1 for check in self.requirements if check.met is None)
        text = f"{met} of {total} requirements met"
        return text + (f", {unknown} unknown" if unknown else "")

    def to_dict(self) -> dict[str, Any]:
        requirements = [requirement_dict(check) for check in self.requirements]
        if self.status == "not_offered":  # nothing to close: no gap and no progress is shown for any requirement
            for data in requirements:
                data["gap"] = data["progress"] = None
        return {"program": self.program, "name": self.name, "eligible": self.eligible, "status": self.status,
                "summary": self.summary, "note": self.note, "reason": self.reason, "requirements": requirements}


def requirement_dict(check: RequirementCheck) -> dict[str, Any]:
    """A requirement check as the plan's JSON data (the engine's RequirementCheck.to_data: a copy per plan)."""
    return check.to_data()


Recommendation = AdviceItem  # a fired rule's advice, rendered: rule, category, priority, title, text, because


def recommendation_dict(item: AdviceItem) -> dict[str, Any]:
    """A rendered advice item as the plan's JSON data (`recommendations[]` in docs/plan-json.md)."""
    return {"rule": item.rule, "category": item.category, "priority": item.priority, "title": item.title,
            "text": item.text, "because": list(item.because)}


@dataclass(frozen=True)
class Plan:
    """A creator's plan. Read its fields, or call `to_dict()` for the JSON contract (schema_version 1)."""

    profile: Profile
    as_of: dt.date
    pack_name: str
    pack_version: str
    tool_version: str
    metrics: Mapping[str, Any]
    engagement: Mapping[str, Any]
    eligibility: tuple[ProgramEligibility, ...]
    earnings: Mapping[str, Any]
    growth: Mapping[str, Any]
    recommendations: tuple[Recommendation, ...]
    outcome: Outcome = field(repr=False)
    warnings: tuple[str, ...] = ()
    # The derived facts the rule pack declares for its host (pack.host_reads) that this evaluation asserted.
    conclusions: Mapping[str, Any] = field(default_factory=dict)
    engine: str = ""  # the engine that evaluated the rules: "durable" or "python"

    def program(self, program_id: str) -> ProgramEligibility:
        """The verdict for one programme id (KeyError when the pack has no such programme)."""
        for item in self.eligibility:
            if item.program == program_id:
                return item
        raise KeyError(program_id)

    @property
    def eligible_programs(self) -> list[str]:
        return [item.program for item in self.eligibility if item.eligible]

    def to_dict(self) -> dict[str, Any]:
        return {
            "schema_version": SCHEMA_VERSION,
            "generator": {"name": TOOL_NAME, "version": self.tool_version, "engine": self.engine,
                          "rule_pack": {"name": self.pack_name, "version": self.pack_version}},
            "as_of": self.as_of.isoformat(),
            "profile": self.profile.to_dict(),
            "metrics": json_data(dict(self.metrics)),
            "engagement": json_data(dict(self.engagement)),
            "eligibility": [item.to_dict() for item in self.eligibility],
            "earnings": json_data(dict(self.earnings)),
            "growth": json_data(dict(self.growth)),
            "recommendations": [recommendation_dict(item) for item in self.recommendations],
            "trace": [{"rule": firing.rule, "fired": True, "layer": firing.layer,
                       "matched": {name: value if type(value) in JSON_SCALARS else json_data(value)
                                   for name, value in firing.matched.items()}} for firing in self.outcome.fired],
            "warnings": list(self.warnings),
            "conclusions": json_data(dict(self.conclusions)),
        }


def program_status(passed: bool, checks: tuple[RequirementCheck, ...]) -> str:
    """eligible; closed when a threshold is not in force; not_offered when a scope requirement (market, age,
    account type) is unmet, since no gap can be closed there; unknown when some requirement is unknown and none is
    unmet; else not_eligible. One pass over the checks: a plan decides this for every programme."""
    if passed:
        return "eligible"
    unknown = unmet = outside = False
    for check in checks:
        if not check.in_force:
            return "closed"
        if check.met is None:
            unknown = True
        elif check.met is False:
            unmet = True
            outside = outside or check.scope
    if outside:
        return "not_offered"
    return "unknown" if unknown and not unmet else "not_eligible"

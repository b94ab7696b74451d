"""Turning one evaluation into a Plan: eligibility, engagement, earnings, growth, actions and warnings.

Every number shown here comes from the profile's facts or from the rule pack's thresholds (with their sources);
nothing is decided here that the rules did not decide. Where the pack lacks a threshold this module needs (say an
overlay removed the earnings ranges), the section says less rather than inventing a figure.
"""

from __future__ import annotations

from typing import Any, Mapping

from advisor.plan.facts import METRIC_FACTS
from advisor.plan.metrics import growth_projection, recent_pace
from advisor.plan.model import ENGAGEMENT_FACTS, Plan, ProgramEligibility, Recommendation, program_status
from advisor.plan.offer import not_offered_reason
from advisor.profile.model import Profile
from engine import Outcome, RulePack, ThresholdRef

# Conclusions of the default pack the plan acts on (declared in its pack.host_reads): TikTok is not available in
# the creator's country (one verdict, no programme advice); advice of category `warning` joins the plan's warnings.
PLATFORM_UNAVAILABLE = "platform_unavailable"
BELOW_MINIMUM_AGE = "below_minimum_age"
AVAILABILITY_CATEGORY = "availability"
WARNING_CATEGORY = "warning"

TIERS = ("nano", "micro", "mid", "macro", "mega")

# Facts the profile does not hold itself, and what to add to the profile so they can be worked out.
_PROFILE_SOURCE = {
    "account_age_days": "joined (the day the account was created)",
    "engagement_level": "views_30d with likes_30d, comments_30d and shares_30d (or recent videos)",
    "engagement_rate": "views_30d with likes_30d, comments_30d and shares_30d (or recent videos)",
}
_METRIC_NAMES = tuple(spec.name for spec in METRIC_FACTS)


def assemble_plan(pack: RulePack, profile: Profile, facts: Mapping[str, Any], outcome: Outcome,
                  tool_version: str) -> Plan:
    """The plan a creator reads, from the engine's outcome: each programme's verdict and requirement checks
    (in the pack's order), the rendered advice by priority, engagement against its benchmark, earnings and growth.
    Decides nothing itself: every verdict is the engine's."""
    advice = pack.render_advice(outcome)
    flagged = [f"{item.title}: {item.text}" for item in advice if item.category == WARNING_CATEGORY]
    recommendations = tuple(item for item in advice if item.category != WARNING_CATEGORY)
    unavailable = outcome.all_facts.get(PLATFORM_UNAVAILABLE) is True
    eligibility = tuple(_eligibility(pack, outcome))
    if unavailable:  # one verdict: nothing of TikTok can be joined there, so no programme is assessed
        why = next((item.title for item in recommendations if item.category == AVAILABILITY_CATEGORY),
                   "TikTok is not available in this country")
        eligibility = tuple(ProgramEligibility(item.program, item.name, False, "not_offered", (), item.note, why)
                            for item in eligibility)
        recommendations = tuple(item for item in recommendations if item.category == AVAILABILITY_CATEGORY)
    return Plan(
        profile=profile, as_of=outcome.on, pack_name=pack.name, pack_version=pack.version,
        tool_version=tool_version, engine=pack.engine,
        metrics={name: facts[name] for name in _METRIC_NAMES if name in facts},
        engagement=_engagement(pack, outcome, recommendations),
        eligibility=eligibility,
        earnings=_earnings(outcome, eligibility, recommendations),
        growth=_growth(profile, eligibility, {} if unavailable else outcome.thresholds,
                       facts.get("follower_growth_30d")),
        recommendations=recommendations,
        outcome=outcome,
        warnings=tuple(flagged + _warnings(profile, eligibility)),
        conclusions={PLATFORM_UNAVAILABLE: True} if unavailable else _conclusions(pack, outcome),
    )


def refusal(pack: RulePack, outcome: Outcome) -> str | None:
    """Why no plan can be made for this profile (the pack concluded `below_minimum_age`), in the words of the rule
    that concluded it; None when a plan can be made."""
    if outcome.derived.get(BELOW_MINIMUM_AGE) is not True:
        return None
    rules = {firing.rule for firing in outcome.fired
             if any(name == BELOW_MINIMUM_AGE for name, _ in pack.rules[firing.rule].asserts)}
    texts = [f"{item.title}. {item.text}" for item in pack.render_advice(outcome) if item.rule in rules]
    return texts[0] if texts else "the creator is younger than the platform allows: no plan can be made"


def _conclusions(pack: RulePack, outcome: Outcome) -> dict[str, Any]:
    """The derived facts the pack declares for its host (pack.host_reads), as this evaluation asserted them."""
    declared = dict.fromkeys(name for info in pack.infos for name in info.host_reads)
    return {name: outcome.derived[name] for name in declared if name in outcome.derived}


def _eligibility(pack: RulePack, outcome: Outcome) -> list[ProgramEligibility]:
    results = []
    country = outcome.facts.get("country")
    for rule in pack.gate_rules():
        program = rule.gate or ""  # a gate rule always names its gate
        gate = outcome.gates[program]
        status = program_status(gate.passed, gate.requirements)
        results.append(ProgramEligibility(
            program=program, name=pack.render_title(rule, outcome), eligible=gate.passed,
            status=status, requirements=gate.requirements, note=rule.note,
            reason=not_offered_reason(gate.outside, country) if status == "not_offered" else None))
    return results


def _asserting_threshold(pack: RulePack, outcome: Outcome, fact: str) -> str | None:
    """The threshold whose value a fired rule copied into `fact`, for its source."""
    for firing in outcome.fired:
        for name, value in pack.rules[firing.rule].asserts:
            if name == fact and isinstance(value, ThresholdRef):
                return value.name
    return None


def _engagement(pack: RulePack, outcome: Outcome, recommendations: tuple[Recommendation, ...]) -> dict[str, Any]:
    facts = outcome.all_facts
    tier, benchmark, band, level = (facts.get(name) for name in ENGAGEMENT_FACTS)
    source = None
    threshold_name = _asserting_threshold(pack, outcome, "engagement_benchmark")
    if threshold_name:
        entry = pack.thresholds[threshold_name].resolve(outcome.country, outcome.on)
        source = f"{entry.source}, {entry.as_of.isoformat()}" if entry else None
    return {
        "rate": facts.get("engagement_rate"),
        "rate_by_followers": facts.get("engagement_rate_followers"),
        "tier": tier,
        "benchmark": benchmark,
        "benchmark_band": band,
        "benchmark_source": source,
        "verdict": level or "unknown",
        "patterns": [{"rule": item.rule, "title": item.title, "text": item.text}
                     for item in recommendations if item.category == "engagement"],
    }


def _earnings(outcome: Outcome, eligibility: tuple[ProgramEligibility, ...],
              recommendations: tuple[Recommendation, ...]) -> dict[str, Any]:
    facts, values = outcome.all_facts, outcome.thresholds
    eligible = {item.program for item in eligibility if item.eligible}
    # A programme the creator cannot join (not offered to them, or closed) gets no estimate: no price for a minor's
    # brand deal, no pay-per-view figure where Creator Rewards does not run.
    barred = {item.program for item in eligibility if item.status in ("not_offered", "closed")}
    estimates = []

    def per_thousand(program: str, views_fact: str, low_name: str, high_name: str, what: str) -> None:
        views, low, high = facts.get(views_fact), values.get(low_name), values.get(high_name)
        if views is None or low is None or high is None or program in barred:
            return
        estimates.append({"program": program, "low": round(views / 1000 * low, 2),
                          "high": round(views / 1000 * high, 2), "currency": "USD", "period": "month",
                          "basis": f"{views:,} {what} at ${low:.2f}–${high:.2f} per 1,000",
                          "applies": program in eligible})

    per_thousand("creator_rewards", "qualified_views_30d", "earnings.creator_rewards.rpm_low",
                 "earnings.creator_rewards.rpm_high", "views on videos over a minute in 30 days (an upper bound: "
                 "only qualified For You views, 5 seconds or more, unique and not paid, earn)")
    if any(item.program == "creator_fund" and item.status != "closed" for item in eligibility):
        per_thousand("creator_fund", "views_30d", "earnings.creator_fund.rpm_low", "earnings.creator_fund.rpm_high",
                     "views in 30 days")
    tier = facts.get("engagement_tier")
    if tier in TIERS:
        low = values.get(f"earnings.sponsored_post.{tier}.low")
        high = values.get(f"earnings.sponsored_post.{tier}.high")
        if low is not None and "brand_sponsorships" not in barred:
            estimates.append({"program": "brand_sponsorships", "low": low, "high": high, "currency": "USD",
                              "period": "post", "basis": f"typical fee for one sponsored post by a {tier} creator",
                              "applies": "brand_sponsorships" in eligible})
    likes_note = next((item.text for item in recommendations
                       if item.category == "earnings" and "likes" in item.rule), None)
    return {"likes_note": likes_note, "estimates": estimates}


def _growth(profile: Profile, eligibility: tuple[ProgramEligibility, ...],
            thresholds: Mapping[str, Any], gained_30d: int | None = None) -> dict[str, Any]:
    """The next follower count that opens a programme (or, past them all, the next milestone of the pack's
    `growth.follower_milestones`), and when the current growth reaches it.

    One projection for the whole plan: where the followers gained in the last 30 days are known (the
    `follower_growth_30d` fact the growth advice counts its "days away" from), the pace is that gain over 30 days;
    only without it is the line through the whole history used."""
    followers = profile.followers
    unlocks: dict[int, list[str]] = {}
    for item in eligibility:
        if item.status in ("not_offered", "closed"):
            continue  # more followers open nothing that is not offered to this creator, or not running on the date
        for check in item.requirements:
            if check.fact == "followers" and check.operator in (">=", ">") and check.in_force \
                    and isinstance(check.required, int) and check.required > followers:
                unlocks.setdefault(check.required, []).append(item.program)
    for value in thresholds.get("growth.follower_milestones") or ():
        if isinstance(value, int) and value > followers:
            unlocks.setdefault(value, [])
    milestone = min(unlocks) if unlocks else None
    daily: float | None
    projected: Any
    if gained_30d is not None:
        daily, projected = recent_pace(profile.as_of, followers, gained_30d, milestone)
    else:
        daily, projected = growth_projection(profile, milestone) if milestone else (None, None)
        if milestone is None and profile.history:
            daily, _ = growth_projection(profile, followers + 1)
    return {"followers": followers, "next_milestone": milestone,
            "milestone_unlocks": unlocks.get(milestone, []) if milestone else [],
            "followers_to_go": milestone - followers if milestone else None,
            "daily_growth": daily, "projected_date": projected}


def _warnings(profile: Profile, eligibility: tuple[ProgramEligibility, ...]) -> list[str]:
    warnings = []
    if profile.as_of_assumed:
        warnings.append(f"The profile gives no as_of, so its numbers were taken as read today "
                        f"({profile.as_of.isoformat()}): add as_of, the day you read them, for a plan judged on "
                        "the right date.")
    missing: dict[str, list[str]] = {}
    for item in eligibility:
        for check in item.requirements:
            if check.met is None and check.fact:
                missing.setdefault(check.fact, []).append(item.program)
    for fact, programs in missing.items():
        source = _PROFILE_SOURCE.get(fact, fact)
        warnings.append(f"{fact} is unknown, so {', '.join(dict.fromkeys(programs))} could not be judged on it: "
                        f"add {source} to the profile for a verdict.")
    if not profile.videos and profile.views_30d is None:
        warnings.append("The profile gives no views and no videos: engagement, earnings and content advice "
                        "that depend on views could not be worked out.")
    elif profile.views_30d is None and all(video.views is None for video in profile.videos or ()):
        warnings.append("The profile's videos carry no view counts (TikTok's data export has none): engagement, "
                        "earnings and content advice that depend on views could not be worked out.")
    # What an importer could not tell (advisor.profile.importers): the data export's missing views, a short video list.
    imported = profile.annotations.get("x-import-warnings")
    if isinstance(imported, (list, tuple)):
        warnings.extend(str(text) for text in imported if isinstance(text, str) and text not in warnings)
    return warnings

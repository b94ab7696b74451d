"""Markets, ages and account types across EVERY programme, generated from the pack's own data.

The cases below are not a sample: they are read from the loaded pack (its member lists of markets with their dates,
its age thresholds with every country override, its account-type requirements) and from the list of every ISO
3166-1 country, so the suite proves the whole table as shipped. An expert who adds a market, moves a date or adds
an age override gets the new cases without writing them.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Iterator

import pycountry
import pytest

from advisor.api import advise, load_rules, render
from advisor.errors import ProfileRefusedError
from advisor.reports.summary import terminal_summary
from advisor.values import country_name
from engine.model import Leaf

AS_OF = dt.date(2026, 11, 20)
PACK = load_rules()
GATES = {rule.gate: rule for rule in PACK.gate_rules()}
ALL_COUNTRIES = sorted(country.alpha_2 for country in pycountry.countries)
UNAVAILABLE = PACK.thresholds["tiktok.unavailable_countries"]


def creator(**overrides: Any) -> dict[str, Any]:
    """An adult with a personal account who meets every target of every programme (60,000 followers clear South
    Korea's 50,000 for Creator Marketplace), engaging at the benchmark, with an account older than any programme."""
    data: dict[str, Any] = {"handle": "table_case", "age": 30, "country": "US", "account_type": "personal",
                            "followers": 60_000, "views_30d": 400_000, "likes_30d": 26_000, "comments_30d": 2_000,
                            "shares_30d": 2_000, "posts_30d": 16, "niche": "baking", "joined": "2016-09-01"}
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def scoped(program: str, fact: str) -> Leaf | None:
    """The programme's scope requirement on `fact` (market, age, account type), if it has one."""
    for condition in GATES[program].requirements:
        if isinstance(condition, Leaf) and condition.fact == fact and condition.scope:
            return condition
    return None


def check_of(plan, program: str, fact: str):
    return next(check for check in plan.program(program).requirements if check.fact == fact)


# --- markets ---------------------------------------------------------------------------------------------------------

MARKET_PROGRAMMES = sorted(program for program in GATES if scoped(program, "country"))
UNLISTED_PROGRAMMES = sorted(program for program in GATES if scoped(program, "country") is None)


def markets(program: str):
    return PACK.thresholds[scoped(program, "country").threshold]


def member_dates() -> Iterator[tuple[str, str, dt.date | None, dt.date | None]]:
    for program in MARKET_PROGRAMMES:
        for country, entry in markets(program).members:
            yield program, country, entry.valid_from, entry.valid_until


def test_the_programmes_with_a_market_list_are_the_ones_tiktok_lists():
    assert MARKET_PROGRAMMES == ["creator_fund", "creator_rewards", "shop_affiliate", "subscription"]
    assert UNLISTED_PROGRAMMES == ["affiliate_marketing", "brand_sponsorships", "creator_marketplace", "live_gifts",
                                   "series"]


@pytest.mark.parametrize("program, country, start, end", list(member_dates()),
                         ids=[f"{p}-{c}" for p, c, _, _ in member_dates()])
def test_every_market_opens_on_its_start_and_closes_on_its_end(program, country, start, end):
    """Inside its dates a market's requirement is met, in force and cites the market's own source; the day before
    it opens and from the day it closes the programme is not open there."""
    entry = markets(program).member(country)
    inside = start or dt.date(2025, 1, 1)
    if end is not None and inside >= end:
        inside = end - dt.timedelta(days=1)
    plan = advise(creator(country=country), as_of=inside)
    market = check_of(plan, program, "country")
    assert (market.met, market.in_force, market.source, market.url) == (True, True, entry.source, entry.url)
    assert plan.program(program).status not in ("not_offered", "closed")
    for day in ([start - dt.timedelta(days=1)] if start else []) + ([end] if end else []):
        if day < dt.date(2016, 9, 2):
            continue
        outside = advise(creator(country=country), as_of=day).program(program)
        assert outside.status == "closed" and not outside.eligible, (program, country, day)


def outside_cases() -> Iterator[tuple[str, str]]:
    for program in MARKET_PROGRAMMES:
        listed = {country for country, _ in markets(program).members}
        for country in ALL_COUNTRIES:
            if country not in listed and UNAVAILABLE.member(country) is None:
                yield program, country


@pytest.mark.parametrize("program", MARKET_PROGRAMMES)
def test_every_country_outside_a_programmes_markets_is_told_not_offered_with_no_gap(program):
    """All ISO countries, one plan each: "not offered in <country>", never a gap or progress to close."""
    on = dt.date(2023, 6, 1) if program == "creator_fund" else AS_OF
    countries = [country for name, country in outside_cases() if name == program]
    assert len(countries) > 200
    for country in countries:
        plan = advise(creator(country=country, followers=8_000), as_of=on)
        item = plan.program(program)
        assert item.status == "not_offered", (program, country)
        assert item.reason == f"not offered in {country_name(country)}"
        assert all(r["gap"] is None and r["progress"] is None for r in item.to_dict()["requirements"])
        assert program not in plan.growth["milestone_unlocks"]
        assert all(estimate["program"] != program for estimate in plan.earnings["estimates"])


@pytest.mark.parametrize("program", UNLISTED_PROGRAMMES)
def test_a_programme_without_a_published_market_list_is_judged_wherever_tiktok_is_available(program):
    for country in ALL_COUNTRIES:
        if UNAVAILABLE.member(country) is None:
            assert advise(creator(country=country), as_of=AS_OF).program(program).reason is None or \
                "not offered in" not in advise(creator(country=country), as_of=AS_OF).program(program).reason


@pytest.mark.parametrize("program", MARKET_PROGRAMMES)
def test_an_unknown_country_stays_cannot_tell(program):
    on = dt.date(2023, 6, 1) if program == "creator_fund" else AS_OF
    plan = advise(creator(country=None), as_of=on)
    assert plan.program(program).status == "unknown"
    assert check_of(plan, program, "country").met is None
    assert any(warning.startswith("country is unknown") for warning in plan.warnings)


# --- where TikTok is not available -----------------------------------------------------------------------------------

@pytest.mark.parametrize("country", [country for country, _ in UNAVAILABLE.members])
def test_where_tiktok_is_blocked_the_plan_is_one_verdict_and_no_programme_advice(country):
    entry = UNAVAILABLE.member(country)
    plan = advise(creator(country=country), as_of=AS_OF)
    verdict = f"TikTok is not available in {country_name(country)}"
    assert {(item.status, item.reason, item.requirements) for item in plan.eligibility} == \
        {("not_offered", verdict, ())}
    assert [item.rule for item in plan.recommendations] == ["platform.tiktok_unavailable"]
    assert plan.earnings["estimates"] == [] and plan.growth["next_milestone"] is None
    assert dict(plan.conclusions) == {"platform_unavailable": True}
    for fmt in ("md", "html"):
        assert verdict in render(plan, fmt)
    if entry.valid_from is not None:  # before the block, the programmes are judged as anywhere else
        before = advise(creator(country=country), as_of=entry.valid_from - dt.timedelta(days=1))
        assert "platform.tiktok_unavailable" not in {item.rule for item in before.recommendations}
        assert before.program("live_gifts").status == "eligible"


# --- ages by country ---------------------------------------------------------------------------------------------------

AGE_PROGRAMMES = sorted(program for program in GATES if scoped(program, "age"))


def age_cases() -> Iterator[tuple[str, str, int]]:
    """Every programme with an age rule, for the base value and every country override of its threshold."""
    for program in AGE_PROGRAMMES:
        threshold = PACK.thresholds[scoped(program, "age").threshold]
        on = dt.date(2023, 6, 1) if program == "creator_fund" else AS_OF
        codes = ["US" if program != "creator_fund" else "GB"] + [code for code, _ in threshold.countries]
        for country in codes:
            entry = threshold.resolve(country, on)
            if program in MARKET_PROGRAMMES and markets(program).member(country) is None:
                continue  # the programme is not offered there at all: the market says so first
            yield program, country, entry.value


def test_every_programme_has_an_age_rule():
    assert AGE_PROGRAMMES == sorted(GATES)


@pytest.mark.parametrize("program, country, age", list(age_cases()),
                         ids=[f"{p}-{c}-{a}" for p, c, a in age_cases()])
def test_one_year_under_a_programmes_age_is_not_offered_yet_and_never_drawn_as_progress(program, country, age):
    on = dt.date(2023, 6, 1) if program == "creator_fund" else AS_OF
    under = advise(creator(country=country, age=age - 1), as_of=on)
    item = under.program(program)
    assert (item.status, item.reason) == ("not_offered", f"opens at {age}")
    requirement = next(r for r in item.to_dict()["requirements"] if r["fact"] == "age")
    assert (requirement["met"], requirement["gap"], requirement["progress"]) == (False, None, None)
    assert advise(creator(country=country, age=age), as_of=on).program(program).status == "eligible"


def test_korea_is_19_for_every_programme_tiktok_runs_there():
    plan = advise(creator(country="KR", age=18), as_of=AS_OF)
    assert {item.program: item.reason for item in plan.eligibility if item.status == "not_offered"} == {
        "creator_rewards": "opens at 19", "live_gifts": "opens at 19", "subscription": "opens at 19",
        "creator_marketplace": "opens at 19", "series": "opens at 19", "brand_sponsorships": "opens at 19",
        "affiliate_marketing": "opens at 19", "shop_affiliate": "not offered in South Korea"}


# --- creators under 18, and under 13 ----------------------------------------------------------------------------------

BRAND_PUSHES = {"program.brand_sponsorships", "program.affiliate_marketing", "program.shop_affiliate",
                "engagement.above_benchmark", "earnings.sponsored_post_nano", "earnings.sponsored_post_micro",
                "earnings.sponsored_post_mid", "earnings.sponsored_post_macro", "earnings.sponsored_post_mega"}


def minor_cases() -> Iterator[tuple[str, int]]:
    for country in ("US", "KR"):
        adult = PACK.resolve_thresholds(country, AS_OF)["minors.adult_age"]
        for age in range(PACK.resolve_thresholds(country, AS_OF)["tiktok.min_age"], adult):
            yield country, age


@pytest.mark.parametrize("country, age", list(minor_cases()), ids=[f"{c}-{a}" for c, a in minor_cases()])
def test_a_minor_gets_a_plan_for_now_and_for_18_with_no_brand_pricing_pitching_or_affiliate_push(country, age):
    plan = advise(creator(country=country, age=age, followers=50_000,
                          likes_30d=40_000), as_of=AS_OF)  # well above the benchmark: a brand pitch for an adult
    rules = [item.rule for item in plan.recommendations]
    assert rules[0] == "minors.plan" and not BRAND_PUSHES & set(rules)
    text = plan.recommendations[0].text
    assert "parent or guardian" in text and "What you can do now" in text
    assert all(estimate["program"] != "brand_sponsorships" for estimate in plan.earnings["estimates"])
    assert all(item.status in ("not_offered", "closed") for item in plan.eligibility)
    for item in plan.to_dict()["eligibility"]:
        assert all(r["progress"] is None for r in item["requirements"] if r["fact"] == "age")
    for fmt in ("md", "html"):
        report = render(plan, fmt)
        assert "years of age (" not in report and "more years of age" not in report
        assert "$350" not in report and "Pitch brands" not in report


@pytest.mark.parametrize("age", range(0, 13))
def test_under_13_is_refused_with_a_clear_message(age):
    with pytest.raises(ProfileRefusedError) as caught:
        advise(creator(age=age), as_of=AS_OF)
    assert str(caught.value) == (
        f"<profile>: age: TikTok accounts start at 13. The profile gives an age of {age}, and TikTok only allows "
        "accounts from 13 (younger children may only use a separate, limited experience where it exists). This "
        "tool makes no plan for creators under 13.")


# --- business accounts -------------------------------------------------------------------------------------------------

ACCOUNT_PROGRAMMES = sorted(program for program in GATES if scoped(program, "account_type"))


@pytest.mark.parametrize("country", ["US", "GB", "VN", "DE"])
def test_a_business_account_is_told_what_a_personal_account_opens_and_costs(country):
    business = advise(creator(country=country, account_type="business"), as_of=AS_OF)
    personal = advise(creator(country=country), as_of=AS_OF)
    assert ACCOUNT_PROGRAMMES == ["creator_marketplace", "creator_rewards"]
    for program in ACCOUNT_PROGRAMMES:
        if personal.program(program).status == "not_offered":  # not offered there for other reasons
            assert "only for personal accounts" in business.program(program).reason
            continue
        assert business.program(program).reason == "only for personal accounts, not business accounts"
        assert personal.program(program).status == "eligible"
    advice = next(item for item in business.recommendations if item.rule == "account.business_to_personal")
    assert "Switching to a personal account" in advice.text and "You would lose Web Business Suite" in advice.text
    if personal.program("creator_rewards").status == "not_offered":
        assert f"not offered in {country_name(country)} anyway" in advice.text
    assert "account.business_to_personal" not in {item.rule for item in personal.recommendations}


# --- plausibility warnings, in every format ----------------------------------------------------------------------------

WARNING_CASES = {
    "no_as_of": (dict(), "The profile gives no as_of"),
    "stale_videos": (dict(as_of="2026-11-20", videos=[{"posted": "2026-09-01", "views": 900}]),
                     "The newest video is over 30 days old"),
    "engagement_over_views": (dict(as_of="2026-11-20", likes_30d=500_000), "More likes, comments and shares than views"),
    "followers_beyond_any_account": (dict(as_of="2026-11-20", followers=400_000_000),
                                     "More followers than any TikTok account"),
    "views_beyond_any_account": (dict(as_of="2026-11-20", views_30d=200_000_000_000, likes_30d=10**9),
                                 "More views than any TikTok account draws"),
}


@pytest.mark.parametrize("case", sorted(WARNING_CASES))
def test_a_plausibility_warning_reaches_every_format(case):
    overrides, words = WARNING_CASES[case]
    plan = advise(creator(**overrides))
    assert any(warning.startswith(words) for warning in plan.warnings), plan.warnings
    assert not any(item.category == "warning" for item in plan.recommendations)
    outputs = {"md": render(plan, "md").replace("\\_", "_"), "html": render(plan, "html"),
               "json": render(plan, "json"), "terminal": terminal_summary(plan.to_dict(), colour=False, width=400)}
    for fmt, output in outputs.items():
        assert words in output, fmt


def test_a_plain_profile_has_no_plausibility_warning():
    assert advise(creator(as_of="2026-11-20")).warnings == ()

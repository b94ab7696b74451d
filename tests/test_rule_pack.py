"""The default TikTok rule pack, judged like an expert would: a creator's profile and the verdict expected for it.

Boundaries are read from the loaded pack (`resolve_thresholds`), so the tests stay true when an expert moves a
number; `test_researched_values_as_of_december_2026` pins the researched figures themselves, so a silent edit of a
value is noticed there. Every profile is judged on an explicit date. Markets and ages by country are proved over the
whole table in tests/test_markets_and_ages.py.
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
from collections.abc import Iterator
from typing import Any

import pytest

from advisor.api import advise, load_rules
from advisor.plan.metrics import creator_facts
from advisor.profile.reading import parse_profile
from engine import RequirementCheck

AS_OF = dt.date(2026, 11, 20)
FUND_ERA = dt.date(2023, 6, 1)  # while the Creator Fund was open
PACK = load_rules()


def thresholds(country: str = "US", on: dt.date = AS_OF) -> dict[str, Any]:
    """The pack's threshold values in force for a country on a date."""
    return PACK.resolve_thresholds(country, on)


NOW = thresholds()
BENCHMARK = NOW["engagement.benchmark.under_100k.rate"]  # the default creator engages exactly at it
BELOW_BENCHMARK = NOW["engagement.benchmark.under_100k.at_low"] * 0.8
ABOVE_BENCHMARK = NOW["engagement.benchmark.under_100k.at_high"] * 1.2


# --- building profiles ------------------------------------------------------------------------------------------------

def creator(*, engagement_rate: float = BENCHMARK, drop: tuple[str, ...] = (), **overrides: Any) -> dict[str, Any]:
    """A 25-year-old US creator with a personal account, 20,000 followers and 200,000 views in 30 days, 16 posts
    (about 3.7 a week), a niche, an account five years old, and engagement exactly at the benchmark for their size:
    someone who meets every programme's requirements and gives content rules no reason to speak.

    `overrides` replace profile keys; likes are filled in so that likes + comments + shares make `engagement_rate`
    of the views (5 comments and 5 shares per 1,000 views unless given). `drop` removes keys.
    """
    data: dict[str, Any] = {
        "handle": "expert_case", "age": 25, "country": "US", "account_type": "personal", "followers": 20_000,
        "views_30d": 200_000, "posts_30d": 16, "niche": "baking", "joined": "2021-11-01",
    }
    data.update({key: value for key, value in overrides.items()
                 if key not in ("likes_30d", "comments_30d", "shares_30d")})
    views = data.get("views_30d")
    if views is not None:
        comments = overrides.get("comments_30d", round(views * 0.005))
        shares = overrides.get("shares_30d", round(views * 0.005))
        likes = overrides.get("likes_30d", max(0, round(views * engagement_rate) - comments - shares))
        data.update(likes_30d=likes, comments_30d=comments, shares_30d=shares)
    for key in drop:
        data.pop(key, None)
    return data


def with_interactions(followers: int, interactions: int, views: int = 1_000_000) -> dict[str, Any]:
    """A creator whose likes + comments + shares are exactly `interactions` over `views`."""
    side = views // 200  # 5 comments and 5 shares per 1,000 views
    return creator(followers=followers, views_30d=views, comments_30d=side, shares_30d=side,
                   likes_30d=interactions - 2 * side)


def video(days_ago: int, *, on: dt.date = AS_OF, **fields: Any) -> dict[str, Any]:
    return {"posted": (on - dt.timedelta(days=days_ago)).isoformat(), **fields}


def grown(before: int, now: int, **overrides: Any) -> dict[str, Any]:
    """A creator with `now` followers who had `before` exactly 30 days ago."""
    return creator(followers=now, history=[{"date": (AS_OF - dt.timedelta(days=30)).isoformat(),
                                            "followers": before}], **overrides)


def plan_for(profile: dict[str, Any], on: dt.date = AS_OF):
    return advise(profile, as_of=on)


def requirement(plan, program: str, fact: str) -> RequirementCheck:
    matches = [check for check in plan.program(program).requirements if check.fact == fact]
    assert len(matches) == 1, f"{program} should have exactly one requirement on {fact}"
    return matches[0]


def fired(plan) -> set[str]:
    return {firing.rule for firing in plan.outcome.fired}


def advice_rules(plan) -> list[str]:
    return [item.rule for item in plan.recommendations]


# --- the researched values themselves ---------------------------------------------------------------------------------

RESEARCHED = [
    # (country, date, threshold, value as researched and re-read in December 2026)
    ("US", AS_OF, "creator_rewards.min_age", 18),
    ("US", AS_OF, "creator_rewards.min_followers", 10_000),
    ("US", AS_OF, "creator_rewards.min_views_30d", 100_000),
    ("US", AS_OF, "creator_rewards.account_type", "personal"),
    ("US", AS_OF, "creator_rewards.countries", ("US", "GB", "BR", "DE", "FR", "JP", "KR", "MX")),
    ("US", dt.date(2025, 9, 30), "creator_rewards.countries", ("US", "GB", "BR", "DE", "FR", "JP", "KR")),
    ("US", dt.date(2023, 6, 1), "creator_rewards.countries", ("US",)),
    ("US", dt.date(2023, 5, 2), "creator_rewards.countries", None),
    ("KR", dt.date(2024, 6, 1), "creator_rewards.min_followers", 50_000),
    ("KR", dt.date(2024, 10, 1), "creator_rewards.min_followers", 10_000),
    ("US", AS_OF, "creator_rewards.min_video_seconds", 60),
    ("KR", AS_OF, "creator_rewards.min_age", 19),
    ("US", FUND_ERA, "creator_fund.min_age", 18),
    ("US", FUND_ERA, "creator_fund.min_followers", 10_000),
    ("US", FUND_ERA, "creator_fund.min_views_30d", 100_000),
    ("US", dt.date(2021, 3, 24), "creator_fund.min_views_30d", 10_000),
    ("US", dt.date(2021, 3, 25), "creator_fund.min_views_30d", 100_000),
    ("US", FUND_ERA, "creator_fund.countries", ("US", "GB", "DE", "FR", "IT", "ES")),
    ("US", dt.date(2024, 1, 15), "creator_fund.countries", ("IT", "ES")),
    ("US", dt.date(2024, 2, 26), "creator_fund.countries", None),
    ("US", AS_OF, "creator_fund.retired_on", dt.date(2023, 12, 16)),
    ("IT", AS_OF, "creator_fund.retired_on", dt.date(2024, 2, 26)),
    ("ES", AS_OF, "creator_fund.retired_on", dt.date(2024, 2, 26)),
    ("US", AS_OF, "creator_fund.retired_countries", ("US", "GB", "FR", "DE", "IT", "ES")),
    ("US", AS_OF, "live_gifts.min_age", 18),
    ("US", dt.date(2022, 11, 22), "live_gifts.min_age", 18),
    ("KR", AS_OF, "live_gifts.min_age", 19),
    ("KR", AS_OF, "subscription.min_age", 19),
    ("KR", AS_OF, "series.min_age", 19),
    ("KR", AS_OF, "brand_sponsorships.min_age", 19),
    ("US", AS_OF, "tiktok.min_age", 13),
    ("US", AS_OF, "minors.adult_age", 18),
    ("KR", AS_OF, "minors.adult_age", 19),
    ("US", AS_OF, "tiktok.unavailable_countries", ("IN",)),
    ("US", dt.date(2020, 6, 28), "tiktok.unavailable_countries", None),
    ("US", AS_OF, "live_gifts.min_followers", 1_000),
    ("US", AS_OF, "subscription.min_age", 18),
    ("US", AS_OF, "subscription.min_followers", 10_000),
    ("US", AS_OF, "subscription.min_views_30d", 100_000),
    ("US", AS_OF, "shop_affiliate.min_age", 18),
    ("US", AS_OF, "shop_affiliate.min_followers", 1_000),
    ("US", dt.date(2024, 4, 30), "shop_affiliate.min_followers", 5_000),
    ("US", AS_OF, "creator_marketplace.min_age", 18),
    ("US", AS_OF, "creator_marketplace.min_followers", 10_000),
    ("US", AS_OF, "creator_marketplace.min_views_30d", 1_000),
    ("US", AS_OF, "creator_marketplace.min_posts_30d", 3),
    ("US", AS_OF, "creator_marketplace.account_type", "personal"),
    ("KR", AS_OF, "creator_marketplace.min_age", 19),
    ("KR", AS_OF, "creator_marketplace.min_followers", 50_000),
    ("US", AS_OF, "series.min_age", 18),
    ("US", AS_OF, "series.min_followers", 10_000),
    ("US", AS_OF, "series.min_views_30d", 1_000),
    ("US", AS_OF, "series.min_posts_30d", 3),
    ("US", AS_OF, "series.min_account_age_days", 30),
    ("US", AS_OF, "brand_sponsorships.min_followers", 10_000),
    ("US", AS_OF, "engagement.tier.nano.min_followers", 1_000),
    ("US", AS_OF, "engagement.tier.micro.min_followers", 10_000),
    ("US", AS_OF, "engagement.tier.mid.min_followers", 50_000),
    ("US", AS_OF, "engagement.tier.macro.min_followers", 500_000),
    ("US", AS_OF, "engagement.tier.mega.min_followers", 1_000_000),
    ("US", AS_OF, "engagement.benchmark.under_100k.rate", 0.075),
    ("US", AS_OF, "engagement.benchmark.100k_500k.rate", 0.051),
    ("US", AS_OF, "engagement.benchmark.500k_1m.rate", 0.0448),
    ("US", AS_OF, "engagement.benchmark.1m_5m.rate", 0.0376),
    ("US", AS_OF, "engagement.benchmark.5m_10m.rate", 0.0422),
    ("US", AS_OF, "engagement.benchmark.over_10m.rate", 0.0288),
]


def test_researched_values_as_of_december_2026() -> None:
    wrong = {}
    for country, on, name, expected in RESEARCHED:
        actual = thresholds(country, on).get(name)
        if isinstance(expected, tuple):
            actual = tuple(actual) if actual is not None else None
        if actual != expected:
            wrong[f"{name} ({country}, {on})"] = (actual, expected)
    assert wrong == {}, "researched values changed (actual, researched): " + repr(wrong)


# --- every programme at, just below and just above each numeric threshold ---------------------------------------------

NUMERIC_REQUIREMENTS = [
    # (programme, fact, threshold, date judged on)
    ("creator_fund", "age", "creator_fund.min_age", FUND_ERA),
    ("creator_fund", "followers", "creator_fund.min_followers", FUND_ERA),
    ("creator_fund", "views_30d", "creator_fund.min_views_30d", FUND_ERA),
    ("creator_rewards", "age", "creator_rewards.min_age", AS_OF),
    ("creator_rewards", "followers", "creator_rewards.min_followers", AS_OF),
    ("creator_rewards", "views_30d", "creator_rewards.min_views_30d", AS_OF),
    ("live_gifts", "age", "live_gifts.min_age", AS_OF),
    ("live_gifts", "followers", "live_gifts.min_followers", AS_OF),
    ("subscription", "age", "subscription.min_age", AS_OF),
    ("subscription", "followers", "subscription.min_followers", AS_OF),
    ("subscription", "views_30d", "subscription.min_views_30d", AS_OF),
    ("shop_affiliate", "age", "shop_affiliate.min_age", AS_OF),
    ("shop_affiliate", "followers", "shop_affiliate.min_followers", AS_OF),
    ("creator_marketplace", "age", "creator_marketplace.min_age", AS_OF),
    ("creator_marketplace", "followers", "creator_marketplace.min_followers", AS_OF),
    ("creator_marketplace", "views_30d", "creator_marketplace.min_views_30d", AS_OF),
    ("creator_marketplace", "posts_30d", "creator_marketplace.min_posts_30d", AS_OF),
    ("series", "age", "series.min_age", AS_OF),
    ("series", "followers", "series.min_followers", AS_OF),
    ("series", "views_30d", "series.min_views_30d", AS_OF),
    ("series", "posts_30d", "series.min_posts_30d", AS_OF),
    ("series", "account_age_days", "series.min_account_age_days", AS_OF),
    ("brand_sponsorships", "age", "brand_sponsorships.min_age", AS_OF),
    ("brand_sponsorships", "followers", "brand_sponsorships.min_followers", AS_OF),
    ("affiliate_marketing", "age", "affiliate_marketing.min_age", AS_OF),
]


def is_scope(program: str, fact: str) -> bool:
    """Whether the programme's requirement on `fact` says whom it is for (age, market, account type)."""
    rule = next(rule for rule in PACK.gate_rules() if rule.gate == program)
    return any(getattr(c, "fact", None) == fact and getattr(c, "scope", False) for c in rule.requirements)


def creator_with(fact: str, value: int, on: dt.date) -> dict[str, Any]:
    """The default creator with one fact set to `value` (account age through the day the account was created)."""
    if fact == "account_age_days":
        return creator(joined=(on - dt.timedelta(days=value)).isoformat())
    return creator(**{fact: value})


def test_every_numeric_requirement_of_every_programme_is_tested() -> None:
    tested = {(program, fact, name) for program, fact, name, _ in NUMERIC_REQUIREMENTS}
    in_pack = set()
    for rule in PACK.gate_rules():
        for condition in rule.requirements:
            if getattr(condition, "op", None) in (">=", ">") and isinstance(getattr(condition, "threshold", None), str):
                in_pack.add((rule.gate, condition.fact, condition.threshold))
    assert tested == in_pack


@pytest.mark.parametrize("program, fact, name, on", NUMERIC_REQUIREMENTS,
                         ids=[f"{program}-{fact}" for program, fact, _, _ in NUMERIC_REQUIREMENTS])
@pytest.mark.parametrize("offset, verdict", [(0, "eligible"), (1, "eligible"), (-1, "not_eligible")],
                         ids=["at_threshold_is_eligible", "just_above_is_eligible", "just_below_is_not_eligible"])
def test_programme_threshold(program: str, fact: str, name: str, on: dt.date, offset: int, verdict: str) -> None:
    """A target (followers, views, posts) just missed is a gap of 1 to close; an age just missed is not offered
    yet, with no gap and no progress: age is never drawn as progress."""
    required = thresholds("US", on)[name]
    plan = plan_for(creator_with(fact, required + offset, on), on)
    verdict_of = plan.program(program)
    check = requirement(plan, program, fact)
    scope = is_scope(program, fact)
    assert scope == (fact == "age")
    assert check.threshold == name and check.required == required and check.actual == required + offset
    expected = "not_offered" if scope and offset < 0 else verdict
    assert verdict_of.status == expected, [(c.fact, c.met, c.gap) for c in verdict_of.requirements]
    data = verdict_of.to_dict()["requirements"][verdict_of.requirements.index(check)]
    if offset < 0:
        assert check.met is False
        assert check.gap == (None if scope else 1)
        assert verdict_of.eligible is False
        assert all(other.met for other in verdict_of.requirements if other is not check)
        if scope:
            assert verdict_of.reason == f"opens at {required}" and data["progress"] is None
    else:
        assert check.met is True and check.gap == (None if scope else 0)
        assert verdict_of.eligible is True


def test_the_default_creator_qualifies_for_every_open_programme() -> None:
    plan = plan_for(creator())
    assert {item.program: item.status for item in plan.eligibility} == {
        "creator_fund": "closed", "creator_rewards": "eligible", "live_gifts": "eligible",
        "subscription": "eligible", "shop_affiliate": "eligible", "creator_marketplace": "eligible",
        "series": "eligible", "brand_sponsorships": "eligible", "affiliate_marketing": "eligible"}
    assert plan.warnings == ()


def test_a_big_gap_is_reported_as_the_whole_distance_to_the_threshold() -> None:
    plan = plan_for(creator(followers=2_500, views_30d=40_000))
    followers = requirement(plan, "creator_rewards", "followers")
    views = requirement(plan, "creator_rewards", "views_30d")
    assert (followers.met, followers.gap) == (False, NOW["creator_rewards.min_followers"] - 2_500)
    assert (views.met, views.gap) == (False, NOW["creator_rewards.min_views_30d"] - 40_000)


# --- non-numeric requirements: country, account type, niche -----------------------------------------------------------

def test_korea_needs_age_19_for_creator_rewards_and_creator_marketplace() -> None:
    kr = thresholds("KR")
    adult_in_us = kr["creator_rewards.min_age"] - 1
    assert plan_for(creator(age=adult_in_us, country="US")).program("creator_rewards").eligible
    plan = plan_for(creator(age=adult_in_us, country="KR", followers=kr["creator_marketplace.min_followers"]))
    for program in ("creator_rewards", "creator_marketplace", "live_gifts", "series", "subscription"):
        check = requirement(plan, program, "age")
        assert plan.program(program).status == "not_offered"
        assert plan.program(program).reason == "opens at 19"
        assert (check.required, check.actual, check.met, check.gap) == (19, 18, False, None)
    plan = plan_for(creator(age=19, country="KR", followers=kr["creator_marketplace.min_followers"]))
    for program in ("creator_rewards", "creator_marketplace", "live_gifts", "series", "subscription"):
        assert plan.program(program).eligible, program


def test_korea_needs_50000_followers_for_creator_marketplace() -> None:
    required = thresholds("KR")["creator_marketplace.min_followers"]
    assert required == 50_000
    assert plan_for(creator(followers=10_000, country="US")).program("creator_marketplace").eligible
    below = plan_for(creator(followers=required - 1, country="KR"))
    check = requirement(below, "creator_marketplace", "followers")
    assert below.program("creator_marketplace").status == "not_eligible"
    assert (check.required, check.met, check.gap) == (required, False, 1)
    assert below.program("creator_rewards").eligible  # Korea's override is for the marketplace only
    assert plan_for(creator(followers=required, country="KR")).program("creator_marketplace").eligible


@pytest.mark.parametrize("country, name", [("CA", "Canada"), ("IT", "Italy"), ("VN", "Vietnam")])
def test_a_country_outside_the_creator_rewards_list_is_not_offered_with_no_gap(country: str, name: str) -> None:
    assert country not in NOW["creator_rewards.countries"]
    plan = plan_for(creator(country=country, followers=8_000))
    check = requirement(plan, "creator_rewards", "country")
    rewards = plan.program("creator_rewards")
    assert rewards.status == "not_offered" and rewards.reason == f"not offered in {name}"
    assert check.met is False and check.actual == country
    assert all(data["gap"] is None and data["progress"] is None for data in rewards.to_dict()["requirements"])
    assert "creator_rewards" not in plan.growth["milestone_unlocks"]
    assert "content.long_videos_for_rewards" not in fired(plan_for(creator(
        country=country, videos=[video(d, duration_s=20) for d in (1, 4, 8, 12)])))


@pytest.mark.parametrize("country", list(NOW["creator_rewards.countries"]))
def test_every_listed_country_can_join_creator_rewards(country: str) -> None:
    age = thresholds(country)["creator_rewards.min_age"]
    assert plan_for(creator(country=country, age=age)).program("creator_rewards").status == "eligible"


def account_type_programmes() -> set[str]:
    return {rule.gate for rule in PACK.gate_rules()
            if any(getattr(condition, "fact", None) == "account_type" for condition in rule.requirements)}


def test_business_accounts_are_excluded_from_creator_rewards_and_creator_marketplace_only() -> None:
    assert account_type_programmes() == {"creator_rewards", "creator_marketplace"}
    business, personal = plan_for(creator(account_type="business")), plan_for(creator(account_type="personal"))
    for item in business.eligibility:
        if item.program in account_type_programmes():
            check = requirement(business, item.program, "account_type")
            assert item.status == "not_offered" and personal.program(item.program).status == "eligible"
            assert item.reason == "only for personal accounts, not business accounts"
            assert (check.required, check.actual, check.met) == ("personal", "business", False)
        else:  # the account type plays no part in the other verdicts
            assert item.status == personal.program(item.program).status, item.program


def test_a_profile_without_account_type_cannot_be_judged_for_creator_rewards() -> None:
    plan = plan_for(creator(drop=("account_type",)))
    assert plan.program("creator_rewards").status == "unknown"
    assert requirement(plan, "creator_rewards", "account_type").met is None
    assert any("account_type" in warning for warning in plan.warnings)


def test_affiliate_marketing_needs_a_declared_niche() -> None:
    plan = plan_for(creator(drop=("niche",)))
    check = requirement(plan, "affiliate_marketing", "niche")
    assert not plan.program("affiliate_marketing").eligible
    # a niche not given is "cannot tell yet", like any other fact not given, not a failed requirement
    assert plan.program("affiliate_marketing").status == "unknown"
    assert check.met is None


# --- dates ------------------------------------------------------------------------------------------------------------

def test_creator_fund_is_judged_while_it_was_open() -> None:
    plan = plan_for(creator(), FUND_ERA)
    fund = plan.program("creator_fund")
    assert fund.status == "eligible" and fund.eligible
    assert all(check.in_force for check in fund.requirements)
    assert "program.creator_fund" in advice_rules(plan)
    assert "program.creator_fund_retired" not in fired(plan)


def test_creator_fund_country_list_was_checked_while_it_was_open() -> None:
    plan = plan_for(creator(country="KR"), FUND_ERA)
    assert plan.program("creator_fund").status == "not_offered"
    assert plan.program("creator_fund").reason == "not offered in South Korea"
    assert requirement(plan, "creator_fund", "country").met is False


@pytest.mark.parametrize("on", [dt.date(2023, 12, 16), dt.date(2024, 1, 1), AS_OF],
                         ids=["retirement_day", "2024-01-01", "2026-11-20"])
def test_creator_fund_is_closed_after_retirement(on: dt.date) -> None:
    fund = plan_for(creator(), on).program("creator_fund")
    assert fund.status == "closed" and not fund.eligible
    market = requirement(plan_for(creator(), on), "creator_fund", "country")
    assert not market.in_force
    if on < dt.date(2024, 2, 26):  # Italy and Spain still open: the US market itself had ended
        assert market.text == "country is US (no longer in force: ended 2023-12-16)"
    else:  # after the last market closed, nothing of the Fund is in force
        assert all(not check.in_force for check in fund.requirements)


@pytest.mark.parametrize("country", ["IT", "ES"])
def test_creator_fund_stayed_open_in_italy_and_spain_until_2024_02_26(country: str) -> None:
    assert plan_for(creator(country=country), dt.date(2024, 2, 25)).program("creator_fund").status == "eligible"
    assert plan_for(creator(country=country), dt.date(2024, 2, 26)).program("creator_fund").status == "closed"
    assert plan_for(creator(country="US"), dt.date(2024, 1, 15)).program("creator_fund").status == "closed"
    later = plan_for(creator(country=country), dt.date(2024, 3, 1))
    advice = [item for item in later.recommendations if item.rule == "program.creator_fund_retired_no_successor"]
    assert len(advice) == 1 and "2024-02-26" in advice[0].text and "not offered" in advice[0].text


def test_the_creator_fund_asked_for_10000_views_until_2021_03_25() -> None:
    profile = creator(views_30d=50_000, joined="2019-01-01")
    assert plan_for(profile, dt.date(2021, 1, 15)).program("creator_fund").status == "eligible"
    after = plan_for(profile, dt.date(2021, 3, 25))
    assert after.program("creator_fund").status == "not_eligible"
    assert requirement(after, "creator_fund", "views_30d").gap == 50_000


def test_creator_fund_is_still_open_the_day_before_retirement() -> None:
    retired_on = NOW["creator_fund.retired_on"]
    plan = plan_for(creator(), retired_on - dt.timedelta(days=1))
    assert plan.program("creator_fund").status == "eligible"
    assert "program.creator_fund_retired" not in fired(plan)


@pytest.mark.parametrize("on", [dt.date(2024, 1, 1), AS_OF], ids=["2024-01-01", "2026-11-20"])
@pytest.mark.parametrize("country", ["US", "GB", "FR", "DE"])
def test_creator_fund_retirement_advice_after_retirement(country: str, on: dt.date) -> None:
    assert country in NOW["creator_fund.retired_countries"]
    short_of_rewards = creator(country=country, views_30d=90_000)
    plan = plan_for(short_of_rewards, on)
    retired = [item for item in plan.recommendations if item.rule == "program.creator_fund_retired"]
    assert len(retired) == 1
    name = {"US": "the United States", "GB": "the United Kingdom", "FR": "France", "DE": "Germany"}[country]
    assert f"({name})" in retired[0].text and "2023-12-16" in retired[0].text


@pytest.mark.parametrize("country", ["KR", "JP", "CA"])
def test_no_creator_fund_retirement_advice_where_the_fund_never_closed_that_day(country: str) -> None:
    assert "program.creator_fund_retired" not in fired(plan_for(creator(country=country, views_30d=90_000)))


def test_no_creator_fund_retirement_advice_for_a_creator_already_in_creator_rewards() -> None:
    plan = plan_for(creator(country="US"))
    assert plan.program("creator_rewards").eligible
    assert "program.creator_fund_retired" not in fired(plan)


def test_creator_rewards_is_closed_before_launch_and_judged_from_launch_day() -> None:
    """Judged from the Creativity Program Beta's opening to all US creators (2023-05-03), under that name until it
    left beta as Creator Rewards."""
    launch = dt.date(2023, 5, 3)
    before = plan_for(creator(), launch - dt.timedelta(days=1)).program("creator_rewards")
    assert before.status == "closed" and not before.eligible
    beta = plan_for(creator(), FUND_ERA)
    assert beta.program("creator_rewards").status == "eligible"
    advice = next(item for item in beta.recommendations if item.rule == "program.creator_rewards")
    assert advice.text.startswith("On this date it is still called the Creativity Program Beta.")
    assert plan_for(creator(), launch).program("creator_rewards").status == "eligible"
    now = next(item for item in plan_for(creator(), AS_OF).recommendations if item.rule == "program.creator_rewards")
    assert "Creativity" not in now.text
    below = plan_for(creator(followers=thresholds("US", launch)["creator_rewards.min_followers"] - 1), launch)
    assert below.program("creator_rewards").status == "not_eligible"
    assert requirement(below, "creator_rewards", "followers").gap == 1


@pytest.mark.parametrize("on, required", [(dt.date(2024, 4, 30), 5_000), (dt.date(2024, 5, 1), 1_000),
                                          (AS_OF, 1_000)], ids=["before_2024-05-01", "from_2024-05-01", "2026"])
def test_shop_affiliate_follower_minimum_by_date(on: dt.date, required: int) -> None:
    assert thresholds("US", on)["shop_affiliate.min_followers"] == required
    at = plan_for(creator(followers=required), on)
    below = plan_for(creator(followers=required - 1), on)
    assert at.program("shop_affiliate").status == "eligible"
    assert below.program("shop_affiliate").status == "not_eligible"
    check = requirement(below, "shop_affiliate", "followers")
    assert (check.required, check.met, check.gap) == (required, False, 1)


def test_a_4000_follower_creator_was_too_small_for_shop_in_april_2024_but_not_in_may() -> None:
    assert plan_for(creator(followers=4_000), dt.date(2024, 4, 30)).program("shop_affiliate").status == "not_eligible"
    assert plan_for(creator(followers=4_000), dt.date(2024, 5, 1)).program("shop_affiliate").status == "eligible"


@pytest.mark.parametrize("on", [dt.date(2022, 11, 22), dt.date(2022, 11, 23)],
                         ids=["before_2022-11-23", "from_2022-11-23"])
def test_receiving_live_gifts_needed_18_before_and_after_the_hosting_age_rose(on: dt.date) -> None:
    assert thresholds("US", on)["live_gifts.min_age"] == 18
    assert plan_for(creator(age=18, joined="2020-01-01"), on).program("live_gifts").status == "eligible"
    below = plan_for(creator(age=17, joined="2020-01-01"), on)
    check = requirement(below, "live_gifts", "age")
    assert below.program("live_gifts").status == "not_offered"
    assert (check.required, check.actual, check.met, check.gap) == (18, 17, False, None)


def test_subscription_for_non_live_creators_opens_on_2024_09_23() -> None:
    assert plan_for(creator(), dt.date(2024, 9, 22)).program("subscription").status == "closed"
    assert plan_for(creator(), dt.date(2024, 9, 23)).program("subscription").status == "eligible"


# --- unknown facts ----------------------------------------------------------------------------------------------------

def age_programmes() -> set[str]:
    return {rule.gate for rule in PACK.gate_rules()
            if any(getattr(condition, "fact", None) == "age" for condition in rule.requirements)}


def test_without_age_the_age_gated_programmes_are_unknown_not_refused() -> None:
    plan = plan_for(creator(drop=("age",)))
    open_age_programmes = age_programmes() - {"creator_fund"}
    assert open_age_programmes == {"creator_rewards", "live_gifts", "subscription", "shop_affiliate",
                                   "creator_marketplace", "series", "brand_sponsorships", "affiliate_marketing"}
    for program in sorted(open_age_programmes):
        check = requirement(plan, program, "age")
        assert plan.program(program).status == "unknown", program
        assert not plan.program(program).eligible
        assert (check.met, check.actual, check.gap) == (None, None, None)
    assert plan.program("creator_fund").status == "closed"
    age_warnings = [warning for warning in plan.warnings if warning.startswith("age ")]
    assert len(age_warnings) == 1
    for program in open_age_programmes:
        assert program in age_warnings[0]


def test_without_age_a_programme_with_another_unmet_requirement_is_not_eligible() -> None:
    plan = plan_for(creator(followers=500, drop=("age",)))
    assert plan.program("live_gifts").status == "not_eligible"
    assert plan.program("creator_rewards").status == "not_eligible"


def test_without_likes_brand_readiness_cannot_be_judged() -> None:
    plan = plan_for(creator(drop=("likes_30d",)))
    assert "engagement_level" not in plan.outcome.derived
    assert plan.program("brand_sponsorships").status == "unknown"
    assert requirement(plan, "brand_sponsorships", "engagement_level").met is None


# --- engagement: tiers, benchmark bands and levels --------------------------------------------------------------------

TIER_EDGES = [
    # (threshold of the tier's first follower count, tier just below, tier at the threshold)
    ("engagement.tier.nano.min_followers", None, "nano"),
    ("engagement.tier.micro.min_followers", "nano", "micro"),
    ("engagement.tier.mid.min_followers", "micro", "mid"),
    ("engagement.tier.macro.min_followers", "mid", "macro"),
    ("engagement.tier.mega.min_followers", "macro", "mega"),
]


def tier_cases() -> Iterator[tuple[int, str | None]]:
    for name, below, at in TIER_EDGES:
        yield NOW[name] - 1, below
        yield NOW[name], at


@pytest.mark.parametrize("followers, tier", list(tier_cases()),
                         ids=[f"{f}_followers_is_{t or 'untiered'}" for f, t in tier_cases()])
def test_size_tier_boundaries(followers: int, tier: str | None) -> None:
    plan = plan_for(creator(followers=followers))
    assert plan.outcome.derived.get("engagement_tier") == tier
    assert plan.engagement["tier"] == tier
    tier_rules = {rule for rule in fired(plan) if rule.startswith("engagement.tier_")}
    assert tier_rules == ({f"engagement.tier_{tier}"} if tier else set())
    sponsored = [rule for rule in advice_rules(plan) if rule.startswith("earnings.sponsored_post_")]
    assert sponsored == ([f"earnings.sponsored_post_{tier}"] if tier else [])


def test_tier_boundaries_are_the_industry_split() -> None:
    assert [followers for followers, _ in tier_cases()] == [
        999, 1_000, 9_999, 10_000, 49_999, 50_000, 499_999, 500_000, 999_999, 1_000_000]


BANDS = [
    # (band, followers inside it, threshold of its lower edge, band label)
    ("under_100k", 20_000, None, "under 100K followers"),
    ("100k_500k", 200_000, "engagement.band_edge.100k", "100K to 500K followers"),
    ("500k_1m", 700_000, "engagement.band_edge.500k", "500K to 1M followers"),
    ("1m_5m", 2_000_000, "engagement.band_edge.1m", "1M to 5M followers"),
    ("5m_10m", 7_000_000, "engagement.band_edge.5m", "5M to 10M followers"),
    ("over_10m", 20_000_000, "engagement.band_edge.10m", "over 10M followers"),
]


def band_edge_cases() -> Iterator[tuple[int, str, str]]:
    for (below, _, _, below_label), (band, _, edge, label) in itertools.pairwise(BANDS):
        yield NOW[edge] - 1, below, below_label
        yield NOW[edge], band, label


@pytest.mark.parametrize("followers, band, label", list(band_edge_cases()),
                         ids=[f"{f}_followers_in_{b}" for f, b, _ in band_edge_cases()])
def test_benchmark_band_boundaries(followers: int, band: str, label: str) -> None:
    plan = plan_for(creator(followers=followers))
    assert f"engagement.benchmark_{band}" in fired(plan)
    assert plan.outcome.derived["engagement_band"] == label
    assert plan.outcome.derived["engagement_benchmark"] == NOW[f"engagement.benchmark.{band}.rate"]
    assert plan.engagement["benchmark"] == NOW[f"engagement.benchmark.{band}.rate"]
    assert plan.engagement["benchmark_source"].startswith("Influencer Marketing Factory")


@pytest.mark.parametrize("band", [band for band, *_ in BANDS])
def test_at_band_is_the_benchmark_plus_or_minus_the_tolerance(band: str) -> None:
    rate, tolerance = NOW[f"engagement.benchmark.{band}.rate"], NOW["engagement.benchmark.at_tolerance"]
    assert NOW[f"engagement.benchmark.{band}.at_low"] == pytest.approx(rate * (1 - tolerance), rel=1e-9)
    assert NOW[f"engagement.benchmark.{band}.at_high"] == pytest.approx(rate * (1 + tolerance), rel=1e-9)


LEVEL_POINTS = [
    # (where the rate sits, bound it is taken from, interactions added per million views, level)
    ("just_above_the_upper_bound", "at_high", +1, "above"),
    ("on_the_upper_bound", "at_high", 0, "at"),
    ("on_the_benchmark", "rate", 0, "at"),
    ("on_the_lower_bound", "at_low", 0, "at"),
    ("just_below_the_lower_bound", "at_low", -1, "below"),
]


def level_profile(band: str, followers: int, bound: str, step: int) -> dict[str, Any]:
    interactions = round(NOW[f"engagement.benchmark.{band}.{bound}"] * 1_000_000) + step
    return with_interactions(followers, interactions)


def level_cases() -> Iterator[tuple[str, int, str, int, str]]:
    for band, followers, _, _ in BANDS:
        for _, bound, step, level in LEVEL_POINTS:
            yield band, followers, bound, step, level


@pytest.mark.parametrize("band, followers", [(band, followers) for band, followers, *_ in BANDS],
                         ids=[band for band, *_ in BANDS])
@pytest.mark.parametrize("where, bound, step, level", LEVEL_POINTS, ids=[point[0] for point in LEVEL_POINTS])
def test_engagement_level_around_the_benchmark(band: str, followers: int, where: str, bound: str, step: int,
                                               level: str) -> None:
    plan = plan_for(level_profile(band, followers, bound, step))
    assert plan.outcome.derived["engagement_level"] == level
    assert plan.engagement["verdict"] == level
    assert f"engagement.level_{band}_{level}" in fired(plan)
    patterns = {rule for rule in advice_rules(plan) if rule in ("engagement.above_benchmark",
                                                                "engagement.below_benchmark")}
    assert patterns == ({f"engagement.{level}_benchmark"} if level != "at" else set())


@pytest.mark.parametrize("rate, level, eligible", [(ABOVE_BENCHMARK, "above", True), (BENCHMARK, "at", True),
                                                   (BELOW_BENCHMARK, "below", False)],
                         ids=["above_benchmark_is_ready", "at_benchmark_is_ready", "below_benchmark_is_not_ready"])
def test_brand_sponsorships_and_affiliate_marketing_depend_on_the_engagement_level(rate: float, level: str,
                                                                                  eligible: bool) -> None:
    plan = plan_for(creator(followers=20_000, engagement_rate=rate))
    assert plan.outcome.derived["engagement_level"] == level
    for program in ("brand_sponsorships", "affiliate_marketing"):
        check = requirement(plan, program, "engagement_level")
        assert plan.program(program).eligible is eligible
        assert plan.program(program).status == ("eligible" if eligible else "not_eligible")
        assert (check.actual, check.met) == (level, eligible)


def test_a_big_account_with_weak_engagement_is_not_brand_ready() -> None:
    plan = plan_for(level_profile("1m_5m", 2_000_000, "at_low", -1))
    assert plan.program("brand_sponsorships").status == "not_eligible"
    assert requirement(plan, "brand_sponsorships", "followers").met is True


# --- content, growth, earnings and engagement-pattern rules: fire when built to, stay quiet otherwise -----------------

def videos(*days_ago: int, **fields: Any) -> list[dict[str, Any]]:
    return [video(days, **fields) for days in days_ago]


RULE_CASES: list[tuple[str, str, dict[str, Any], dict[str, Any]]] = [
    # (rule, why it fires, profile built to trigger it, the nearest profile that must not)
    ("content.long_videos_for_rewards", "8,000 followers, no video over a minute",
     creator(followers=8_000, videos=videos(1, 4, 8, 12, duration_s=30)),
     creator(followers=8_000, videos=videos(1, 4, duration_s=90) + videos(8, 12, duration_s=30))),
    ("content.follow_up_hit", "one video brought 60% of the views",
     creator(videos=[video(2, views=120_000), video(5, views=40_000), video(9, views=40_000)]),
     creator(videos=[video(2, views=70_000), video(5, views=70_000), video(9, views=60_000)])),
    ("content.hook_first_seconds", "499 views per post",
     creator(posts_30d=16, views_30d=7_984), creator(posts_30d=16, views_30d=8_000)),
    ("content.posting_gap", "last post 7 days ago",
     creator(videos=videos(7, 12, 20)), creator(videos=videos(6, 12, 20))),
    ("content.steady_cadence", "12 posts in 30 days (2.8 a week)",
     creator(posts_30d=12), creator(posts_30d=13)),
    ("content.quality_over_quantity", "60 posts in 30 days with engagement below the benchmark",
     creator(posts_30d=60, engagement_rate=BELOW_BENCHMARK), creator(posts_30d=60)),
    ("content.answer_comments", "1.9 comments per 1,000 views",
     creator(comments_30d=380), creator(comments_30d=400)),
    ("content.original_content", "every video on a trending sound",
     creator(videos=videos(1, 4, 8, 12, sound="trending")),
     creator(videos=videos(1, 4, 8, 12, sound="trending") + videos(15, sound="original"))),
    ("content.storytelling", "45-second videos and engagement below the benchmark",
     creator(videos=videos(1, 4, 8, duration_s=45), engagement_rate=BELOW_BENCHMARK),
     creator(videos=videos(1, 4, 8, duration_s=45))),
    ("content.trending_sounds_hashtags", "no video on a trending sound",
     creator(videos=videos(1, 4, 8, 12, sound="original")),
     creator(videos=videos(1, 4, 8, sound="original") + videos(12, sound="trending"))),
    ("content.collaborate_in_niche", "a baker at 5,000 followers growing 2% a month",
     grown(4_900, 5_000), grown(4_000, 4_200)),
    ("growth.next_milestone_first", "999 followers", creator(followers=999), creator(followers=1_000)),
    ("growth.next_milestone_second", "9,999 followers", creator(followers=9_999), creator(followers=10_000)),
    ("growth.momentum_fast", "10% more followers in 30 days", grown(10_000, 11_000), grown(10_000, 10_999)),
    ("growth.momentum_steady", "5% more followers in 30 days", grown(10_000, 10_500), grown(10_000, 11_000)),
    ("growth.momentum_stalled", "0.5% more followers in 30 days", grown(10_000, 10_050), grown(10_000, 10_100)),
    ("growth.momentum_shrinking", "one follower lost in 30 days", grown(10_000, 9_999), grown(10_000, 10_000)),
    ("earnings.likes_do_not_pay", "likes in the last 30 days", creator(), creator(drop=("likes_30d",))),
    ("earnings.sponsored_post_nano", "9,999 followers", creator(followers=9_999), creator(followers=10_000)),
    ("earnings.sponsored_post_micro", "10,000 followers", creator(followers=10_000), creator(followers=9_999)),
    ("earnings.sponsored_post_mid", "50,000 followers", creator(followers=50_000), creator(followers=49_999)),
    ("earnings.sponsored_post_macro", "500,000 followers", creator(followers=500_000), creator(followers=499_999)),
    ("earnings.sponsored_post_mega", "1,000,000 followers",
     creator(followers=1_000_000), creator(followers=999_999)),
    ("engagement.below_benchmark", "engagement below the benchmark",
     creator(engagement_rate=BELOW_BENCHMARK), creator()),
    ("engagement.above_benchmark", "engagement above the benchmark",
     creator(engagement_rate=ABOVE_BENCHMARK), creator()),
    ("engagement.likes_without_reach", "10 likes per 100 views but fewer views than followers",
     creator(followers=20_000, views_30d=19_990, likes_30d=1_999),
     creator(followers=20_000, views_30d=20_000, likes_30d=2_000)),
    ("engagement.views_without_conversation", "half a comment and half a share per 1,000 views",
     creator(comments_30d=100, shares_30d=100), creator(comments_30d=100, shares_30d=200)),
    ("program.creator_fund_retired", "a US creator after 2023-12-16, not yet in Creator Rewards",
     creator(country="US", views_30d=90_000), creator(country="US")),
]

RULE_CASE_IDS = [rule for rule, *_ in RULE_CASES]


@pytest.mark.parametrize("rule, why, firing, quiet", RULE_CASES, ids=RULE_CASE_IDS)
def test_rule_fires_when_its_numbers_point_to_it(rule: str, why: str, firing: dict[str, Any],
                                                 quiet: dict[str, Any]) -> None:
    plan = plan_for(firing)
    assert rule in fired(plan), f"{rule} should fire for: {why}"
    if PACK.rules[rule].advice is not None:
        [advice] = [item for item in plan.recommendations if item.rule == rule]
        assert advice.title and advice.text and advice.because
        assert "None" not in advice.text and "None" not in " ".join(advice.because)


@pytest.mark.parametrize("rule, why, firing, quiet", RULE_CASES, ids=RULE_CASE_IDS)
def test_rule_stays_quiet_just_short_of_its_trigger(rule: str, why: str, firing: dict[str, Any],
                                                   quiet: dict[str, Any]) -> None:
    plan = plan_for(quiet)
    assert rule not in fired(plan)
    assert rule not in advice_rules(plan)


def test_every_content_growth_and_earnings_rule_has_a_firing_case() -> None:
    advisory = {rule for rule in PACK.rules if rule.split(".")[0] in ("content", "growth", "earnings")}
    assert advisory <= set(RULE_CASE_IDS)


def test_likes_do_not_pay_also_speaks_of_lifetime_likes() -> None:
    plan = plan_for(creator(drop=("likes_30d",), total_likes=250_000))
    [advice] = [item for item in plan.recommendations if item.rule == "earnings.likes_do_not_pay"]
    assert "250,000 lifetime likes" in advice.because[0]


def test_growth_momentum_is_derived_for_other_rules() -> None:
    assert plan_for(grown(10_000, 11_000)).outcome.derived["growth_momentum"] == "fast"
    assert plan_for(grown(10_000, 10_500)).outcome.derived["growth_momentum"] == "steady"
    assert plan_for(grown(10_000, 10_000)).outcome.derived["growth_momentum"] == "stalled"
    assert plan_for(grown(10_000, 9_000)).outcome.derived["growth_momentum"] == "shrinking"


def test_next_milestone_is_derived_from_the_pack() -> None:
    assert plan_for(creator(followers=300)).outcome.derived["next_milestone"] == NOW["live_gifts.min_followers"]
    assert plan_for(creator(followers=6_000)).outcome.derived["next_milestone"] == NOW["creator_rewards.min_followers"]
    assert "next_milestone" not in plan_for(creator(followers=10_000)).outcome.derived


# --- coverage: every rule of the pack fired for some profile of this file ---------------------------------------------

def example_profiles() -> Iterator[tuple[dict[str, Any], dt.date]]:
    """Every profile the tests above judge, with its date (threshold cases at the threshold)."""
    yield creator(), AS_OF
    yield creator(), FUND_ERA
    for _, fact, name, on in NUMERIC_REQUIREMENTS:
        yield creator_with(fact, thresholds("US", on)[name], on), on
    for followers, _ in tier_cases():
        yield creator(followers=followers), AS_OF
    for followers, _, _ in band_edge_cases():
        yield creator(followers=followers), AS_OF
    for band, followers, bound, step, _ in level_cases():
        yield level_profile(band, followers, bound, step), AS_OF
    for _, _, firing, _ in RULE_CASES:
        yield firing, AS_OF
    for country in ("GB", "FR", "DE", "KR", "IN", "IT"):
        yield creator(country=country), AS_OF
    yield creator(country="IT"), dt.date(2024, 3, 1)
    yield creator(age=15), AS_OF
    yield creator(account_type="business"), AS_OF
    yield creator(followers=300_000_000, views_30d=10**12), AS_OF
    yield creator(videos=[video(45, duration_s=30)]), AS_OF
    yield creator(age=12), AS_OF
    yield with_interactions(20_000, 300_000, views=200_000), AS_OF


def test_every_rule_of_the_pack_fires_for_some_profile_of_these_tests() -> None:
    exercised: set[str] = set()
    for profile, on in example_profiles():  # the engine's verdict: a refused profile (under 13) fires rules too
        loaded = parse_profile(profile, as_of=on)
        exercised |= PACK.evaluate(creator_facts(loaded), country=loaded.country, on=on).fired_ids
    assert set(PACK.rules) - exercised == set()


# --- determinism ------------------------------------------------------------------------------------------------------

def test_the_same_profile_twice_gives_the_identical_plan() -> None:
    profile = grown(9_000, 9_600, country="KR", videos=[video(2, duration_s=75, views=90_000, sound="trending"),
                                                        video(6, duration_s=20, views=60_000, sound="original"),
                                                        video(11, duration_s=40, views=50_000)])
    first, second = plan_for(profile).to_dict(), plan_for(dict(profile)).to_dict()
    assert first == second
    assert json.dumps(first, sort_keys=False) == json.dumps(second, sort_keys=False)
    assert [item.rule for item in plan_for(profile).recommendations] == [item["rule"] for item in
                                                                          first["recommendations"]]

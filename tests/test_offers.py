"""Advice names only the programmes open to THIS creator, in THIS market, on THIS date.

rules/offers.yaml restates each gate's scope requirements (market on the date, age, account type) as derived facts
that advice text checks before naming a programme. The first test proves those facts agree with the gates
themselves across the whole table (every market of every member list, each age band, each account type, dates
on both sides of every launch), so the two definitions cannot drift apart. The others read the plan a creator
gets, in Markdown and JSON: no action names a programme the plan's own table says is not offered or closed.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from typing import Any, Iterator

import pytest

from advisor.api import advise, load_rules, render
from advisor.values import country_name

PACK = load_rules()
GATES = {rule.gate for rule in PACK.gate_rules()}

# Every market named by any member list, a country in none of them, and the country where TikTok is blocked.
LISTED = sorted({country for name, threshold in PACK.thresholds.items() if name.endswith(".countries")
                 and threshold.members for country, _ in threshold.members})
MARKETS = LISTED + ["NG", "IN"]
# One day inside each era of the table: the Fund alone, the September 2023 expansion with Shop at 5,000 followers,
# Creator Rewards with Shop's 1,000-follower bar, the 2025 Shop launches, today.
DATES = [dt.date(2021, 6, 1), dt.date(2023, 10, 1), dt.date(2024, 6, 1), dt.date(2025, 4, 15),
         dt.date(2026, 11, 20)]
# Who: a minor, 18 (an adult everywhere but South Korea), 19 in South Korea, an adult with a personal and with a
# business account, and a profile giving neither age nor account type. Under 13 is refused: no plan to read.
PEOPLE = [(15, "personal"), (18, "personal"), (30, "personal"), (30, "business"), (None, None)]


def creator(**overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {"handle": "offer_case", "age": 30, "country": "US", "account_type": "personal",
                            "followers": 600, "views_30d": 9_000, "likes_30d": 700, "comments_30d": 40,
                            "shares_30d": 20, "posts_30d": 12, "niche": "cooking", "joined": "2016-09-01"}
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


# --- the derived facts agree with the gates -------------------------------------------------------------------------

OFFERED = {gate: f"{gate}_offered" for gate in GATES if f"offer.{gate}" in PACK.rules}
IN_MARKET = {gate: f"{gate}_in_market" for gate in GATES if f"offer.{gate}_market" in PACK.rules}


def test_every_programme_text_may_name_has_an_offered_fact():
    assert sorted(OFFERED) == ["brand_sponsorships", "creator_fund", "creator_marketplace", "creator_rewards",
                               "live_gifts", "series", "shop_affiliate", "subscription"]
    assert sorted(IN_MARKET) == ["creator_fund", "creator_rewards", "shop_affiliate", "subscription"]


def table() -> Iterator[tuple[str, int | None, str | None, dt.date]]:
    for country in MARKETS:
        for age, account in PEOPLE + ([(19, "personal")] if country == "KR" else []):
            for on in DATES:
                yield country, age, account, on


@pytest.mark.parametrize("country", MARKETS)
def test_offered_facts_are_exactly_the_gates_not_outside_their_scope(country):
    """`<programme>_offered` holds exactly when the gate puts the creator inside its scope (no scope requirement
    known to be unmet), and `<programme>_in_market` exactly when the market requirement is not known to be unmet:
    for every age band, account type and era of the table. One case is left to the text: a programme closed on
    the date (its threshold not in force) for a profile without that fact; the gate counts it outside, a rule
    cannot compare an absent fact, so text that may meet it checks the threshold (test below)."""
    for _, age, account, on in (case for case in table() if case[0] == country):
        outcome = advise(creator(country=country, age=age, account_type=account), as_of=on).outcome
        for gate, fact in OFFERED.items():
            inside = not any(check.scope and check.met is False and (check.in_force or check.actual is not None)
                             for check in outcome.gates[gate].requirements)
            assert (outcome.derived.get(fact) is True) == inside, (gate, country, age, account, on)
        for gate, fact in IN_MARKET.items():
            market = next(check for check in outcome.gates[gate].requirements if check.fact == "country")
            known = market.in_force or market.actual is not None
            assert (outcome.derived.get(fact) is True) == (market.met is not False or not known), (gate, country, on)


# --- no action names a programme the plan says is not open -----------------------------------------------------------

# How advice text names each programme (case-sensitive where the word is also an ordinary one).
NAMES = {
    "creator_rewards": ("Creator Rewards", "Creativity Program"),
    "creator_fund": ("Creator Fund",),
    "live_gifts": ("LIVE gift", "go LIVE", "joint LIVE"),
    "subscription": ("Subscription", "subscriptions"),
    "shop_affiliate": ("TikTok Shop", "shop commission"),
    "creator_marketplace": ("Creator Marketplace",),
    "series": ("Series",),
    "brand_sponsorships": ("brand deal", "Pitch brands", "brands pay", "media kit", "sponsored video"),
    "affiliate_marketing": ("affiliate link", "affiliate programme"),
}
# Rules whose very point is to say what is NOT open, and what they may name for that.
EXPLAINS = {
    "platform.tiktok_unavailable": set(NAMES),           # TikTok blocked: none of them can be joined
    "minors.plan": set(NAMES),                           # under 18: what opens at 18 (checked on its own below)
    "account.business_to_personal": {"creator_rewards", "creator_marketplace"},  # what a personal account opens
    "program.creator_fund_retired": {"creator_fund", "creator_rewards"},  # for a business account: "replaced it"
    "program.creator_fund_retired_no_successor": {"creator_fund", "creator_rewards"},
}
# A sentence or parenthesis that says a programme is not offered names it to rule it out.
NEGATIVE = re.compile(r"[^.;(:]*\bnot offered in\b[^.;)]*")


def closed_to(plan) -> set[str]:
    return {item.program for item in plan.eligibility if item.status in ("not_offered", "closed")}


def named(text: str, program: str) -> bool:
    return any(word in NEGATIVE.sub("", text) for word in NAMES[program])


def advice_cases() -> Iterator[tuple[str, int | None, str | None, dt.date, int]]:
    for country, age, account, on in table():
        if country == "IN" and on > dt.date(2020, 6, 29):
            continue  # one verdict, no advice: tests/test_markets_and_ages.py
        for followers in (600, 5_000):
            yield country, age, account, on, followers


@pytest.mark.parametrize("country", MARKETS)
def test_no_action_names_a_programme_closed_to_the_creator(country):
    """Across markets, ages, account types, dates and two follower levels: every action (title, text and reasons)
    names only programmes the plan's own table shows as open to this creator, save the rules that explain what
    is closed; and the growth section's milestone opens only programmes open to them."""
    for _, age, account, on, followers in (case for case in advice_cases() if case[0] == country):
        plan = advise(creator(country=country, age=age, account_type=account, followers=followers,
                              likes_30d=1_200), as_of=on)
        closed = closed_to(plan)
        for item in plan.recommendations:
            allowed = EXPLAINS.get(item.rule, set())
            for program in closed - allowed:
                for text in (item.title, item.text, *item.because):
                    assert not named(text, program), (item.rule, program, country, age, account, on, text)
        assert not closed & set(plan.growth["milestone_unlocks"]), (country, age, account, on)


@pytest.mark.parametrize("country", LISTED)
def test_a_minors_plan_names_only_what_opens_at_18_in_their_market_on_that_date(country):
    for on in DATES:
        plan = advise(creator(country=country, age=15), as_of=on)
        adult = advise(creator(country=country, age=30), as_of=on)
        text = next(item.text for item in plan.recommendations if item.rule == "minors.plan")
        for item in adult.eligibility:
            if item.status in ("not_offered", "closed") and item.program in NAMES:
                assert not named(text.split("Until then")[0], item.program), (country, on, item.program, text)


# --- the growth milestones, as a creator reads them ---------------------------------------------------------------------

def milestone(plan, rule: str):
    return next(item for item in plan.recommendations if item.rule == rule)


def both_formats(plan) -> tuple[str, dict[str, Any]]:
    return render(plan, "md"), json.loads(render(plan, "json"))


@pytest.mark.parametrize("country", ["KR", "CA", "IN_BEFORE_BLOCK"])
def test_where_shop_is_not_offered_the_first_milestone_opens_live_gifts_only(country):
    on = dt.date(2026, 11, 20)
    if country == "IN_BEFORE_BLOCK":
        country, on = "IN", dt.date(2020, 6, 1)
    plan = advise(creator(country=country), as_of=on)
    item = milestone(plan, "growth.next_milestone_first")
    assert item.title == "Reach 1,000 followers to unlock LIVE gifts"
    assert "let you go LIVE and receive gifts, the first way to earn on TikTok" in item.text
    assert plan.program("shop_affiliate").status == "not_offered"
    markdown, data = both_formats(plan)
    assert "Reach 1,000 followers to unlock LIVE gifts\n" in markdown
    assert not named(markdown.split("## Programmes")[0], "shop_affiliate")  # "not offered in ..." only
    advice = next(entry for entry in data["recommendations"] if entry["rule"] == "growth.next_milestone_first")
    assert "TikTok Shop" not in advice["title"] + advice["text"]
    assert data["growth"]["milestone_unlocks"] == ["live_gifts"]


def test_where_shop_is_offered_at_the_same_number_the_first_milestone_names_both():
    plan = advise(creator(country="US"), as_of=dt.date(2026, 11, 20))
    item = milestone(plan, "growth.next_milestone_first")
    assert item.title == "Reach 1,000 followers to unlock LIVE gifts and TikTok Shop"
    assert "apply as a TikTok Shop affiliate, the first two ways to earn on TikTok" in item.text
    assert sorted(plan.growth["milestone_unlocks"]) == ["live_gifts", "shop_affiliate"]
    markdown, data = both_formats(plan)
    assert "Reach 1,000 followers to unlock LIVE gifts and TikTok Shop" in markdown


@pytest.mark.parametrize("on, why", [
    (dt.date(2022, 6, 1), "no TikTok Shop in the US before 2023-09-12"),
    (dt.date(2023, 10, 1), "Shop open, but affiliates needed 5,000 followers until May 2024"),
])
def test_in_the_us_before_shop_asked_for_1000_followers_the_milestone_names_live_gifts_only(on, why):
    plan = advise(creator(country="US"), as_of=on)
    item = milestone(plan, "growth.next_milestone_first")
    assert item.title == "Reach 1,000 followers to unlock LIVE gifts", why
    assert "TikTok Shop" not in item.text, why
    assert plan.growth["milestone_unlocks"] == ["live_gifts"], why


@pytest.mark.parametrize("country, title, opens", [
    ("US", "Reach 10,000 followers to unlock Creator Rewards",
     "unlock Creator Rewards, Subscription, Creator Marketplace and Series, and reach the follower count"),
    # South Korea: Creator Marketplace asks for 50,000 followers there, so 10,000 does not open it.
    ("KR", "Reach 10,000 followers to unlock Creator Rewards", "unlock Creator Rewards, Subscription and Series,"),
    ("VN", "Reach 10,000 followers to unlock Creator Marketplace and Series",
     "unlock Creator Marketplace and Series, and reach the follower count most brands look for before they pay "
     "for a post (Creator Rewards is not offered in Vietnam on this date)"),
    ("CA", "Reach 10,000 followers to unlock Subscription, Creator Marketplace and Series",
     "(Creator Rewards is not offered in Canada on this date)"),
])
def test_the_second_milestone_names_what_10000_followers_open_in_that_market(country, title, opens):
    plan = advise(creator(country=country, followers=5_000), as_of=dt.date(2026, 11, 20))
    item = milestone(plan, "growth.next_milestone_second")
    assert item.title == title
    assert opens in item.text
    markdown, data = both_formats(plan)
    assert title in markdown
    advice = next(entry for entry in data["recommendations"] if entry["rule"] == "growth.next_milestone_second")
    assert advice["title"] == title and opens in advice["text"]
    if plan.program("creator_rewards").status == "not_offered":
        assert "join Creator Rewards" not in item.text and "build the audience those programmes need" in item.text


def test_a_business_account_is_not_told_10000_followers_open_creator_rewards():
    plan = advise(creator(country="US", followers=5_000, account_type="business"), as_of=dt.date(2026, 11, 20))
    item = milestone(plan, "growth.next_milestone_second")
    assert item.title == "Reach 10,000 followers to unlock Subscription and Series"
    assert "Creator Rewards" not in item.title + item.text
    assert "Creator Marketplace" not in item.title + item.text


# --- other texts that named programmes everywhere ------------------------------------------------------------------------

def texts(plan) -> str:
    return "\n".join(f"{item.title}\n{item.text}" for item in plan.recommendations)


@pytest.mark.parametrize("country, shop", [("US", True), ("KR", False), ("CA", False), ("VN", True)])
def test_affiliate_advice_points_to_tiktok_shop_only_where_it_is_offered(country, shop):
    plan = advise(creator(country=country, followers=5_000, likes_30d=1_200), as_of=dt.date(2026, 11, 20))
    item = milestone(plan, "program.affiliate_marketing")
    assert ("TikTok Shop's affiliate programme" in item.text) is shop
    if not shop:
        assert f"brands' own programmes: TikTok Shop is not offered in {country_name(country)}" in item.text


@pytest.mark.parametrize("country, age", [("US", 15), ("US", 17), ("KR", 18), ("VN", 16)])
def test_a_minor_is_not_told_money_comes_from_brand_deals(country, age):
    plan = advise(creator(country=country, age=age, followers=50_000, views_30d=400_000, likes_30d=40_000),
                  as_of=dt.date(2026, 11, 20))
    likes = milestone(plan, "earnings.likes_do_not_pay")
    assert "brand" not in likes.text and "Creator Rewards" not in likes.text
    assert "None of it pays you before" in likes.text
    markdown = render(plan, "md")
    body = markdown.split("## Programmes")[0]
    assert "brand deals" not in body.replace("no brand deals", "")
    assert "media kit" not in body and "joint LIVE" not in body


def test_likes_advice_lists_the_ways_to_earn_open_in_that_market():
    def money_line(country, on=dt.date(2026, 11, 20), **extra):
        plan = advise(creator(country=country, followers=5_000, **extra), as_of=on)
        text = milestone(plan, "earnings.likes_do_not_pay").text
        return text[text.index("Money comes from"):]
    assert money_line("US") == "Money comes from views on videos over a minute, LIVE gifts, shop commissions and " \
                               "brand deals."
    assert money_line("KR") == "Money comes from views on videos over a minute, LIVE gifts and brand deals."
    assert money_line("CA") == "Money comes from LIVE gifts and brand deals."
    assert money_line("VN") == "Money comes from LIVE gifts, shop commissions and brand deals."
    assert money_line("US", dt.date(2021, 6, 1)) == "Money comes from views, through the Creator Fund, LIVE gifts " \
                                                    "and brand deals."


@pytest.mark.parametrize("on, opens", [
    (dt.date(2024, 6, 1), "put your effort into LIVE gifts and brand deals where you qualify."),
    (dt.date(2025, 6, 1), "put your effort into LIVE gifts, Subscription, TikTok Shop and brand deals where you "
                          "qualify."),
])
def test_where_the_fund_closed_with_no_successor_the_plan_names_what_runs_there_on_that_date(on, opens):
    plan = advise(creator(country="IT", followers=5_000), as_of=on)
    assert opens in milestone(plan, "program.creator_fund_retired_no_successor").text


def test_a_minor_where_the_fund_closed_is_not_sent_to_brand_deals():
    plan = advise(creator(country="ES", age=16, followers=5_000), as_of=dt.date(2026, 11, 20))
    text = milestone(plan, "program.creator_fund_retired_no_successor").text
    assert text.endswith("so TikTok pays nothing per view here.")


@pytest.mark.parametrize("country, on, listed, absent", [
    ("US", dt.date(2026, 11, 20), "(Creator Rewards, LIVE gifts, Subscription, TikTok Shop, Creator Marketplace and "
                                  "Series)", ()),
    ("KR", dt.date(2026, 11, 20), "(Creator Rewards, LIVE gifts, Subscription, Creator Marketplace and Series)",
     ("TikTok Shop",)),
    ("VN", dt.date(2026, 11, 20), "(LIVE gifts, TikTok Shop, Creator Marketplace and Series)",
     ("Creator Rewards", "Subscription")),
    ("US", dt.date(2022, 6, 1), "(the Creator Fund, LIVE gifts and Creator Marketplace)",
     ("Creator Rewards", "TikTok Shop", "Series", "Subscription")),
])
def test_a_minors_plan_lists_the_programmes_of_their_market_and_date(country, on, listed, absent):
    plan = advise(creator(country=country, age=16), as_of=on)
    text = milestone(plan, "minors.plan").text
    assert f"TikTok opens its money features {listed} at" in text
    for name in absent:
        assert name not in text.split("Until then")[0]
    assert listed in render(plan, "md") and listed in json.loads(render(plan, "json"))["recommendations"][0]["text"]


def test_a_business_account_where_creator_rewards_does_not_run_is_offered_creator_marketplace_only():
    plan = advise(creator(country="VN", followers=5_000, account_type="business"), as_of=dt.date(2026, 11, 20))
    item = milestone(plan, "account.business_to_personal")
    assert item.title == "A personal account would open Creator Marketplace"
    assert item.text.startswith("Business accounts cannot join Creator Marketplace (nor Creator Rewards, which is "
                                "not offered in Vietnam anyway). Switching to a personal account")
    assert "opens it once you also reach 10,000 followers" in item.text

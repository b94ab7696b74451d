"""Each fact of advisor.plan.metrics on profiles whose numbers were worked out by hand."""

from __future__ import annotations

import datetime as dt
import math

import pytest

from advisor.plan.facts import CREATOR_FACTS
from advisor.plan.metrics import creator_facts, growth_projection
from advisor.profile.reading import parse_profile

AS_OF = dt.date(2024, 3, 31)
DECLARED = {spec.name: spec.type for spec in CREATOR_FACTS}


def _profile(**data):
    return parse_profile({"handle": "ana", "as_of": AS_OF, "followers": 2000, **data})


def _assert_well_formed(facts: dict) -> None:
    for name, value in facts.items():
        assert name in DECLARED, name
        assert value is not None
        kind = DECLARED[name]
        if kind == "number":
            assert type(value) is float and math.isfinite(value), (name, value)
        elif kind == "integer":
            assert type(value) is int, (name, value)


def test_rates_from_30_day_totals() -> None:
    facts = creator_facts(_profile(views_30d=40000, likes_30d=3000, comments_30d=120, shares_30d=80, saves_30d=200,
                                   posts_30d=8, total_likes=90000, age=30, country="DE", joined="2024-01-01"))
    _assert_well_formed(facts)
    assert facts["engagement_rate"] == 0.08  # (3000 + 120 + 80) / 40000
    assert facts["engagement_rate_followers"] == 0.2  # (3200 / 8) / 2000
    assert facts["likes_per_view"] == 0.075
    assert facts["comments_per_1k_views"] == 3.0
    assert facts["shares_per_1k_views"] == 2.0
    assert facts["saves_per_1k_views"] == 5.0
    assert facts["views_per_follower"] == 20.0
    assert facts["avg_views_per_post"] == 5000.0
    assert facts["posts_per_week"] == 1.86667  # 8 * 7 / 30, to 6 significant digits
    assert facts["account_age_days"] == 90  # 2024-01-01 .. 2024-03-31 (a leap year)
    assert facts["as_of"] == AS_OF and facts["country"] == "DE" and facts["total_likes"] == 90000
    assert "video_count" not in facts and "follower_growth_30d" not in facts


def test_zero_denominators_leave_rates_out() -> None:
    facts = creator_facts(_profile(followers=0, views_30d=0, likes_30d=0, comments_30d=0, shares_30d=0, saves_30d=0,
                                   posts_30d=0))
    _assert_well_formed(facts)
    for rate in ("engagement_rate", "engagement_rate_followers", "likes_per_view", "comments_per_1k_views",
                 "shares_per_1k_views", "saves_per_1k_views", "views_per_follower", "avg_views_per_post"):
        assert rate not in facts
    assert facts["posts_per_week"] == 0.0 and facts["views_30d"] == 0


def test_a_missing_part_leaves_the_rate_out() -> None:
    facts = creator_facts(_profile(views_30d=1000, likes_30d=50))
    assert facts["likes_per_view"] == 0.05 and "engagement_rate" not in facts and "posts_per_week" not in facts


def test_tiny_rates_stay_finite_floats() -> None:
    facts = creator_facts(_profile(followers=10**12, views_30d=10**12, likes_30d=100000, comments_30d=1,
                                   shares_30d=0, posts_30d=1))
    _assert_well_formed(facts)
    assert facts["likes_per_view"] == 1e-7
    assert facts["comments_per_1k_views"] == 1e-9
    assert facts["engagement_rate_followers"] == pytest.approx(1.00001e-7)


def test_video_facts() -> None:
    videos = [
        {"posted": "2024-03-29", "duration_s": 90, "views": 6000, "sound": "trending"},
        {"posted": "2024-03-20", "duration_s": 30, "views": 3000, "sound": "original"},
        {"posted": "2024-03-10", "duration_s": 61, "views": 1000},
        {"posted": "2024-03-01", "duration_s": 300, "views": 99999, "sound": "trending"},  # 30 days back: out
    ]
    profile = _profile(videos=videos)
    facts = creator_facts(profile)
    _assert_well_formed(facts)
    assert profile.views_30d == 10000 and profile.posts_30d == 3
    assert facts["video_count"] == 4
    assert facts["days_since_last_post"] == 2
    assert facts["avg_duration_s"] == 60.3333  # (90 + 30 + 61) / 3
    assert facts["long_video_share"] == 0.666667
    assert facts["qualified_views_30d"] == 7000  # 60 s exactly would not count; 61 s does
    assert facts["trending_sound_share"] == 0.666667  # of the three videos that name their sound
    assert facts["original_sound_share"] == 0.333333
    assert facts["top_video_view_share"] == 0.6
    assert facts["posts_per_week"] == 0.7


def test_video_facts_with_gaps_and_no_recent_videos() -> None:
    facts = creator_facts(_profile(videos=[{"posted": "2024-03-20", "views": 10}, {"posted": "2024-03-25"}]))
    assert "qualified_views_30d" not in facts and "avg_duration_s" not in facts
    assert "top_video_view_share" not in facts and "trending_sound_share" not in facts
    old = creator_facts(_profile(videos=[{"posted": "2023-12-01", "duration_s": 75, "views": 5}]))
    assert old["video_count"] == 1 and old["days_since_last_post"] == 121 and old["qualified_views_30d"] == 0
    assert "avg_duration_s" not in old and "top_video_view_share" not in old  # no views in the window
    empty = creator_facts(_profile(videos=[]))
    assert empty["video_count"] == 0 and "days_since_last_post" not in empty


def test_given_total_is_the_denominator_of_the_top_video_share() -> None:
    facts = creator_facts(_profile(views_30d=1000, videos=[{"posted": "2024-03-30", "views": 4000}]))
    assert facts["top_video_view_share"] == 1.0  # a video's lifetime views may exceed the window's total


@pytest.mark.parametrize("days_back, growth, rate", [
    (30, 500, 0.333333),   # 1500 -> 2000
    (40, 375, 0.230769),   # 500 gained in 40 days is 375 in 30; 2000 - 375 = 1625 before
    (20, 750, 0.6),
])
def test_follower_growth_30d(days_back: int, growth: int, rate: float) -> None:
    history = [{"date": AS_OF - dt.timedelta(days=days_back), "followers": 1500}]
    facts = creator_facts(_profile(history=history))
    assert (facts["follower_growth_30d"], facts["follower_growth_rate_30d"]) == (growth, rate)


def test_follower_growth_picks_the_snapshot_nearest_30_days() -> None:
    history = [{"date": AS_OF - dt.timedelta(days=days), "followers": followers}
               for days, followers in ((60, 100), (33, 1000), (22, 1200), (3, 1900))]
    facts = creator_facts(_profile(history=history))
    assert facts["follower_growth_30d"] == 909  # (2000 - 1000) * 30 / 33


@pytest.mark.parametrize("days_back", [19, 46])
def test_follower_growth_needs_a_snapshot_20_to_45_days_back(days_back: int) -> None:
    history = [{"date": AS_OF - dt.timedelta(days=days_back), "followers": 1500}]
    facts = creator_facts(_profile(history=history))
    assert "follower_growth_30d" not in facts and "follower_growth_rate_30d" not in facts


def test_shrinking_account_has_negative_growth() -> None:
    facts = creator_facts(_profile(followers=900, history=[{"date": "2024-03-01", "followers": 1000}]))
    assert facts["follower_growth_30d"] == -100 and facts["follower_growth_rate_30d"] == -0.1


def test_growth_projection_on_a_linear_history() -> None:
    # 100 followers a day: 1000 on 2024-03-01, 2000 on 2024-03-11, 3000 on AS_OF 2024-03-21.
    profile = parse_profile({"handle": "a", "as_of": "2024-03-21", "followers": 3000,
                             "history": [{"date": "2024-03-01", "followers": 1000},
                                         {"date": "2024-03-11", "followers": 2000}]})
    assert growth_projection(profile, 10000) == (100.0, dt.date(2024, 5, 30))  # 70 days after as_of
    assert growth_projection(profile, 3050) == (100.0, dt.date(2024, 3, 22))  # part of a day rounds up
    assert growth_projection(profile, 3000) == (100.0, None)  # already there


def test_growth_projection_needs_history() -> None:
    assert growth_projection(_profile(), 10000) == (None, None)
    short = _profile(history=[{"date": "2024-03-26", "followers": 1000}])  # spans 5 days only
    assert growth_projection(short, 10000) == (None, None)


def test_growth_projection_when_not_growing() -> None:
    flat = _profile(history=[{"date": "2024-03-01", "followers": 2000}])
    assert growth_projection(flat, 10000) == (0.0, None)
    shrinking = _profile(history=[{"date": "2024-03-01", "followers": 2300}])
    assert growth_projection(shrinking, 10000) == (-10.0, None)


def test_growth_projection_beyond_the_calendar() -> None:
    slow = _profile(history=[{"date": "2024-03-01", "followers": 1970}])  # 1 a day
    assert growth_projection(slow, 10**12) == (1.0, None)

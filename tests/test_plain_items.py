"""The one-pass check of plainly valid videos and history (advisor/profile/plain_items.py) decides exactly what the full
walk and schema check decide: the same profile, or the same problems, for lists of any content and any limits."""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import advisor.profile.plain_items
from advisor.profile import reading as profile_module
from advisor.errors import ProfileError
from advisor.profile.reading import parse_profile
from engine.documents import Limits

AS_OF = dt.date(2024, 6, 1)
BASE = {"handle": "creator", "followers": 12000, "as_of": "2024-06-01"}

VALUES: list[Any] = [
    0, 1, 17, -1, 10**12, 10**12 + 1, 10**40, 1.0, 2.5, -0.0, math.nan, math.inf, 1e6, 1e6 + 1, True, False, None,
    "", "x", "trending", "original", "Trending", "a\u00e9", "\ud800", "\U0001f600", "2024-05-20", "2024-06-02",
    "2024-02-30", "2024-W01-1", "20240520", "\u0662\u0660\u0662\u0664-05-20", "2015-01-01", " 2024-05-20",
    dt.date(2024, 5, 20), dt.date(2024, 7, 1), dt.datetime(2024, 5, 20, 10, 0), [], [1], {}, {"a": 1},
]
KEYS: list[Any] = ["posted", "duration_s", "views", "likes", "comments", "shares", "saves", "sound", "title", "id",
                   "date", "followers", "views_30d", "x-note", "viewz", "Views", 1, "", type("Text", (str,), {})("likes")]

plain_video = st.fixed_dictionaries(
    {"posted": st.sampled_from(["2024-05-20", "2024-05-31", "2024-04-01", dt.date(2024, 5, 25)])},
    optional={"views": st.integers(0, 10**6), "likes": st.integers(0, 10**5), "duration_s": st.floats(0, 600),
              "sound": st.sampled_from(["trending", "original"]), "title": st.text(max_size=8)})
plain_snapshot = st.fixed_dictionaries(
    {"date": st.sampled_from(["2024-05-01", dt.date(2024, 4, 1)]), "followers": st.integers(0, 10**6)},
    optional={"views_30d": st.integers(0, 10**6)})


def one_odd(plain: st.SearchStrategy[dict[str, Any]]) -> st.SearchStrategy[Any]:
    """Plain items around at most one that is not: a key set to an edge value or removed, or no mapping at all."""
    odd = st.one_of(
        st.builds(lambda item, key, value: {**item, key: value}, plain, st.sampled_from(KEYS),
                  st.sampled_from(VALUES)),
        st.builds(lambda item, key: {k: v for k, v in item.items() if k != key}, plain, st.sampled_from(KEYS)),
        st.dictionaries(st.sampled_from(KEYS), st.sampled_from(VALUES), max_size=4),
        st.sampled_from(VALUES))
    return st.builds(lambda before, middle, after: before + middle + after, st.lists(plain, max_size=3),
                     st.lists(odd, max_size=1), st.lists(plain, max_size=3))


limits = st.one_of(st.just(Limits()), st.just(Limits()), st.just(Limits()),
                   st.builds(Limits, max_depth=st.integers(2, 4)), st.builds(Limits, max_nodes=st.integers(10, 80)))


def outcome(data: dict[str, Any], limits: Limits) -> Any:
    try:
        return parse_profile(data, source="p", limits=limits)
    except ProfileError as error:
        return [(problem.path, problem.message) for problem in error.problems]


def both(data: dict[str, Any], limits: Limits = Limits()) -> tuple[Any, Any]:
    plain_lists = profile_module._PLAIN_LISTS
    fast = outcome(data, limits)
    try:
        profile_module._PLAIN_LISTS = {}  # every list through the walk and the schema check
        return fast, outcome(data, limits)
    finally:
        profile_module._PLAIN_LISTS = plain_lists


@settings(max_examples=500, deadline=None, database=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow])
@given(videos=one_odd(plain_video), history=one_odd(plain_snapshot), limits=limits)
def test_the_one_pass_and_the_full_check_agree(videos, history, limits):
    fast, full = both({**BASE, "videos": videos, "history": history}, limits)
    assert fast == full


@pytest.mark.parametrize("key", KEYS, ids=repr)
def test_every_edge_value_under_every_key_is_decided_alike(key):
    video = {"posted": "2024-05-20", "views": 900, "sound": "original", "title": "a"}
    snapshot = {"date": "2024-05-01", "followers": 11000}
    for value in VALUES:
        for data in ({**BASE, "videos": [video, {**video, key: value}]},
                     {**BASE, "history": [snapshot, {**snapshot, key: value}]}):
            fast, full = both(data)
            assert fast == full, (key, value)


def test_a_plain_profile_takes_the_one_pass(monkeypatch):
    # Without this the tests above could pass with the one pass never taken.
    taken = []
    check = advisor.profile.plain_items.check_plain

    def spy(*args):
        taken.append(check(*args))
        return taken[-1]

    monkeypatch.setattr(profile_module, "check_plain", spy)
    profile = parse_profile({**BASE, "videos": [{"posted": "2024-05-20", "views": 900, "likes": 90,
                                                 "duration_s": 12.5, "sound": "original", "title": "Caf\u00e9"}],
                             "history": [{"date": dt.date(2024, 5, 1), "followers": 11000}]}, source="p")
    assert len(taken) == 2 and None not in taken
    assert profile.videos[0].views == 900 and profile.videos[0].posted == dt.date(2024, 5, 20)
    assert profile.history[0].followers == 11000


@pytest.mark.parametrize("video, words", [
    ({"posted": "2024-05-20", "views": 2.0}, "expected a whole number"),
    ({"posted": "2024-05-20", "views": 10**12 + 1}, "must be at most 1000000000000"),
    ({"posted": "2024-06-02"}, "2024-06-02 is after as_of"),
    ({"posted": "2024-W01-1"}, "expected a date written YYYY-MM-DD"),
    ({"posted": "2024-05-20", "sound": "Trending"}, "got 'Trending'; did you mean 'trending'"),
    ({"posted": "2024-05-20", "viewz": 3}, "unknown key 'viewz'"),
    ({"views": 3}, "missing required key 'posted'"),
])
def test_a_video_that_is_not_plain_is_still_reported(video, words):
    with pytest.raises(ProfileError) as caught:
        parse_profile({**BASE, "videos": [{"posted": "2024-05-20"}, video]}, source="p")
    assert words in str(caught.value) and "videos[1]" in str(caught.value)

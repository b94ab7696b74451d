"""The profile contract: good files load and normalise; every bad file fails with its exact, located message.

The corpus under tests/corpus/profiles holds one case per file. A bad file's sibling `.expected` is the exact
str(ProfileError); a good file's sibling `.expected` is its normalised `to_dict()` as JSON. Run with
UPDATE_EXPECTED=1 to rewrite the `.expected` files after a deliberate change of wording (then review the diff).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
from pathlib import Path

import pytest

from advisor.errors import ProfileError
from advisor.profile.model import Profile, Video
from advisor.profile.reading import load_profile, parse_profile

CORPUS = Path(__file__).resolve().parent / "corpus" / "profiles"
UPDATE = os.environ.get("UPDATE_EXPECTED") == "1"


def _inputs(folder: str) -> list[Path]:
    return sorted(p for p in (CORPUS / folder).iterdir() if p.suffix in (".yaml", ".json"))


def _compare(expected_file: Path, actual: str) -> None:
    if UPDATE:
        expected_file.write_text(actual, encoding="utf-8")
    assert actual == expected_file.read_text(encoding="utf-8")


@pytest.mark.parametrize("path", _inputs("bad"), ids=lambda p: p.name)
def test_bad_profile_fails_with_exact_located_message(path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(path.parent)  # messages then name the file as the user typed it
    with pytest.raises(ProfileError) as caught:
        load_profile(path.name)
    message = str(caught.value)
    _compare(path.with_suffix(".expected"), message + "\n")
    assert re.search(rf"(^|\n  ){re.escape(path.name)}:\d+:\d+: ", message), message
    assert all(problem.file == path.name and problem.line for problem in caught.value.problems)


def test_bad_corpus_is_big_enough() -> None:
    assert len(_inputs("bad")) >= 15
    assert all(p.with_suffix(".expected").exists() for p in _inputs("bad"))


@pytest.mark.parametrize("path", _inputs("good"), ids=lambda p: p.name)
def test_good_profile_loads_and_normalises(path: Path) -> None:
    profile = load_profile(path)
    assert profile.source == str(path)
    normalised = json.dumps(profile.to_dict(), indent=2, ensure_ascii=False) + "\n"
    _compare(path.with_suffix(".expected"), normalised)
    again = parse_profile(json.loads(normalised), source="again")  # the normal form is itself a valid profile
    assert again.to_dict() == profile.to_dict()


def test_yaml_and_json_read_the_same() -> None:
    from_json = load_profile(CORPUS / "good" / "minimal.json")
    assert from_json.handle == "bakes_with_ana" and from_json.as_of == dt.date(2024, 3, 6)
    assert from_json.views_30d == 61000 and from_json.annotations == {"x-exported-by": "a spreadsheet"}


def test_byte_order_mark_is_accepted() -> None:
    assert load_profile(CORPUS / "good" / "bom.yaml").handle == "ana"


def test_html_in_text_is_data_and_survives_untouched() -> None:
    profile = load_profile(CORPUS / "good" / "html_handle.yaml")
    assert profile.handle == "<b>x</b>&amp;<script>alert(1)</script>"
    assert profile.to_dict()["handle"] == profile.handle and profile.to_dict()["niche"] == "<i>baking</i>"


def test_to_dict_keeps_contract_order_and_annotations() -> None:
    data = load_profile(CORPUS / "good" / "derived.yaml").to_dict()
    assert list(data) == ["handle", "as_of", "followers", "views_30d", "likes_30d", "comments_30d", "shares_30d",
                          "saves_30d", "posts_30d", "videos", "history", "audience", "x-source"]
    assert data["x-source"] == {"tool": "manual", "read": "2024-03-31"}
    assert data["videos"][2]["x-note"] == "exactly 30 days back, so out"
    assert data["audience"]["x-from"] == "analytics tab"
    json.dumps(data, allow_nan=False)


# --- derivation of the 30-day totals from videos -------------------------------------------------------------

def _videos(*days_back: int, as_of: dt.date = dt.date(2024, 3, 31)) -> list[dict]:
    return [{"posted": as_of - dt.timedelta(days=days), "views": 100 * (i + 1), "likes": 10, "comments": 1,
             "shares": 2, "saves": 3} for i, days in enumerate(days_back)]


def test_window_is_the_30_days_up_to_as_of() -> None:
    profile = parse_profile({"handle": "a", "as_of": "2024-03-31", "followers": 10, "videos": _videos(30, 29, 0)})
    assert [v.posted for v in profile.recent_videos()] == [dt.date(2024, 3, 2), dt.date(2024, 3, 31)]
    assert profile.posts_30d == 2
    assert profile.views_30d == 200 + 300  # the video exactly 30 days back (100 views) is out
    assert (profile.likes_30d, profile.comments_30d, profile.shares_30d, profile.saves_30d) == (20, 2, 4, 6)
    assert profile.derived == {"views_30d", "likes_30d", "comments_30d", "shares_30d", "saves_30d", "posts_30d"}


def test_given_totals_win_over_videos() -> None:
    profile = load_profile(CORPUS / "good" / "derived.yaml")
    assert profile.likes_30d == 999 and "likes_30d" not in profile.derived
    assert profile.views_30d == 4000 and profile.posts_30d == 2 and "views_30d" in profile.derived


def test_a_total_is_not_derived_from_incomplete_videos() -> None:
    videos = _videos(1, 2)
    del videos[1]["views"]
    profile = parse_profile({"handle": "a", "as_of": "2024-03-31", "followers": 10, "videos": videos})
    assert profile.views_30d is None and "views_30d" not in profile.derived and profile.likes_30d == 20


def test_no_videos_no_derivation_and_empty_list_means_none_posted() -> None:
    assert parse_profile({"handle": "a", "followers": 1, "as_of": "2024-03-31"}).derived == frozenset()
    empty = parse_profile({"handle": "a", "followers": 1, "as_of": "2024-03-31", "videos": []})
    assert empty.posts_30d == 0 and empty.views_30d == 0 and empty.videos == ()


def test_as_of_argument_overrides_the_file_and_moves_the_window() -> None:
    profile = load_profile(CORPUS / "good" / "derived.yaml", as_of=dt.date(2024, 4, 20))
    assert profile.as_of == dt.date(2024, 4, 20) and profile.views_30d == 3000 and profile.posts_30d == 1
    assert profile.to_dict()["as_of"] == "2024-04-20"
    moved = parse_profile(profile.to_dict(include_derived=False), as_of=dt.date(2024, 3, 31))
    assert moved.views_30d == 4000 and moved.derived >= {"views_30d"}


def test_as_of_defaults_to_today() -> None:
    assert parse_profile({"handle": "a", "followers": 1}).as_of == dt.date.today()


# --- mappings from callers -----------------------------------------------------------------------------------

def test_mapping_accepts_dates_tuples_and_iso_text() -> None:
    profile = parse_profile({"handle": "a", "followers": 5, "as_of": dt.date(2024, 3, 6),
                             "videos": ({"posted": "2024-03-01", "duration_s": 12},)})
    assert profile.videos == (Video(posted=dt.date(2024, 3, 1), duration_s=12.0),)
    assert isinstance(profile, Profile) and profile.source == "<profile>"


def test_mapping_problems_name_source_and_key_path_without_lines() -> None:
    with pytest.raises(ProfileError) as caught:
        parse_profile({"handle": "a", "followers": 5, "as_of": "2024-03-06",
                       "videos": [{"posted": "2024-03-01", "viwes": 3}]}, source="api")
    assert str(caught.value) == "api: videos[0].viwes: unknown key 'viwes'; did you mean 'views'?"
    assert caught.value.problems[0].line is None


@pytest.mark.parametrize("value, message", [
    (float("nan"), "followers: expected a finite number, got nan"),
    (float("inf"), "followers: expected a finite number, got inf"),
    (10**5000, "followers: a number with more than 4,000 digits is too large"),
    (-10**40, "followers: a number with 42 digits is too large"),
    (dt.datetime(2024, 3, 1, 12, 0), "followers: expected a whole number, got text ('2024-03-01T12:00:00')"),
    ({1, 2}, "followers: unsupported value of type set"),
], ids=["nan", "inf", "5000-digits", "42-digits", "datetime", "set"])
def test_mapping_values_that_yaml_cannot_produce(value: object, message: str) -> None:
    with pytest.raises(ProfileError) as caught:
        parse_profile({"handle": "a", "followers": value, "as_of": "2024-03-06"})
    assert str(caught.value) == f"<profile>: {message}"


def test_mapping_rejects_times_and_compact_dates_and_non_text_keys() -> None:
    with pytest.raises(ProfileError) as caught:
        parse_profile({"handle": "a", "followers": 1, "as_of": dt.datetime(2024, 3, 6, 9, 30),
                       "joined": "20210504", 7: "x", "x-free": {"n": float("-inf")}})
    assert [str(p) for p in caught.value.problems] == [
        "<profile>: as_of: expected a date written YYYY-MM-DD, got 2024-03-06 09:30:00",
        "<profile>: joined: expected a date written YYYY-MM-DD, got '20210504'",
        "<profile>: key 7 is not text",
        "<profile>: x-free.n: expected a finite number, got -inf",
    ]


def test_caller_as_of_before_launch_is_reported() -> None:
    with pytest.raises(ProfileError, match=r"as_of: 2015-01-01 is before TikTok's launch \(2016-09-01\) "
                                           r"\(given by the caller\)"):
        parse_profile({"handle": "a", "followers": 1}, as_of=dt.date(2015, 1, 1))


def test_every_problem_is_reported_at_once() -> None:
    with pytest.raises(ProfileError) as caught:
        parse_profile({"handle": "@a", "followers": -1, "country": "de", "zzz": 1, "as_of": "2024-03-06"})
    assert len(caught.value.problems) == 4
    assert str(caught.value).startswith("4 problems in the profile:\n  <profile>: ")


def test_missing_file_is_a_profile_error() -> None:
    with pytest.raises(ProfileError, match=r"nowhere\.yaml: file not found"):
        load_profile(CORPUS / "nowhere.yaml")


def test_a_mapping_that_contains_itself_is_a_clean_error() -> None:
    data: dict = {"handle": "a", "followers": 1, "as_of": "2024-03-06"}
    data["x-loop"] = data
    with pytest.raises(ProfileError, match=r"nesting is too deep \(the limit is 64 levels\)$"):
        parse_profile(data)

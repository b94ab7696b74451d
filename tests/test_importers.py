"""Importers: TikTok's own data (Display API v2 pages, Research API records, the data export) as profiles, through
the library and through `creator-advisor import` / `plan`. Every fixture is synthetic (tests/fixtures/importers)."""

from __future__ import annotations

import copy
import datetime as dt
import json
from pathlib import Path

import pytest
import yaml

from advisor.api import advise, render
from advisor.errors import ImportSourceError, ProfileError
from advisor.profile.importers import (SHAPES, detect, import_files, import_sources, profile_from_path,
                               profile_from_record)
from advisor.profile.reading import load_profile
from test_cli import assert_one_error_line, run

TESTS = Path(__file__).resolve().parent
ROOT = TESTS.parent
FIXTURES = TESTS / "fixtures" / "importers"
AS_OF = dt.date(2026, 11, 20)


def fixture(name: str) -> Path:
    return FIXTURES / name


def data(name: str) -> dict:
    return json.loads(fixture(name).read_text(encoding="utf-8"))


def import_data(*sources: tuple[str, object], as_of: dt.date | None = AS_OF, handle: str | None = None):
    return import_sources(list(sources), as_of=as_of, handle=handle)


def error_text(excinfo) -> str:
    return str(excinfo.value)


# --- detect ----------------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("name, shape", [
    ("display_user_info.json", "tiktok-display-api/user-info"),
    ("display_videos_page1.json", "tiktok-display-api/video-list"),
    ("display_error.json", "tiktok-api/error"),
    ("research_user_info.json", "tiktok-research-api/user-info"),
    ("research_videos.json", "tiktok-research-api/video-query"),
    ("research_record.json", "tiktok-research-api/record"),
    ("user_data_tiktok.json", "tiktok-data-export"),
    ("user_data_tiktok_old.json", "tiktok-data-export"),
])
def test_detect_recognises_each_shape(name, shape):
    assert detect(data(name)) == shape
    assert shape in SHAPES


@pytest.mark.parametrize("value", [
    {"handle": "x", "followers": 10},
    {"followers": 10, "videos": []},
    {"handle": "x", "data": {"user": {}}},  # a profile with a typo is a profile, reported as one
    {"something": "else"},
    [1, 2],
    "text",
    None,
])
def test_detect_leaves_profiles_and_unknown_data_alone(value):
    assert detect(value) is None


# --- Display API -----------------------------------------------------------------------------------------------------

def test_user_info_and_two_video_pages_make_one_profile():
    result = import_files([fixture("display_user_info.json"), fixture("display_videos_page1.json"),
                           fixture("display_videos_page2.json")], as_of=AS_OF)
    profile = result.profile
    assert profile.handle == "synthetic_baker"
    assert profile.followers == 12400 and profile.total_likes == 402000
    ids = [video.id for video in profile.videos]
    assert ids == ["7300000000000000011", "7300000000000000010", "7300000000000000009",
                   "7300000000000000008", "7300000000000000007"]  # the video on both pages once, newest first
    first = profile.videos[0]
    assert (first.posted, first.duration_s, first.views, first.likes, first.comments, first.shares, first.title) \
        == (dt.date(2026, 11, 18), 74.0, 15200, 1900, 120, 88, "Sourdough, day 3")
    # 30-day totals are derived from the videos after 2026-10-21: all but the 2026-10-10 one
    assert profile.views_30d == 15200 + 8800 + 22100 + 6100
    assert profile.posts_30d == 4
    assert result.warnings == []
    assert profile.annotations["x-display-name"] == "Synthetic Baker 🍞"
    assert profile.annotations["x-video-count"] == 57
    assert [item["source"] for item in profile.annotations["x-imported-from"]] == [
        "tiktok-display-api/user-info", "tiktok-display-api/video-list", "tiktok-display-api/video-list"]


def test_epoch_seconds_are_read_as_utc_days():
    page = data("display_videos_page1.json")
    page["data"]["videos"] = [{"id": "1", "create_time": 1795132799}]  # 2026-11-19 23:59:59 UTC
    result = import_data(("u.json", data("display_user_info.json")), ("v.json", page))
    assert result.profile.videos[0].posted == dt.date(2026, 11, 19)


def test_has_more_without_the_next_page_is_a_warning_the_plan_shows():
    result = import_files([fixture("display_user_info.json"), fixture("display_videos_page1.json")], as_of=AS_OF)
    assert len(result.warnings) == 1
    warning = result.warnings[0]
    assert "display_videos_page1.json: has_more is true but no further page was given" in warning
    assert "30-day totals" in warning
    plan = advise(result.profile)
    assert warning in plan.warnings
    assert warning.replace("_", "\\_") in render(plan, "md").replace("\n  ", " ")


def test_api_error_envelope_names_the_file_and_the_code():
    with pytest.raises(ImportSourceError) as excinfo:
        import_files([fixture("display_error.json")], as_of=AS_OF)
    message = error_text(excinfo)
    assert message.startswith(f"{fixture('display_error.json')}: error.code: ")
    assert "access_token_invalid" in message and "The access token is invalid" in message


def test_error_envelope_on_a_page_with_data_is_still_an_error():
    page = data("display_videos_page1.json")
    page["error"] = {"code": "rate_limit_exceeded", "message": "Too many requests", "log_id": "x"}
    with pytest.raises(ImportSourceError, match="v.json: error.code: .*rate_limit_exceeded"):
        import_data(("u.json", data("display_user_info.json")), ("v.json", page))


def test_truncated_page_names_the_file_line_and_says_it_was_cut_short():
    with pytest.raises(ImportSourceError) as excinfo:
        import_files([fixture("display_user_info.json"), fixture("display_videos_truncated.json")], as_of=AS_OF)
    message = error_text(excinfo)
    assert message.startswith(f"{fixture('display_videos_truncated.json')}:")
    assert "cut short" in message
    problem = excinfo.value.problems[0]
    assert problem.line is not None and problem.column is not None


def test_missing_follower_count_names_the_field_and_the_scope():
    with pytest.raises(ImportSourceError) as excinfo:
        import_files([fixture("display_user_info_no_followers.json")], as_of=AS_OF)
    assert error_text(excinfo) == (f"{fixture('display_user_info_no_followers.json')}: data.user.follower_count: "
                                   "missing (request it with the user.info.stats scope)")


def test_every_bad_field_of_a_page_is_reported_at_once():
    page = data("display_videos_page1.json")
    del page["data"]["videos"][0]["create_time"]
    page["data"]["videos"][1]["view_count"] = "lots"
    page["data"]["videos"][2]["like_count"] = -3
    with pytest.raises(ImportSourceError) as excinfo:
        import_data(("u.json", data("display_user_info.json")), ("v.json", page))
    paths = [(p.file, p.path) for p in excinfo.value.problems]
    assert paths == [("v.json", "data.videos[0].create_time"), ("v.json", "data.videos[1].view_count"),
                     ("v.json", "data.videos[2].like_count")]
    assert "3 problems" in error_text(excinfo)


def test_a_page_without_its_videos_list_is_an_error_naming_it():
    with pytest.raises(ImportSourceError, match=r"v.json: data.videos: missing"):
        import_data(("u.json", data("display_user_info.json")),
                    ("v.json", {"data": {"cursor": 0, "has_more": False}, "error": {"code": "ok"}}))


def test_video_pages_alone_have_no_followers():
    with pytest.raises(ImportSourceError, match="follower_count: no source gives the account's followers"):
        import_files([fixture("display_videos_page1.json")], as_of=AS_OF)


def test_two_accounts_are_refused():
    with pytest.raises(ImportSourceError, match="research_record.json: gives the account a second time"):
        import_files([fixture("display_user_info.json"), fixture("research_record.json")], as_of=AS_OF)


def test_video_after_as_of_is_an_error_naming_its_field():
    with pytest.raises(ImportSourceError) as excinfo:
        import_files([fixture("display_user_info.json"), fixture("display_videos_page1.json")],
                     as_of=dt.date(2026, 11, 15))
    problem = excinfo.value.problems[0]
    assert problem.file.endswith("display_videos_page1.json")
    assert problem.path == "data.videos[0].create_time"
    assert "after as_of (2026-11-15)" in problem.message


def test_handle_option_wins_and_missing_username_needs_it():
    info = data("display_user_info.json")
    del info["data"]["user"]["username"]
    with pytest.raises(ImportSourceError, match="give --handle"):
        import_data(("u.json", info))
    assert import_data(("u.json", info), handle="given_name").profile.handle == "given_name"


# --- Research API ----------------------------------------------------------------------------------------------------

def test_research_user_info_and_video_query():
    result = import_files([fixture("research_user_info.json"), fixture("research_videos.json")], as_of=AS_OF)
    profile = result.profile
    assert profile.handle == "synthetic_runner"  # from the videos' username: the user info does not repeat it
    assert profile.followers == 2300
    assert [video.saves for video in profile.videos] == [66, 30, 41]  # favorites_count
    assert [video.duration_s for video in profile.videos] == [45.0, 28.0, 71.0]  # video_duration
    assert profile.saves_30d == 137
    assert profile.videos[0].id == "7310000000000000003"


def test_research_record_alone_is_a_whole_profile():
    profile = import_files([fixture("research_record.json")], as_of=AS_OF).profile
    assert (profile.handle, profile.followers, profile.total_likes, len(profile.videos)) == \
        ("synthetic_runner", 2300, 51000, 3)


def test_research_query_of_several_accounts_needs_a_handle_and_then_keeps_its_videos():
    query = data("research_videos.json")
    other = copy.deepcopy(query["data"]["videos"][0])
    other.update(id=1, username="somebody_else")
    query["data"]["videos"].append(other)
    info = ("info.json", data("research_user_info.json"))
    with pytest.raises(ImportSourceError, match="2 accounts .*give --handle"):
        import_data(info, ("q.json", query))
    result = import_data(info, ("q.json", query), handle="synthetic_runner")
    assert len(result.profile.videos) == 3
    assert any("1 video by other accounts than synthetic_runner was left out" in w for w in result.warnings)


# --- the data export -------------------------------------------------------------------------------------------------

def test_data_export_reads_profile_map_and_posts():
    result = import_files([fixture("user_data_tiktok.json")], as_of=AS_OF)
    profile = result.profile
    assert profile.handle == "synthetic_potter"
    assert profile.followers == 4820
    assert profile.total_likes is None  # likesReceived is the text "None"
    assert profile.country == "GB"  # accountRegion "gb"
    assert profile.age == 25  # birthDate 2001-03-14, as of 2026-11-20
    assert [(v.posted, v.likes, v.id) for v in profile.videos] == [
        (dt.date(2026, 11, 17), 318, "7320000000000000003"),  # "2026-11-17 20:14:09 UTC", Likes "318"
        (dt.date(2026, 11, 5), 97, "7320000000000000002"),
        (dt.date(2026, 9, 28), 1204, "7320000000000000001")]  # Likes "1,204"
    assert profile.annotations["x-following"] == 211


def test_data_export_has_no_views_and_the_plan_says_what_it_could_not_judge():
    result = import_files([fixture("user_data_tiktok.json")], as_of=AS_OF)
    assert any("no view counts" in warning for warning in result.warnings)
    profile = result.profile
    assert profile.views_30d is None and all(video.views is None for video in profile.videos)
    assert profile.likes_30d == 318 + 97 and profile.posts_30d == 2
    plan = advise(profile)
    assert "engagement_rate" not in plan.metrics
    assert plan.engagement["verdict"] == "unknown"
    assert plan.program("creator_rewards").status != "eligible"
    assert any("videos carry no view counts" in warning for warning in plan.warnings)
    assert any(warning.startswith("views_30d is unknown") for warning in plan.warnings)
    assert all(estimate["program"] != "creator_rewards" for estimate in plan.earnings["estimates"])


def test_older_export_layout_and_follower_list():
    result = import_files([fixture("user_data_tiktok_old.json")], as_of=AS_OF)
    profile = result.profile
    assert profile.handle == "synthetic_weaver"
    assert profile.followers == 3  # no followerCount: the FansList entries under Activity
    assert any("follower list" in warning for warning in result.warnings)
    assert profile.videos[0].likes is None  # Likes "None"
    assert profile.likes_30d is None  # not derived from a video without likes


def test_export_with_an_empty_post_section_has_no_videos():
    profile = import_files([fixture("user_data_tiktok_empty_posts.json")], as_of=AS_OF).profile
    assert profile.videos == () and profile.posts_30d == 0
    assert profile.followers == 150 and profile.total_likes == 0


@pytest.mark.parametrize("empty", [None, [], {}, ""])
@pytest.mark.parametrize("where", ["section", "posts", "list"])
def test_export_empty_sections_in_every_form(empty, where):
    export = data("user_data_tiktok.json")
    if where == "section":
        export["Post"] = empty
    elif where == "posts":
        export["Post"]["Posts"] = empty
    else:
        export["Post"]["Posts"]["VideoList"] = empty
    profile = import_data(("user_data_tiktok.json", export)).profile
    assert profile.followers == 4820
    assert not profile.videos


def test_export_without_a_profile_names_the_missing_section():
    with pytest.raises(ImportSourceError) as excinfo:
        import_files([fixture("user_data_tiktok_no_profile.json")], as_of=AS_OF)
    assert "Profile And Settings.Profile Info.ProfileMap: missing or empty" in error_text(excinfo)


def test_export_bad_values_name_their_fields():
    export = data("user_data_tiktok.json")
    export["Profile And Settings"]["Profile Info"]["ProfileMap"]["followerCount"] = "many"
    export["Post"]["Posts"]["VideoList"][1]["Date"] = "yesterday"
    with pytest.raises(ImportSourceError) as excinfo:
        import_data(("export.json", export))
    paths = [problem.path for problem in excinfo.value.problems]
    assert paths == ["Profile And Settings.Profile Info.ProfileMap.followerCount",
                     "Post.Posts.VideoList[1].Date"]


def test_export_without_as_of_is_judged_today_utc_and_says_so():
    result = import_data(("user_data_tiktok.json", data("user_data_tiktok.json")), as_of=None)
    assert result.profile.as_of == dt.datetime.now(dt.timezone.utc).date()
    assert any("carries no date" in warning for warning in result.warnings)


def test_unknown_json_is_refused_naming_the_file():
    with pytest.raises(ImportSourceError, match=r"x.json: a JSON object of no shape the importers know"):
        import_data(("x.json", {"hello": "world"}))


# --- plan and batch read these files directly ------------------------------------------------------------------------

def test_profile_from_path_imports_a_known_shape_and_loads_profiles_as_before(tmp_path):
    assert profile_from_path(fixture("user_data_tiktok.json"), as_of=AS_OF).handle == "synthetic_potter"
    assert profile_from_path(TESTS / "corpus" / "profiles" / "good" / "minimal.json").followers >= 0
    with pytest.raises(ProfileError) as excinfo:  # malformed JSON that is no API page: the profile's message
        profile_from_path(TESTS / "corpus" / "profiles" / "bad" / "unclosed.json")
    assert "unclosed.json:2:1: the JSON stops before it is complete" in str(excinfo.value)


def test_profile_from_record_takes_a_research_record_or_a_profile():
    assert profile_from_record(data("research_record.json"), source="in.jsonl:3", as_of=AS_OF).followers == 2300
    assert profile_from_record({"handle": "a", "followers": 5}, source="in.jsonl:4").handle == "a"
    with pytest.raises(ImportSourceError) as excinfo:
        profile_from_record({"follower_count": "x"}, source="in.jsonl:5", as_of=AS_OF)
    assert str(excinfo.value) == "in.jsonl:5: follower_count: expected a whole number, got 'x'"


def test_plan_reads_a_data_export_directly():
    result = run("plan", fixture("user_data_tiktok.json"), "--as-of", "2026-11-20")
    assert result.exit_code == 0, result.stderr
    assert result.stdout.startswith("# Your plan, @synthetic\\_potter")
    assert "videos carry no view counts" in result.stdout


def test_plan_on_an_api_error_is_one_error_line():
    assert_one_error_line(run("plan", fixture("display_error.json")), "display_error.json: error.code:",
                          "access_token_invalid")


def test_plan_on_a_truncated_page_is_one_error_line():
    assert_one_error_line(run("plan", fixture("display_videos_truncated.json")), "display_videos_truncated.json:",
                          "cut short")


# --- creator-advisor import ------------------------------------------------------------------------------------------

def test_import_writes_a_profile_that_plans_the_same(tmp_path):
    target = tmp_path / "profile.yaml"
    sources = [fixture("display_user_info.json"), fixture("display_videos_page1.json"),
               fixture("display_videos_page2.json")]
    result = run("import", *sources, "--as-of", "2026-11-20", "-o", target)
    assert result.exit_code == 0, result.stderr
    assert result.stderr == f"Wrote {target}\n"
    text = target.read_text(encoding="utf-8")
    assert text.startswith("# Imported by creator-advisor from ")
    loaded = load_profile(target)
    imported = import_files(sources, as_of=AS_OF).profile
    assert loaded.to_dict() == imported.to_dict()
    assert yaml.safe_load(text)["videos"][0]["id"] == "7300000000000000011"  # ids stay text
    plan = run("plan", target, "--format", "json")
    assert json.loads(plan.stdout)["profile"]["handle"] == "synthetic_baker"


def test_import_to_standard_output_with_warnings_on_standard_error():
    result = run("import", fixture("user_data_tiktok.json"), "--as-of", "2026-11-20", "--handle", "renamed")
    assert result.exit_code == 0, result.stderr
    assert yaml.safe_load(result.stdout)["handle"] == "renamed"
    assert "Warning: Imported from TikTok's data export, which has no view counts" in result.stderr


def test_failed_import_writes_nothing(tmp_path):
    target = tmp_path / "profile.yaml"
    result = run("import", fixture("display_user_info_no_followers.json"), "-o", target)
    assert_one_error_line(result, "data.user.follower_count: missing")
    assert list(tmp_path.iterdir()) == []


def test_import_missing_file_is_one_error_line(tmp_path):
    assert_one_error_line(run("import", tmp_path / "nope.json"), "nope.json: file not found")


def test_importing_a_profile_says_it_already_is_one():
    with pytest.raises(ImportSourceError, match="p.json: is already a profile"):
        import_data(("p.json", {"handle": "a", "followers": 3}))

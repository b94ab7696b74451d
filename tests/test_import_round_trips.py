"""`import` writes what `plan` reads back as it was, and says when its sources repeat or disagree (issue 13,
item 10; a caller's Limits and duplicate keys are in test_json_input.py)."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from advisor.api import advise
from advisor.profile.importers import import_files, profile_yaml
from engine.documents.yaml_source import dump_yaml, parse_yaml_text

from test_cli import run

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "importers"
AS_OF = dt.date(2026, 11, 20)
AMBIGUOUS = ["1e5", "0123", "1_000", ".5", "+1", "yes", "no", "on", "off", "true", "null", "~", "2024-01-01",
             "1:30", "0x1F", ".inf", "NaN", "-.5e3", "12:30:00"]


def _page(name: str) -> dict:
    return json.loads((FIXTURES / name).read_text(encoding="utf-8"))


@pytest.mark.parametrize("text", AMBIGUOUS)
def test_text_that_looks_like_another_type_reads_back_as_text(text):
    data = {"handle": text, "videos": [{"title": text, "id": text}], "x-note": text}
    assert parse_yaml_text(dump_yaml(data, sort_keys=False), "x.yaml").data == data


def test_an_imported_profile_with_a_numeric_looking_handle_and_titles_plans_as_imported(tmp_path):
    user = _page("display_user_info.json")
    user["data"]["user"]["username"] = "1e5"
    videos = _page("display_videos_page1.json")
    for video, title in zip(videos["data"]["videos"], AMBIGUOUS):
        video["title"] = title
    (tmp_path / "user.json").write_text(json.dumps(user), encoding="utf-8")
    (tmp_path / "videos.json").write_text(json.dumps(videos), encoding="utf-8")
    result = run("import", tmp_path / "user.json", tmp_path / "videos.json", "--as-of", "2026-11-20",
                 "-o", tmp_path / "profile.yaml")
    assert result.exit_code == 0, result.stderr
    plan = advise(tmp_path / "profile.yaml")
    assert plan.profile.handle == "1e5"
    titles = [video.title for video in plan.profile.videos]
    assert sorted(titles) == sorted(AMBIGUOUS[:len(titles)])


def test_the_same_page_given_twice_is_read_once_and_said(tmp_path):
    page = FIXTURES / "display_videos_page1.json"
    copy = tmp_path / "page1-again.json"
    copy.write_bytes(page.read_bytes())
    once = import_files([FIXTURES / "display_user_info.json", page], as_of=AS_OF)
    twice = import_files([FIXTURES / "display_user_info.json", page, copy], as_of=AS_OF)
    assert len(twice.data["videos"]) == len(once.data["videos"])
    assert twice.profile.views_30d == once.profile.views_30d
    assert f"{copy} holds the same data as {page}: it was read once." in twice.warnings
    written = parse_yaml_text(profile_yaml(twice), "profile.yaml").data
    assert f"{copy} holds the same data as {page}: it was read once." in written["x-import-warnings"]


def test_one_video_with_two_different_counts_keeps_the_later_reading_and_says_so(tmp_path):
    first = _page("display_videos_page1.json")
    later = json.loads(json.dumps(first))
    later["data"]["videos"] = later["data"]["videos"][:1]
    video_id = later["data"]["videos"][0]["id"]
    views = later["data"]["videos"][0]["view_count"]
    later["data"]["videos"][0]["view_count"] = views + 500
    (tmp_path / "a.json").write_text(json.dumps(first), encoding="utf-8")
    (tmp_path / "b.json").write_text(json.dumps(later), encoding="utf-8")
    result = import_files([FIXTURES / "display_user_info.json", tmp_path / "a.json", tmp_path / "b.json"],
                          as_of=AS_OF)
    (video,) = [video for video in result.data["videos"] if video["id"] == video_id]
    assert video["views"] == views + 500
    assert (f"video {video_id} has {views:,} views in {tmp_path / 'a.json'} and {views + 500:,} in "
            f"{tmp_path / 'b.json'}: the larger was kept.") in result.warnings

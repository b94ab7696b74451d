""".json profiles are read as JSON (engine/documents/json_source.py), and `plan`, `batch` and the importers agree on them.

YAML reads most JSON, but refuses what `json.dump` writes for an emoji (a surrogate pair escape) and keys over
1,024 characters, and accepts a trailing comma JSON does not allow. Duplicate keys were refused by `plan` and
taken (the last one winning) by `batch` and the importers. A caller's Limits held for profiles but not for
TikTok's own files, and `plan` read an export of any size that `import` refused.
"""

from __future__ import annotations

import datetime as dt
import json
import sys
from pathlib import Path

import pytest

from advisor.api import Advisor, advise
from advisor.errors import ImportSourceError, ProfileError
from advisor.profile.importers import _common, import_files, profile_from_path
from engine.documents import Limits

from test_batch import plan_lines
from test_cli import run

TESTS = Path(__file__).resolve().parent
FIXTURES = TESTS / "fixtures" / "importers"
PROFILE = {"handle": "baker", "followers": 12000, "views_30d": 90000, "country": "US", "age": 30,
           "as_of": "2024-06-01"}


def test_a_json_profile_with_escaped_emoji_and_a_long_key_is_read(tmp_path):
    path = tmp_path / "p.json"
    profile = {**PROFILE, "niche": "baking \U0001f370", "x-" + "k" * 2000: "annotation"}
    path.write_text(json.dumps(profile), encoding="utf-8")  # ensure_ascii: "\ud83c\udf70"
    assert "\\ud83c" in path.read_text(encoding="utf-8")
    assert advise(path).profile.niche == "baking \U0001f370"
    result = run("plan", path, "-f", "json")
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["profile"]["niche"] == "baking \U0001f370"


@pytest.mark.parametrize("text, place, words", [
    ('{"handle": "a", "followers": 5,}', *(("1:31", "not valid JSON: Illegal trailing comma before end of object")
                                           if sys.version_info >= (3, 13) else  # Python 3.13's json words it so
                                           ("1:32", "not valid JSON: Expecting property name enclosed in double quotes"))),
    ('{"handle": "a",\n "followers": 5,\n "followers": 6}', "3:2", "duplicate key 'followers' (first at line 2)"),
    ('{"handle": "a", "followers": 5} // a comment', "1:33", "not valid JSON: Extra data"),
    ('{"handle": "a", "followers": 5, "views_30d": NaN}', "1:46", "NaN is not a number JSON allows"),
], ids=["trailing comma", "duplicate key", "comment", "NaN"])
def test_json_that_is_not_json_is_refused_at_its_place_by_plan_and_batch(tmp_path, text, place, words):
    path = tmp_path / "p.json"
    path.write_text(text, encoding="utf-8")
    result = run("plan", path)
    assert result.exit_code == 1
    assert result.stderr == f"Error: {path}:{place}: {words}\n"
    folder = tmp_path / "folder"
    folder.mkdir()
    (folder / "p.json").write_text(text, encoding="utf-8")
    result = run("batch", folder, "--jobs", "1")
    assert result.exit_code == 1
    assert f"{folder / 'p.json'}:{place}: {words}" in result.stderr


def test_a_jsonl_line_with_a_key_twice_is_refused_by_batch_as_by_plan(tmp_path):
    source = tmp_path / "in.jsonl"
    source.write_text(json.dumps(PROFILE) + "\n" + '{"handle": "a", "followers": 5, "followers": 50000}\n',
                      encoding="utf-8")
    target = tmp_path / "out.jsonl"
    result = run("batch", source, "-o", target, "--jobs", "1")
    assert result.exit_code == 1
    assert f"{source}:2: duplicate key 'followers' (first at line 1) (column 33)" in result.stderr
    assert [plan["profile"]["handle"] for plan in plan_lines(target)] == ["baker"]


def test_the_importers_refuse_a_key_given_twice_at_its_place(tmp_path):
    page = json.loads((FIXTURES / "display_user_info.json").read_text(encoding="utf-8"))
    text = json.dumps(page, indent=1)
    text = text.replace('"user": {', '"user": {\n"follower_count": 1,', 1)
    path = tmp_path / "user_info.json"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ImportSourceError) as caught:
        import_files([path], as_of=dt.date(2026, 11, 20))
    assert "duplicate key 'follower_count'" in str(caught.value)
    assert caught.value.problems[0].line is not None
    with pytest.raises(ImportSourceError):
        profile_from_path(path)


def test_a_callers_limits_hold_for_tiktoks_files_too():
    export = FIXTURES / "user_data_tiktok.json"
    size = export.stat().st_size
    advise(export)  # within the defaults
    with pytest.raises(ProfileError) as caught:
        Advisor(limits=Limits(max_bytes=size - 1)).advise(export)
    assert str(caught.value) == f"{export}: file is {size:,} bytes; the limit is {size - 1:,} bytes"
    with pytest.raises((ProfileError, ImportSourceError)) as caught:
        Advisor(limits=Limits(max_depth=2)).advise(export)
    assert "nesting is too deep (the limit is 2 levels)" in str(caught.value)


def test_plan_reads_no_export_larger_than_import_does(tmp_path):
    export = tmp_path / "user_data_tiktok.json"
    with open(export, "wb") as stream:  # an export's first bytes, then a hole: sparse, nothing really written
        stream.write(b'{"Profile": {"Profile Information": {"ProfileMap": {"userName": "a"}}}, "Video": ')
        stream.truncate(_common.MAX_IMPORT_BYTES + 1)
    expected = f"file is {_common.MAX_IMPORT_BYTES + 1:,} bytes; the limit is {_common.MAX_IMPORT_BYTES:,} bytes"
    with pytest.raises(ImportSourceError) as by_import:
        import_files([export])
    with pytest.raises(ProfileError) as by_plan:
        profile_from_path(export)
    assert str(by_import.value) == str(by_plan.value) == f"{export}: {expected}"

"""Someone else's text never drives the terminal or reorders a report (advisor/terminal.py).

Keys, file names, TikTok API messages, handles and niches are written by others. On a terminal an escape sequence
sets the title, clears the screen or hides what follows; bidi controls (U+202E, U+2066...) make a handle read
backwards. Every line the commands write (errors included) shows such characters as escapes, and so do the
summary and the Markdown and HTML reports.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from advisor.reports import summary
from advisor.api import advise, render
from advisor.terminal import BIDI_CONTROLS, safe_text

from test_batch import write_jsonl
from test_cli import run

ESCAPES = ("\x1b", "\x07", "\x9b", "\r")
BIDI = tuple(BIDI_CONTROLS)
TITLE = "\x1b]0;owned\x07"  # sets the terminal's title
CLEAR = "\x1b[2J\x1b[H"  # clears the screen
HIDE = "\x1b[8m"  # hides the text that follows


def _raw(text: str) -> list[str]:
    return [char for char in (*ESCAPES, *BIDI) if char in text]


def test_a_key_path_with_escape_sequences_is_shown_escaped_in_the_error(tmp_path):
    profile = tmp_path / "p.yaml"
    profile.write_text(f'handle: a\nfollowers: 5\n"{CLEAR}folowers{HIDE}": 3\n'.replace("\x1b", "\\e"),
                       encoding="utf-8")
    result = run("plan", profile, "-f", "md")
    assert result.exit_code == 1
    assert _raw(result.stderr) == []
    assert "\\x1b[2J\\x1b[Hfolowers\\x1b[8m" in result.stderr


@pytest.mark.parametrize("command", ["plan", "batch"])
def test_a_file_name_with_escape_sequences_is_shown_escaped(tmp_path, command):
    name = tmp_path / f"{TITLE}profile{CLEAR}.yaml"
    result = run(command, name)  # does not exist: click's own error, and ours
    assert result.exit_code in (1, 2)
    assert _raw(result.stderr) == [], result.stderr
    assert "\\x1b]0;owned\\x07profile" in result.stderr


def test_a_failing_file_in_a_batch_folder_is_named_escaped(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / f"bad{CLEAR}.yaml").write_text("handle: [\n", encoding="utf-8")
    result = run("batch", folder, "--jobs", "1")
    assert result.exit_code == 1
    assert _raw(result.stderr) == [], result.stderr
    assert "bad\\x1b[2J\\x1b[H.yaml" in result.stderr


def test_a_tiktok_api_error_message_is_shown_escaped(tmp_path):
    source = tmp_path / "user.json"
    source.write_text(json.dumps({"data": {}, "error": {"code": "access_token_invalid",
                                                        "message": f"{CLEAR}{HIDE}rm -rf ~ \u202e",
                                                        "log_id": TITLE}}), encoding="utf-8")
    for command in (["import", source], ["plan", source]):
        result = run(*command)
        assert result.exit_code == 1
        assert _raw(result.stderr) == [], result.stderr
        assert "access_token_invalid" in result.stderr and "\\x1b[2J" in result.stderr


def test_a_batch_record_error_is_shown_escaped(tmp_path):
    source = tmp_path / "in.jsonl"
    write_jsonl(source, 2, bad={2: json.dumps({"handle": "a", "followers": 5, f"{TITLE}x": 1})})
    result = run("batch", source, "--jobs", "1")
    assert result.exit_code == 1
    assert _raw(result.stderr) == [], result.stderr
    assert "\\x1b]0;owned\\x07x" in result.stderr


HOSTILE = {"handle": "gnilk\u202ebaker", "followers": 12000, "views_30d": 90000, "country": "US", "age": 30,
           "niche": f"baking{TITLE}{CLEAR}\u2066hidden\u2069 \u061c"}


@pytest.mark.parametrize("fmt", ["md", "html"])
def test_reports_show_bidi_and_control_characters_as_escapes(fmt):
    report = render(advise(HOSTILE), fmt)
    assert _raw(report) == []
    assert "gnilk\\u202ebaker" in report.replace("\\\\", "\\")
    assert "\\x1b]0;owned\\x07" in report.replace("\\\\", "\\").replace("\\]", "]")


def test_the_json_plan_keeps_the_data_as_it_was():
    data = json.loads(render(advise(HOSTILE), "json"))
    assert data["profile"]["handle"] == HOSTILE["handle"]
    assert data["profile"]["niche"] == HOSTILE["niche"]


def test_the_terminal_summary_shows_no_control_or_bidi_character(monkeypatch, tmp_path):
    profile = tmp_path / f"{TITLE}.yaml"
    profile.write_text(json.dumps(HOSTILE), encoding="utf-8")
    plan = advise(HOSTILE).to_dict()
    text = summary.terminal_summary(plan, command=[str(profile)], colour=False)
    assert _raw(text) == []
    assert "@gnilk\\u202ebaker" in text
    assert "\\x1b]0;owned\\x07.yaml" in text


def test_safe_text_keeps_lines_and_right_to_left_letters():
    assert safe_text("שלום\nمرحبا\tok") == "שלום\nمرحبا\tok"
    assert safe_text("\x1b[2J\u202e") == "\\x1b[2J\\u202e"
    assert safe_text(Path("a\x07")) == "a\\x07"

"""`-o FILE` chooses the report format from the file's name when --format is absent; a contradiction is an error
that writes nothing; `--explain` adds the appendix."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from test_cli import run

BAKER = Path(__file__).resolve().parent.parent / "examples" / "rising-baker-6k.yaml"


@pytest.mark.parametrize("name, starts", [("plan.html", "<!doctype html>"), ("plan.HTM", "<!doctype html>"),
                                          ("plan.json", "{"), ("plan.md", "# Your plan"),
                                          ("plan.report", "# Your plan")])
def test_the_output_name_chooses_the_format(tmp_path, name, starts):
    result = run("plan", BAKER, "-o", tmp_path / name)
    assert result.exit_code == 0, result.stderr
    text = (tmp_path / name).read_text(encoding="utf-8")
    assert text.startswith(starts)
    if name.endswith(".json"):
        assert json.loads(text)["schema_version"] == 1


def test_a_format_that_contradicts_the_extension_is_an_error_and_writes_nothing(tmp_path):
    result = run("plan", BAKER, "--format", "md", "-o", tmp_path / "plan.html")
    assert result.exit_code == 1
    assert "Error: --format md contradicts the output file" in result.stderr
    assert "name the file with .md" in result.stderr
    assert not (tmp_path / "plan.html").exists()


def test_a_format_that_agrees_with_the_extension_is_fine(tmp_path):
    result = run("plan", BAKER, "--format", "json", "-o", tmp_path / "plan.json")
    assert result.exit_code == 0, result.stderr


def test_explain_adds_the_appendix(tmp_path):
    result = run("plan", BAKER, "--explain", "-o", tmp_path / "plan.md")
    assert result.exit_code == 0, result.stderr
    text = (tmp_path / "plan.md").read_text(encoding="utf-8")
    assert "## Appendix: every requirement" in text
    assert "program.live\\_gifts" in text

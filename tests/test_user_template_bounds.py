"""A user's own template (`plan --template`, advisor/reports/user_template.py) is bounded: no globals, includes of plain
files under its folder only, no change to the plan, and a budget on what it builds, outputs and how long it runs.
Rule text's nested bounds are in the hostile corpus (tests/corpus/hostile/rules/render_nested_*)."""

from __future__ import annotations

from pathlib import Path

import pytest

from advisor.reports import user_template
from advisor.api import advise
from advisor.errors import RenderError
from advisor.reports.user_template import render_template

from test_cli import run

BAKER = Path(__file__).resolve().parent.parent / "examples" / "rising-baker-6k.yaml"


def _render(tmp_path: Path, text: str, **files: str) -> str:
    template = tmp_path / "t.md.j2"
    template.write_text(text, encoding="utf-8")
    for name, content in files.items():
        (tmp_path / name).write_text(content, encoding="utf-8")
    return render_template(advise(BAKER).to_dict(), template)


@pytest.mark.parametrize("text", ["{{ range(10) | list }}", "{{ lipsum() }}", "{{ cycler(1, 2).next() }}",
                                  "{{ namespace(a=1).a }}", "{{ joiner()() }}", "{{ dict(a=1) }}"],
                         ids=["range", "lipsum", "cycler", "namespace", "joiner", "dict"])
def test_no_jinja_globals(tmp_path, text):
    with pytest.raises(RenderError, match="is undefined"):
        _render(tmp_path, text)


@pytest.mark.parametrize("text", [
    "{{ 'x' * 10**9 }}",
    "{{ [[1] * 1000] * 1000000 }}",
    "{{ ([[0] * 3000] * 3000) | sum(start=[]) | length }}",
    "{{ 'a' | center(10**9) }}",
    "{{ ('a\\n' * 1000) | indent(10**6) }}",
    "{{ ('a' * 100000) | replace('a', 'bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb') }}",
    "{{ '%999999999d' | format(1) }}",
    "{{ [1] | batch(10**9, 0) | list }}",
], ids=["repeat", "nested repeat", "sum list start", "center", "indent", "replace", "format", "batch"])
def test_what_a_template_builds_is_bounded(tmp_path, text):
    with pytest.raises(RenderError, match="SecurityError"):
        _render(tmp_path, text)


def test_the_output_and_the_time_are_bounded(tmp_path, monkeypatch):
    monkeypatch.setattr(user_template, "MAX_OUTPUT_CHARS", 10_000)
    with pytest.raises(RenderError, match="the report would be over 10,000 characters"):
        _render(tmp_path, "{% for r in plan.trace %}{% for s in plan.trace %}{{ r }}{% endfor %}{% endfor %}")
    monkeypatch.setattr(user_template, "MAX_OUTPUT_CHARS", 10**12)
    monkeypatch.setattr(user_template, "MAX_SECONDS", 1.0)
    loops = "".join("{% for x" + str(n) + " in plan.trace %}" for n in range(6)) + "." + "{% endfor %}" * 6
    with pytest.raises(RenderError, match="rendering took longer than 1 s"):
        _render(tmp_path, loops)


def test_a_template_cannot_change_the_plan_it_renders(tmp_path):
    plan = advise(BAKER).to_dict()
    before = len(plan["eligibility"])
    template = tmp_path / "t.md.j2"
    template.write_text("{{ plan.eligibility.append(1) }}{{ plan.eligibility.pop() }}", encoding="utf-8")
    with pytest.raises(RenderError, match="SecurityError"):
        render_template(plan, template)
    assert len(plan["eligibility"]) == before


def test_includes_read_plain_files_under_the_templates_folder_only(tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP SECRET", encoding="utf-8")
    folder = tmp_path / "templates"
    folder.mkdir()
    (folder / "link.j2").symlink_to(secret)
    (folder / ".env").write_text("PASSWORD=1", encoding="utf-8")
    (folder / "part.j2").write_text("a part", encoding="utf-8")
    for name in ("link.j2", ".env", "../secret.txt"):
        with pytest.raises(RenderError, match="not found beside"):
            _render(folder, "{% include '" + name + "' %}")
    assert _render(folder, "{% include 'part.j2' %}") == "a part"


def test_the_command_reports_a_bounded_template_as_one_error(tmp_path):
    template = tmp_path / "t.md.j2"
    template.write_text("{{ range(10**9) | list }}", encoding="utf-8")
    result = run("plan", BAKER, "--template", template)
    assert result.exit_code == 1
    assert result.stderr.startswith(f"Error: {template}:1: cannot render the template: UndefinedError")

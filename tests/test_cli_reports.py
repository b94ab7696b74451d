"""`creator-advisor plan` as a person at a terminal meets it: a short coloured summary on a terminal, the Markdown
report when piped, and reports through a template of their own (`--template`, documented in docs/templates.md).

A terminal is simulated by replacing `advisor.reports.summary.stdout_is_terminal`, the one check the command uses."""

from __future__ import annotations

import inspect
import os
import re
from pathlib import Path

import pytest
from click.testing import CliRunner
from markdown_it import MarkdownIt

import advisor.reports.summary
from advisor.api import advise, render, render_template
from advisor.cli.main import main
from advisor.errors import RenderError
from advisor.reports.summary import terminal_summary

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = sorted((ROOT / "examples").glob("*.yaml"))
BAKER = ROOT / "examples" / "rising-baker-6k.yaml"
BRIEF = ROOT / "docs" / "templates" / "brief.md.j2"
ANSI = re.compile(r"\x1b\[[0-9;]*m")


def run(*args, env: dict[str, str] | None = None):
    runner = CliRunner(mix_stderr=False) if "mix_stderr" in inspect.signature(CliRunner.__init__).parameters \
        else CliRunner()
    result = runner.invoke(main, [str(arg) for arg in args], prog_name="creator-advisor", env=env)
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise AssertionError(f"creator-advisor {' '.join(map(str, args))} raised:\n{result.stderr}") \
            from result.exception
    return result


@pytest.fixture
def terminal(monkeypatch):
    monkeypatch.setattr(advisor.reports.summary, "stdout_is_terminal", lambda: True)
    monkeypatch.delenv("NO_COLOR", raising=False)


@pytest.fixture
def workdir(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    return tmp_path


# --- the terminal summary -------------------------------------------------------------------------------------------

def test_on_a_terminal_plan_prints_a_short_coloured_summary(terminal):
    result = run("plan", BAKER, env={"NO_COLOR": ""})
    assert result.exit_code == 0, result.stderr
    assert result.stderr == ""
    out = result.stdout
    assert ANSI.search(out), "a terminal gets colour"
    plain = ANSI.sub("", out)
    assert plain.startswith("Your plan, @crumb_and_co, 2026-11-20\n")
    assert "# Monetisation" not in plain and "| Programme |" not in plain  # not the Markdown report
    plan = advise(BAKER).to_dict()
    for programme in plan["eligibility"]:  # a verdict for every programme
        assert re.search(rf"^  [✓✗?○–] {re.escape(programme['name'])}\s", plain, flags=re.M), programme["name"]
    assert "✗ Creator Rewards Program" in plain and "3,160 more followers" in plain
    actions = re.findall(r"^  (\d)\. (.+)$", plain, flags=re.M)
    assert actions == [(str(i), r["title"]) for i, r in enumerate(plan["recommendations"][:3], 1)]
    assert f"creator-advisor plan {BAKER} -o plan.md" in plain
    assert f"creator-advisor plan {BAKER} -o plan.html" in plain
    lines = plain.splitlines()
    assert lines.index("Next 3 actions") < lines.index("Programmes")  # what to do before where you stand
    assert "You can earn now from 3 of 8 programmes." in plain  # the closed Creator Fund is not counted
    assert "why: age: 27 (at least 18); followers: 6,840 (at least 1,000)" in plain
    assert len(plain.splitlines()) < 40, "a summary, not the report"


def test_no_color_turns_the_colour_off(terminal):
    result = run("plan", BAKER, env={"NO_COLOR": "1"})
    assert result.exit_code == 0
    assert "\x1b" not in result.stdout
    assert "Next 3 actions" in result.stdout


def test_piped_plan_prints_the_markdown_as_before():
    result = run("plan", BAKER)  # CliRunner's stdout is not a terminal
    assert result.stdout == render(advise(BAKER), "md")


def test_an_explicit_format_or_output_on_a_terminal_gets_the_report(terminal, workdir):
    assert run("plan", BAKER, "--format", "md").stdout == render(advise(BAKER), "md")
    assert run("plan", BAKER, "-f", "html").stdout.startswith("<!doctype html>")
    result = run("plan", BAKER, "-o", "plan.md")
    assert result.stdout == "" and result.stderr == "Wrote plan.md\n"
    assert (workdir / "plan.md").read_text(encoding="utf-8") == render(advise(BAKER), "md")


def test_the_hint_repeats_the_options_that_shaped_the_plan(terminal):
    rules = ROOT / "rules"
    plain = ANSI.sub("", run("plan", BAKER, "--rules", rules, "--as-of", "2026-12-01").stdout)
    assert f"creator-advisor plan {BAKER} --rules {rules} --as-of 2026-12-01 -o plan.md" in plain
    assert "2026-12-01" in plain.splitlines()[0]


def test_a_bad_profile_on_a_terminal_is_still_one_error_line(terminal, workdir):
    (workdir / "bad.yaml").write_text("handle: x\nfolowers: 3\n", encoding="utf-8")
    result = run("plan", "bad.yaml")
    assert result.exit_code == 1 and result.stdout == ""
    assert result.stderr.startswith("Error: bad.yaml:2:1") and len(result.stderr.splitlines()) == 1


def test_the_summary_strips_control_characters_and_wraps_to_the_terminal():
    plan = advise(BAKER).to_dict()
    plan["profile"]["handle"] = "evil\x1b]0;pwned\x07name"
    plan["eligibility"][1]["name"] = "Creator\x1b[2J Rewards"
    text = terminal_summary(plan, colour=False, width=50)
    assert "\x1b" not in text and "\x07" not in text
    assert "@evil ]0;pwned name" in text
    assert all(len(line) <= 50 for line in text.splitlines() if not line.startswith("  creator-advisor"))
    assert "\x1b[" in terminal_summary(plan, colour=True)


def test_no_color_is_read_as_the_convention_says():
    assert advisor.reports.summary.colour_wanted({}) is True
    assert advisor.reports.summary.colour_wanted({"NO_COLOR": ""}) is True
    assert advisor.reports.summary.colour_wanted({"NO_COLOR": "1"}) is False


# --- custom templates -----------------------------------------------------------------------------------------------

def _parser() -> MarkdownIt:
    return MarkdownIt("commonmark").enable("table")


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda p: p.stem)
def test_the_documented_example_template_renders_every_example(example):
    result = run("plan", example, "--template", BRIEF)
    assert result.exit_code == 0, result.stderr
    plan = advise(example).to_dict()
    assert result.stdout == render_template(advise(example), BRIEF)
    tokens = _parser().parse(result.stdout)
    headings = [tokens[i + 1].content for i, t in enumerate(tokens) if t.type == "heading_open"]
    assert headings[0].startswith("Brief: @") and headings[1:] == ["Earning now", "Closest next", "Do next"]
    items = [t for t in tokens if t.type == "list_item_open"]
    eligible = sum(p["status"] == "eligible" for p in plan["eligibility"])
    assert len(items) == max(eligible, 1) + min(3, len(plan["recommendations"]))
    rows = sum(t.type == "tr_open" for t in tokens)
    open_ = sum(p["status"] in ("not_eligible", "unknown") for p in plan["eligibility"])
    assert rows == (open_ + 1 if open_ else 0)
    assert "None" not in result.stdout


def test_template_output_goes_to_o_whole(workdir):
    result = run("plan", BAKER, "--template", BRIEF, "-o", "brief.md")
    assert result.exit_code == 0 and result.stderr == "Wrote brief.md\n"
    assert (workdir / "brief.md").read_text(encoding="utf-8").startswith("# Brief: @crumb\\_and\\_co")


def test_template_and_format_together_are_a_usage_error():
    result = run("plan", BAKER, "--template", BRIEF, "--format", "html")
    assert result.exit_code == 2
    assert "--template and --format cannot be used together" in result.stderr


def test_an_html_template_is_escaped_and_a_text_one_is_not(workdir):
    profile = ROOT / "tests" / "corpus" / "profiles" / "good" / "html_handle.yaml"
    (workdir / "page.html.j2").write_text("<p>{{ plan.profile.handle }}</p>\n", encoding="utf-8")
    (workdir / "note.txt").write_text("{{ plan.profile.handle }}\n", encoding="utf-8")
    html = run("plan", profile, "--template", "page.html.j2").stdout
    assert html == "<p>&lt;b&gt;x&lt;/b&gt;&amp;amp;&lt;script&gt;alert(1)&lt;/script&gt;</p>\n"
    assert run("plan", profile, "--template", "note.txt").stdout == "<b>x</b>&amp;<script>alert(1)</script>\n"


def test_a_template_may_use_the_charts_and_include_its_neighbours(workdir):
    (workdir / "head.html").write_text("<h1>{{ plan.profile.handle }}</h1>\n", encoding="utf-8")
    (workdir / "page.html").write_text(
        '{% include "head.html" %}{{ plan|growth_chart }}{{ plan.growth.followers|compact }}\n', encoding="utf-8")
    out = run("plan", BAKER, "--template", "page.html").stdout
    assert out.startswith("<h1>crumb_and_co</h1>\n<svg ") and 'role="img"' in out and out.endswith("6.8K\n")


@pytest.mark.parametrize("text, line, message", [
    ("ok\n{{ plan.profile.folowers }}\n", 2, "UndefinedError: 'dict object' has no attribute 'folowers'"),
    ("{% for p in plan.eligibility %}\n{% endif %}\n", 2, "template syntax error: Encountered unknown tag 'endif'"),
    ("a\nb\n{{ plan.__class__.__mro__ }}\n", 3, "SecurityError"),
    ("{{ plan.growth.followers // 0 }}\n", 1, "ZeroDivisionError"),
    ('x\n{% include "missing.md.j2" %}\n', 2, "template 'missing.md.j2' not found"),
])
def test_a_broken_template_is_one_error_line_naming_file_and_line(workdir, text, line, message):
    (workdir / "mine.md.j2").write_text(text, encoding="utf-8")
    result = run("plan", BAKER, "--template", "mine.md.j2", "-o", "out.md")
    assert result.exit_code == 1 and result.stdout == ""
    assert len(result.stderr.splitlines()) == 1, result.stderr
    assert result.stderr.startswith(f"Error: mine.md.j2:{line}: "), result.stderr
    assert message in result.stderr
    assert not (workdir / "out.md").exists()


def test_an_error_in_an_included_template_names_that_file(workdir):
    (workdir / "outer.md.j2").write_text('one\n{% include "inner.md.j2" %}\n', encoding="utf-8")
    (workdir / "inner.md.j2").write_text("fine\nfine\n{{ plan.nope }}\n", encoding="utf-8")
    with pytest.raises(RenderError, match=r"^inner\.md\.j2:3: .*'nope'"):
        render_template(advise(BAKER), "outer.md.j2")


def test_a_missing_or_undecodable_template_is_a_render_error(workdir):
    with pytest.raises(RenderError, match="nope.j2: .*does not exist"):
        render_template(advise(BAKER), "nope.j2")
    (workdir / "latin.md.j2").write_bytes("caf\xe9 {{ plan.as_of }}\n".encode("latin-1"))
    with pytest.raises(RenderError, match="latin.md.j2: the template is not UTF-8"):
        render_template(advise(BAKER), "latin.md.j2")
    result = run("plan", BAKER, "--template", "nope.j2")
    assert result.exit_code == 1 and result.stderr.startswith("Error: nope.j2: ")


def test_the_templates_doc_lists_every_filter():
    from jinja2.sandbox import SandboxedEnvironment

    from advisor.reports.render import build_environment

    documented = (ROOT / "docs" / "templates.md").read_text(encoding="utf-8")
    ours = set(build_environment("md").filters) - set(SandboxedEnvironment().filters)
    missing = sorted(name for name in ours if f"`{name}" not in documented and f"|{name}" not in documented)
    assert not missing, f"filters not in docs/templates.md: {missing}"
    assert os.path.exists(BRIEF)

"""The `creator-advisor` command, test by test as a user meets it: the command typed, what lands on standard output
and standard error, the exit code, and what is (or is not) left in the folder afterwards."""

from __future__ import annotations

import inspect
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import click
import pytest
import yaml
from click.testing import CliRunner

import advisor
from advisor.api import default_rules_dir, load_rules
from advisor.cli.main import main

TESTS = Path(__file__).resolve().parent
ROOT = TESTS.parent

EXAMPLES = sorted((ROOT / "examples").glob("*.yaml"))
FORMATS = ("md", "html", "json")


# --- helpers --------------------------------------------------------------------------------------------------------

def _runner() -> CliRunner:
    # click < 8.2 mixes stderr into stdout unless told not to; 8.2+ keeps them apart and dropped the argument.
    if "mix_stderr" in inspect.signature(CliRunner.__init__).parameters:
        return CliRunner(mix_stderr=False)
    return CliRunner()


def run(*args: str | os.PathLike):
    """`creator-advisor ARGS...`, in-process. An exception the CLI failed to turn into a message fails the test
    here (CliRunner would otherwise swallow it and leave a clean-looking stderr)."""
    result = _runner().invoke(main, [str(arg) for arg in args], prog_name="creator-advisor")
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise AssertionError(f"creator-advisor {' '.join(map(str, args))} raised instead of reporting:\n"
                             f"stderr: {result.stderr}") from result.exception
    return result


def handle_of(example: Path) -> str:
    return yaml.safe_load(example.read_text(encoding="utf-8"))["handle"]


def md_escaped(text: str) -> str:
    return text.replace("_", r"\_")


def write_profile(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def assert_one_error_line(result, *must_contain: str) -> str:
    """Exit 1, nothing on stdout, and exactly one `Error: ...` line on stderr with no traceback."""
    assert result.exit_code == 1, (result.exit_code, result.stdout, result.stderr)
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("Error: "), result.stderr
    assert "Traceback" not in result.stderr
    for text in must_contain:
        assert text in lines[0], (text, lines[0])
    return lines[0]


US_PROFILE = """\
handle: old_timer
as_of: 2026-11-20
country: US
age: 25
account_type: personal
followers: 12000
views_30d: 150000
"""

SIX_K_PROFILE = """\
handle: six_k
as_of: 2026-11-20
country: US
age: 25
account_type: personal
followers: 6000
views_30d: 150000
"""


@pytest.fixture
def workdir(tmp_path, monkeypatch) -> Path:
    """An empty folder the command runs in, so relative `-o` targets and leftovers can be checked."""
    folder = tmp_path / "work"
    folder.mkdir()
    monkeypatch.chdir(folder)
    return folder


@pytest.fixture
def overlay(tmp_path) -> Path:
    """An agency's overlay folder that lowers Creator Rewards' follower threshold to 5,000: the default pack's own
    entry, copied with a new value, source and date."""
    programs = yaml.safe_load((default_rules_dir() / "programs.yaml").read_text(encoding="utf-8"))
    entry = dict(programs["thresholds"]["creator_rewards.min_followers"])
    assert entry["value"] == 10000, "the default pack's threshold changed: update this test's story"
    entry.update(value=5000, source="Agency overlay for tests: Creator Rewards at 5,000 followers",
                 as_of="2026-11-01")
    entry.pop("url", None)
    folder = tmp_path / "agency-overlay"
    folder.mkdir()
    (folder / "thresholds.yaml").write_text(
        yaml.safe_dump({"thresholds": {"creator_rewards.min_followers": entry}}, sort_keys=False),
        encoding="utf-8")
    return folder


def programme(plan: dict, key: str) -> dict:
    return next(item for item in plan["eligibility"] if item["program"] == key)


# --- plan: the happy path -------------------------------------------------------------------------------------------

def test_the_readme_examples_are_there():
    assert len(EXAMPLES) >= 4, EXAMPLES


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda p: p.stem)
def test_plan_defaults_to_markdown_naming_the_creator(example):
    result = run("plan", example)
    assert result.exit_code == 0, result.stderr
    assert result.stderr == ""
    first = result.stdout.splitlines()[0]
    assert first.startswith("# Your plan, @" + md_escaped(handle_of(example)))


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda p: p.stem)
def test_plan_as_html_is_a_page_naming_the_creator(example):
    result = run("plan", example, "--format", "html")
    assert result.exit_code == 0, result.stderr
    assert result.stderr == ""
    assert result.stdout.lstrip().lower().startswith("<!doctype html>")
    assert result.stdout.rstrip().endswith("</html>")
    assert handle_of(example) in result.stdout


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda p: p.stem)
def test_plan_as_json_is_the_schema_1_contract(example):
    result = run("plan", example, "-f", "json")
    assert result.exit_code == 0, result.stderr
    assert result.stderr == ""
    plan = json.loads(result.stdout)
    assert plan["schema_version"] == 1
    assert plan["profile"]["handle"] == handle_of(example)
    assert plan["generator"]["name"] == "creator-advisor"
    assert plan["eligibility"], "every plan judges the programmes"


@pytest.mark.parametrize("fmt", FORMATS)
def test_plan_with_o_writes_the_file_and_says_so_on_stderr(workdir, fmt):
    example = ROOT / "examples" / "rising-baker-6k.yaml"
    result = run("plan", example, "--format", fmt, "-o", f"plan.{fmt}")
    assert result.exit_code == 0, result.stderr
    assert result.stdout == ""
    assert result.stderr == f"Wrote plan.{fmt}\n"
    assert sorted(p.name for p in workdir.iterdir()) == [f"plan.{fmt}"]
    written = (workdir / f"plan.{fmt}").read_text(encoding="utf-8")
    assert written == run("plan", example, "--format", fmt).stdout
    assert "crumb" in written


def test_plan_with_o_replaces_an_existing_report_keeping_its_permissions(workdir):
    target = workdir / "plan.md"
    target.write_text("last week's plan\n", encoding="utf-8")
    target.chmod(0o640)
    result = run("plan", ROOT / "examples" / "starter-300.yaml", "-o", "plan.md")
    assert result.exit_code == 0, result.stderr
    assert target.read_text(encoding="utf-8").startswith("# Your plan, @sunny\\_sketches")
    assert target.stat().st_mode & 0o777 == 0o640
    assert sorted(p.name for p in workdir.iterdir()) == ["plan.md"]


def test_a_new_report_is_readable_like_any_new_file(workdir):
    """A report is often written for someone else (a manager, a web folder): it must not come out private (0600)
    as a raw temporary file would; it gets 0666 less the umask, like `> plan.html`."""
    previous = os.umask(0o022)
    try:
        result = run("plan", ROOT / "examples" / "starter-300.yaml", "--format", "html", "-o", "plan.html")
    finally:
        os.umask(previous)
    assert result.exit_code == 0, result.stderr
    assert (workdir / "plan.html").stat().st_mode & 0o777 == 0o644


# --- plan: bad input ------------------------------------------------------------------------------------------------

BAD_PROFILES = {
    # name: (file text, the located place the message must name)
    "malformed_yaml": ("handle: crumb_and_co\nfollowers: [6840\n", "profile.yaml:3:1:"),
    "negative_count": ("handle: crumb_and_co\nfollowers: -5\n", "profile.yaml:2:12:"),
    "unknown_key": ("handle: crumb_and_co\nfollowers: 6840\ncoments_30d: 655\n", "profile.yaml:3:1:"),
}


@pytest.mark.parametrize("name", sorted(BAD_PROFILES))
def test_bad_profile_is_one_located_error_line_and_no_file(workdir, name):
    text, place = BAD_PROFILES[name]
    write_profile(workdir, "profile.yaml", text)
    result = run("plan", "profile.yaml", "-o", "out.md")
    assert_one_error_line(result, "profile.yaml", place)
    assert sorted(p.name for p in workdir.iterdir()) == ["profile.yaml"], "no report and no temporary file"


def test_unknown_key_error_suggests_the_key_meant(workdir):
    write_profile(workdir, "profile.yaml", BAD_PROFILES["unknown_key"][0])
    line = assert_one_error_line(run("plan", "profile.yaml"))
    assert "coments_30d" in line and "did you mean 'comments_30d'" in line


def test_the_readme_typo_folowers_is_one_located_error_and_writes_nothing(workdir):
    """The README's own example of a bad key: `folowers` typed instead of `followers`. The missing `followers` it
    causes is the same mistake, so the user sees one line: the typo, where it is, and the key they meant."""
    write_profile(workdir, "profile.yaml", "handle: crumb_and_co\nage: 27\nfolowers: 6840\n")
    result = run("plan", "profile.yaml", "-o", "out.md")
    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr == ("Error: profile.yaml:3:1: folowers: unknown key 'folowers'; "
                             "did you mean 'followers'?\n")
    assert sorted(p.name for p in workdir.iterdir()) == ["profile.yaml"]


def test_missing_profile_file_is_one_error_line_naming_it(workdir):
    result = run("plan", "no-such-profile.yaml", "-o", "out.md")
    assert_one_error_line(result, "no-such-profile.yaml", "not found")
    assert list(workdir.iterdir()) == []


def test_a_failed_run_leaves_the_previous_report_untouched(workdir):
    previous = "# Last week's plan\n\nStill good.\n"
    (workdir / "out.md").write_text(previous, encoding="utf-8")
    write_profile(workdir, "profile.yaml", "handle: crumb_and_co\nfollowers: -5\n")
    assert_one_error_line(run("plan", "profile.yaml", "-o", "out.md"), "profile.yaml:2:12:")
    assert (workdir / "out.md").read_text(encoding="utf-8") == previous
    assert sorted(p.name for p in workdir.iterdir()) == ["out.md", "profile.yaml"]


def test_writing_into_a_missing_folder_is_a_clear_error(workdir):
    result = run("plan", ROOT / "examples" / "starter-300.yaml", "-o", "reports/plan.md")
    assert_one_error_line(result, "reports/plan.md", "cannot write the report", "folder reports does not exist")
    assert list(workdir.iterdir()) == []


def test_writing_under_a_file_says_it_is_not_a_folder(workdir):
    (workdir / "notes.txt").write_text("", encoding="utf-8")
    result = run("plan", ROOT / "examples" / "starter-300.yaml", "-o", "notes.txt/plan.md")
    assert_one_error_line(result, "notes.txt/plan.md: cannot write the report: folder notes.txt is not a folder")
    assert sorted(p.name for p in workdir.iterdir()) == ["notes.txt"]


def test_a_disk_that_fails_mid_write_leaves_the_old_report_and_no_temporary(workdir, monkeypatch):
    (workdir / "plan.md").write_text("old\n", encoding="utf-8")

    def disk_full(*args, **kwargs):
        raise OSError(28, "No space left on device")

    with monkeypatch.context() as patch:
        patch.setattr(os, "replace", disk_full)
        result = run("plan", ROOT / "examples" / "starter-300.yaml", "-o", "plan.md")
    assert_one_error_line(result, "plan.md: cannot write the report: No space left on device")
    assert (workdir / "plan.md").read_text(encoding="utf-8") == "old\n"
    assert sorted(p.name for p in workdir.iterdir()) == ["plan.md"]


def test_bad_profile_in_a_real_process_prints_no_traceback(tmp_path):
    """The same promise outside CliRunner: a real interpreter, real stderr."""
    write_profile(tmp_path, "profile.yaml", "handle: crumb_and_co\nfollowers: [6840\n")
    env = {key: value for key, value in os.environ.items() if key != "PYTHONPATH"}
    env["PYTHONPATH"] = str(ROOT)
    completed = subprocess.run([sys.executable, "-m", "advisor.cli", "plan", "profile.yaml"], cwd=tmp_path,
                               env=env, capture_output=True, text=True, timeout=60)
    assert completed.returncode == 1, completed.stderr
    assert completed.stdout == ""
    assert completed.stderr.splitlines() == [completed.stderr.rstrip("\n")]
    assert completed.stderr.startswith("Error: profile.yaml:3:1: malformed YAML")


@pytest.mark.parametrize("fmt", ["md", "html"])
def test_redirected_output_is_utf8_and_equals_the_o_file_whatever_the_locale(tmp_path, fmt):
    """`plan > FILE` on a terminal whose encoding cannot hold ✓, █ or — (latin-1 here, cp1252 on Windows) still
    writes the whole report, as the same UTF-8 bytes as `-o FILE`."""
    env = {key: value for key, value in os.environ.items() if key != "PYTHONPATH"}
    env.update(PYTHONPATH=str(ROOT), PYTHONIOENCODING="latin-1")
    base = [sys.executable, "-m", "advisor.cli", "plan", str(ROOT / "examples" / "rising-baker-6k.yaml"),
            "--format", fmt]
    piped = subprocess.run(base, cwd=tmp_path, env=env, capture_output=True, timeout=60)
    assert piped.returncode == 0, piped.stderr.decode("utf-8", "replace")
    assert subprocess.run(base + ["-o", f"plan.{fmt}"], cwd=tmp_path, env=env, capture_output=True,
                          timeout=60).returncode == 0
    assert piped.stdout == (tmp_path / f"plan.{fmt}").read_bytes()
    assert "–".encode("utf-8") in piped.stdout  # an en dash ($20–$75): not in latin-1


# --- plan --as-of ---------------------------------------------------------------------------------------------------

def test_as_of_2023_judges_the_creator_fund_instead_of_reporting_it_closed(tmp_path):
    profile = write_profile(tmp_path, "old-timer.yaml", US_PROFILE)

    today = json.loads(run("plan", profile, "--format", "json").stdout)
    assert programme(today, "creator_fund")["status"] == "closed"

    result = run("plan", profile, "--format", "json", "--as-of", "2023-06-01")
    assert result.exit_code == 0, result.stderr
    then = json.loads(result.stdout)
    assert then["as_of"] == "2023-06-01"
    fund = programme(then, "creator_fund")
    assert fund["status"] == "eligible", fund
    assert fund["eligible"] is True
    assert all(requirement["in_force"] for requirement in fund["requirements"])

    markdown = run("plan", profile, "--as-of", "2023-06-01").stdout
    assert "| Creator Fund | You qualify |" in markdown


@pytest.mark.parametrize("bad", ["2023-13-01", "01/06/2023", "yesterday"])
def test_an_invalid_as_of_is_clicks_usage_error(bad):
    result = run("plan", ROOT / "examples" / "starter-300.yaml", "--as-of", bad)
    assert result.exit_code == 2
    assert result.stdout == ""
    assert "Usage: creator-advisor plan" in result.stderr
    assert "Invalid value for '--as-of'" in result.stderr
    assert "YYYY-MM-DD" in result.stderr


# --- --rules overlays -----------------------------------------------------------------------------------------------

def test_an_overlay_lowering_a_threshold_changes_the_plan(tmp_path, overlay):
    profile = write_profile(tmp_path, "six-k.yaml", SIX_K_PROFILE)

    before = json.loads(run("plan", profile, "--format", "json").stdout)
    rewards = programme(before, "creator_rewards")
    assert rewards["eligible"] is False
    followers = next(r for r in rewards["requirements"] if r["fact"] == "followers")
    assert (followers["required"], followers["gap"], followers["met"]) == (10000, 4000, False)

    result = run("plan", profile, "--format", "json", "--rules", default_rules_dir(), "--rules", overlay)
    assert result.exit_code == 0, result.stderr
    after = json.loads(result.stdout)
    rewards = programme(after, "creator_rewards")
    assert rewards["eligible"] is True
    followers = next(r for r in rewards["requirements"] if r["fact"] == "followers")
    assert (followers["required"], followers["met"]) == (5000, True)
    assert followers["source"].startswith("Agency overlay")

    def rewards_row(markdown: str) -> str:
        return next(line for line in markdown.splitlines() if line.startswith("| Creator Rewards Program |"))

    assert rewards_row(run("plan", profile).stdout) == (
        "| Creator Rewards Program | Not yet | 4,000 more followers |")
    assert rewards_row(run("plan", profile, "--rules", default_rules_dir(), "--rules", overlay).stdout) == (
        "| Creator Rewards Program | You qualify | Nothing |")


# --- rules validate / rules list ------------------------------------------------------------------------------------

OK_LINE = re.compile(r"^OK: (\d+) rules, (\d+) thresholds, (\d+) programmes \((.+)\)$")


def test_rules_validate_the_default_pack_prints_ok_with_counts():
    result = run("rules", "validate")
    assert result.exit_code == 0, result.stderr
    assert result.stderr == ""
    lines = result.stdout.splitlines()
    assert len(lines) == 1, result.stdout
    match = OK_LINE.match(lines[0])
    assert match, lines[0]
    pack = load_rules()
    assert [int(n) for n in match.group(1, 2, 3)] == [len(pack.rules), len(pack.thresholds), len(pack.gate_rules())]
    assert match.group(4) == str(default_rules_dir())


def test_rules_validate_with_an_overlay_lists_what_it_replaced(overlay):
    result = run("rules", "validate", default_rules_dir(), overlay)
    assert result.exit_code == 0, result.stderr
    lines = result.stdout.splitlines()
    assert OK_LINE.match(lines[0]), lines[0]
    assert lines[1:] == [f"  {overlay} replaces threshold creator_rewards.min_followers"]


def test_rules_validate_a_broken_pack_exits_1_with_the_located_problem():
    broken = TESTS / "corpus" / "rules" / "unknown_fact"
    result = run("rules", "validate", broken)
    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr.startswith("Error: ")
    assert "Traceback" not in result.stderr
    assert re.search(r"unknown_fact/rules\.yaml:4:18: rule a\.b: when\.fact: unknown fact 'soil_moistre'",
                     result.stderr), result.stderr


def test_rules_validate_a_missing_folder_is_an_error():
    result = run("rules", "validate", "no-such-pack")
    assert result.exit_code == 1
    assert result.stderr.startswith("Error: ") and "no-such-pack" in result.stderr


def _listed_ids(stdout: str) -> list[str]:
    lines = stdout.splitlines()
    assert lines[0].split() == ["layer", "pri", "rule", "category", "gate"], lines[0]
    return [line.split()[2] for line in lines[1:]]


def test_rules_list_shows_every_rule_once():
    result = run("rules", "list")
    assert result.exit_code == 0, result.stderr
    ids = _listed_ids(result.stdout)
    assert sorted(ids) == sorted(load_rules().rules), "every rule id, each exactly once"
    assert len(ids) == len(set(ids))


def test_rules_list_with_an_overlay_lists_the_same_rules(overlay):
    result = run("rules", "list", "--rules", default_rules_dir(), "--rules", overlay)
    assert result.exit_code == 0, result.stderr
    assert sorted(_listed_ids(result.stdout)) == sorted(load_rules().rules)


# --- help, README, version ------------------------------------------------------------------------------------------

def _walk(command: click.Command, path: tuple[str, ...] = ()):
    """Every (path, command) under `command`, depth first: (), ("plan",), ("rules",), ("rules", "list"), ..."""
    yield path, command
    if isinstance(command, click.Group):
        for name in sorted(command.commands):
            yield from _walk(command.commands[name], path + (name,))


COMMAND_PATHS = [path for path, _ in _walk(main)]
LEAF_PATHS = [path for path, command in _walk(main) if not isinstance(command, click.Group)]


def test_the_command_tree_is_what_the_readme_describes():
    assert set(COMMAND_PATHS) >= {(), ("plan",), ("rules",), ("rules", "validate"), ("rules", "list")}


@pytest.mark.parametrize("path", COMMAND_PATHS, ids=lambda p: " ".join(p) or "creator-advisor")
@pytest.mark.parametrize("flag", ["--help", "-h"])
def test_every_command_has_help(path, flag):
    result = run(*path, flag)
    assert result.exit_code == 0, result.stderr
    assert result.stdout.startswith("Usage: " + " ".join(("creator-advisor",) + path))
    assert "Options:" in result.stdout


@pytest.mark.parametrize("path", LEAF_PATHS, ids=" ".join)
def test_every_command_is_documented_in_the_readme(path):
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "creator-advisor " + " ".join(path) in readme


def test_version_prints_the_package_version():
    result = run("--version")
    assert result.exit_code == 0
    assert result.stdout == f"creator-advisor, version {advisor.__version__}\n"

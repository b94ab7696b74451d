"""`creator-advisor rules test | lint | docs`: what a domain expert types and sees."""

from __future__ import annotations

from advisor.api import default_rules_dir

from conftest import ROOT
from test_cli import run

CATALOGUE = ROOT / "docs" / "rules.md"


def test_the_default_pack_passes_its_own_rule_tests_and_leaves_no_rule_untested():
    result = run("rules", "test")
    assert result.exit_code == 0, result.stdout
    lines = result.stdout.splitlines()
    assert lines[-1] == "Every rule is exercised by a test."
    assert lines[-2].endswith(" passed, 0 failed")


def test_a_failing_expert_test_exits_1_and_says_what_was_missed(tmp_path):
    overlay = tmp_path / "agency"
    (overlay / "tests").mkdir(parents=True)
    (overlay / "tests" / "ours.yaml").write_text("""
tests:
  - name: a 500-follower creator is told to go LIVE
    profile: {handle: small, as_of: 2026-11-20, age: 30, country: US, followers: 500}
    expect:
      eligible: [live_gifts]
""", encoding="utf-8")
    (overlay / "agency.yaml").write_text("rules: []\n", encoding="utf-8")
    result = run("rules", "test", str(default_rules_dir()), str(overlay))
    assert result.exit_code == 1
    assert "FAIL a 500-follower creator is told to go LIVE" in result.stdout
    assert "missed: eligible live_gifts" in result.stdout
    assert "followers" in result.stdout  # the explanation names the unmet requirement


def test_an_overlay_changes_a_threshold_and_the_plan_follows(tmp_path):
    overlay = tmp_path / "agency"
    overlay.mkdir()
    (overlay / "thresholds.yaml").write_text("""
thresholds:
  live_gifts.min_followers:
    value: 400
    source: Our agency's negotiated LIVE access
    as_of: 2026-11-01
""", encoding="utf-8")
    profile = tmp_path / "small.yaml"
    profile.write_text("handle: small\nas_of: 2026-11-20\nage: 30\ncountry: US\nfollowers: 500\n",
                       encoding="utf-8")
    before = run("plan", str(profile), "--format", "json")
    after = run("plan", str(profile), "--format", "json", "--rules", str(default_rules_dir()),
                "--rules", str(overlay))
    assert '"program": "live_gifts",\n      "name": "LIVE Gifts",\n      "eligible": false' in before.stdout
    assert '"program": "live_gifts",\n      "name": "LIVE Gifts",\n      "eligible": true' in after.stdout
    validate = run("rules", "validate", str(default_rules_dir()), str(overlay))
    assert f"{overlay} replaces threshold live_gifts.min_followers" in validate.stdout


def test_lint_warns_with_file_rule_and_line_and_strict_makes_warnings_fatal():
    # Each check's exact message is in tests/test_lint.py; here, what the command does with them.
    # The shipped pack is clean on the day its sources were re-read, even under --strict ...
    clean = run("rules", "lint", "--today", "2026-12-06", "--strict")
    assert (clean.exit_code, clean.stdout) == (0, "0 warnings\n")
    # ... and once its sources pass 730 days, each stale one is a warning at its file and line; --strict fails.
    result = run("rules", "lint", "--today", "2029-01-01")
    assert result.exit_code == 0
    assert result.stdout.splitlines()[-1].endswith("warnings")
    assert "rules/programs.yaml:" in result.stdout and "is older than 730 days" in result.stdout
    strict = run("rules", "lint", "--today", "2029-01-01", "--strict")
    assert strict.exit_code == 1


def test_the_committed_catalogue_is_up_to_date():
    result = run("rules", "docs")
    assert result.exit_code == 0
    assert result.stdout == CATALOGUE.read_text(encoding="utf-8"), (
        "docs/rules.md is out of date: run `creator-advisor rules docs -o docs/rules.md`")


def test_docs_writes_a_file(tmp_path):
    target = tmp_path / "catalogue.md"
    result = run("rules", "docs", "-o", str(target))
    assert result.exit_code == 0 and result.stderr == f"Wrote {target}\n"
    assert target.read_text(encoding="utf-8").startswith("# Rule pack tiktok")

"""An agency's overlay, the way its expert works with it: by name (`--overlay`), started by `rules new-overlay`,
tested in CI (tests that follow the overlay, JSON and JUnit reports, filters, a coverage floor), linted for what a
replacement drops, and edited as a spreadsheet (`rules thresholds export/import`)."""

from __future__ import annotations

import csv
import io
import json
import textwrap
import xml.etree.ElementTree as ElementTree
from pathlib import Path

import pytest
from test_cli import run

from advisor.api import Advisor, advise, default_rules_dir, load_rules
from advisor.authoring.rule_tests import run_rule_tests

BAKER = {"handle": "sunday_loaves", "as_of": "2026-11-20", "age": 31, "country": "US", "account_type": "personal",
         "niche": "baking", "followers": 6000, "views_30d": 120000, "likes_30d": 11000, "comments_30d": 600,
         "shares_30d": 700, "saves_30d": 3000, "posts_30d": 12}
ANNA_TEST = "a 9,999-follower creator is one follower short of Creator Rewards"


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text).lstrip(), encoding="utf-8")
    return path


@pytest.fixture()
def agency(tmp_path: Path) -> Path:
    """An overlay lowering Creator Rewards to 5,000 followers, with one test of its own."""
    folder = tmp_path / "my-agency"
    write(folder / "creator-rewards.yaml", """
        thresholds:
          creator_rewards.min_followers:
            value: 5000
            unit: followers
            source: TikTok partner manager, email to our agency
            as_of: 2026-11-02
        """)
    write(folder / "tests" / "agency.yaml", """
        tests:
          - name: a 6,000-follower US creator joins Creator Rewards under our 5,000 bar
            profile: {handle: us_test, as_of: 2026-11-20, age: 25, country: US, account_type: personal,
                      followers: 6000, views_30d: 120000}
            expect:
              eligible: [creator_rewards]
        """)
    return folder


# --- Overlays by name ----------------------------------------------------------------------------------------------

def test_rules_path_prints_the_default_packs_folder():
    result = run("rules", "path")
    assert result.exit_code == 0
    assert result.stdout == f"{default_rules_dir()}\n"
    assert (Path(result.stdout.strip()) / "programs.yaml").is_file()


def test_help_says_rules_replaces_the_default_pack_and_overlay_adds_to_it():
    text = " ".join(run("plan", "--help").stdout.split())
    assert "INSTEAD of the shipped pack (it replaces it" in text
    assert "--overlay DIR Add this overlay folder on top of the shipped pack" in text


def test_plan_with_an_overlay_uses_the_default_pack_and_the_overlays_number(agency, tmp_path):
    profile = tmp_path / "baker.yaml"
    profile.write_text(json.dumps(BAKER), encoding="utf-8")
    before = json.loads(run("plan", profile, "--format", "json").stdout)
    after = json.loads(run("plan", profile, "--overlay", agency, "--format", "json").stdout)
    status = {item["program"]: item["status"] for item in before["eligibility"]}
    assert status["creator_rewards"] == "not_eligible"
    status = {item["program"]: item["status"] for item in after["eligibility"]}
    assert status["creator_rewards"] == "eligible"
    assert len(after["eligibility"]) == len(before["eligibility"])  # the default pack's programmes are all there
    # --rules alone replaces the default pack: the overlay's single threshold is a pack without programmes
    alone = json.loads(run("plan", profile, "--rules", agency, "--format", "json").stdout)
    assert alone["eligibility"] == []


def test_rule_texts_follow_the_overlays_number(agency):
    """The growth milestone takes its number from the Creator Rewards threshold, not from words typed in."""
    def milestone(plan):
        found = [item for item in plan.recommendations if item.rule == "growth.next_milestone_second"]
        return found[0] if found else None

    assert milestone(advise(BAKER)).title == "Reach 10,000 followers to unlock Creator Rewards"
    assert milestone(advise(BAKER, overlays=[agency])) is None  # 6,000 is past the overlay's 5,000
    small = milestone(advise({**BAKER, "followers": 4000}, overlays=[agency]))
    assert small.title == "Reach 5,000 followers to unlock Creator Rewards"
    assert "1,000 more unlock Creator Rewards" in small.text and "10,000" not in small.text


def test_the_python_api_takes_overlays(agency):
    assert Advisor(overlays=[agency]).advise(BAKER).program("creator_rewards").eligible
    assert advise(BAKER, overlays=[agency]).program("creator_rewards").eligible
    assert not Advisor().advise(BAKER).program("creator_rewards").eligible


@pytest.mark.parametrize("command", [("rules", "validate"), ("rules", "list"), ("rules", "lint", "--today",
                                                                                "2026-11-20"),
                                     ("rules", "docs"), ("rules", "test")])
def test_every_pack_command_takes_overlay(agency, command):
    result = run(*command, "--overlay", agency)
    assert result.exit_code == 0, result.stdout + result.stderr
    if command[1] == "validate":
        assert result.stdout.splitlines()[1] == f"  {agency} replaces threshold creator_rewards.min_followers"
    if command[1] == "docs":
        assert "Overlays, in order: my-agency." in result.stdout


def test_batch_and_thresholds_export_take_overlay(agency, tmp_path):
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "baker.json").write_text(json.dumps(BAKER), encoding="utf-8")
    result = run("batch", tmp_path / "in", "--overlay", agency, "--jobs", "1")
    assert result.exit_code == 0, result.stderr
    plan = json.loads(result.stdout.splitlines()[0])
    assert {item["program"]: item["eligible"] for item in plan["eligibility"]}["creator_rewards"] is True
    assert run("rules", "thresholds", "export", tmp_path / "t.csv", "--overlay", agency).exit_code == 0
    assert "creator_rewards.min_followers,,,5000," in (tmp_path / "t.csv").read_text(encoding="utf-8")


# --- rules new-overlay ---------------------------------------------------------------------------------------------

def test_a_new_overlay_is_accepted_at_once_by_validate_test_and_plan(tmp_path):
    folder = tmp_path / "acme"
    result = run("rules", "new-overlay", folder)
    assert result.exit_code == 0, result.stderr
    assert sorted(str(path.relative_to(folder)) for path in folder.rglob("*.yaml")) == [
        "pack.yaml", "tests/example.yaml", "thresholds.yaml"]
    text = (folder / "thresholds.yaml").read_text(encoding="utf-8")
    assert "creator_rewards.min_followers:" in text and "value: 5000" in text and "source:" in text
    validate = run("rules", "validate", "--overlay", folder)
    assert validate.exit_code == 0 and "acme replaces threshold creator_rewards.min_followers" in validate.stdout
    tested = run("rules", "test", "--overlay", folder)
    assert tested.exit_code == 0, tested.stdout
    assert f"SUPERSEDED {ANNA_TEST}" in tested.stdout
    assert "PASS a 6,000-follower US creator joins Creator Rewards under this overlay's 5,000 bar" in tested.stdout
    profile = tmp_path / "baker.json"
    profile.write_text(json.dumps(BAKER), encoding="utf-8")
    plan = json.loads(run("plan", profile, "--overlay", folder, "--format", "json").stdout)
    assert {item["program"]: item["eligible"] for item in plan["eligibility"]}["creator_rewards"] is True
    assert load_rules(overlays=[folder]).infos[-1].name == "acme"


def test_a_new_overlay_keeps_what_the_default_threshold_has(tmp_path):
    folder = tmp_path / "acme"
    run("rules", "new-overlay", folder)
    lint = run("rules", "lint", "--overlay", folder)
    assert "drops" not in lint.stdout


def test_new_overlay_refuses_a_folder_in_use_and_leaves_it_alone(tmp_path):
    folder = tmp_path / "busy"
    write(folder / "mine.yaml", "thresholds: {}\n")
    result = run("rules", "new-overlay", folder)
    assert result.exit_code == 1
    assert "already exists and is not an empty folder" in result.stderr
    assert [path.name for path in folder.iterdir()] == ["mine.yaml"]
    assert sorted(path.name for path in tmp_path.iterdir()) == ["busy"]  # no staging folder left behind


# --- Tests that follow the overlay ---------------------------------------------------------------------------------

def test_a_default_test_an_overlay_overrules_is_superseded_and_does_not_fail_the_run(agency):
    result = run("rules", "test", "--overlay", agency)
    assert result.exit_code == 0, result.stdout
    assert (f"SUPERSEDED {ANNA_TEST} ({default_rules_dir()}/tests/programs.yaml:6): superseded by my-agency "
            "(threshold creator_rewards.min_followers changed)") in result.stdout
    assert "PASS a 6,000-follower US creator joins Creator Rewards under our 5,000 bar" in result.stdout
    assert ", 0 failed, 1 superseded by overlays" in result.stdout


def copy_of_default_pack(tmp_path: Path) -> Path:
    """The default pack's rule files without its tests."""
    pack = tmp_path / "pack"
    pack.mkdir()
    for path in default_rules_dir().glob("*.yaml"):
        (pack / path.name).write_text(path.read_text(encoding="utf-8"), encoding="utf-8")
    return pack


def test_a_test_an_overlays_new_rule_breaks_still_fails(tmp_path):
    """Only replacements supersede: an overlay's new rule that changes a verdict of the pack below is a failure."""
    pack = copy_of_default_pack(tmp_path)
    write(pack / "tests" / "brands.yaml", """
        tests:
          - name: without views, brand deals cannot be judged
            profile: {handle: b, as_of: 2026-11-20, age: 25, country: US, followers: 20000}
            expect:
              not_eligible: [brand_sponsorships]
        """)
    overlay = write(tmp_path / "ov" / "r.yaml", """
        thresholds:
          creator_rewards.min_followers: {value: 5000, source: house rule, as_of: 2026-11-01}
        rules:
          - id: my.level_without_views
            category: engagement
            when: {not: {fact: views_30d, op: exists}}
            then: {assert: {engagement_level: above}}
        """).parent
    assert run_rule_tests([pack]).ok
    report = run_rule_tests([pack], overlays=[overlay])
    (result,) = report.results
    assert result.outcome == "failed" and result.superseded_by == ()
    assert not report.ok


def test_a_default_test_that_fails_on_its_own_pack_is_not_excused_by_an_overlay(tmp_path):
    pack = copy_of_default_pack(tmp_path)
    write(pack / "tests" / "wrong.yaml", """
        tests:
          - name: a wrong default expectation about Creator Rewards
            profile: {handle: w, as_of: 2026-11-20, age: 25, country: US, account_type: personal,
                      followers: 100, views_30d: 120000}
            expect:
              eligible: [creator_rewards]
        """)
    overlay = write(tmp_path / "ov" / "t.yaml", """
        thresholds:
          creator_rewards.min_followers: {value: 20000, source: house rule, as_of: 2026-11-01}
        """).parent
    report = run_rule_tests([pack], overlays=[overlay])
    (result,) = report.results
    assert result.outcome == "failed"  # it fails on its own pack too: the overlay did not cause it
    assert not report.ok


def test_only_runs_one_overlays_tests_and_names_a_folder_not_loaded(agency, tmp_path):
    result = run("rules", "test", "--overlay", agency, "--only", agency)
    assert result.exit_code == 0
    assert result.stdout.splitlines()[:2] == [
        "PASS a 6,000-follower US creator joins Creator Rewards under our 5,000 bar", "1 passed, 0 failed"]
    other = tmp_path / "other"
    other.mkdir()
    refused = run("rules", "test", "--only", other)
    assert refused.exit_code == 1
    assert "--only names a folder that is not part of the pack" in refused.stderr


def test_k_filters_by_name_and_a_filter_matching_nothing_fails():
    result = run("rules", "test", "-k", "9,999-FOLLOWER")
    assert result.exit_code == 0
    assert [line for line in result.stdout.splitlines() if line.startswith("PASS")] == [f"PASS {ANNA_TEST}"]
    none = run("rules", "test", "-k", "no test is called this")
    assert none.exit_code == 1
    assert "No rule test name contains 'no test is called this'." in none.stdout


def test_json_report_for_ci(agency):
    result = run("rules", "test", "--overlay", agency, "--format", "json")
    assert result.exit_code == 0
    data = json.loads(result.stdout)
    assert data["ok"] is True and data["summary"]["superseded"] == 1 and data["summary"]["failed"] == 0
    (anna,) = [test for test in data["tests"] if test["name"] == ANNA_TEST]
    assert anna["outcome"] == "superseded"
    assert anna["superseded_by"] == [{"overlay": "my-agency", "kind": "threshold",
                                      "name": "creator_rewards.min_followers"}]
    assert [item["pack"] for item in data["coverage"]] == ["tiktok", "my-agency"]
    assert data["coverage"][0]["percent"] == 100


def test_junit_report_for_ci(agency, tmp_path):
    write(agency / "tests" / "broken.yaml", """
        tests:
          - name: a 4,000-follower creator is not enough
            profile: {handle: t, as_of: 2026-11-20, age: 25, country: US, account_type: personal,
                      followers: 4000, views_30d: 120000}
            expect:
              eligible: [creator_rewards]
        """)
    out = tmp_path / "report.xml"
    result = run("rules", "test", "--overlay", agency, "--format", "junit", "-o", out)
    assert result.exit_code == 1
    root = ElementTree.parse(out).getroot()
    assert root.tag == "testsuites" and root.get("failures") == "1" and root.get("skipped") == "1"
    cases = {case.get("name"): case for case in root.iter("testcase")}
    assert cases[ANNA_TEST].find("skipped").get("message").startswith("superseded by my-agency")
    failure = cases["a 4,000-follower creator is not enough"].find("failure")
    assert failure.get("message").startswith("missed: eligible creator_rewards")


def test_min_coverage_is_per_pack(agency):
    write(agency / "rules.yaml", """
        rules:
          - id: my_agency.big
            category: content
            when: {fact: followers, op: ">=", value: 500000}
            then: {advice: {title: Big, text: Big.}}
          - id: my_agency.small
            category: content
            when: {fact: followers, op: "<", value: 6500}
            then: {advice: {title: Small, text: Small.}}
        """)
    result = run("rules", "test", "--overlay", agency, "--only", agency, "--min-coverage", "60")
    assert result.exit_code == 1
    assert "Coverage of my-agency is 50% (1 of 2 rules), under --min-coverage 60" in result.stdout
    assert "Rules no test exercises: my_agency.big" in result.stdout
    assert run("rules", "test", "--overlay", agency, "--only", agency, "--min-coverage", "50").exit_code == 0


# --- Safe replacement ----------------------------------------------------------------------------------------------

def test_an_overlay_that_drops_a_country_value_is_warned_and_fails_under_strict(tmp_path):
    overlay = write(tmp_path / "ov" / "age.yaml", """
        thresholds:
          creator_rewards.min_age:
            value: 18
            source: our legal team
            as_of: 2026-11-01
        """).parent
    result = run("rules", "lint", "--overlay", overlay, "--today", "2026-11-20")
    assert result.exit_code == 0
    (line,) = [line for line in result.stdout.splitlines() if "drops" in line]
    assert line.startswith(f"{overlay}/age.yaml:2:3: ")
    assert "drops the country value for KR (19):" in line
    assert "'replace: whole'" in line
    assert run("rules", "lint", "--overlay", overlay, "--today", "2026-11-20", "--strict").exit_code == 1
    (overlay / "age.yaml").write_text((overlay / "age.yaml").read_text() + "    replace: whole\n")
    assert "drops" not in run("rules", "lint", "--overlay", overlay, "--today", "2026-11-20").stdout


def test_a_source_dated_in_the_future_is_a_lint_error(tmp_path):
    overlay = write(tmp_path / "ov" / "t.yaml", """
        thresholds:
          creator_rewards.min_followers:
            value: 5000
            source: a memo
            as_of: 2099-01-05
        """).parent
    result = run("rules", "lint", "--overlay", overlay, "--today", "2026-11-20")
    assert result.exit_code == 1
    assert (f"{overlay}/t.yaml:5:12: thresholds.creator_rewards.min_followers.as_of: source dated 2099-01-05 is "
            "in the future (after ") in result.stdout
    assert "1 error, " in result.stdout.splitlines()[-1]
    # Set back with --today, sources published since are not "in the future"
    assert "in the future" not in run("rules", "lint", "--today", "2026-01-01").stdout


def test_reversed_operators_suggest_the_one_meant(tmp_path):
    overlay = write(tmp_path / "ov" / "r.yaml", """
        rules:
          - id: my.rule
            category: content
            when: {fact: followers, op: "=>", value: 5}
            then: {advice: {title: a, text: b}}
          - id: my.other
            category: content
            when: {fact: followers, op: "=<", value: 5}
            then: {advice: {title: a, text: b}}
        """).parent
    result = run("rules", "validate", "--overlay", overlay)
    assert result.exit_code == 1
    assert "got '=>'; did you mean '>='?" in result.stderr
    assert "got '=<'; did you mean '<='?" in result.stderr


# --- niche ---------------------------------------------------------------------------------------------------------

def test_niche_matches_whatever_its_case_and_spacing(tmp_path):
    overlay = write(tmp_path / "ov" / "r.yaml", """
        rules:
          - id: my.bakers
            category: content
            when: {fact: niche, op: in, value: [Home Baking, cooking]}
            then: {advice: {title: "For {{ facts.niche }}", text: b}}
          - id: my.not_fitness
            category: content
            when: {fact: niche, op: "!=", value: "  FITNESS"}
            then: {advice: {title: not fitness, text: b}}
        """).parent
    advisor = Advisor(overlays=[overlay])
    for niche in ("home baking", "  Home   BAKING ", "COOKING"):
        plan = advisor.advise({**BAKER, "niche": niche})
        assert "my.bakers" in {item.rule for item in plan.recommendations}, niche
        assert f"For {niche}".strip() in {item.title for item in plan.recommendations}  # as the creator wrote it
    assert "my.bakers" not in {item.rule for item in advisor.advise({**BAKER, "niche": "homebaking"}).recommendations}
    assert "my.not_fitness" not in {item.rule for item in
                                    advisor.advise({**BAKER, "niche": "Fitness"}).recommendations}


# --- Decision tables -----------------------------------------------------------------------------------------------

def test_export_then_import_of_an_unchanged_table_writes_nothing(tmp_path):
    table = tmp_path / "t.csv"
    assert run("rules", "thresholds", "export", table).exit_code == 0
    rows = list(csv.DictReader(io.StringIO(table.read_text(encoding="utf-8"))))
    assert len({row["name"] for row in rows}) == len([t for t in load_rules().thresholds.values() if not t.members])
    kr = [row for row in rows if row["name"] == "creator_rewards.min_age" and row["country"] == "KR"]
    assert kr and kr[0]["value"] == "19" and kr[0]["url"].startswith("https://")
    result = run("rules", "thresholds", "import", table, "--into", tmp_path / "ov")
    assert result.exit_code == 0
    assert "nothing written" in result.stderr
    assert not (tmp_path / "ov").exists()


def test_an_edited_table_becomes_an_overlay_and_round_trips_exactly(tmp_path):
    table = tmp_path / "t.csv"
    run("rules", "thresholds", "export", table)
    text = table.read_text(encoding="utf-8")
    old = next(line for line in text.splitlines() if line.startswith("creator_rewards.min_followers,,,"))
    new = old.replace(",,,10000,", ",,,5000,", 1)
    kr = "creator_rewards.min_followers,NZ,,7500,,,Our Auckland office,,2026-11-01,,,\n"
    lines = text.replace(old + "\n", new + "\n").splitlines(keepends=True)
    last = max(i for i, line in enumerate(lines) if line.startswith("creator_rewards.min_followers,"))
    edited = "".join(lines[:last + 1] + [kr] + lines[last + 1:])  # countries in code order: after KR
    table.write_text(edited, encoding="utf-8")
    result = run("rules", "thresholds", "import", table, "--into", tmp_path / "ov")
    assert result.exit_code == 0, result.stderr
    assert "1 threshold (creator_rewards.min_followers)" in result.stderr
    pack = load_rules(overlays=[tmp_path / "ov"])
    assert pack.resolve_thresholds("NZ", __import__("datetime").date(2026, 11, 20))[
        "creator_rewards.min_followers"] == 7500
    again = tmp_path / "again.csv"
    run("rules", "thresholds", "export", again, "--overlay", tmp_path / "ov")
    assert again.read_text(encoding="utf-8") == edited
    # Importing the same table again into the overlay changes nothing.
    before = (tmp_path / "ov" / "imported-thresholds.yaml").read_bytes()
    assert run("rules", "thresholds", "import", table, "--into", tmp_path / "ov").exit_code == 0
    assert (tmp_path / "ov" / "imported-thresholds.yaml").read_bytes() == before


def test_a_bad_cell_is_located_by_row_and_column_and_nothing_is_written(tmp_path):
    table = tmp_path / "t.csv"
    run("rules", "thresholds", "export", table)
    lines = table.read_text(encoding="utf-8").splitlines()
    row = next(i for i, line in enumerate(lines) if line.startswith("creator_rewards.min_followers,,,"))
    cells = next(csv.reader([lines[row]]))
    cells[3], cells[8] = "ten thousand?", "2024-13-06"
    out = io.StringIO()
    csv.writer(out, lineterminator="").writerow(cells)
    lines[row] = out.getvalue()
    lines[row + 1] = "creator_rewards.min_followers,korea," + lines[row + 1].split(",", 2)[2]
    table.write_text("\n".join(lines) + "\n", encoding="utf-8")
    (tmp_path / "ov").mkdir()
    result = run("rules", "thresholds", "import", table, "--into", tmp_path / "ov")
    assert result.exit_code == 1
    assert f"{table}:{row + 1}:9: row {row + 1}, column I (as_of): '2024-13-06' is not a date written YYYY-MM-DD" \
        in result.stderr
    assert f"{table}:{row + 2}:2: row {row + 2}, column B (country): 'korea' is not a two-letter country code" \
        in result.stderr
    assert list((tmp_path / "ov").iterdir()) == []


def test_an_import_never_replaces_a_file_it_did_not_write(tmp_path):
    own = write(tmp_path / "ov" / "imported-thresholds.yaml", "thresholds: {}\n")
    table = write(tmp_path / "t.csv", "name,value,source,as_of\nx.y,1,s,2026-01-01\n")
    result = run("rules", "thresholds", "import", table, "--into", tmp_path / "ov")
    assert result.exit_code == 1 and "was not written by an import" in result.stderr
    assert own.read_text() == "thresholds: {}\n"


def test_text_a_spreadsheet_would_run_as_a_formula_is_exported_as_text_and_round_trips(tmp_path):
    overlay = write(tmp_path / "ov" / "t.yaml", """
        thresholds:
          creator_rewards.min_followers:
            value: 5000
            source: '=HYPERLINK("http://evil.invalid","click")'
            note: '"quoted" and @mention'
            as_of: 2026-11-02
        """).parent
    table = tmp_path / "t.csv"
    run("rules", "thresholds", "export", table, "--overlay", overlay)
    (row,) = [row for row in csv.DictReader(io.StringIO(table.read_text(encoding="utf-8")))
              if row["name"] == "creator_rewards.min_followers"]
    assert row["source"] == '"=HYPERLINK(\\"http://evil.invalid\\",\\"click\\")"'
    assert not any(cell.startswith(("=", "+", "@")) for cell in row.values())
    assert run("rules", "thresholds", "import", table, "--into", tmp_path / "back").exit_code == 0
    again = load_rules(overlays=[tmp_path / "back"]).thresholds["creator_rewards.min_followers"]
    assert again == load_rules(overlays=[overlay]).thresholds["creator_rewards.min_followers"]


def test_an_unknown_column_is_named_with_a_suggestion(tmp_path):
    table = write(tmp_path / "t.csv", "name,valeu,source,as_of\nx.y,1,s,2026-01-01\n")
    result = run("rules", "thresholds", "import", table, "--into", tmp_path / "ov")
    assert result.exit_code == 1
    assert "row 1, column B: unknown column 'valeu'; did you mean 'value'?" in result.stderr
    assert "missing column value" in result.stderr
    assert not (tmp_path / "ov").exists()


def test_an_import_that_would_clash_with_the_overlays_own_file_is_refused(agency, tmp_path):
    table = tmp_path / "t.csv"
    run("rules", "thresholds", "export", table, "--overlay", agency)
    text = table.read_text(encoding="utf-8").replace("creator_rewards.min_followers,,,5000,",
                                                     "creator_rewards.min_followers,,,4000,")
    table.write_text(text, encoding="utf-8")
    result = run("rules", "thresholds", "import", table, "--into", agency)
    assert result.exit_code == 1
    assert f"{agency}/creator-rewards.yaml:2:3: thresholds.creator_rewards.min_followers: threshold " \
           "'creator_rewards.min_followers' is defined here and changed in the table" in result.stderr
    assert not (agency / "imported-thresholds.yaml").exists()

"""Rule tests, the way a domain expert uses them: the default pack's own tests pass and cover every rule; a wrong
expectation is reported as missed or unexpected with the reason in the rules' terms; a broken test file gives
located messages; an overlay's tests are found and run against the merged pack."""

from __future__ import annotations

import shutil
import textwrap
from pathlib import Path

import pytest
from conftest import ROOT

from advisor.api import default_rules_dir, load_rules
from advisor.errors import AdvisorError, RuleTestError
from advisor.authoring.rule_tests import discover, format_report, run_rule_tests

RULE_FILES = ("content", "earnings", "engagement", "growth", "offers", "programs")


@pytest.fixture(scope="module")
def default_report():
    return run_rule_tests([default_rules_dir()])


@pytest.fixture()
def pack(tmp_path: Path) -> Path:
    """A copy of the default pack's rule files, without its tests, and an empty tests/ folder to write into."""
    folder = tmp_path / "pack"
    folder.mkdir()
    for path in default_rules_dir().glob("*.yaml"):
        shutil.copy(path, folder / path.name)
    (folder / "tests").mkdir()
    return folder


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text).lstrip(), encoding="utf-8")
    return path


ROSA = ("{handle: regular_rosa, as_of: 2026-11-20, age: 28, country: US, followers: 5200, views_30d: 70000, "
        "likes_30d: 5300, comments_30d: 300, shares_30d: 200, posts_30d: 13}")


# --- The default pack's own tests ----------------------------------------------------------------------------------

def test_every_default_rule_test_passes(default_report):
    failures = [line for line in format_report(default_report).splitlines() if not line.startswith("PASS")]
    assert default_report.failed == 0, "\n".join(failures)
    assert default_report.passed >= 80


def test_the_default_tests_exercise_every_rule_of_the_pack(default_report):
    assert default_report.uncovered_rules == ()
    assert format_report(default_report).endswith(
        f"{default_report.passed} passed, 0 failed\nEvery rule is exercised by a test.\n")


def test_each_rules_file_has_its_test_file(default_report):
    assert sorted(path.stem for path in default_report.files) == sorted(RULE_FILES)
    assert sorted(path.stem for path in (ROOT / "rules" / "tests").glob("*.yaml")) == sorted(RULE_FILES)


def test_discover_reads_the_default_tests_with_their_lines():
    files = discover([default_rules_dir()])
    first = files[[path.path.stem for path in files].index("programs")].tests[0]
    assert first.name == "a 9,999-follower creator is one follower short of Creator Rewards"
    assert first.profile.followers == 9999
    assert first.line == 6
    assert "creator_rewards" in first.expect.not_eligible


# --- Failing tests are reported with what was missed or unexpected, and why ---------------------------------------

def test_a_rule_expected_to_fire_that_does_not_is_missed_with_the_condition_that_failed(pack):
    write(pack / "tests" / "cadence.yaml", f"""
        tests:
          - name: thirteen posts a month still need the cadence advice
            profile: {ROSA}
            expect:
              fires: [content.steady_cadence]
        """)
    report = run_rule_tests([pack])
    (result,) = report.results
    assert not result.passed
    assert result.missed == ("fires content.steady_cadence",)
    assert result.unexpected == ()
    assert result.explanation == (
        "content.steady_cadence: posts_per_week below 3 does not hold (posts_per_week is 3.0333)",)
    assert result.line == 2
    lines = format_report(report).splitlines()
    assert lines[:3] == [
        f"FAIL thirteen posts a month still need the cadence advice ({pack / 'tests' / 'cadence.yaml'}:2)",
        "    missed: fires content.steady_cadence",
        "      because content.steady_cadence: posts_per_week below 3 does not hold (posts_per_week is 3.0333)",
    ]
    assert lines[3] == "0 passed, 1 failed"
    assert lines[4].startswith("Rules no test exercises: account.business_to_personal, content.answer_comments, ")


def test_a_programme_expected_eligible_is_missed_with_its_unmet_requirements(pack):
    write(pack / "tests" / "rewards.yaml", """
        tests:
          - name: trailmix tom is in Creator Rewards
            profile_file: ../../profiles/tom.yaml
            expect:
              eligible: [creator_rewards]
              status: {subscription: eligible}
        """)
    shutil.copy(ROOT / "examples" / "just-over-10k.yaml", write(pack.parent / "profiles" / "tom.yaml", ""))
    (result,) = run_rule_tests([pack]).results
    assert result.missed == ("eligible creator_rewards (status not_eligible: views_30d 62,300 below 100,000)",
                             "status subscription eligible (is not_eligible)")
    assert result.explanation == ("creator_rewards needs views in the last 30 days at least 100,000 (has 62,300)",
                                  "subscription needs views in the last 30 days at least 100,000 (has 62,300)")


def test_items_present_that_the_test_rules_out_are_unexpected_with_why_they_hold(pack):
    write(pack / "tests" / "live.yaml", f"""
        tests:
          - name: rosa cannot go LIVE
            profile: {ROSA}
            expect:
              not_eligible: [live_gifts]
              does_not_fire: [program.live_gifts]
              fires: [engagement.tier_nano]
        """)
    (result,) = run_rule_tests([pack]).results
    assert result.missed == ()
    assert result.unexpected == ("eligible live_gifts", "fires program.live_gifts")
    assert result.explanation == (
        "live_gifts: every requirement is met: age at least 18; followers at least 1,000",
        "program.live_gifts fired: age: 28 (at least 18); followers: 5,200 (at least 1,000)",
    )


def test_passing_tests_print_pass_and_count_the_rules_they_exercise(pack):
    write(pack / "tests" / "ok.yaml", f"""
        tests:
          - name: rosa meets the cadence
            profile: {ROSA}
            expect:
              does_not_fire: [content.steady_cadence]
              categories: [eligibility]
              recommendations: [program.live_gifts]
        """)
    report = run_rule_tests([pack])
    assert report.ok
    text = format_report(report)
    assert text.startswith("PASS rosa meets the cadence\n1 passed, 0 failed\nRules no test exercises: ")
    assert "content.steady_cadence" not in report.uncovered_rules  # named, though it did not fire
    assert "program.live_gifts" not in report.uncovered_rules  # fired
    assert "growth.momentum_fast" in report.uncovered_rules


# --- Broken test files give located messages ------------------------------------------------------------------------

def test_an_unknown_key_gets_a_did_you_mean_with_file_line_and_column(pack):
    path = write(pack / "tests" / "typo.yaml", """
        tests:
          - name: a typo in expect
            profile: {handle: x, as_of: 2026-11-20, followers: 5200}
            expcet:
              fires: [content.steady_cadence]
        """)
    with pytest.raises(RuleTestError) as caught:
        run_rule_tests([pack])
    assert str(caught.value) == (
        "2 problems in the rule tests:\n"
        f"  {path}:2:5: test 'a typo in expect': missing required key 'expect'\n"
        f"  {path}:4:5: test 'a typo in expect': expcet: unknown key 'expcet'; did you mean 'expect'? "
        "(known keys: as_of, expect, name, note, profile, profile_file)")
    assert isinstance(caught.value, AdvisorError)


def test_unknown_rule_and_programme_ids_are_located_with_the_closest_known_name(pack):
    path = write(pack / "tests" / "names.yaml", """
        tests:
          - name: misspelt names
            profile: {handle: x, as_of: 2026-11-20, followers: 5200}
            expect:
              fires: [content.stedy_cadence]
              not_eligible: [creator_reward]
              recommendations: [engagement.tier_nano]
        """)
    with pytest.raises(RuleTestError) as caught:
        run_rule_tests([pack])
    programmes = ("creator_fund, creator_rewards, live_gifts, subscription, shop_affiliate, creator_marketplace, "
                  "series, brand_sponsorships, affiliate_marketing")
    assert [str(problem) for problem in caught.value.problems] == [
        (f"{path}:5:15: test 'misspelt names': expect.fires[0]: unknown rule 'content.stedy_cadence'; "
         "did you mean 'content.steady_cadence'?"),
        (f"{path}:6:22: test 'misspelt names': expect.not_eligible[0]: unknown programme 'creator_reward'; "
         f"did you mean 'creator_rewards'? (known: {programmes})"),
        (f"{path}:7:25: test 'misspelt names': expect.recommendations[0]: rule 'engagement.tier_nano' gives no "
         "advice, so it is never a recommendation; expect it under 'fires'"),
    ]


def test_profile_mistakes_and_undated_tests_are_located_in_the_test_file(pack):
    path = write(pack / "tests" / "profiles.yaml", """
        tests:
          - name: a typo in the profile
            profile: {handle: x, as_of: 2026-11-20, followers: 5200, folowers: 5300}
            expect: {fires: [engagement.tier_nano]}
          - name: no date anywhere
            profile: {handle: x, followers: 5200}
            expect: {fires: [engagement.tier_nano]}
          - name: a missing profile file
            profile_file: nowhere.yaml
            expect: {fires: [engagement.tier_nano]}
        """)
    with pytest.raises(RuleTestError) as caught:
        run_rule_tests([pack])
    assert [str(problem) for problem in caught.value.problems] == [
        (f"{path}:3:62: test 'a typo in the profile': profile.folowers: unknown key 'folowers'; "
         "did you mean 'followers'?"),
        (f"{path}:5:5: test 'no date anywhere': neither the test nor its profile gives as_of: add one so the test "
         "judges the same day every time it runs"),
        (f"{path}:9:19: test 'a missing profile file': profile_file: profile file not found: "
         f"{pack / 'tests' / 'nowhere.yaml'}"),
    ]


def test_contradictory_expectations_are_refused(pack):
    path = write(pack / "tests" / "both.yaml", f"""
        tests:
          - name: both ways
            profile: {ROSA}
            expect:
              fires: [engagement.tier_nano]
              does_not_fire: [engagement.tier_nano]
        """)
    with pytest.raises(RuleTestError) as caught:
        run_rule_tests([pack])
    assert str(caught.value) == (f"{path}:6:23: test 'both ways': expect.does_not_fire[0]: "
                                 "'engagement.tier_nano' is expected both to fire and not to fire")


# --- Overlays ----------------------------------------------------------------------------------------------------

def test_an_overlay_folder_with_its_own_tests_is_discovered_and_run_on_the_merged_pack(tmp_path):
    overlay = tmp_path / "agency"
    write(overlay / "agency.yaml", """
        rules:
          - id: agency.talk_to_us
            category: agency
            priority: 300
            when:
              all:
                - {fact: followers, op: ">=", value: 50000}
            then:
              advice:
                title: Talk to the agency
                text: With {{ facts.followers | number }} followers we can sell your sponsored slots.
        """)
    write(overlay / "tests" / "agency.yaml", """
        tests:
          - name: a 60,000-follower creator is sent to the agency
            profile: {handle: big, as_of: 2026-11-20, age: 30, country: US, followers: 60000}
            expect:
              recommendations: [agency.talk_to_us]
              categories: [agency]
        """)
    folders = [default_rules_dir(), overlay]
    files = discover(folders)
    assert [file.path for file in files][-1] == overlay / "tests" / "agency.yaml"
    report = run_rule_tests(folders)
    assert report.failed == 0
    assert report.results[-1].name == "a 60,000-follower creator is sent to the agency"
    assert report.uncovered_rules == ()
    assert len(report.results) == sum(len(file.tests) for file in files)


def test_default_tests_run_against_an_overlay_that_changes_a_threshold(tmp_path):
    overlay = write(tmp_path / "strict" / "thresholds.yaml", """
        thresholds:
          creator_rewards.min_followers:
            value: 20000
            source: agency house rule
            as_of: 2026-11-01
        """).parent
    report = run_rule_tests([default_rules_dir(), overlay])
    failed = {result.name: result for result in report.results if not result.passed}
    result = failed["10,000 followers and 100,000 views in 30 days open Creator Rewards, Subscription, "
                    "Marketplace and Series"]
    assert "eligible creator_rewards (status not_eligible: followers 10,000 below 20,000)" in result.missed
    assert "fires program.creator_rewards" in result.missed


def test_extra_test_folders_are_read_and_must_exist(pack, tmp_path):
    write(tmp_path / "more" / "extra.yaml", f"""
        tests:
          - name: rosa is nano
            profile: {ROSA}
            expect: {{fires: [engagement.tier_nano]}}
        """)
    report = run_rule_tests([pack], test_folders=[tmp_path / "more"])
    assert [result.name for result in report.results] == ["rosa is nano"]
    with pytest.raises(RuleTestError, match="rule test folder not found"):
        run_rule_tests([pack], test_folders=[tmp_path / "missing"])


def test_loading_the_pack_once_serves_discovery():
    pack = load_rules()
    assert discover([default_rules_dir()], pack=pack)


def test_a_refusal_is_expected_with_refused_and_the_rule_that_refused(pack):
    write(pack / "tests" / "refusals.yaml", """
        tests:
          - name: an 11-year-old is refused
            profile: {handle: kid, as_of: 2026-11-20, age: 11, country: US, followers: 300}
            expect: {refused: true, fires: [platform.below_minimum_age]}
          - name: an adult is not refused
            profile: {handle: adult, as_of: 2026-11-20, age: 30, country: US, followers: 300}
            expect: {refused: true}
          - name: a refusal nobody expected fails with the advisor's message
            profile: {handle: kid, as_of: 2026-11-20, age: 11, country: US, followers: 300}
            expect: {fires: [platform.below_minimum_age]}
        """)
    results = {result.name: result for result in run_rule_tests([pack]).results}
    assert results["an 11-year-old is refused"].passed
    adult = results["an adult is not refused"]
    assert (adult.passed, adult.missed, adult.explanation) == (False, ("refused",),
                                                               ("a plan was made for the profile",))
    unexpected = results["a refusal nobody expected fails with the advisor's message"]
    assert not unexpected.passed and unexpected.error.endswith("refusals.yaml: age: TikTok accounts start at 13. The "
                                                               "profile gives an age of 11, and TikTok only allows accounts from 13 (younger children may only use a "
                                                               "separate, limited experience where it exists). This tool makes no plan for creators under 13.")

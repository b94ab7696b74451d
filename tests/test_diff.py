"""`creator-advisor diff OLD NEW`: what changed between two profiles or two plan JSONs, in Markdown and JSON."""

from __future__ import annotations

import json
from pathlib import Path

import yaml
from test_cli import run

ROOT = Path(__file__).resolve().parent.parent
BAKER = ROOT / "examples" / "rising-baker-6k.yaml"


def _grown(tmp_path: Path) -> Path:
    """The baker a month on the same day's numbers, with 10,400 followers."""
    data = yaml.safe_load(BAKER.read_text(encoding="utf-8"))
    data["followers"] = 10_400
    path = tmp_path / "later.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


def test_diff_of_two_profiles_names_programmes_opened_and_thresholds_crossed(tmp_path):
    result = run("diff", BAKER, _grown(tmp_path))
    assert result.exit_code == 0, result.stderr
    text = result.stdout
    assert text.startswith("# What changed for @crumb\\_and\\_co, 2026-11-20 to 2026-11-20")
    assert "- **Newly open: Creator Marketplace (TikTok One)** (was not yet)." in text
    assert "- **Newly open: Brand sponsorships** (was not yet)." in text
    assert "- Creator Rewards Program: followers now met (6,840 → 10,400; needs 10,000)." in text
    assert "- followers: 6,840 → 10,400 (+3,560)." in text
    assert "- No longer needed: Reach 10,000 followers to unlock Creator Rewards" in text


def test_diff_of_two_plan_jsons_equals_the_diff_of_their_profiles(tmp_path):
    later = _grown(tmp_path)
    for source, target in ((BAKER, tmp_path / "old.json"), (later, tmp_path / "new.json")):
        assert run("plan", source, "-o", target).exit_code == 0
    from_plans = run("diff", tmp_path / "old.json", tmp_path / "new.json", "--format", "json")
    from_profiles = run("diff", BAKER, later, "-f", "json")
    assert from_plans.exit_code == 0, from_plans.stderr
    assert json.loads(from_plans.stdout) == json.loads(from_profiles.stdout)
    data = json.loads(from_plans.stdout)
    assert [p["program"] for p in data["programmes"]["opened"]] == ["creator_marketplace", "series",
                                                                    "brand_sponsorships"]
    assert data["requirements"]["gaps"] == []  # the views did not move: no gap closed or widened
    assert {(c["program"], c["label"], c["direction"]) for c in data["requirements"]["crossed"]} >= {
        ("creator_rewards", "followers", "met"), ("subscription", "followers", "met")}
    assert data["numbers"] == [{"key": "followers", "label": "followers", "was": 6840, "now": 10400,
                                "change": 3560}]


def test_diff_format_follows_the_output_name_and_refuses_html(tmp_path):
    later = _grown(tmp_path)
    assert run("diff", BAKER, later, "-o", tmp_path / "d.json").exit_code == 0
    assert json.loads((tmp_path / "d.json").read_text(encoding="utf-8"))["schema_version"] == 1
    refused = run("diff", BAKER, later, "-o", tmp_path / "d.html")
    assert refused.exit_code == 1 and "not HTML" in refused.stderr and not (tmp_path / "d.html").exists()


def test_diff_with_nothing_changed_says_so(tmp_path):
    text = run("diff", BAKER, BAKER).stdout
    assert "No programme changed status." in text and "No threshold crossed and no gap moved." in text
    assert "The same actions as before." in text

"""A way in without writing YAML, and kindness to files saved the wrong way: `init`, `example`, `--fix`, and the
encodings a creator's editor may have chosen."""

from __future__ import annotations

from pathlib import Path

import yaml
from test_cli import run

from advisor.api import advise
from advisor.profile.reading import load_profile

ROOT = Path(__file__).resolve().parent.parent
ANSWERS = "@maya\nuk\nabc\n24\nPersonal\n8,200\n90000\n7000\n300\n150\n9\n\nbaking\n"


def test_init_asks_where_each_number_is_writes_a_valid_profile_and_shows_the_plan(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = run_with_input(["init", "-o", "plan.md"], ANSWERS)
    assert result.exit_code == 0, result.stderr
    asked = result.stderr
    assert "Where: TikTok Studio > Analytics > Followers" in asked
    assert "Where: TikTok Studio > Analytics > Overview, range 'Last 28 days' (or a custom 30 days): Post views" in asked
    assert "written as 'maya'" in asked and "written as 'GB'" in asked  # certain fixes, said and made
    assert "expected a whole number, got text ('abc')" in asked  # a wrong answer is explained and asked again
    data = yaml.safe_load((tmp_path / "profile.yaml").read_text(encoding="utf-8"))
    assert data["handle"] == "maya" and data["country"] == "GB" and data["age"] == 24
    assert data["account_type"] == "personal" and data["followers"] == 8200 and "total_likes" not in data
    profile = load_profile(tmp_path / "profile.yaml")
    assert profile.followers == 8200 and profile.niche == "baking"
    assert (tmp_path / "plan.md").read_text(encoding="utf-8").startswith("# Your plan, @maya, ")
    assert "# TikTok Studio > Analytics > Followers, or on your profile\nfollowers: 8200" in \
        (tmp_path / "profile.yaml").read_text(encoding="utf-8")


def test_init_keeps_an_existing_profile_unless_forced(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "profile.yaml").write_text("handle: mine\nfollowers: 5\n", encoding="utf-8")
    result = run_with_input(["init"], ANSWERS)
    assert result.exit_code == 1 and "profile.yaml already exists" in result.stderr and "--force" in result.stderr
    assert (tmp_path / "profile.yaml").read_text(encoding="utf-8") == "handle: mine\nfollowers: 5\n"
    assert "Your TikTok username" not in result.stderr  # refused before asking anything


def test_init_from_an_installed_example(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = run("init", "baker.yaml", "--example", "rising-baker-6k", "-o", "plan.json")
    assert result.exit_code == 0, result.stderr
    assert (tmp_path / "baker.yaml").read_text(encoding="utf-8") == \
        (ROOT / "examples" / "rising-baker-6k.yaml").read_text(encoding="utf-8")
    assert '"handle": "crumb_and_co"' in (tmp_path / "plan.json").read_text(encoding="utf-8")


def test_example_lists_prints_and_names_the_installed_examples(tmp_path):
    listing = run("example").stdout
    assert [line.split()[0] for line in listing.splitlines()] == sorted(p.stem for p in (ROOT / "examples").glob("*.yaml"))
    assert run("example", "starter-300").stdout == (ROOT / "examples" / "starter-300.yaml").read_text(encoding="utf-8")
    wrong = run("example", "starter-30")
    assert wrong.exit_code == 1 and "did you mean 'starter-300'" in wrong.stderr
    mine = tmp_path / "profile.yaml"
    mine.write_text("handle: mine\nfollowers: 5\n", encoding="utf-8")
    kept = run("example", "starter-300", "-o", mine)
    assert kept.exit_code == 1 and "already exists" in kept.stderr
    assert mine.read_text(encoding="utf-8") == "handle: mine\nfollowers: 5\n"  # a profile is never overwritten
    assert run("example", "starter-300", "-o", mine, "--force").exit_code == 0
    assert mine.read_text(encoding="utf-8").startswith("# A new creator")


def test_fix_writes_only_the_certain_corrections_keeping_comments(tmp_path):
    profile = tmp_path / "p.yaml"
    profile.write_text('# mine\nhandle: "@maya"   # me\nfollowers: 10\ncountry: uk\naudience:\n'
                       '  top_countries: {us: 0.5, DE: 0.2}\n', encoding="utf-8")
    refused = run("plan", profile)
    assert refused.exit_code == 1
    assert "write the handle without the leading '@': 'maya' (--fix writes it)" in refused.stderr
    assert "the United Kingdom is 'GB' (--fix writes it)" in refused.stderr
    fixed = run("plan", profile, "--fix", "-o", tmp_path / "plan.md")
    assert fixed.exit_code == 0, fixed.stderr
    assert "Fixed " in fixed.stderr and "handle: '@maya' -> 'maya'" in fixed.stderr
    assert profile.read_text(encoding="utf-8") == ('# mine\nhandle: "maya"   # me\nfollowers: 10\ncountry: GB\n'
                                                   'audience:\n  top_countries: {US: 0.5, DE: 0.2}\n')
    assert advise(profile).profile.country == "GB"


def test_fix_leaves_an_uncertain_mistake_alone(tmp_path):
    profile = tmp_path / "p.yaml"
    text = "handle: maya\nfollowers: 10\ncountry: XY\n"
    profile.write_text(text, encoding="utf-8")
    result = run("plan", profile, "--fix")
    assert result.exit_code == 1 and "'XY' is not an ISO 3166-1 alpha-2 country code" in result.stderr
    assert "--fix writes it" not in result.stderr and profile.read_text(encoding="utf-8") == text


def test_a_utf16_or_windows_1252_profile_says_how_to_save_it_as_utf8(tmp_path):
    text = "handle: café\nfollowers: 10\n"
    for name, data, said in (("le.yaml", text.encode("utf-16"), "the file is UTF-16 text, not UTF-8"),
                             ("nobom.yaml", text.encode("utf-16-le"), "the file is UTF-16 text, not UTF-8"),
                             ("w.yaml", text.encode("cp1252"), "looks like Windows-1252 (Western European) text, "
                                                               "where that byte is 'é'")):
        (tmp_path / name).write_bytes(data)
        result = run("plan", tmp_path / name)
        assert result.exit_code == 1
        assert said in result.stderr and "save it as UTF-8 (Notepad: File > Save as, Encoding: UTF-8" in result.stderr
    (tmp_path / "ok.yaml").write_bytes(text.encode("utf-8-sig"))  # UTF-8 with a byte-order mark is fine
    assert run("plan", tmp_path / "ok.yaml", "-o", tmp_path / "ok.md").exit_code == 0


def run_with_input(args: list[str], text: str):
    from click.testing import CliRunner

    from advisor.cli.main import main
    from test_cli import _runner

    runner: CliRunner = _runner()
    return runner.invoke(main, args, input=text, prog_name="creator-advisor")

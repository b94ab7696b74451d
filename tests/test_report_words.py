"""What a creator reads first: the order of the reports, plain words instead of the machinery's names, one
story (one projection, money framed by status, exact comparison words, one rounding rule), sources a creator
can open, and texts that follow the thresholds and labels an overlay changes."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from markdown_it import MarkdownIt

import yaml

from advisor.api import Advisor, advise, default_rules_dir, load_rules, render
from advisor.plan.facts import CREATOR_FACTS
from engine import RulePackError
from engine.templating.filters import percent

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = sorted((ROOT / "examples").glob("*.yaml"))
examples = pytest.mark.parametrize("example", EXAMPLES, ids=[path.stem for path in EXAMPLES])


@pytest.fixture(scope="module")
def advisor() -> Advisor:
    return Advisor()


def _internal_names(pack) -> set[str]:
    """Every name of the machinery a creator must not meet: fact ids with an underscore, rule ids, threshold
    names."""
    facts = {spec.name for spec in CREATOR_FACTS} | set(pack.derived_types)
    return {name for name in facts if "_" in name} | set(pack.rules) | set(pack.thresholds)


def _unescaped(markdown: str) -> str:
    return markdown.replace("\\_", "_")


@examples
@pytest.mark.parametrize("fmt", ["md", "html"])
def test_no_report_shows_a_fact_id_rule_id_threshold_name_priority_or_category(advisor, example, fmt):
    report = _unescaped(render(advisor.advise(example), fmt))
    leaked = sorted(name for name in _internal_names(advisor.pack)
                    if re.search(rf"(?<![\w.]){re.escape(name)}(?![\w])", report))
    assert leaked == [], f"{example.stem} ({fmt}) shows internal names: {leaked}"
    assert not re.search(r"\bpriority\b", report, re.IGNORECASE)
    assert not re.search(r"\brule [a-z]+\.[a-z_]+", report)
    for category in {rule.category for rule in advisor.pack.rules.values()}:
        assert f"{category}, priority" not in report


@examples
def test_explain_adds_the_trace_and_every_requirement_as_an_appendix(advisor, example):
    plan = advisor.advise(example)
    plain, explained = render(plan, "md"), render(plan, "md", explain=True)
    assert explained.startswith(plain.rsplit("\n---\n", 1)[0])
    assert "## Appendix: how this plan was worked out" in explained
    assert plan.recommendations[0].rule.replace("_", "\\_") in explained
    assert "Appendix" not in plain


@examples
def test_markdown_leads_with_the_verdict_then_actions_and_stays_short(advisor, example):
    plan = advisor.advise(example)
    lines = render(plan, "md").splitlines()
    assert len(lines) < 150, f"{example.stem}: {len(lines)} lines"
    headings = [line for line in lines if line.startswith("## ")]
    assert headings[:5] == ["## What to do next", "## Programmes", "## Engagement", "## Earnings", "## Growth"]
    first_action = lines.index("## What to do next")
    assert first_action < 12  # title, three lines of verdict, maybe the warnings line
    assert f"### 1. {plan.recommendations[0].title}" in lines[first_action + 2].replace("\\", "")


@examples
def test_programmes_open_first_closed_last_and_not_counted(advisor, example):
    plan = advisor.advise(example)
    report = render(plan, "md")
    statuses = [item.status for item in plan.eligibility]
    counted = [status for status in statuses if status not in ("closed", "not_offered")]
    assert f"from {statuses.count('eligible')} of {len(counted)} programmes" in report
    table = report.split("## Programmes", 1)[1].split("## Engagement", 1)[0]
    rows = [line.split(" | ")[1] for line in table.splitlines() if line.startswith("| ") and "---" not in line][1:]
    order = {"You qualify": 0, "Not yet": 1, "Cannot tell yet": 2, "Not offered to you": 3}
    assert [order[row] for row in rows] == sorted(order[row] for row in rows)
    for item in plan.eligibility:
        if item.status == "closed":
            assert f"| {item.name} |" not in table
            assert "No longer open" in table and item.name in table


def test_sources_are_links_with_dates_in_html_and_commonmark(advisor):
    plan = advisor.advise(ROOT / "examples" / "rising-baker-6k.yaml")
    url = "https://newsroom.tiktok.com/en-us/introducing-the-new-creator-rewards-program"
    html = render(plan, "html")
    assert f'<a href="{url}">TikTok newsroom, &#34;Introducing the new Creator Rewards Program&#34;</a>, as of ' \
           f'<time datetime="2026-12-06">2026-12-06</time>' in html
    tokens = MarkdownIt("commonmark").parseInline(render(plan, "md").split("## Sources", 1)[1])
    links = [child.attrs["href"] for token in tokens for child in token.children or ()
             if child.type == "link_open"]
    assert url in links
    assert "as of 2026-12-06" in render(plan, "md")


def test_a_source_address_that_could_break_out_of_a_link_is_shown_as_text(advisor, tmp_path):
    from advisor.reports.words import safe_url

    assert safe_url("https://example.org/a?b=1") == "https://example.org/a?b=1"
    for bad in ("javascript:alert(1)", "https://x.org/a>b", "https://x.org/(a)", "https://x.org/a b", None, 3):
        assert safe_url(bad) is None


def test_one_growth_projection_for_the_headline_the_action_and_the_growth_section(advisor):
    plan = advisor.advise(ROOT / "examples" / "rising-baker-6k.yaml")
    report = render(plan, "md")
    days = int(re.search(r"about (\d+) days away", report).group(1))
    projected = plan.growth["projected_date"]
    assert (projected - plan.as_of).days == days
    assert report.count(f"about {projected.isoformat()}") == 2  # the verdict and the growth section


def test_money_for_a_programme_not_yet_open_is_framed_by_what_is_missing(advisor):
    plan = advisor.advise(ROOT / "examples" / "rising-baker-6k.yaml")
    assert plan.program("brand_sponsorships").status == "not_eligible"
    report = render(plan, "md")
    earnings = report.split("## Earnings", 1)[1].split("## Growth", 1)[0]
    assert "- **Brand sponsorships**: once you have 3,160 more followers, about $20–$75 per post" in earnings
    titles = [item.title for item in plan.recommendations]
    assert "Once brands pay you, price a sponsored video at $20–$75" in titles


def test_comparison_words_are_exact(advisor):
    plan = advisor.advise(ROOT / "examples" / "rising-baker-6k.yaml")
    report = render(plan, "md")
    assert "in line with" not in report
    assert "above the 7.5% average" in report
    # the relative difference is the real one, not the tolerance: 12.86% against 7.5% is 71% above
    assert "71% above the 7.5% average" in report


def test_one_rounding_rule_for_percentages():
    assert [percent(x) for x in (0.0712, 0.1, 0.9474, 0.199)] == ["7.1%", "10%", "94.7%", "19.9%"]
    from advisor.reports.words import progress_text

    req = {"fact": "posts_30d", "label": "posts", "operator": ">=", "required": 19, "actual": 18, "met": False,
           "progress": 18 / 19, "gap": 1, "text": "posts at least 19", "in_force": True}
    assert progress_text(req) == "posts: 18 of 19 (94.7%)"
    assert progress_text(dict(req, progress=0.99999)) == "posts: 18 of 19 (99.9%)"  # unmet never reads 100%


def test_a_missing_niche_is_cannot_tell_yet_not_a_failed_requirement(advisor):
    plan = advisor.advise({"handle": "x", "followers": 20000, "views_30d": 100000, "likes_30d": 9000,
                           "comments_30d": 400, "shares_30d": 300, "age": 30, "country": "US",
                           "as_of": "2026-11-20"})
    affiliate = plan.program("affiliate_marketing")
    niche = next(check for check in affiliate.requirements if check.fact == "niche")
    assert niche.met is None and affiliate.status == "unknown"
    assert "your topic (niche) not given" in render(plan, "md")


def _overlay(tmp_path: Path, text: str) -> Path:
    folder = tmp_path / "overlay"
    folder.mkdir()
    (folder / "overlay.yaml").write_text(text, encoding="utf-8")
    return folder


def test_an_overlays_threshold_shows_everywhere_it_applies(tmp_path):
    overlay = _overlay(tmp_path, """
thresholds:
  creator_rewards.min_followers:
    value: 5000
    unit: followers
    source: Agency test
    as_of: 2026-11-01
""")
    profile = ROOT / "examples" / "starter-300.yaml"
    plan = Advisor([default_rules_dir(), overlay]).advise(
        dict(yaml.safe_load(profile.read_text(encoding="utf-8")), followers=3000))
    report = render(plan, "md")
    assert "Reach 5,000 followers to unlock Creator Rewards" in report
    assert "10,000 followers to unlock Creator Rewards" not in report
    rewards = plan.program("creator_rewards").to_dict()
    assert any(r["text"] == "followers at least 5,000" for r in rewards["requirements"])


def test_an_overlays_label_changes_the_requirement_sentences(tmp_path):
    overlay = _overlay(tmp_path, """
labels:
  facts:
    views_30d: views over the past month
  values:
    account_type: {personal: a creator account}
""")
    plan = advise(ROOT / "examples" / "rising-baker-6k.yaml", rules=[ROOT / "rules", overlay])
    texts = [r["text"] for r in plan.program("creator_rewards").to_dict()["requirements"]]
    assert "views over the past month at least 100,000" in texts
    assert "account is a creator account" in texts


def test_a_label_for_an_unknown_fact_is_refused_where_it_is_written(tmp_path):
    overlay = _overlay(tmp_path, "labels:\n  facts:\n    folowers: fans\n")
    with pytest.raises(RulePackError) as caught:
        load_rules([ROOT / "rules", overlay])
    message = str(caught.value)
    assert "overlay.yaml:3" in message and "unknown fact 'folowers'" in message and "did you mean 'followers'" in message


def test_the_default_pack_has_words_for_every_fact_operator_and_text_value():
    pack = load_rules()
    facts = {spec.name for spec in CREATOR_FACTS} | set(pack.derived_types)
    assert sorted(facts - set(pack.labels.facts)) == []
    from engine.model import OPERATORS

    assert sorted(set(OPERATORS) - set(pack.labels.operators)) == []
    assert pack.labels.value("account_type", "personal") == "a personal account"
    for rule in pack.gate_rules():  # a programme's label is its title
        assert rule.title and "_" not in rule.title
    from engine.catalogue import catalogue_markdown

    catalogue = catalogue_markdown(pack)
    for words in ("| `views_30d` | views in the last 30 days |", "| `>=` | at least |",
                  "| `account_type` | `personal` | a personal account |"):
        assert words in catalogue


def test_a_requirement_that_is_not_a_number_is_said_as_what_is_needed_and_what_you_have(advisor):
    plan = advisor.advise({"handle": "shopco", "followers": 20000, "views_30d": 150000, "likes_30d": 9000,
                           "comments_30d": 300, "shares_30d": 200, "age": 30, "country": "US",
                           "account_type": "business", "posts_30d": 10, "as_of": "2026-11-20"})
    report = render(plan, "md")
    assert "| Creator Rewards Program | Not offered to you | Only for personal accounts, not business accounts |" \
        in report
    earnings = report.split("## Earnings", 1)[1].split("## Growth", 1)[0]
    assert "- **Brand sponsorships**: not yet (engagement for your size: above the average or close to the " \
           "average needed (you have below the average)); once you qualify, about $75–$350 per post" in earnings
    html = render(plan, "html")
    assert "<h3 id=\"programme-creator_rewards\">Creator Rewards Program</h3>\n<p><span class=\"badge " \
           "status-not_offered\">Not offered to you</span> account: a business account (needs a personal account)</p>" \
        in html

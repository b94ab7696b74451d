"""The SVG charts of the HTML report (advisor/reports/charts.py): well-formed, labelled for screen readers, escaped, drawn
to the right scale, and absent (not empty boxes) when the plan has nothing to draw."""

from __future__ import annotations

import copy
import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from markupsafe import Markup

from advisor.api import Advisor
from advisor.reports.charts import engagement_chart, growth_chart, nice_ticks, threshold_chart, views_chart
from advisor.reports.render import render_html

ROOT = Path(__file__).resolve().parent.parent
FIXTURE = Path(__file__).parent / "fixtures" / "sample_plan.json"
SVG = "{http://www.w3.org/2000/svg}"


@pytest.fixture(scope="module")
def plans() -> dict[str, dict]:
    advisor = Advisor()
    return {path.stem: advisor.advise(path).to_dict() for path in sorted((ROOT / "examples").glob("*.yaml"))}


def parse(svg: Markup) -> ET.Element:
    """The chart as XML: it must be well-formed on its own (so it can be lifted out of the page)."""
    assert isinstance(svg, Markup)
    root = ET.fromstring(str(svg))
    assert root.tag == f"{SVG}svg"
    return root


def texts(root: ET.Element) -> list[str]:
    return [element.text or "" for element in root.iter(f"{SVG}text")]


def assert_labelled(root: ET.Element) -> None:
    """role=img, named by its <title> and described by its <desc>, both non-empty and first."""
    assert root.get("role") == "img"
    title, desc = root[0], root[1]
    assert title.tag == f"{SVG}title" and title.text.strip()
    assert desc.tag == f"{SVG}desc" and desc.text.strip()
    assert root.get("aria-labelledby") == title.get("id")
    assert root.get("aria-describedby") == desc.get("id")


def test_nice_ticks_are_round_and_cover_the_top():
    assert nice_ticks(0.15) == pytest.approx([0, 0.05, 0.1, 0.15])
    assert nice_ticks(640_000 * 1.08)[-1] >= 640_000 * 1.08
    assert nice_ticks(11_000) == [0, 5000, 10000, 15000]
    for top in (0.5, 7, 93, 1234, 999_999):
        ticks = nice_ticks(top)
        assert ticks[0] == 0 and ticks[-1] >= top and len(ticks) <= 6


def test_threshold_chart_draws_a_bar_per_numeric_threshold(plans):
    rewards = next(p for p in plans["rising-baker-6k"]["eligibility"] if p["program"] == "creator_rewards")
    root = parse(threshold_chart(rewards, "c1"))
    assert_labelled(root)
    assert root.get("height") == str(2 * 44)  # followers, views; never age (no progress), account type or country
    words = texts(root)
    assert "Followers" in words and "6,840 / 10,000 (68%)" in words
    assert "Age" not in words and "✓ 27 (needs 18)" not in words
    fills = [r.get("width") for r in root.iter(f"{SVG}rect") if r.get("class") in ("c-bar", "c-met")]
    assert fills == ["68.4%", "74.1%"]
    desc = root[1].text
    assert "Followers: 6,840 / 10,000 (68%), not met" in desc and "Age" not in desc


def test_an_unmet_threshold_never_reads_100_percent():
    programme = {"name": "P", "requirements": [
        {"fact": "followers", "operator": ">=", "required": 10000, "actual": 9999, "met": False, "gap": 1,
         "progress": 0.9999, "in_force": True}]}
    assert "9,999 / 10,000 (99%)" in texts(parse(threshold_chart(programme)))


def test_a_programme_without_numeric_thresholds_in_force_has_no_chart(plans):
    closed = next(p for p in plans["rising-baker-6k"]["eligibility"] if p["status"] == "closed")
    assert threshold_chart(closed) == ""
    affiliate = next(p for p in plans["rising-baker-6k"]["eligibility"] if p["program"] == "affiliate_marketing")
    assert threshold_chart(affiliate) == ""


def test_engagement_chart_puts_rate_and_benchmark_on_one_scale(plans):
    engagement = plans["rising-baker-6k"]["engagement"]
    root = parse(engagement_chart(engagement))
    assert_labelled(root)
    assert {"You", "12.9%", "7.5%", "0%", "15%"} <= set(texts(root))
    assert "above the 7.5% benchmark" in root[1].text
    assert engagement_chart(dict(engagement, rate=None)) == ""
    assert engagement_chart(dict(engagement, benchmark=None)) == ""


def test_views_chart_marks_the_30_day_window(plans):
    plan = plans["big-fitness-640k"]
    root = parse(views_chart(plan))
    assert_labelled(root)
    words = texts(root)
    assert "Last 30 days: 11 videos, 3.5M views" in words
    assert "2026-10-22 to 2026-11-20" in words
    assert "Earlier (before 2026-10-22)" in words
    # Newest first; the one video older than the window comes after the "Earlier" heading, in the muted colour.
    dated = [w for w in words if re.match(r"\d{4}-\d{2}-\d{2} ·", w)]
    assert dated[0].startswith("2026-11-19") and dated[-1].startswith("2026-10-18")
    assert words.index("Earlier (before 2026-10-22)") < words.index(dated[-1])
    old_bars = [r for r in root.iter(f"{SVG}rect") if r.get("class") == "c-old"]
    assert len(old_bars) == 1
    assert views_chart(plans["just-over-10k"]) == ""  # no listed videos


def test_views_chart_shows_at_most_30_rows(plans):
    plan = copy.deepcopy(plans["big-fitness-640k"])
    video = plan["profile"]["videos"][0]
    plan["profile"]["videos"] = [dict(video, posted=f"2026-{month:02d}-{day:02d}")
                                 for month in range(1, 12) for day in (3, 13, 23)][:33]
    words = texts(parse(views_chart(plan)))
    assert sum(bool(re.match(r"\d{4}-\d{2}-\d{2} ·", w)) for w in words) == 30
    assert "3 older videos not shown" in words


def test_growth_chart_projects_the_next_milestone(plans):
    root = parse(growth_chart(plans["rising-baker-6k"]))
    assert_labelled(root)
    words = texts(root)
    assert "Next milestone: 10,000" in words and "6,840 now" in words and "about 2027-03-01" in words
    assert len([c for c in root.iter(f"{SVG}circle") if c.get("class") == "c-bar"]) == 4  # 3 snapshots + today
    assert "you reach the next milestone, 10,000, about 2027-03-01" in root[1].text
    assert growth_chart(plans["just-over-10k"]) == ""  # no history: nothing to draw


def test_a_far_projection_is_clipped_and_says_when(plans):
    plan = copy.deepcopy(plans["rising-baker-6k"])
    plan["growth"]["projected_date"] = "2031-01-01"
    words = texts(parse(growth_chart(plan)))
    assert "reaches it about 2031-01-01" in words


def test_chart_text_is_escaped():
    hostile = "<script>alert(1)</script> & \"q\""
    programme = {"name": hostile, "requirements": [
        {"fact": "followers", "operator": ">=", "required": 10, "actual": 5, "met": False, "gap": 5,
         "progress": 0.5, "in_force": True}]}
    svg = str(threshold_chart(programme, chart_id='x" onload="alert(1)'))
    assert "<script" not in svg and 'onload="' not in svg
    root = parse(Markup(svg))
    assert hostile in root[0].text
    engagement = {"rate": 0.1, "benchmark": 0.05, "benchmark_band": hostile, "verdict": "above"}
    assert hostile in parse(engagement_chart(engagement))[1].text


def test_every_chart_of_the_sample_plan_is_in_the_page():
    plan = json.loads(FIXTURE.read_text(encoding="utf-8"))
    html = render_html(plan)
    charts = re.findall(r'<svg xmlns="http://www.w3.org/2000/svg" class="chart chart-(\w+)"[^>]*role="img"', html)
    assert charts.count("thresholds") == 3 and charts.count("engagement") == 1
    ids = re.findall(r'\bid="([^"]+)"', html)
    assert len(ids) == len(set(ids)), "element ids must be unique in the page"

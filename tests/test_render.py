"""The report layer, checked the way a reader would notice a fault: broken tables, injected markup, a fetch from
the network, "None" in the text, a missing section, a plan that silently renders blanks."""

from __future__ import annotations

import copy
import json
import re
from html.parser import HTMLParser
from pathlib import Path

import jinja2
import pytest
from jinja2.sandbox import SandboxedEnvironment
from markdown_it import MarkdownIt

from advisor.errors import RenderError
from advisor.reports.render import build_environment, render, render_html, render_json, render_markdown
from advisor.reports.words import md, ordered, status_label

FIXTURE = Path(__file__).parent / "fixtures" / "sample_plan.json"
SECTIONS = ["What to do next", "Programmes", "Engagement", "Earnings", "Growth", "Sources", "Warnings"]
HTML_SECTIONS = ["actions", "programmes", "engagement", "earnings", "growth", "sources", "warnings"]


def _listed(plan: dict) -> list[dict]:
    """The programmes of the Markdown table: open first, the closed ones left out (they are named below it)."""
    return [p for p in ordered(plan["eligibility"]) if p["status"] != "closed"]


@pytest.fixture
def plan() -> dict:
    return json.loads(FIXTURE.read_text(encoding="utf-8"))


@pytest.fixture
def sparse_plan(plan) -> dict:
    """A newcomer with no history, no tier, a closed programme, a composite requirement, a programme without
    requirements and nothing fired."""
    plan = copy.deepcopy(plan)
    plan["profile"] = {"as_of": "2026-11-24", "followers": 640}
    plan["engagement"].update(rate=None, rate_by_followers=None, tier=None, benchmark=None, benchmark_band=None,
                              benchmark_source=None, verdict="unknown", patterns=[])
    plan["eligibility"][2].update(status="closed", eligible=False, summary="closed to new members")
    plan["eligibility"][0]["requirements"].append(
        {"fact": None, "operator": "any", "required": None, "actual": None, "met": False, "gap": None,
         "progress": None, "threshold": None, "source": None, "as_of": None, "in_force": True,
         "text": "(account_type is business or followers at least 50,000)"})
    plan["eligibility"].append({"program": "affiliate", "name": "Affiliate marketing", "eligible": True,
                                "status": "eligible", "summary": "0 of 0 requirements met", "note": None,
                                "requirements": []})
    plan["earnings"] = {"likes_note": None, "estimates": []}
    plan["growth"] = {"followers": 640, "next_milestone": None, "milestone_unlocks": [], "followers_to_go": None,
                      "daily_growth": None, "projected_date": None}
    plan["recommendations"], plan["trace"], plan["warnings"] = [], [], []
    return plan


# ---- Markdown -------------------------------------------------------------------------------------------------

def _parser() -> MarkdownIt:
    return MarkdownIt("commonmark").enable("table")


def _tables(tokens) -> list[list[list[str]]]:
    """Each table as rows of cell texts (header row first)."""
    tables, rows, row, cell = [], None, None, None
    for token in tokens:
        if token.type == "table_open":
            rows = []
        elif token.type == "table_close":
            tables.append(rows)
        elif token.type == "tr_open":
            row = []
        elif token.type == "tr_close":
            rows.append(row)
        elif token.type in ("th_open", "td_open"):
            cell = ""
        elif token.type == "inline" and cell is not None:
            cell = "".join(child.content for child in token.children or [] if child.type == "text")
        elif token.type in ("th_close", "td_close"):
            row.append(cell)
            cell = None
    return tables


def _raw_cell_counts(markdown: str) -> list[list[int]]:
    """Cells per source line of each table, counted on unescaped pipes (markdown-it pads or drops cells, so the
    parsed table alone would hide a row with a stray '|')."""
    blocks, current = [], []
    for line in markdown.splitlines() + [""]:
        if line.startswith("|"):
            current.append(len(re.split(r"(?<!\\)\|", line.strip())) - 2)
        elif current:
            blocks.append(current)
            current = []
    return blocks


@pytest.mark.parametrize("which", ["plan", "sparse_plan"])
def test_markdown_tables_are_well_formed(which, request):
    plan = request.getfixturevalue(which)
    markdown = render_markdown(plan)
    tables = _tables(_parser().parse(markdown))
    eligibility = tables[0]
    assert len(eligibility) - 1 == len(_listed(plan))  # one row per programme still open, after the header
    assert [row[0] for row in eligibility[1:]] == [p["name"] for p in _listed(plan)]
    raw = _raw_cell_counts(markdown)
    assert len(raw) == len(tables)
    for counts, parsed in zip(raw, tables):
        assert len(set(counts)) == 1, counts  # every source row, delimiter row included, has the same cells
        assert counts[0] == len(parsed[0])


def test_profile_text_cannot_break_a_table_or_inject_html(plan):
    plan["eligibility"][0]["name"] = "Rewards | Pro\n\n<img src=x onerror=alert(1)> *now*"
    markdown = render_markdown(plan)
    tables = _tables(_parser().parse(markdown))
    assert "Rewards | Pro <img src=x onerror=alert(1)> *now*" in [row[0] for row in tables[0]]  # literal, one line
    assert all(len(row) == 3 for row in tables[0])
    html = _parser().render(markdown)
    assert "<script" not in html and "<img" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;|x" in html  # the handle, shown as text in the title


def test_markdown_sections_come_in_order(plan):
    tokens = _parser().parse(render_markdown(plan))
    h1 = [tokens[i + 1].content for i, t in enumerate(tokens) if t.type == "heading_open" and t.tag == "h1"]
    h2 = [tokens[i + 1].content for i, t in enumerate(tokens) if t.type == "heading_open" and t.tag == "h2"]
    assert len(h1) == 1 and "2026-11-24" in h1[0]
    assert h2 == SECTIONS


def test_markdown_says_what_a_creator_needs(plan):
    markdown = render_markdown(plan)
    assert "1,800 more followers" in markdown
    assert "days since joining not given" in markdown  # the fixture's plan carries no labels: the short words
    titles = re.findall(r"^### (\d+)\. (.+)$", markdown, flags=re.M)
    assert titles == [(str(i), r["title"]) for i, r in enumerate(plan["recommendations"], 1)]
    assert markdown.count("*Why:*") == 3
    assert "2027-01-07" in markdown and "None" not in markdown
    explained = render_markdown(plan, explain=True)
    assert "? account age at least 30 days: not given" in explained
    assert "(82% of 10,000 followers)" in explained


def test_unknown_values_show_as_a_dash_not_none(sparse_plan):
    for text in (render_markdown(sparse_plan), render_html(sparse_plan), render_markdown(sparse_plan, explain=True)):
        assert "None" not in text
    markdown = render_markdown(sparse_plan)
    assert "| LIVE Gifts |" not in markdown and "No longer open (not counted above): LIVE Gifts." in markdown
    assert "| Affiliate marketing | You qualify | Nothing |" in markdown
    assert "**640 followers**; engagement unknown" in markdown
    assert "past the last milestone" in markdown
    assert "Nothing to change" in markdown and "## Warnings" not in markdown
    assert "| # | Rule |" in render_markdown(sparse_plan, explain=True)


def test_md_filter_escapes_markup_and_collapses_lines():
    assert md("a|b") == r"a\|b"
    assert md("<script>") == r"\<script\>"
    assert md("*x* _y_ [z](u) `c` \\ ~s~ &amp;") == r"\*x\* \_y\_ \[z\](u) \`c\` \\ \~s\~ \&amp;"
    assert md("one\r\ntwo\n\nthree") == "one two three"
    assert md("# not a heading") == r"\# not a heading"
    assert md("1. not a list") == r"1\. not a list"
    assert md("version 0.1.0") == "version 0.1.0"
    assert md(None) == "—"


# ---- HTML -----------------------------------------------------------------------------------------------------

_VOID = {"meta", "link", "br", "hr", "img", "input", "source", "wbr", "col", "area", "base", "embed", "track"}


class _Page(HTMLParser):
    """Collects start tags and checks that every element is closed, in order."""

    def __init__(self):
        super().__init__()
        self.tags: list[tuple[str, dict]] = []
        self.open: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        if tag not in _VOID:
            self.open.append(tag)

    def handle_endtag(self, tag):
        assert self.open and self.open[-1] == tag, f"</{tag}> closes <{self.open[-1] if self.open else None}>"
        self.open.pop()

    def all(self, name):
        return [attrs for tag, attrs in self.tags if tag == name]


def _page(html: str) -> _Page:
    page = _Page()
    page.feed(html)
    page.close()
    assert not page.open, f"unclosed: {page.open}"
    return page


@pytest.mark.parametrize("which", ["plan", "sparse_plan"])
def test_html_is_one_self_contained_accessible_page(which, request):
    html = render_html(request.getfixturevalue(which))
    page = _page(html)
    assert html.startswith("<!doctype html>\n<html lang=\"en\">")
    assert len(page.all("h1")) == 1
    assert page.all("meta")[0] == {"charset": "utf-8"}
    assert any(m.get("name") == "viewport" for m in page.all("meta"))
    assert page.all("title") and page.all("header") and page.all("main") and page.all("footer")
    for forbidden in ("script", "link", "img", "iframe", "object", "embed", "video", "audio", "source"):
        assert not page.all(forbidden), forbidden
    assert not any("src" in attrs for _, attrs in page.tags)
    # links go within the page, or to a source's web page (never fetched: a reader follows them or not)
    assert all(a["href"].startswith(("#", "https://", "http://")) for a in page.all("a"))
    assert "url(" not in html and "@import" not in html
    assert len(page.all("table")) == len(page.all("caption"))
    assert all("scope" in th for th in page.all("th"))
    assert "@media print" in html and "prefers-color-scheme: dark" in html


def test_html_escapes_profile_text(plan):
    html = render_html(plan)
    assert "<script" not in html.lower()
    assert "@&lt;script&gt;alert(1)&lt;/script&gt;|x" in html
    assert "DIY *crafts* &amp; up_cycling" in html


def test_html_progress_bars_are_labelled(plan):
    bars = [d for d in _page(render_html(plan)).all("div") if d.get("role") == "img"]
    labels = [b["aria-label"] for b in bars]
    assert "82% of 10,000 followers" in labels  # the requirement furthest from met, on the programme's card
    assert all(re.fullmatch(r"width: \d+(\.\d)?%", span["style"])
               for span in _page(render_html(plan)).all("span") if "style" in span)


def test_html_trace_is_collapsed_behind_explain_and_warnings_shown(plan):
    assert "engagement.tier_micro" not in render_html(plan)
    html = render_html(plan, explain=True)
    start = html.index('<details class="trace">')
    details = html[start:html.index("</details>", start)]
    assert "engagement.tier_micro" in details and "<details open" not in html
    assert plan["warnings"][0] in html
    positions = [html.index(f'<h2 id="{s}">') for s in HTML_SECTIONS]
    assert positions == sorted(positions)


# ---- JSON and dispatch ----------------------------------------------------------------------------------------

def test_json_round_trips_in_the_plans_own_order(plan):
    text = render_json(plan)
    assert text.endswith("}\n")
    assert json.loads(text) == plan
    assert list(json.loads(text)) == list(plan)
    assert "<script>alert(1)</script>|x" in text  # ensure_ascii=False: text stays readable


def test_json_refuses_non_finite_numbers(plan):
    plan["metrics"]["engagement_rate"] = float("nan")
    with pytest.raises(ValueError):
        render_json(plan)


def test_render_dispatches_and_rejects_unknown_formats(plan):
    assert render(plan, "md") == render_markdown(plan)
    assert render(plan, "html") == render_html(plan)
    assert render(plan, "json") == render_json(plan)
    with pytest.raises(RenderError, match="md, html, json"):
        render(plan, "pdf")


@pytest.mark.parametrize("fmt", ["md", "html"])
def test_a_plan_missing_a_section_fails_loudly(plan, fmt):
    del plan["growth"]
    with pytest.raises(RenderError, match=f"cannot render the {fmt} report .*UndefinedError") as caught:
        render(plan, fmt)
    assert isinstance(caught.value.__cause__, jinja2.UndefinedError)


def test_environment_is_sandboxed_strict_and_escapes_only_html():
    html_env, md_env = build_environment("html"), build_environment("md")
    assert isinstance(html_env, SandboxedEnvironment) and isinstance(md_env, SandboxedEnvironment)
    assert html_env.from_string("{{ x }}").render(x="<b>") == "&lt;b&gt;"
    assert md_env.from_string("{{ x|md }}").render(x="<b>") == r"\<b\>"
    assert md_env.from_string("{{ x }}|{{ n|number }}").render(x=None, n=None) == "—|—"
    for name in ("number", "compact", "percent", "money", "signed", "isodate", "md", "progress_bar"):
        assert name in md_env.filters
    with pytest.raises(jinja2.UndefinedError):
        md_env.from_string("{{ plan.nope }}").render(plan={})
    with pytest.raises(jinja2.exceptions.SecurityError):
        md_env.from_string("{{ f.__globals__ }}{{ ''.format.__self__.mro() }}").render(f=render)
    with pytest.raises(ValueError):
        build_environment("pdf")


# ---- every example's report, as a reader's renderer sees it ---------------------------------------------------

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = sorted((ROOT / "examples").glob("*.yaml"))


@pytest.fixture(scope="module")
def example_plans() -> dict[str, dict]:
    from advisor.api import Advisor

    advisor = Advisor()
    return {path.stem: advisor.advise(path).to_dict() for path in EXAMPLES}


def _headings(tokens, tag: str) -> list[str]:
    return [tokens[i + 1].content for i, t in enumerate(tokens) if t.type == "heading_open" and t.tag == tag]


@pytest.mark.parametrize("name", [path.stem for path in EXAMPLES])
def test_every_examples_markdown_has_the_intended_structure(example_plans, name):
    """Parsed as CommonMark (plus GitHub's tables), each example's report has one title, the sections in order,
    an eligibility table with a row per programme, a sub-heading per programme and per action, tables whose rows
    all have the same cells, progress as text, and no raw HTML (GitHub would strip it)."""
    plan = example_plans[name]
    markdown = render_markdown(plan)
    tokens = _parser().parse(markdown)
    assert not [t for t in tokens if t.type == "html_block"]
    assert not [c for t in tokens if t.type == "inline" for c in t.children or [] if c.type == "html_inline"]

    h1 = _headings(tokens, "h1")
    assert h1 == [f"Your plan, @{plan['profile']['handle']}, {plan['as_of']}".replace("_", r"\_")]
    expected = [s for s in SECTIONS if s != "Warnings" or plan["warnings"]]
    assert _headings(tokens, "h2") == expected

    tables = _tables(tokens)
    assert len(tables) == 1
    programmes = tables[0]
    assert programmes[0] == ["Programme", "Status", "What stands in the way"]
    assert [row[0] for row in programmes[1:]] == [p["name"] for p in _listed(plan)]
    assert [row[1] for row in programmes[1:]] == [status_label(p["status"]) for p in _listed(plan)]
    for counts, parsed in zip(_raw_cell_counts(markdown), tables):
        assert len(set(counts)) == 1 and counts[0] == len(parsed[0])
    assert _headings(tokens, "h3") == [f"{i}. {r['title']}" for i, r in enumerate(plan["recommendations"], 1)]

    # What stands in the way reads as the gap in words: "1,800 more followers" for every unmet numeric minimum.
    for programme, row in zip(_listed(plan), programmes[1:]):
        for req in programme["requirements"]:
            if req["met"] is False and req["progress"] is not None:
                assert f"{req['gap']:,} more {req['label']}" in row[2]
    rendered = _parser().render(markdown)
    assert "None" not in markdown and "<script" not in rendered
    # the appendix adds every requirement with progress as text and the trace table
    explained = render_markdown(plan, explain=True)
    for programme in plan["eligibility"]:
        for req in programme["requirements"]:
            if req["met"] is False and req["progress"] is not None:
                assert f"you have {req['actual']:,}, {req['gap']:,} to go (" in explained
    assert len(_tables(_parser().parse(explained))[-1]) - 1 == len(plan["trace"])


def test_the_html_palette_has_readable_contrast_in_every_scheme():
    """Text colour pairs of the stylesheet's light, dark and print palettes, at least 4.5:1 (WCAG AA). The browser
    tests check the rendered page; this one needs no browser."""
    css = (ROOT / "templates" / "plan.html.j2").read_text(encoding="utf-8")
    palettes = [dict(re.findall(r"--([\w-]+):\s*(#[0-9a-fA-F]{3,6})\b", block))
                for block in re.findall(r":root \{(.*?)\}", css, flags=re.S)]
    assert len(palettes) == 3  # light, dark, print

    def luminance(colour: str) -> float:
        digits = colour.lstrip("#")
        digits = "".join(c * 2 for c in digits) if len(digits) == 3 else digits
        channels = [int(digits[i:i + 2], 16) / 255 for i in (0, 2, 4)]
        linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
        return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]

    def contrast(a: str, b: str) -> float:
        high, low = sorted((luminance(a), luminance(b)), reverse=True)
        return (high + 0.05) / (low + 0.05)

    pairs = [("fg", "bg"), ("muted", "bg"), ("fg", "surface"), ("muted", "surface"), ("accent", "bg"),
             ("accent", "surface"), ("ok-fg", "ok-bg"), ("bad-fg", "bad-bg"), ("warn-fg", "warn-bg"),
             ("off-fg", "off-bg"), ("fg", "window"), ("muted", "window"), ("fg", "bad-bg"), ("fg", "warn-bg")]
    for palette in palettes:
        for fg, bg in pairs:
            assert contrast(palette[fg], palette[bg]) >= 4.5, (fg, bg, palette[fg], palette[bg])


def test_html_has_a_chart_for_every_section_the_plan_can_draw(example_plans):
    page = _page(render_html(example_plans["big-fitness-640k"]))
    charts = [attrs["class"].split()[-1] for attrs in page.all("svg") if "chart" in attrs.get("class", "")]
    assert {"chart-thresholds", "chart-engagement", "chart-views", "chart-growth"} <= set(charts)
    assert all(attrs.get("role") == "img" for attrs in page.all("svg") if "chart" in attrs.get("class", ""))
    assert len(page.all("h1")) == 1
    starter = render_html(example_plans["starter-300"])
    assert "chart-views" not in starter and "chart-growth" not in starter  # no videos, no history


# --- filters said to return text -------------------------------------------------------------------------------------

_ANY_INPUT = [None, 0, -3, 12345, 10**40, 0.5, float("nan"), float("inf"), True, "", "a|b", "<b>", [1, "x"], (2,),
              {"k": 1}, __import__("datetime").date(2024, 3, 6), __import__("markupsafe").Markup("<i>")]
_REQUIREMENT_SHAPES = [
    {"fact": "followers", "operator": ">=", "required": 10000, "actual": 8200, "met": False, "gap": 1800,
     "progress": 0.82, "text": "followers at least 10,000"},
    {"fact": None, "operator": "all", "required": None, "actual": None, "met": None, "gap": None, "progress": None,
     "text": "a composite"},
    {"fact": "country", "operator": "in", "required": ["US"], "actual": None, "met": None, "gap": None,
     "progress": None, "text": "country one of US"},
]


@pytest.mark.parametrize("packaged", [True, False])
@pytest.mark.parametrize("kind", ["md", "html"])
def test_every_filter_listed_as_giving_text_gives_text_for_any_input(kind, packaged, tmp_path):
    # Output ending in one of these filters is compiled without finalize (engine.templating.sandbox): a None or a number
    # from one would print as "None" or fail the join. So each must give str, whatever it is given. The packaged
    # templates' md is a memo lookup that takes the plan's own types (text, numbers, None), not lists or mappings.
    environment = build_environment(kind) if packaged else build_environment(kind, search_path=tmp_path)
    assert environment.text_filters <= set(environment.filters)
    for name in sorted(environment.text_filters):
        function = environment.filters[name]
        inputs = _REQUIREMENT_SHAPES if name in ("progress_text", "progress_label") else _ANY_INPUT
        if packaged and name == "md":
            inputs = [value for value in inputs if not isinstance(value, (list, dict))]
        for value in inputs:
            assert isinstance(function(value), str), (name, value)


def test_md_gives_the_same_text_through_the_memo_and_the_function():
    packaged = build_environment("md").filters["md"]
    for value in ["a|b", "a|b", "1. x", 1, 1.0, True, None, "", "x\ny", ("t",), "1"]:
        assert packaged(value) == md(value) == md(value)
    assert md(1) == "1" and md(1.0) == "1.0" and md(True) == "True"  # equal keys, different texts
    assert md(["a|b"]) == "\\['a\\|b'\\]"


def test_a_filter_that_can_give_none_still_prints_the_unknown_mark():
    environment = build_environment("md")
    assert "gap_text" not in environment.text_filters
    met = {"met": True, "gap": 0, "operator": ">="}
    assert environment.from_string("[{{ r | gap_text }}]").render(r=met) == "[—]"


def test_programme_names_and_status_counts_in_a_template():
    environment = build_environment("md")
    eligibility = [{"program": "live_gifts", "name": "LIVE Gifts", "status": "eligible"},
                   {"program": "series", "name": "Series", "status": "unknown"},
                   {"program": "subscription", "name": "Subscription", "status": "eligible"}]
    text = environment.from_string(
        "{% set names = e|programme_names %}{{ names['series'] }}, {{ names['retired_fund'] }}, "
        "{{ names.get('live_gifts', '?') }}; {{ e|count_status('eligible') }} eligible, "
        "{{ e|count_status('closed') }} closed").render(e=eligibility)
    assert text == "Series, retired_fund, LIVE Gifts; 2 eligible, 0 closed"

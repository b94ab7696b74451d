"""Hostile input: profiles and rule packs written to run code, exhaust memory or break a report.

The corpus is tests/corpus/hostile (profiles/ and rules/, described in its README). Each input has an `.expected`
file (rules: `expected.txt`): `OK` when the input must give a safe report, else the exact error a user sees. The
inputs too large to commit (a 50 MB file, nesting 10,000 deep) are written here into tmp_path. Run with
UPDATE_EXPECTED=1 to rewrite the expectations after a deliberate change of wording (then review the diff).

Whatever an input does, nothing may run: os.system, os.popen and subprocess are watched throughout.
"""

from __future__ import annotations

import datetime as dt
import faulthandler
import json
import os
import re
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import pytest
from markdown_it import MarkdownIt

from advisor.api import Advisor, advise, default_rules_dir, render
from advisor.errors import AdvisorError, ProfileError
from advisor.profile.reading import load_profile, parse_profile
from engine import EngineError, RulePackError, RuleTextError, load_rule_pack
from engine.documents import DEFAULT_LIMITS, Limits
from engine.text import MAX_TEXT_CHARS, render_text

from advisor.terminal import BIDI_CONTROLS, report_text
from conftest import ENGINES_HERE, GARDEN_FACTS, TESTS, needs_durable

CORPUS = TESTS / "corpus" / "hostile"
PROFILES = CORPUS / "profiles"
RULES = CORPUS / "rules"
UPDATE = os.environ.get("UPDATE_EXPECTED") == "1"
JUNE_2024 = dt.date(2024, 6, 1)
GARDEN = {"month": 3, "plant": "rose", "temperature": 10.0, "soil_moisture": 0.1, "litres_available": 50}
REORDERING_OR_CONTROL = set(BIDI_CONTROLS) | {chr(c) for c in (*range(0, 9), *range(14, 32), *range(0x7f, 0x85),
                                                                   *range(0x86, 0xa0))}
NOT_EVALUATED = ("37035", "37,035")  # what `{{ 12345*3 }}` would print if a profile's text were a template


def _profile_inputs() -> list[Path]:
    return sorted(p for p in PROFILES.iterdir() if p.suffix in (".yaml", ".json"))


def _rule_cases() -> list[str]:
    return sorted(p.name for p in RULES.iterdir() if p.is_dir())


def _compare(expected_file: Path, actual: str) -> None:
    if UPDATE:
        expected_file.write_text(actual, encoding="utf-8")
    assert actual == expected_file.read_text(encoding="utf-8")


@pytest.fixture(autouse=True)
def nothing_runs(monkeypatch):
    """Any attempt to start a process fails the test (and is recorded, in case something swallows the error)."""
    calls = []

    def refuse(*args, **kwargs):
        calls.append(args)
        raise AssertionError(f"a hostile input started a process: {args!r}")

    monkeypatch.setattr(os, "system", refuse)
    monkeypatch.setattr(os, "popen", refuse)
    monkeypatch.setattr(subprocess, "Popen", refuse)
    yield
    assert calls == []


@pytest.fixture
def hang_guard():
    """A regression that made durable-rules loop for ever must fail the run, not stall it."""
    faulthandler.dump_traceback_later(120, exit=True)
    yield
    faulthandler.cancel_dump_traceback_later()


# ---- what a safe report looks like ------------------------------------------------------------------------------

class _Page(HTMLParser):
    """Tags, attributes and text of an HTML page."""

    def __init__(self, html: str):
        super().__init__(convert_charrefs=True)
        self.tags: set[str] = set()
        self.attributes: list[tuple[str, str, str]] = []
        self.text: list[str] = []
        self.feed(html)
        self.close()

    def handle_starttag(self, tag, attrs):
        self.tags.add(tag)
        self.attributes.extend((tag, name, value or "") for name, value in attrs)

    handle_startendtag = handle_starttag

    def handle_data(self, data):
        self.text.append(data)

    def plain(self) -> str:
        return " ".join(" ".join(self.text).split())


def _markdown_html(text: str) -> str:
    return MarkdownIt("commonmark").enable("table").render(text)


@pytest.fixture(scope="module")
def honest_pages() -> tuple[_Page, _Page]:
    """The tags an honest plan's HTML and Markdown reports use: a hostile plan may use no others."""
    plan = advise(TESTS.parent / "examples" / "rising-baker-6k.yaml")
    return _Page(render(plan, "html")), _Page(_markdown_html(render(plan, "md")))


def _assert_safe(page: _Page, honest: _Page, literals: list[str]) -> None:
    assert page.tags <= honest.tags, f"markup from the input became tags: {page.tags - honest.tags}"
    for tag, name, value in page.attributes:
        assert not name.startswith("on"), (tag, name, value)
        assert not value.strip().lower().startswith(("javascript:", "data:", "vbscript:")), (tag, name, value)
    shown = page.plain()
    for literal in literals:
        assert " ".join(literal.split()) in shown, f"{literal!r} is not shown as written"


def _shown_literally(literal: str, markdown: bool) -> str:
    # Markdown reports keep text on one line: line breaks become spaces.
    return " ".join(literal.split()) if markdown else literal


# ---- profiles -----------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("path", _profile_inputs(), ids=lambda p: p.name)
def test_hostile_profile_gives_a_located_error_or_a_safe_report(path, monkeypatch, honest_pages):
    monkeypatch.chdir(path.parent)
    expected = path.with_suffix(".expected")
    try:
        plan = advise(path.name)
    except ProfileError as error:
        _compare(expected, str(error) + "\n")
        assert all(problem.file == path.name for problem in error.problems)
        assert all(problem.line is not None for problem in error.problems), str(error)
        return
    _compare(expected, "OK\n")
    profile = plan.profile
    # Controls and bidi controls are shown as escapes in reports (advisor/terminal.py); all else as written.
    literals = [report_text(profile.handle)] + ([report_text(profile.niche)] if profile.niche else [])
    titles = [video.title for video in profile.videos or () if video.title]
    outputs = {fmt: render(plan, fmt) for fmt in ("md", "html", "json")}
    for fmt, text in outputs.items():
        text.encode("utf-8")  # every report can be written
        if fmt != "json":
            assert not set(text) & REORDERING_OR_CONTROL, f"a control or bidi character reached the {fmt} report"
        assert not any(marker in text for marker in NOT_EVALUATED), f"profile text was evaluated in {fmt}"
    data = json.loads(outputs["json"])
    assert data["profile"]["handle"] == profile.handle
    assert [v.get("title") for v in data["profile"].get("videos", []) if v.get("title")] == titles
    html_honest, md_honest = honest_pages
    _assert_safe(_Page(outputs["html"]), html_honest, literals)
    _assert_safe(_Page(_markdown_html(outputs["md"])), md_honest, [_shown_literally(t, True) for t in literals])
    if profile.niche:  # the niche went through rule text (sandboxed templates) and came out as written
        texts = " ".join(f"{r['title']} {r['text']}" for r in data["recommendations"])
        assert profile.niche in texts


def test_the_hostile_profile_corpus_covers_the_issue():
    names = {path.name for path in _profile_inputs()}
    assert len(names) >= 35
    assert all(path.with_suffix(".expected").exists() for path in _profile_inputs())
    for required in ("template_mro.yaml", "template_include.yaml", "template_globals.yaml", "script_handle.yaml",
                     "javascript_url.yaml", "python_object_apply.yaml", "alias_bomb.yaml", "nan.yaml",
                     "infinity.yaml", "json_nan.json", "long_integer.yaml", "long_integer_json.json",
                     "not_utf8.yaml", "bom.yaml",
                     "duplicate_keys.json"):
        assert required in names


def test_a_50_megabyte_profile_is_refused_by_its_size_before_it_is_read(tmp_path):
    for name in ("huge.yaml", "huge.json"):
        path = tmp_path / name
        with open(path, "wb") as stream:
            stream.write(b'{"handle": "a", "followers": 5, "x-pad": "')
            stream.write(b"a" * (50 * 1024 * 1024))
            stream.write(b'"}\n')
        with pytest.raises(ProfileError) as caught:
            advise(path)
        assert str(caught.value) == f"{path}: file is {path.stat().st_size:,} bytes; the limit is 10,485,760 bytes"
        assert path.stat().st_size > 50 * 1024 * 1024


@pytest.mark.parametrize("shape, text", [
    ("flow lists", "[" * 10_000 + "]" * 10_000),
    ("flow mappings", "{a: " * 10_000 + "1" + "}" * 10_000),
    ("block lists", "- " * 10_000 + "x"),
    ("json arrays", "[" * 10_000 + "1" + "]" * 10_000),
])
def test_nesting_10000_deep_is_refused_with_its_place(tmp_path, shape, text):
    path = tmp_path / "deep.yaml"
    path.write_text(f"handle: a\nfollowers: 5\nx-deep: {text}\n" if shape != "block lists"
                    else f"handle: a\nfollowers: 5\nx-deep:\n  {text}\n")
    with pytest.raises(ProfileError) as caught:
        load_profile(path)
    message = str(caught.value)
    assert re.fullmatch(rf"{re.escape(str(path))}:[34]:\d+: nesting is too deep \(the limit is 64 levels\)", message)


def test_a_mapping_nested_10000_deep_or_containing_itself_is_refused():
    deep: dict = {}
    inner = deep
    for _ in range(10_000):
        inner["x"] = {}
        inner = inner["x"]
    with pytest.raises(ProfileError, match=r"x-deep(\.x){64}: nesting is too deep \(the limit is 64 levels\)"):
        advise({"handle": "a", "followers": 5, "x-deep": deep})
    loop: dict = {"handle": "a", "followers": 5}
    loop["x-self"] = loop
    with pytest.raises(ProfileError, match="nesting is too deep"):
        advise(loop)
    items: list = []
    items.append(items)
    with pytest.raises(ProfileError, match="nesting is too deep"):
        advise({"handle": "a", "followers": 5, "x-list": items})


@pytest.mark.parametrize("data, message", [
    ({"handle": "a", "followers": float("nan")}, "followers: expected a finite number, got nan"),
    ({"handle": "a", "followers": 5, "views_30d": float("inf")}, "views_30d: expected a finite number, got inf"),
    ({"handle": "a", "followers": 10 ** 5000}, "followers: a number with more than 4,000 digits is too large"),
    ({"handle": "a", "followers": int("9" * 4000)}, "followers: a number with 4000 digits is too large"),
    ({"handle": "a\ud800", "followers": 5}, "handle: contains a lone surrogate (U+D800), which is not valid"),
    ({"handle": "a", "followers": 5, "niche": "\udfff"}, "niche: contains a lone surrogate (U+DFFF)"),
    ({"handle": "a", "followers": 5, "x-\ud83d": 1}, "key 'x-\\ud83d' contains a lone surrogate"),
    ({"handle": "a", "followers": 5, "x-set": {1, 2}}, "x-set: unsupported value of type set"),
    ({"handle": "a", "followers": 5, "x-bytes": b"\xff"}, "x-bytes: unsupported value of type bytes"),
    ({"handle": "a", "followers": 5, 7: "seven"}, "key 7 is not text"),
])
def test_hostile_values_given_as_a_mapping_are_refused(data, message):
    with pytest.raises(ProfileError) as caught:
        advise(data)
    assert message in str(caught.value)


@pytest.mark.parametrize("handle", ["{{ 12345*3 }}", "{% include '/etc/passwd' %}", "<script>alert(1)</script>",
                                    "javascript:alert(1)", "{{ cycler.__init__.__globals__ }}", "a|b`c*d_e"])
def test_profile_text_given_as_a_mapping_is_data(handle, honest_pages):
    plan = advise({"handle": handle, "followers": 6840, "niche": handle, "as_of": "2026-11-20", "age": 27,
                   "country": "US", "views_30d": 80000, "likes_30d": 9000, "comments_30d": 700,
                   "shares_30d": 600, "posts_30d": 8})
    html, markdown, data = render(plan, "html"), render(plan, "md"), json.loads(render(plan, "json"))
    assert data["profile"]["handle"] == handle and data["profile"]["niche"] == handle
    assert not any(marker in html + markdown for marker in NOT_EVALUATED)
    _assert_safe(_Page(html), honest_pages[0], [handle])
    _assert_safe(_Page(_markdown_html(markdown)), honest_pages[1], [handle])


# ---- limits are the caller's ------------------------------------------------------------------------------------

def test_limits_are_documented_defaults_and_can_be_set_from_the_api(tmp_path):
    assert DEFAULT_LIMITS == Limits(max_bytes=10 * 1024 * 1024, max_depth=64, max_nodes=500_000)
    path = tmp_path / "profile.yaml"
    videos = "".join(f"  - {{posted: 2026-11-{day:02d}, views: {day * 100}}}\n" for day in range(1, 21))
    path.write_text(f"handle: a\nfollowers: 5\nas_of: 2026-11-20\nvideos:\n{videos}", encoding="utf-8")
    size = path.stat().st_size
    assert advise(path).profile.views_30d == sum(day * 100 for day in range(1, 21))

    with pytest.raises(ProfileError, match=rf"file is {size:,} bytes; the limit is 100 bytes"):
        advise(path, limits=Limits(max_bytes=100))
    with pytest.raises(ProfileError, match=r"profile.yaml:5:5: nesting is too deep \(the limit is 1 levels\)"):
        Advisor().advise(path, limits=Limits(max_depth=1))
    with pytest.raises(ProfileError, match=r"too many values \(the limit is 10\)"):
        advise(path, limits=Limits(max_nodes=10))
    with pytest.raises(ProfileError, match=r"videos\[0\]: nesting is too deep \(the limit is 1 levels\)"):
        advise(load_profile(path).to_dict(), limits=Limits(max_depth=1))  # a mapping is held to the limits too
    with pytest.raises(ProfileError, match=r"too many values \(the limit is 10\)"):
        parse_profile(load_profile(path).to_dict(), limits=Limits(max_nodes=10))
    # An advisor holds limits for the profiles it reads, and the rule files have their own.
    with pytest.raises(RulePackError, match=r"programs.yaml: file is [\d,]+ bytes; the limit is 1,000 bytes"):
        Advisor(rule_limits=Limits(max_bytes=1000))
    strict = Advisor(limits=Limits(max_bytes=size))
    assert strict.advise(path).profile.handle == "a"
    with pytest.raises(ProfileError, match="the limit is 100 bytes"):
        strict.advise(path, limits=Limits(max_bytes=100))


def test_every_value_counts_once_toward_the_limit_and_the_first_over_it_is_named():
    # 1 profile + handle, followers, as_of, the list + 20 videos of 3 values (itself, posted, views): 65.
    data = {"handle": "a", "followers": 5, "as_of": "2026-11-20",
            "videos": [{"posted": f"2026-11-{day:02d}", "views": day} for day in range(1, 21)]}
    assert parse_profile(data, limits=Limits(max_nodes=65)).views_30d == sum(range(1, 21))
    with pytest.raises(ProfileError) as raised:
        parse_profile(data, limits=Limits(max_nodes=64))
    assert [str(problem) for problem in raised.value.problems] == \
        ["<profile>: videos[19].views: too many values (the limit is 64)"]


def test_a_json_path_read_by_the_importers_is_held_to_the_limits(tmp_path):
    path = tmp_path / "profile.json"
    path.write_text(json.dumps({"handle": "a", "followers": 5, "x-pad": "a" * 500}), encoding="utf-8")
    assert advise(path).profile.handle == "a"
    with pytest.raises(ProfileError, match="the limit is 100 bytes"):
        advise(path, limits=Limits(max_bytes=100))


# ---- rule packs -------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("engine", ENGINES_HERE)
@pytest.mark.parametrize("case", _rule_cases())
def test_hostile_rule_pack_gives_a_typed_error_naming_the_rule_or_file(case, engine, monkeypatch, hang_guard):
    monkeypatch.chdir(RULES)
    expected = RULES / case / "expected.txt"
    if engine == "python" and case.startswith("too_many_"):
        # durable-rules' table sizes: the python engine has none, and says nothing of them.
        assert "durable-rules" in expected.read_text(encoding="utf-8")
        pack = load_rule_pack(case, GARDEN_FACTS, engine=engine)
        outcome = pack.evaluate(GARDEN, on=JUNE_2024)
        assert outcome.fired and all(len(item.text) <= MAX_TEXT_CHARS for item in pack.render_advice(outcome))
        return
    try:
        pack = load_rule_pack(case, GARDEN_FACTS, engine=engine)
    except RulePackError as error:
        _compare(expected, f"{type(error).__name__}: {error}\n")
        assert all(problem.file.startswith(f"{case}/") and problem.line for problem in error.problems), str(error)
        if case.startswith(("text_", "too_many_")):
            assert all(problem.rule for problem in error.problems), str(error)
        return
    outcome = pack.evaluate(GARDEN, on=JUNE_2024)
    try:
        advice = pack.render_advice(outcome)
    except RuleTextError as error:
        _compare(expected, f"{type(error).__name__}: {error}\n")
        assert str(error).startswith("rule evil.render: then.advice.text: cannot render the text: ")
        return
    _compare(expected, "OK\n")
    assert all(len(item.text) <= MAX_TEXT_CHARS for item in advice)


def test_the_hostile_rule_corpus_covers_the_issue():
    cases = set(_rule_cases())
    assert len(cases) >= 30
    for required in ("text_mro", "text_include", "text_cycler_globals", "text_walk_to_os", "python_object_apply",
                     "alias_bomb", "nan_threshold", "infinity_value", "long_integer", "not_utf8", "byte_order_mark",
                     "duplicate_keys", "render_huge_repeat"):
        assert required in cases
    assert all((RULES / case / "expected.txt").exists() for case in cases)


def test_a_hostile_overlay_on_the_default_pack_fails_when_the_advisor_loads_it(tmp_path):
    overlay = tmp_path / "overlay"
    overlay.mkdir()
    (overlay / "evil.yaml").write_text(
        "rules:\n  - id: content.hook_first_seconds\n    category: content\n    when: {fact: followers, op: exists}\n"
        "    then:\n      advice:\n        title: \"{{ facts.__class__.__init__.__globals__['os'].popen('id') }}\"\n"
        "        text: plain\n", encoding="utf-8")
    with pytest.raises(RulePackError) as caught:
        advise({"handle": "a", "followers": 5}, rules=[default_rules_dir(), overlay])
    message = str(caught.value)
    assert "evil.yaml:7:16: rule content.hook_first_seconds: then.advice.title: the text reads '__globals__'" \
        in message
    assert "a call of a function or method" in message


def test_a_50_megabyte_rule_file_is_refused_naming_it(tmp_path):
    folder = tmp_path / "pack"
    folder.mkdir()
    with open(folder / "rules.yaml", "wb") as stream:
        stream.write(b"# " + b"x" * (50 * 1024 * 1024) + b"\nrules: []\n")
    with pytest.raises(RulePackError) as caught:
        load_rule_pack(folder, GARDEN_FACTS)
    size = (folder / "rules.yaml").stat().st_size
    assert str(caught.value).endswith(f"{folder / 'rules.yaml'}: file is {size:,} bytes; the limit is 10,485,760 bytes")


@pytest.mark.parametrize("body", [
    "rules: " + "[" * 10_000 + "]" * 10_000,
    "rules:\n  - id: a.rule\n    category: care\n    when: " + "{not: " * 10_000 + "{fact: month, op: exists}"
    + "}" * 10_000,
])
def test_a_rule_file_nested_10000_deep_is_refused(tmp_path, body):
    folder = tmp_path / "pack"
    folder.mkdir()
    (folder / "rules.yaml").write_text(body + "\n", encoding="utf-8")
    with pytest.raises(RulePackError, match=r"rules.yaml:\d+:\d+: nesting is too deep \(the limit is 64 levels\)"):
        load_rule_pack(folder, GARDEN_FACTS)


@pytest.mark.parametrize("source", [
    "{{ rule.__class__ }}", "{{ rule.upper() }}", "{{ 'a' * 100000 }}", "{{ 'ab' ~ 'c' * 15000 ~ 'd' * 15000 }}",
    "{{ 10 ** 1000 }}", " * ".join(["{{ " + "9" * 38] + ["9" * 38] * 2) + " }}", "{{ '%d' % 5 }}",
    "{{ ['x' * 10000, 'y' * 10000] | join('z' * 10) }}", "{% set a = 'q' * 15000 %}{{ a }}{{ a }}",
])
def test_the_text_sandbox_bounds_what_a_text_can_build(source):
    with pytest.raises(RuleTextError, match=r"^rule r\.x: text: cannot render the text: SecurityError: "):
        render_text(source, facts={}, thresholds={}, rule="r.x", field="text")


def test_the_filters_bound_the_digits_they_write():
    assert render_text("{{ 1.5 | number(1000000000) }} {{ (1 / 3) | percent(10**9) }}", facts={}, thresholds={},
                       rule="r.x", field="text") == "1.500000000000 33.333333333333%"


def test_engine_errors_and_advisor_errors_are_the_only_errors_of_the_corpus(monkeypatch):
    """Belt and braces over the whole profile corpus: nothing but the project's typed errors escapes."""
    monkeypatch.chdir(PROFILES)
    for path in _profile_inputs():
        try:
            for fmt in ("md", "html", "json"):
                render(advise(path.name), fmt)
        except (AdvisorError, EngineError):
            pass


@needs_durable
def test_a_compiled_ruleset_too_large_for_durable_rules_never_reaches_it(hang_guard):
    """The load-time check uses the widest thresholds; each compiled variant is checked again before
    durable-rules sees it, so no date or country can make the engine loop."""
    from engine.model import AllOf, Leaf, Rule
    from engine.durable.runtime import CompiledRuleset

    rules = [Rule(id=f"r.n{i:03d}", category="x", when=AllOf((Leaf("month", ">", i),))) for i in range(600)]
    definition = {f"r{rank}": {"pri": rank, "all": [{"m": {"$and": [{"__layer": 0}, {"$gt": {"month": i}}]}}]}
                  for rank, i in enumerate(range(600))}
    with pytest.raises(EngineError, match=r"too large for durable-rules at rule r\.n500: more than 500 different "
                                          r"comparisons follow one point"):
        CompiledRuleset.create(definition, rules, [0])


@needs_durable
def test_a_pack_of_more_rules_than_durable_rules_holds_is_refused_when_it_loads(tmp_path, hang_guard):
    """durable-rules evaluates at most 4,096 actions (rules) in one ruleset: a larger pack used to pass `rules
    validate` and then fail every plan with its error 106."""
    pack = tmp_path / "big"
    pack.mkdir()
    lines = ["rules:"]
    for number in range(4001):  # spread over two facts, so no other table of the network fills first
        lines.append(f"  - {{id: a.r{number:05d}, category: care, when: {{all: [{{fact: month, op: '>', value: "
                     f"{number % 400}}}, {{fact: temperature, op: '>', value: {number // 400}}}]}}}}")
    (pack / "rules.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(RulePackError) as caught:
        load_rule_pack(pack, GARDEN_FACTS, engine="durable")
    (problem,) = caught.value.problems
    assert problem.rule == "a.r04000" and problem.line == 4002
    assert "more than 4,000 rules would be evaluated together (durable-rules holds at most 4,096)" in problem.message

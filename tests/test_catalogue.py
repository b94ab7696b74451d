"""The Markdown catalogue of a pack: complete, in plain words, valid CommonMark with sound tables, deterministic."""

from __future__ import annotations

import re
import shutil

from conftest import GARDEN_FACTS, TESTS
from markdown_it import MarkdownIt

from engine import load_rule_pack
from engine.catalogue import catalogue_markdown


def parser() -> MarkdownIt:
    return MarkdownIt("commonmark").enable("table")


def table_shapes(markdown: str) -> list[list[int]]:
    """For each parsed table, the number of cells of each row (header first)."""
    shapes: list[list[int]] = []
    cells = 0
    for token in parser().parse(markdown):
        if token.type == "table_open":
            shapes.append([])
        elif token.type == "tr_open":
            cells = 0
        elif token.type in ("th_open", "td_open"):
            cells += 1
        elif token.type == "tr_close":
            shapes[-1].append(cells)
    return shapes


def raw_cell_counts(markdown: str) -> list[int]:
    """Cells per table line as written (unescaped pipes), so a parser cannot hide a ragged row by padding it."""
    return [len(re.findall(r"(?<!\\)\|", line)) - 1 for line in markdown.splitlines() if line.startswith("|")]


def check_markdown(markdown: str) -> None:
    shapes = table_shapes(markdown)
    delimiter_rows = [line for line in markdown.splitlines() if re.fullmatch(r"\|(---\|)+", line)]
    assert len(shapes) == len(delimiter_rows) > 0  # every table written is parsed as a table
    for shape in shapes:
        assert len(set(shape)) == 1, shape
    tables = re.split(r"\n\n", markdown)
    for block in tables:
        if block.startswith("|"):
            assert len(set(raw_cell_counts(block))) == 1, block
    html = parser().render(markdown)
    anchors = set(re.findall(r'<a id="([^"]+)"></a>', html))
    targets = set(re.findall(r'href="#([^"]+)"', html))
    assert targets and targets <= anchors, targets - anchors


def test_catalogue_lists_every_rule_and_threshold_with_its_source(garden):
    text = catalogue_markdown(garden)
    assert text.startswith("# Rule pack garden, version 1\n\nWatering and frost advice for a home garden.\n")
    for rule_id in garden.rules:
        assert f'<a id="rule-{rule_id}"></a>' in text
    for name, threshold in garden.thresholds.items():
        assert f'<a id="threshold-{name}"></a>`{name}`' in text
        for entry in threshold.entries():
            assert entry.source in text
    assert "| ES | 0.15 | always | Spanish garden handbook | 2024-02-01 | — |" in text
    assert "| default, earlier | 60 | until 2025-01-01 | Water board bylaw 2019 | 2019-01-01 | — |" in text


def test_rules_in_plain_words(garden):
    text = catalogue_markdown(garden)
    assert ("When `soil_moisture` is below 0.2 (threshold [`water.dry_soil`](#threshold-water.dry_soil): Garden "
            "handbook, 2024-01-01; ES: 0.15), then it asserts `needs_water` is true.\n") in text
    assert ("When `watering_planned` is known and `plant` is one of \"rose\", \"tomato\", then it advises: "
            "*Mulch after watering*.\n") in text
    assert ("When either `temperature` is at most 2 (threshold [`frost.temperature`](#threshold-frost.temperature): "
            "Met office, 2023-01-01, until 2030-01-01) or `temperature` is not known, then it advises: "
            "*Frost risk*.\n") in text
    assert ("and `plant` is not \"cactus\" and `sown_on` is between 2024-03-01 and 2024-05-31, then it advises: "
            "*Good time to plant*.") in text
    assert "`water.schedule`: priority 70, layer 1, gate [`watering`](#gate-watering), `garden/rules.yaml:9`." in text


def test_rules_grouped_by_category_in_firing_order(garden):
    text = catalogue_markdown(garden)
    headings = re.findall(r'^#### <a id="rule-([^"]+)"', text, re.MULTILINE)
    assert headings == ["frost.warning", "water.dry", "water.schedule", "water.mulch", "planting.season"]
    assert text.index('id="category-care"') < text.index('id="category-plan"')


def test_gate_requirements_table(garden):
    text = catalogue_markdown(garden)
    gate = text[text.index('### <a id="gate-watering"></a>Watering'):text.index('## <a id="rules"></a>')]
    assert "| `needs_water` is true | — | — | — | — | — | — |" in gate
    assert ("| `litres_available` is at least 40 | [`hose.max_litres`](#threshold-hose.max_litres) | 40 (from "
            "2025-01-01) | — | 60 (until 2025-01-01), Water board bylaw 2019, 2019-01-01 | Water board bylaw 2025 | "
            "2025-01-01 |") in gate


def test_catalogue_is_valid_markdown(garden):
    check_markdown(catalogue_markdown(garden))


def test_catalogue_is_deterministic(garden, tmp_path):
    first = catalogue_markdown(garden)
    copy = tmp_path / "elsewhere" / "garden"
    shutil.copytree(TESTS / "packs" / "garden", copy)
    assert catalogue_markdown(load_rule_pack(copy, GARDEN_FACTS)) == first
    assert catalogue_markdown(load_rule_pack(TESTS / "packs" / "garden", GARDEN_FACTS)).encode() == first.encode()


def test_markup_in_author_text_is_escaped(tmp_path):
    folder = tmp_path / "odd"
    folder.mkdir()
    (folder / "rules.yaml").write_text("""\
thresholds:
  odd.limit:
    value: 5
    description: "# not a heading"
    source: "A | B *c* [d] <e>"
    url: "https://example.org/a|b c"
    as_of: 2024-01-01
    note: |
      First line

      - not a list
rules:
  - id: odd.rule
    category: care
    title: "Pipes | and *stars*"
    description: "1. not a list"
    when: {fact: plant, op: "==", value: "a|b"}
    then:
      advice: {title: "x_y *z*", text: T}
  - id: odd.gate
    category: care
    gate: odd
    title: "Hello {{ facts.plant }}"
    when: {all: [{fact: month, op: ">", threshold: odd.limit}]}
""", encoding="utf-8")
    text = catalogue_markdown(load_rule_pack(folder, GARDEN_FACTS))
    check_markdown(text)
    html = parser().render(text)
    assert "<h1>" in html and html.count("<h1>") == 1 and "<ul>\n<li>not a list" not in html
    assert "<p># not a heading</p>" in html and "<p>1. not a list</p>" in html
    assert "A | B *c* [d] &lt;e&gt;" in html
    assert 'href="https://example.org/a%7Cb%20c"' in html
    assert "<em>x_y *z*</em>" in html
    assert '<a id="gate-odd"></a><code>odd.gate</code>' in html  # a templated title shows the rule id


def test_default_pack_catalogue():
    from advisor.plan.facts import CREATOR_FACTS

    pack = load_rule_pack(TESTS.parent / "rules", CREATOR_FACTS)
    text = catalogue_markdown(pack)
    check_markdown(text)
    for rule_id in pack.rules:
        assert f'id="rule-{rule_id}"' in text
    assert text == catalogue_markdown(pack)

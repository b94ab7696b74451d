"""Lint: each check fires on a pack built to trigger it, at the right place and with the exact message."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from conftest import GARDEN_FACTS, ROOT

from engine import load_rule_pack
from engine.lint import lint_pack

TODAY = dt.date(2024, 6, 1)
ADVICE = "then: {advice: {title: T, text: T}}"


def lint(tmp_path: Path, text: str, **options) -> tuple[list[str], str]:
    folder = tmp_path / "pack"
    folder.mkdir()
    (folder / "rules.yaml").write_text(text, encoding="utf-8")
    pack = load_rule_pack(folder, GARDEN_FACTS)
    problems = lint_pack(pack, today=options.pop("today", TODAY), **options)
    assert all(problem.severity == "warning" for problem in problems)
    return [str(problem) for problem in problems], str(folder / "rules.yaml")


def test_clean_pack_has_no_warnings(tmp_path):
    found, _ = lint(tmp_path, f"""\
thresholds:
  frost.temperature: {{value: 2, source: Met office, as_of: 2024-01-01}}
rules:
  - id: frost.mark
    category: care
    when: {{fact: temperature, op: "<=", threshold: frost.temperature}}
    then: {{assert: {{frost: true}}}}
  - id: frost.warning
    category: care
    when: {{all: [{{fact: frost, op: "==", value: true}}, {{fact: temperature, op: ">", value: -40}}]}}
    {ADVICE}
""")
    assert found == []


def test_garden_pack_is_clean(garden):
    assert lint_pack(garden, today=dt.date(2025, 6, 1), max_source_age_days=3650) == []


def test_stale_sources_in_base_country_and_earlier_entries(tmp_path):
    found, file = lint(tmp_path, f"""\
thresholds:
  frost.temperature:
    value: 2
    source: Met office
    as_of: 2020-01-01
    countries:
      NO: {{value: -5, source: Norwegian almanac, as_of: 2024-01-01}}
      SE:
        value: -4
        source: Swedish almanac
        as_of: 2021-05-31
    earlier:
      - {{value: 3, source: Old almanac, as_of: 2010-01-01, valid_until: 2020-01-01}}
rules:
  - id: frost.warning
    category: care
    when: {{fact: temperature, op: "<=", threshold: frost.temperature}}
    {ADVICE}
""")
    assert found == [
        (f"{file}:5:12: thresholds.frost.temperature.as_of: warning: source dated 2020-01-01 is older than 730 days: "
         "check it still holds"),
        (f"{file}:11:16: thresholds.frost.temperature.countries.SE.as_of: warning: source dated 2021-05-31 is older "
         "than 730 days: check it still holds"),
        (f"{file}:13:48: thresholds.frost.temperature.earlier[0].as_of: warning: source dated 2010-01-01 is older "
         "than 730 days: check it still holds"),
    ]
    # exactly max_source_age_days old is not stale yet
    assert lint_pack(load_rule_pack(Path(file).parent, GARDEN_FACTS), today=dt.date(2024, 6, 1),
                     max_source_age_days=(dt.date(2024, 6, 1) - dt.date(2010, 1, 1)).days) == []


def test_unused_threshold(tmp_path):
    found, file = lint(tmp_path, """\
thresholds:
  frost.temperature: {value: 2, source: Met office, as_of: 2024-01-01}
  frost.unused: {value: 9, source: Met office, as_of: 2024-01-01}
  hose.max_litres: {value: 40, source: Bylaw, as_of: 2024-01-01}
  water.dry_soil: {value: 0.2, source: Handbook, as_of: 2024-01-01}
rules:
  - id: frost.warning
    category: care
    when: {fact: temperature, op: "<=", threshold: frost.temperature}
    then:
      assert: {dry_below: {threshold: water.dry_soil}}
      advice: {title: T, text: "Up to {{ thresholds['hose.max_litres'] }} litres; {{ facts.dry_below }}"}
""")
    assert found == [(f"{file}:3:3: thresholds.frost.unused: warning: threshold 'frost.unused' is not used by any "
                      "rule condition, assert or text")]


def test_derived_fact_never_read(tmp_path):
    found, file = lint(tmp_path, f"""\
rules:
  - id: water.dry
    category: care
    when: {{fact: soil_moisture, op: "<", value: 0.2}}
    then:
      assert: {{needs_water: true, soil_dry: true}}
  - id: water.very_dry
    category: care
    when: {{fact: soil_moisture, op: "<", value: 0.1}}
    then:
      assert: {{needs_water: true}}
  - id: water.plan
    category: care
    when: {{fact: soil_dry, op: exists}}
    {ADVICE}
""")
    assert found == [(f"{file}:6:16: rule water.dry: then.assert.needs_water: warning: derived fact 'needs_water' "
                      "is asserted here (and by 1 other rule) but no rule condition or text reads it: fine if the "
                      "host application reads it, otherwise drop it")]


def test_rules_that_can_never_fire(tmp_path):
    found, file = lint(tmp_path, f"""\
thresholds:
  water.dry_soil: {{value: 0.2, source: Handbook, as_of: 2024-01-01}}
  water.wet_soil:
    value: 0.5
    source: Handbook
    as_of: 2024-01-01
    countries:
      ES: {{value: 0.1, source: Spanish handbook, as_of: 2024-01-01}}
rules:
  - id: a.interval
    category: care
    when:
      all:
        - {{fact: soil_moisture, op: "<", threshold: water.dry_soil}}
        - all:
            - {{fact: soil_moisture, op: ">=", value: 0.6}}
    {ADVICE}
  - id: a.one_country_fires
    category: care
    when: {{all: [{{fact: soil_moisture, op: ">", threshold: water.wet_soil}}, {{fact: soil_moisture, op: "<", threshold: water.dry_soil}}]}}
    {ADVICE}
  - id: a.no_country_fires
    category: care
    when: {{all: [{{fact: soil_moisture, op: ">=", threshold: water.wet_soil}}, {{fact: soil_moisture, op: "<", value: 0.05}}]}}
    {ADVICE}
  - id: a.equal
    category: care
    when: {{all: [{{fact: plant, op: "==", value: rose}}, {{fact: temperature, op: ">", value: 0}}, {{fact: plant, op: "==", value: tomato}}]}}
    {ADVICE}
  - id: a.in
    category: care
    when: {{all: [{{fact: plant, op: in, value: [rose, tomato]}}, {{fact: plant, op: in, value: [cactus, fern]}}]}}
    {ADVICE}
  - id: a.exists
    category: care
    when: {{all: [{{fact: temperature, op: exists}}, {{not: {{fact: temperature, op: exists}}}}]}}
    {ADVICE}
  - id: a.negated
    category: care
    when: {{all: [{{fact: plant, op: "==", value: rose}}, {{not: {{fact: plant, op: in, value: [rose, fern]}}}}]}}
    {ADVICE}
  - id: a.dates
    category: care
    when: {{all: [{{fact: sown_on, op: between, value: [2024-03-01, 2024-05-31]}}, {{fact: sown_on, op: ">", value: 2024-06-01}}]}}
    {ADVICE}
  - id: b.absent_is_fine
    category: care
    when: {{all: [{{not: {{fact: plant, op: "==", value: rose}}}}, {{not: {{fact: plant, op: exists}}}}]}}
    {ADVICE}
  - id: b.any_is_not_checked
    category: care
    when: {{any: [{{fact: plant, op: "==", value: rose}}, {{fact: plant, op: "==", value: fern}}]}}
    {ADVICE}
  - id: b.touching_bounds
    category: care
    when: {{all: [{{fact: temperature, op: ">=", value: 5}}, {{fact: temperature, op: "<=", value: 5}}]}}
    {ADVICE}
""")
    never = "warning: this rule can never fire:"
    assert found == [
        (f"{file}:16:15: rule a.interval: when.all[1].all[0]: {never} when.all[0] (soil_moisture below "
         "water.dry_soil) and when.all[1].all[0] (soil_moisture at least 0.6) cannot both hold"),
        (f"{file}:24:78: rule a.no_country_fires: when.all[1]: {never} when.all[0] (soil_moisture at least "
         "water.wet_soil) and when.all[1] (soil_moisture below 0.05) cannot both hold"),
        (f"{file}:28:96: rule a.equal: when.all[2]: {never} when.all[0] (plant is rose) and when.all[2] (plant is "
         "tomato) cannot both hold"),
        (f"{file}:32:64: rule a.in: when.all[1]: {never} when.all[0] (plant one of rose, tomato) and when.all[1] "
         "(plant one of cactus, fern) cannot both hold"),
        (f"{file}:36:51: rule a.exists: when.all[1]: {never} when.all[0] (temperature is known) and when.all[1] "
         "(not (temperature is known)) cannot both hold"),
        (f"{file}:40:56: rule a.negated: when.all[1]: {never} when.all[0] (plant is rose) and when.all[1] "
         "(not (plant one of rose, fern)) cannot both hold"),
        (f"{file}:44:81: rule a.dates: when.all[1]: {never} when.all[0] (sown_on between 2024-03-01, 2024-05-31) "
         "and when.all[1] (sown_on above 2024-06-01) cannot both hold"),
    ]


def test_contradiction_judged_on_every_dated_value(tmp_path):
    found, _ = lint(tmp_path, f"""\
thresholds:
  frost.temperature:
    value: 2
    source: Met office
    as_of: 2024-01-01
    valid_from: 2024-01-01
    earlier:
      - {{value: 12, source: Old almanac, as_of: 2023-01-01, valid_until: 2024-01-01}}
rules:
  - id: frost.old_rule
    category: care
    when: {{all: [{{fact: temperature, op: "<=", threshold: frost.temperature}}, {{fact: temperature, op: ">", value: 10}}]}}
    {ADVICE}
""")
    assert found == []


def test_closed_gate(tmp_path):
    found, file = lint(tmp_path, f"""\
thresholds:
  fund.min_litres:
    value: 40
    source: Bylaw
    as_of: 2024-01-01
    valid_until: 2024-03-01
    countries:
      ES: {{value: 30, source: Spanish bylaw, as_of: 2024-01-01, valid_until: 2024-05-01}}
  fund.months: {{value: [3, 4], source: Bylaw, as_of: 2024-01-01, valid_until: 2024-02-01}}
  hose.max_litres: {{value: 40, source: Bylaw, as_of: 2024-01-01, valid_until: 2024-06-02}}
rules:
  - id: fund.grant
    category: care
    gate: water_fund
    when:
      all:
        - {{fact: litres_available, op: "<", threshold: fund.min_litres}}
        - {{fact: month, op: in, threshold: fund.months}}
    {ADVICE}
  - id: hose.gate
    category: care
    gate: hose
    when: {{fact: litres_available, op: "<=", threshold: hose.max_litres}}
    {ADVICE}
""")
    assert found == [(f"{file}:14:11: rule fund.grant: gate: warning: programme closed since 2024-05-01: every value "
                      "of the thresholds it requires has ended (if the rule is kept to tell users it closed, mark "
                      "it `historical: true`)")]


def test_a_gate_marked_historical_must_be_closed(tmp_path):
    found, file = lint(tmp_path, f"""\
thresholds:
  fund.min_litres: {{value: 40, source: Bylaw, as_of: 2024-01-01, valid_until: 2024-03-01}}
  hose.max_litres: {{value: 40, source: Bylaw, as_of: 2024-01-01}}
rules:
  - id: fund.grant
    category: care
    gate: water_fund
    historical: true
    when: {{fact: litres_available, op: "<", threshold: fund.min_litres}}
    {ADVICE}
  - id: hose.gate
    category: care
    gate: hose
    historical: true
    when: {{fact: litres_available, op: "<=", threshold: hose.max_litres}}
    {ADVICE}
""")
    assert found == [(f"{file}:14:17: rule hose.gate: historical: warning: marked historical, but some threshold it "
                      "requires is still in force: drop the mark")]


def test_member_lists_are_linted_member_by_member(tmp_path):
    found, file = lint(tmp_path, f"""\
thresholds:
  fund.regions:
    source: Water board notices
    as_of: 2024-01-01
    members:
      north: {{source: Board notice 1, as_of: 2020-01-01, valid_from: 2020-02-01}}
      south: {{source: Board notice 2, as_of: 2024-01-01, valid_from: 2023-02-01, valid_until: 2024-03-01}}
rules:
  - id: fund.grant
    category: care
    gate: water_fund
    when: {{fact: plant, op: in, threshold: fund.regions, scope: true}}
    {ADVICE}
""", max_source_age_days=730)
    assert found == [f"{file}:6:46: thresholds.fund.regions.members.north.as_of: warning: source dated 2020-01-01 "
                     "is older than 730 days: check it still holds"]


def test_host_reads_declares_facts_and_thresholds_the_host_uses(tmp_path):
    folder = tmp_path / "pack"
    folder.mkdir()
    (folder / "pack.yaml").write_text("pack: {name: garden, host_reads: [needs_water, water.target, gone]}\n",
                                      encoding="utf-8")
    (folder / "rules.yaml").write_text(f"""\
thresholds:
  water.target: {{value: 0.3, source: Gardening guide, as_of: 2024-01-01}}
  water.unused: {{value: 0.5, source: Gardening guide, as_of: 2024-01-01}}
rules:
  - id: water.dry
    category: care
    when: {{fact: soil_moisture, op: "<", value: 0.2}}
    then: {{assert: {{needs_water: true}}}}
""", encoding="utf-8")
    pack = load_rule_pack(folder, GARDEN_FACTS)
    found = [str(problem) for problem in lint_pack(pack, today=TODAY)]
    assert found == [
        f"{folder}: warning: pack.host_reads names 'gone', but no rule asserts it and no threshold has that name: "
        "drop it from the list",
        f"{folder / 'rules.yaml'}:3:3: thresholds.water.unused: warning: threshold 'water.unused' is not used by "
        "any rule condition, assert or text"]


def test_rule_that_does_nothing(tmp_path):
    found, file = lint(tmp_path, """\
rules:
  - id: water.quiet
    category: care
    when: {fact: soil_moisture, op: "<", value: 0.2}
  - id: water.gate
    category: care
    gate: water
    when: {fact: soil_moisture, op: "<", value: 0.2}
""")
    assert found == [(f"{file}:2:9: rule water.quiet: id: warning: this rule does nothing: it has no advice, "
                      "asserts nothing and is not a gate")]


def test_default_pack_lints_clean_on_the_day_its_sources_were_reread():
    """`rules lint --strict` passes on the shipped pack: sources refreshed, host-read facts declared, the retired
    Creator Fund marked historical."""
    from advisor.plan.facts import CREATOR_FACTS

    pack = load_rule_pack(ROOT / "rules", CREATOR_FACTS)
    assert [str(problem) for problem in lint_pack(pack, today=dt.date(2026, 12, 6))] == []


def test_default_pack_lints():
    from advisor.plan.facts import CREATOR_FACTS

    pack = load_rule_pack(ROOT / "rules", CREATOR_FACTS)
    problems = lint_pack(pack, today=dt.date(2026, 11, 24))
    assert all(problem.severity == "warning" and problem.line for problem in problems)
    keys = [(problem.file, problem.line, problem.column) for problem in problems]
    assert keys == sorted(keys)

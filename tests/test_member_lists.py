"""Member lists and scope requirements: a list whose members have their own dates and sources (a programme's
markets), and requirements that say whom a gate is for rather than a target to reach. Domain-free: a garden pack."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from conftest import GARDEN_FACTS

from engine import RulePackError, load_rule_pack

PACK = """\
thresholds:
  grant.regions:
    description: Regions where the water grant runs, each from its start.
    source: Water board notices
    as_of: 2024-01-01
    members:
      north: {source: Notice 1, url: https://example.org/1, as_of: 2024-01-01, valid_from: 2020-02-01}
      south: {source: Notice 2, as_of: 2024-01-01, valid_from: 2023-02-01, valid_until: 2024-03-01}
      east: {source: Notice 3, as_of: 2024-01-01, valid_from: 2025-06-01}
  grant.min_litres: {value: 40, source: Bylaw, as_of: 2024-01-01}
rules:
  - id: grant.gate
    category: care
    gate: grant
    when:
      all:
        - {fact: plant, op: in, threshold: grant.regions, scope: true}
        - {fact: litres_available, op: "<", threshold: grant.min_litres}
    then: {advice: {title: Apply, text: Apply for the grant.}}
"""


@pytest.fixture()
def pack(tmp_path: Path):
    folder = tmp_path / "pack"
    folder.mkdir()
    (folder / "rules.yaml").write_text(PACK, encoding="utf-8")
    return load_rule_pack(folder, GARDEN_FACTS)


@pytest.mark.parametrize("day, members", [
    (dt.date(2019, 1, 1), None),                      # before the first member starts: the list is not in force
    (dt.date(2022, 1, 1), ("north",)),
    (dt.date(2023, 2, 1), ("north", "south")),        # a member counts from its first day
    (dt.date(2024, 3, 1), ("north",)),                # and no longer on its valid_until
    (dt.date(2025, 6, 1), ("north", "east")),
])
def test_the_list_on_a_date_is_its_members_in_force(pack, day, members):
    assert pack.resolve_thresholds(None, day).get("grant.regions") == members


def test_a_member_is_judged_with_its_own_source(pack):
    outcome = pack.evaluate({"plant": "north", "litres_available": 10}, on=dt.date(2024, 6, 1))
    check = outcome.gates["grant"].requirements[0]
    assert (check.met, check.in_force, check.source, check.url, check.scope, check.gap) == \
        (True, True, "Notice 1", "https://example.org/1", True, None)
    assert outcome.gates["grant"].passed


def test_a_member_not_yet_open_makes_the_requirement_not_in_force_with_its_start(pack):
    outcome = pack.evaluate({"plant": "east", "litres_available": 10}, on=dt.date(2024, 6, 1))
    check = outcome.gates["grant"].requirements[0]
    assert (check.met, check.in_force, check.required, check.source) == (False, False, None, "Notice 3")
    assert check.text == "plant is east (not yet in force: starts 2025-06-01)"
    assert not outcome.gates["grant"].passed


def test_a_member_that_ended_says_so(pack):
    check = pack.evaluate({"plant": "south"}, on=dt.date(2024, 6, 1)).gates["grant"].requirements[0]
    assert (check.in_force, check.text) == (False, "plant is south (no longer in force: ended 2024-03-01)")


def test_outside_the_list_the_subject_is_outside_the_gate_with_no_gap(pack):
    gate = pack.evaluate({"plant": "west", "litres_available": 10}, on=dt.date(2024, 6, 1)).gates["grant"]
    assert [(check.fact, check.met, check.gap) for check in gate.outside] == [("plant", False, None)]
    assert gate.requirements[0].source == "Water board notices"  # no member of that name: the list's own source


def test_an_absent_fact_is_unknown_not_outside(pack):
    gate = pack.evaluate({"litres_available": 10}, on=dt.date(2024, 6, 1)).gates["grant"]
    assert gate.requirements[0].met is None and gate.outside == ()


def test_a_scope_requirement_has_no_gap_even_for_an_ordering_comparison(tmp_path):
    folder = tmp_path / "pack"
    folder.mkdir()
    (folder / "rules.yaml").write_text("""\
thresholds:
  grant.min_month: {value: 4, source: Bylaw, as_of: 2024-01-01}
rules:
  - id: grant.gate
    category: care
    gate: grant
    when: {all: [{fact: month, op: ">=", threshold: grant.min_month, scope: true}]}
    then: {advice: {title: Apply, text: Apply.}}
""", encoding="utf-8")
    gate = load_rule_pack(folder, GARDEN_FACTS).evaluate({"month": 2}, on=dt.date(2024, 6, 1)).gates["grant"]
    assert [(check.met, check.gap, check.scope) for check in gate.requirements] == [(False, None, True)]
    assert len(gate.outside) == 1


@pytest.mark.parametrize("entry, message", [
    ("{source: S, as_of: 2024-01-01, value: [north], members: {north: {source: N, as_of: 2024-01-01}}}",
     "rules.yaml:2:49: thresholds.grant.regions.value: unknown key 'value' (known keys: as_of, description, "
     "members, note, source, unit, url)"),
    ("{source: S, as_of: 2024-01-01, members: {north: {as_of: 2024-01-01}}}",
     "rules.yaml:2:66: thresholds.grant.regions.members.north: missing required key 'source'"),
    ("{source: S, as_of: 2024-01-01, members: {north: {source: N, as_of: 2024-01-01, value: 3}}}",
     "rules.yaml:2:97: thresholds.grant.regions.members.north.value: unknown key 'value' (known keys: as_of, note, "
     "source, url, valid_from, valid_until)"),
])
def test_a_malformed_member_list_is_refused_with_its_place(tmp_path, entry, message):
    folder = tmp_path / "pack"
    folder.mkdir()
    (folder / "rules.yaml").write_text(f"thresholds:\n  grant.regions: {entry}\n", encoding="utf-8")
    with pytest.raises(RulePackError) as caught:
        load_rule_pack(folder, GARDEN_FACTS)
    assert str(caught.value).startswith("1 problem in the rule pack:\n")
    assert str(caught.value).endswith(message)

"""Engine semantics on a pack of another domain: chaining, order, thresholds, isolation, errors."""

from __future__ import annotations

import datetime as dt
import shutil

import pytest

from engine import (EngineError, FactConflictError, FactError, FactSpec, RulePackError, RuleTextError,
                    load_rule_pack)

from conftest import GARDEN_FACTS, TESTS

JUNE_2024 = dt.date(2024, 6, 1)
DRY_WARM = {"soil_moisture": 0.1, "temperature": 14.5, "plant": "rose", "litres_available": 100}


def fired(outcome):
    return [firing.rule for firing in outcome.fired]


def test_a_derived_fact_triggers_the_rules_that_match_it(garden):
    outcome = garden.evaluate(DRY_WARM, on=JUNE_2024)
    assert fired(outcome) == ["water.dry", "water.schedule", "water.mulch"]
    assert outcome.derived == {"needs_water": True, "watering_planned": True}
    assert [f.layer for f in outcome.fired] == [0, 1, 2]


def test_without_the_derived_fact_the_chain_stops(garden):
    outcome = garden.evaluate({**DRY_WARM, "soil_moisture": 0.5}, on=JUNE_2024)
    assert fired(outcome) == []
    assert outcome.derived == {}


def test_higher_priority_fires_first_within_a_layer(garden):
    outcome = garden.evaluate({"soil_moisture": 0.1, "temperature": 1}, on=JUNE_2024)
    assert fired(outcome) == ["frost.warning", "water.dry"]  # priority 90 before 80


def test_each_firing_records_the_facts_it_matched(garden):
    outcome = garden.evaluate(DRY_WARM, on=JUNE_2024)
    schedule = outcome.fired[1]
    assert schedule.matched == {"needs_water": True, "temperature": 14.5, "litres_available": 100}


def test_country_override_changes_the_threshold(garden):
    moist = {"soil_moisture": 0.17, "temperature": 10}
    assert "water.dry" in fired(garden.evaluate(moist, on=JUNE_2024))
    assert "water.dry" not in fired(garden.evaluate(moist, country="ES", on=JUNE_2024))
    assert garden.resolve_thresholds("ES", JUNE_2024)["water.dry_soil"] == 0.15


def test_a_threshold_out_of_force_makes_its_comparisons_false(garden):
    after = dt.date(2030, 1, 1)  # frost.temperature valid_until
    outcome = garden.evaluate({**DRY_WARM, "temperature": -5}, on=after)
    assert "frost.warning" not in fired(outcome)
    check = outcome.gates["watering"].requirements[1]
    assert (check.in_force, check.met, check.required) == (False, False, None)
    assert outcome.gates["watering"].passed is False


def test_an_earlier_value_is_used_before_the_current_one_starts(garden):
    assert garden.resolve_thresholds(None, dt.date(2024, 12, 31))["hose.max_litres"] == 60
    assert garden.resolve_thresholds(None, dt.date(2025, 1, 1))["hose.max_litres"] == 40
    half_butt = {**DRY_WARM, "litres_available": 50}
    assert garden.evaluate(half_butt, on=dt.date(2024, 12, 31)).gates["watering"].passed is False
    assert garden.evaluate(half_butt, on=dt.date(2025, 1, 1)).gates["watering"].passed is True


def test_gate_reports_every_requirement_with_gap(garden):
    outcome = garden.evaluate({**DRY_WARM, "litres_available": 25}, on=JUNE_2024)
    gate = outcome.gates["watering"]
    assert gate.passed is False
    litres = gate.requirements[2]
    assert (litres.actual, litres.required, litres.met, litres.gap) == (25, 60, False, 35)
    assert litres.source == "Water board bylaw 2019" and litres.as_of == dt.date(2019, 1, 1)
    assert [check.met for check in gate.requirements] == [True, True, False]


def test_each_requirement_check_shows_the_value_of_its_own_evaluation(garden):
    # Checks are remembered by value across evaluations; equal values that read differently must not be mixed up.
    shown = []
    for temperature in (14, 14.0, 0.0, -0.0, 14, 0.0, -0.0):
        check = garden.evaluate({**DRY_WARM, "temperature": temperature}, on=JUNE_2024).gates["watering"] \
            .requirements[1]
        assert check.fact == "temperature" and check.met is (temperature > 2)  # above frost.temperature, 2
        shown.append(repr(check.actual))
    assert shown == ["14", "14.0", "0.0", "-0.0", "14", "0.0", "-0.0"]


def test_an_absent_fact_is_unknown_in_requirements_and_false_in_rules(garden):
    outcome = garden.evaluate({"soil_moisture": 0.1}, on=JUNE_2024)
    gate = outcome.gates["watering"]
    assert [check.met for check in gate.requirements] == [True, None, None]
    assert "frost.warning" in fired(outcome)  # `not exists temperature` holds


def test_negation_and_between_over_dates(garden):
    spring = {"month": 4, "plant": "tomato", "sown_on": dt.date(2024, 4, 2)}
    assert "planting.season" in fired(garden.evaluate(spring, on=JUNE_2024))
    assert "planting.season" not in fired(garden.evaluate({**spring, "plant": "cactus"}, on=JUNE_2024))
    assert "planting.season" not in fired(garden.evaluate({**spring, "sown_on": dt.date(2024, 6, 1)},
                                                          on=JUNE_2024))
    assert "planting.season" not in fired(garden.evaluate({**spring, "month": 7}, on=JUNE_2024))


def test_tiny_and_large_numbers_reach_the_engine_intact(garden):
    # durable-rules' parser rejects exponents such as 1e-07: the engine writes plain decimals.
    outcome = garden.evaluate({"soil_moisture": 1e-7, "temperature": 1e15}, on=JUNE_2024)
    assert "water.dry" in fired(outcome)


def test_same_input_same_output(garden):
    first = garden.evaluate(DRY_WARM, on=JUNE_2024)
    second = garden.evaluate(dict(reversed(list(DRY_WARM.items()))), on=JUNE_2024)
    assert first == second


def test_evaluations_are_isolated_and_many_leave_no_state(garden):
    # Far beyond durable-rules' 1,024 live sessions per ruleset: state is deleted after every evaluation.
    for index in range(3000):
        moisture = 0.1 if index % 2 else 0.9
        outcome = garden.evaluate({"soil_moisture": moisture, "temperature": 10}, on=JUNE_2024)
        assert ("water.dry" in fired(outcome)) == (index % 2 == 1)


@pytest.mark.parametrize("facts, message", [
    ({"humidity": 3}, "fact 'humidity' is not declared"),
    ({"month": 4.5}, "fact 'month' must be a whole number"),
    ({"month": True}, "fact 'month' must be a whole number"),
    ({"plant": 3}, "fact 'plant' must be string"),
    ({"temperature": float("nan")}, "not a finite number"),
    ({"temperature": 10 ** 30}, "too large"),
    ({"temperature": True}, "fact 'temperature' must be number"),
    ({"temperature": float("-inf")}, "not a finite number"),
    ({"litres_available": 2 ** 53 + 1}, "too large"),
    ({"temperature": -2.0 ** 54}, "too large"),
])
def test_unusable_facts_are_typed_errors(garden, facts, message):
    with pytest.raises(FactError, match=message):
        garden.evaluate(facts, on=JUNE_2024)
    assert fired(garden.evaluate(DRY_WARM, on=JUNE_2024))  # and the next evaluation still works


def _write_pack(tmp_path, rules_yaml, thresholds_yaml=""):
    folder = tmp_path / "pack"
    folder.mkdir(exist_ok=True)
    (folder / "rules.yaml").write_text(rules_yaml, encoding="utf-8")
    if thresholds_yaml:
        (folder / "thresholds.yaml").write_text(thresholds_yaml, encoding="utf-8")
    return folder


def test_two_rules_asserting_different_values_is_an_error_naming_both(tmp_path):
    folder = _write_pack(tmp_path, """
rules:
  - {id: a.one, category: x, when: {fact: month, op: ">", value: 1}, then: {assert: {season: spring}}}
  - {id: a.two, category: x, when: {fact: month, op: ">", value: 2}, then: {assert: {season: summer}}}
""")
    pack = load_rule_pack(folder, GARDEN_FACTS)
    with pytest.raises(FactConflictError, match="rules a.one and a.two assert different values for 'season'"):
        pack.evaluate({"month": 5}, on=JUNE_2024)
    assert pack.evaluate({"month": 2}, on=JUNE_2024).derived == {"season": "spring"}


def test_a_pack_that_would_loop_is_rejected_at_load_naming_the_rules(tmp_path):
    folder = _write_pack(tmp_path, """
rules:
  - {id: loop.a, category: x, when: {not: {fact: flag_b, op: exists}}, then: {assert: {flag_a: true}}}
  - {id: loop.b, category: x, when: {fact: flag_a, op: exists}, then: {assert: {flag_b: true}}}
""")
    with pytest.raises(RulePackError) as caught:
        load_rule_pack(folder, GARDEN_FACTS)
    assert "rules form a cycle through derived facts (loop.a -> loop.b -> loop.a)" in str(caught.value)
    assert "rules.yaml:3:" in str(caught.value)


def test_rule_text_runs_in_a_sandbox(tmp_path):
    folder = _write_pack(tmp_path, """
rules:
  - id: evil.text
    category: x
    when: {fact: month, op: exists}
    then:
      advice:
        title: "{{ rule.__class__.__mro__[1].__subclasses__() }}"
        text: plain
""")
    with pytest.raises(RulePackError) as caught:  # refused when the pack loads, naming the rule and field
        load_rule_pack(folder, GARDEN_FACTS)
    assert "rule evil.text: then.advice.title: the text reads '__class__': names starting with '_' are private" \
        in str(caught.value)
    # Should a text get past the load-time check, the sandbox still refuses it when it renders.
    from engine.text import render_text
    with pytest.raises(RuleTextError, match="rule evil.text: then.advice.title: cannot render.*SecurityError"):
        render_text("{{ rule.__class__ }}", facts={}, thresholds={}, rule="evil.text", field="then.advice.title")


def test_advice_renders_with_facts_and_thresholds(garden):
    advice = garden.render_advice(garden.evaluate(DRY_WARM, on=JUNE_2024))
    assert [(a.rule, a.title) for a in advice] == [("water.schedule", "Water the rose"),
                                                   ("water.mulch", "Mulch after watering")]
    assert advice[0].text == "Soil moisture is 10%; give up to 60 litres."


def test_several_packs_and_a_reloaded_pack_live_in_one_process(tmp_path, garden):
    copy = tmp_path / "garden"
    shutil.copytree(TESTS / "packs" / "garden", copy)
    text = (copy / "thresholds.yaml").read_text().replace("value: 0.2\n", "value: 0.05\n")
    (copy / "thresholds.yaml").write_text(text)
    edited = load_rule_pack(copy, GARDEN_FACTS)
    reloaded = load_rule_pack(TESTS / "packs" / "garden", GARDEN_FACTS)
    facts = {"soil_moisture": 0.1, "temperature": 10}
    assert "water.dry" not in fired(edited.evaluate(facts, on=JUNE_2024))
    assert "water.dry" in fired(reloaded.evaluate(facts, on=JUNE_2024))
    assert "water.dry" in fired(garden.evaluate(facts, on=JUNE_2024))


def test_an_overlay_replaces_thresholds_and_rules_by_name(tmp_path):
    overlay = _write_pack(tmp_path, """
rules:
  - id: frost.warning
    category: care
    when: {fact: temperature, op: "<=", value: -10}
""", """
thresholds:
  water.dry_soil: {value: 0.5, source: Our agency, as_of: 2026-01-01}
""")
    pack = load_rule_pack([TESTS / "packs" / "garden", overlay], GARDEN_FACTS)
    assert ("threshold", "water.dry_soil", str(overlay)) in pack.replaced
    assert ("rule", "frost.warning", str(overlay)) in pack.replaced
    outcome = pack.evaluate({"soil_moisture": 0.4, "temperature": 0}, on=JUNE_2024)
    assert fired(outcome) == ["water.dry"]


def test_engine_errors_share_one_base():
    for error in (FactConflictError, FactError, RulePackError, RuleTextError):
        assert issubclass(error, EngineError)


def test_fact_spec_rejects_unknown_types():
    with pytest.raises(ValueError, match="type must be one of"):
        FactSpec("x", "float")


def test_a_rule_fires_once_even_when_several_branches_of_any_hold(tmp_path):
    folder = _write_pack(tmp_path, """
rules:
  - id: either.way
    category: x
    when:
      any:
        - {fact: month, op: ">", value: 1}
        - {fact: temperature, op: ">", value: 1}
    then:
      advice: {title: Once, text: Only once.}
""")
    pack = load_rule_pack(folder, GARDEN_FACTS)
    outcome = pack.evaluate({"month": 5, "temperature": 20}, on=JUNE_2024)
    assert fired(outcome) == ["either.way"]
    assert [item.title for item in pack.render_advice(outcome)] == ["Once"]


def test_text_may_mention_a_threshold_not_in_force(tmp_path):
    folder = _write_pack(tmp_path, """
rules:
  - id: old.rule
    category: x
    when: {fact: month, op: exists}
    then:
      advice: {title: "Frost line {{ thresholds['frost.temperature'] }}", text: ok}
""", """
thresholds:
  frost.temperature: {value: 2, source: Met office, as_of: 2020-01-01, valid_until: 2021-01-01}
""")
    pack = load_rule_pack(folder, GARDEN_FACTS)
    advice = pack.render_advice(pack.evaluate({"month": 1}, on=JUNE_2024))
    assert advice[0].title == "Frost line —"


def test_facts_the_engine_cannot_take_are_refused_naming_the_fact_and_odd_text_still_reaches_the_rules(garden):
    """Facts are taken in by one fast pass (engine/intake.py): beside good facts, a value of a fact's own type that
    the engine cannot take is still refused naming its fact, a None is an absent fact, and text that is not ASCII
    reaches the rules."""
    good = {"soil_moisture": 0.1, "temperature": 10.0, "plant": "rose", "month": 6, "litres_available": 80,
            "sown_on": dt.date(2024, 4, 1)}
    on = dt.date(2024, 6, 1)
    expected = garden.evaluate(good, on=on)
    assert garden.evaluate(dict(good), on=on) == expected  # the shape is known now
    for name, value, words in [("litres_available", 2**53 + 1, "'litres_available': 9007199254740993 is too large"),
                               ("temperature", float("nan"), "'temperature': nan is not a finite number"),
                               ("temperature", -1e300, "'temperature': -1e+300 is too large"),
                               ("plant", "ros\ud800e", "'plant': the text has a lone surrogate"),
                               ("month", True, "'month' must be a whole number, got True"),
                               ("month", None, None)]:
        facts = {**good, name: value}
        if words is None:
            assert garden.evaluate(facts, on=on).facts == {k: v for k, v in good.items() if k != name}
            continue
        with pytest.raises(FactError, match=words.replace("(", r"\(").replace("+", r"\+")):
            garden.evaluate(facts, on=on)
    accented = garden.evaluate({**good, "plant": "rosé"}, on=on)
    assert accented.facts["plant"] == "rosé" and accented.fired == garden.evaluate(
        {"plant": "rosé", **{k: v for k, v in good.items() if k != "plant"}}, on=on).fired
    with pytest.raises(FactError, match="fact 'colour' is not declared"):
        garden.evaluate({**good, "colour": "red"}, on=on)


@pytest.mark.parametrize("country, on", [("US", dt.date(2026, 12, 1)), ("KR", dt.date(2026, 12, 1)),
                                         ("US", dt.date(2020, 6, 1)), (None, dt.date(2023, 10, 1))])
def test_requirements_finished_together_the_quick_way_are_the_checks_finished_the_general_way(country, on):
    """engine.explain.fact_checks finishes every requirement on one fact together, filling in ordering comparisons
    with a number directly: for every fact of the shipped pack's gates (thresholds in force or closed on the date)
    the checks are those of the general way, field by field, for whole numbers, fractions, zero, negative and huge
    values, truth values, text and dates; and a value of the fact's own type is kept, the same checks given back."""
    from advisor.api import load_rules
    from engine.explain import _finish, _quick, fact_checks, prepare_requirements, remembered_type

    pack = load_rules(engine="python")
    values = pack.resolve_thresholds(country, on)
    whole = [0, 1, 17, 18, 999, 1000, 10_000, 10_001, 2**53, -5]
    actuals = {"integer": whole, "number": [*whole, 0.0, -0.0, 0.5, 17.9, 18.0, 1e-7, 1.5e15],
               "boolean": [True, False], "string": ["US", "", "business"], "date": [on, dt.date(2000, 1, 1)]}
    on_fact: dict = {}
    for rule in pack.gate_rules():
        for item in prepare_requirements(rule.requirements, values, pack.thresholds, country, on, pack.labels):
            if item.leaf is not None:
                on_fact.setdefault(item.fact, []).append(item)
    quick_ways = sum(_quick(item) is not None for items in on_fact.values() for item in items)
    assert quick_ways >= 10, "the quick way is taken for the shipped pack's numeric requirements"
    for fact, items in on_fact.items():
        exact = remembered_type(pack._fact_types[fact])
        finish, kept = fact_checks(items, exact)
        for actual in actuals[pack._fact_types[fact]]:
            expected = tuple(_finish(item, actual) for item in items)
            got = finish(actual)
            assert got == expected and [check.to_data() for check in got] == [check.to_data() for check in expected]
            assert [(type(check.gap), type(check.met)) for check in got] == \
                [(type(check.gap), type(check.met)) for check in expected], (fact, actual)
            assert (kept.get(actual) is got) == (type(actual) is exact), (fact, actual)


def test_firings_made_on_first_read_are_the_firings_read_at_once(garden):
    """An outcome makes its Firing objects and their matched facts when first read: pickled, copied or compared
    before that, it is the outcome read at once; threads reading it together get the same objects."""
    import copy
    import pickle
    from concurrent.futures import ThreadPoolExecutor

    from engine import Firing

    read_at_once = garden.evaluate(DRY_WARM, on=JUNE_2024)
    fired = read_at_once.fired
    assert [(f.rule, f.layer) for f in fired] == [("water.dry", 0), ("water.schedule", 1), ("water.mulch", 2)]
    assert fired[0] == Firing("water.dry", 0, {"soil_moisture": 0.1})
    assert fired[1].matched == {"needs_water": True, "temperature": 14.5, "litres_available": 100}
    for late in (pickle.loads(pickle.dumps(garden.evaluate(DRY_WARM, on=JUNE_2024))),
                 copy.deepcopy(garden.evaluate(DRY_WARM, on=JUNE_2024)), garden.evaluate(DRY_WARM, on=JUNE_2024)):
        assert late == read_at_once  # (not its repr: a frozenset unpickled may list the fired ids in another order)
        assert late.fired == fired and repr(late.fired) == repr(fired)
        assert [f.matched for f in late.fired] == [f.matched for f in fired]
    shared = garden.evaluate(DRY_WARM, on=JUNE_2024)
    with ThreadPoolExecutor(8) as pool:
        seen = list(pool.map(lambda _: shared.fired, range(64)))
    assert all(result is seen[0] for result in seen)


def test_folded_text_is_taken_in_as_the_full_check_takes_it():
    """engine.intake takes folded text the quick way: the same facts as the full check gives, case and spacing
    folded, and a folded fact not declared as text still refused."""
    from engine.intake import FactIntake

    specs = {"niche": FactSpec("niche", "string", folded=True), "odd": FactSpec("odd", "integer", folded=True),
             "plant": FactSpec("plant", "string")}
    intake = FactIntake(specs, frozenset({"niche", "odd", "plant"}))
    for value in ("Cooking ", "  HOME   cooking", "straße", "ǅ", "", "ok"):
        facts = {"niche": value, "plant": value}
        assert intake.take(facts) == intake.check(facts) == {"niche": " ".join(value.split()).casefold(),
                                                             "plant": value}
    with pytest.raises(FactError, match="'odd' must be a whole number"):
        intake.take({"odd": "Cooking"})

"""One rule semantics, two engines: the durable-rules engine and the pure-Python engine, proved equal on the same
inputs rather than assumed so.

Every comparison runs both engines and requires the same outcome: the fired rules in order (with their layers and
the facts each matched), the derived facts (value and type), every gate's verdict and every requirement check, the
rendered advice, and errors of the same class with the same message (which names the rule). The inputs: every
example profile (whole plans and reports, byte for byte apart from `generator.engine`), the shared data set when it
is beside the project, 10,000 profiles from the oracle's edge generator (tests/test_oracle.py), 3,000 fact sets
at the edges of the default pack's conditions and thresholds (tests/differential.py; 30,000 under -m slow), the
garden pack, a pack of every operator, type and negation (tests/packs/operators), and every pack of the bad-pack
corpora (tests/corpus). Needs durable-rules: skipped, saying why, where it cannot import.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from advisor.api import Advisor, default_rules_dir, render
from advisor.errors import ProfileError
from advisor.plan.metrics import creator_facts
from advisor.profile.reading import parse_profile
from engine import RulePackError, load_rule_pack
from engine.durable import unavailable as durable_unavailable

from conftest import GARDEN_FACTS, ROOT, TESTS
from differential import EdgeFacts, difference, run
from oracle import Oracle

pytestmark = pytest.mark.skipif(durable_unavailable() is not None,
                                reason=f"compares with durable-rules, which cannot run here: {durable_unavailable()}")

SHARED = ROOT.parent / "shared" / "data" / "creators-2020.jsonl"
EXAMPLES = sorted((ROOT / "examples").glob("*.yaml"))
GENERATED = 10_000
SEED = 20261206
CORPORA = sorted([*(TESTS / "corpus" / "rules").iterdir(), *(TESTS / "corpus" / "hostile" / "rules").iterdir()])


@pytest.fixture(scope="module")
def advisors():
    return {name: Advisor(engine=name) for name in ("durable", "python")}


@pytest.fixture(scope="module")
def packs(advisors):
    return {name: advisor.pack for name, advisor in advisors.items()}


def _plan_json(advisor, profile) -> dict:
    data = json.loads(render(advisor.advise(profile), "json"))
    assert data["generator"].pop("engine") == advisor.pack.engine
    return data


def _disagreement(label: str, case, results: dict) -> str:
    first, second = results.values()
    return f"the engines disagree on {label}: {case!r}\n(durable vs python) {difference(first, second)}"


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda path: path.stem)
def test_every_example_gives_the_same_plan_and_reports_with_both_engines(advisors, example):
    durable, python = advisors["durable"], advisors["python"]
    assert _plan_json(durable, example) == _plan_json(python, example)
    for fmt in ("md", "html"):
        assert render(durable.advise(example), fmt) == render(python.advise(example), fmt)


def test_10000_generated_profiles_give_the_same_outcome_with_both_engines(packs):
    from test_oracle import Generator

    generator = Generator(Oracle([default_rules_dir()]), SEED)
    compared = 0
    for index in range(GENERATED):
        data = generator.profile(index)
        try:
            profile = parse_profile(data, source=f"generated #{index}")
        except ProfileError:
            continue
        facts = creator_facts(profile)
        results = {name: run(pack, facts, profile.country, profile.as_of, advice=index % 10 == 0)
                   for name, pack in packs.items()}
        assert results["durable"] == results["python"], _disagreement(f"generated #{index}", data, results)
        compared += 1
    assert compared >= GENERATED * 0.98


@pytest.mark.parametrize("count", [pytest.param(3_000, id="3000"), pytest.param(30_000, id="30000",
                                                                                 marks=pytest.mark.slow)])
def test_fact_sets_at_the_edges_of_the_default_pack_give_the_same_outcome(packs, count):
    edges = EdgeFacts(packs["python"], SEED)
    kinds = {"ok": 0, "error": 0}
    fired: set[str] = set()
    for index in range(count):
        facts, country, on = edges.case()
        results = {name: run(pack, facts, country, on) for name, pack in packs.items()}
        assert results["durable"] == results["python"], _disagreement(f"edge case #{index}", (facts, country, on),
                                                                      results)
        kinds[results["python"][0]] += 1
        if results["python"][0] == "ok":
            fired.update(firing[0] for firing in results["python"][1][0])
    # The cases are real: nearly all evaluate, some are refused alike, and they reach most of the pack's rules.
    assert kinds["ok"] >= count * 0.9 and kinds["error"] > 0, kinds
    assert len(fired) >= len(packs["python"].rules) * 0.6, sorted(set(packs["python"].rules) - fired)


@pytest.mark.skipif(not SHARED.exists(), reason=f"the shared data set is not here ({SHARED})")
def test_every_profile_of_the_shared_data_set_gives_the_same_outcome_and_plan(advisors, packs):
    lines = [line for line in SHARED.read_text(encoding="utf-8").splitlines() if line.strip()]
    for number, line in enumerate(lines, 1):
        data = json.loads(line)
        try:
            profile = parse_profile(data, source=f"{SHARED.name}:{number}")
        except ProfileError:
            continue
        facts = creator_facts(profile)
        results = {name: run(pack, facts, profile.country, profile.as_of) for name, pack in packs.items()}
        assert results["durable"] == results["python"], _disagreement(f"{SHARED.name}:{number}", data, results)
        if number % 25 == 1:  # whole plans too, for a sample: the assembly reads nothing engine-specific
            assert _plan_json(advisors["durable"], profile) == _plan_json(advisors["python"], profile)


def test_the_garden_pack_gives_the_same_outcome_with_both_engines():
    packs = {name: load_rule_pack(TESTS / "packs" / "garden", GARDEN_FACTS, engine=name)
             for name in ("durable", "python")}
    edges = EdgeFacts(packs["python"], SEED)
    fired: set[str] = set()
    for index in range(3_000):
        facts, country, on = edges.case()
        results = {name: run(pack, facts, country, on, advice=True) for name, pack in packs.items()}
        assert results["durable"] == results["python"], _disagreement(f"garden case #{index}", (facts, country, on),
                                                                      results)
        if results["python"][0] == "ok":
            fired.update(firing[0] for firing in results["python"][1][0])
    assert fired == set(packs["python"].rules)


def test_the_operators_pack_gives_the_same_outcome_with_both_engines():
    """Every operator on every fact type, under `not` too, against literals and thresholds that change by country
    and date, rules tied on priority, three layers, and rules that can conflict (tests/packs/operators)."""
    packs = {name: load_rule_pack(TESTS / "packs" / "operators", GARDEN_FACTS, engine=name)
             for name in ("durable", "python")}
    edges = EdgeFacts(packs["python"], SEED)
    fired: set[str] = set()
    conflicts = 0
    for index in range(3_000):
        facts, country, on = edges.case()
        results = {name: run(pack, facts, country, on, advice=True) for name, pack in packs.items()}
        assert results["durable"] == results["python"], _disagreement(f"operators case #{index}",
                                                                      (facts, country, on), results)
        if results["python"][0] == "ok":
            fired.update(firing[0] for firing in results["python"][1][0])
        else:
            conflicts += results["python"][1] == "FactConflictError"
    assert fired == set(packs["python"].rules), sorted(set(packs["python"].rules) - fired)
    assert conflicts > 0


def _load(case: Path, engine: str):
    try:
        return "ok", load_rule_pack(case.name, GARDEN_FACTS, engine=engine)
    except RulePackError as error:
        return "error", f"{type(error).__name__}: {error}"


@pytest.mark.parametrize("case", CORPORA, ids=lambda path: f"{path.parent.parent.name}/{path.name}")
def test_every_pack_of_the_bad_pack_corpora_behaves_alike_on_both_engines(case, monkeypatch):
    """The same located errors; durable-rules' own capacity refusals only where it runs; and where a pack loads,
    the same outcome and advice (or the same text error naming the rule) for edge facts."""
    monkeypatch.chdir(case.parent)
    loaded = {name: _load(case, name) for name in ("durable", "python")}
    if loaded["durable"][0] == "error" and loaded["python"][0] == "ok":
        assert "too large for durable-rules" in loaded["durable"][1] or "durable-rules holds" in loaded["durable"][1]
        assert case.name.startswith("too_many_"), loaded["durable"][1]
    elif loaded["durable"][0] == "error" or loaded["python"][0] == "error":
        assert loaded["durable"] == loaded["python"]
        assert "durable" not in loaded["python"][1]
        return
    packs = {name: pack for name, (kind, pack) in loaded.items() if kind == "ok"}
    edges = EdgeFacts(packs["python"], SEED)
    for index in range(200):
        facts, country, on = edges.case()
        results = {name: run(pack, facts, country, on, advice=True) for name, pack in packs.items()}
        if len(results) == 2:
            assert results["durable"] == results["python"], _disagreement(f"{case.name} case #{index}",
                                                                          (facts, country, on), results)
        assert "durable" not in repr(results["python"])

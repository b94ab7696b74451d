"""The engine judged by an independent oracle (tests/oracle.py) on the default pack.

10,000 profiles come from a seeded generator that aims at the pack's edges (every threshold value and its
neighbours, every date a threshold starts or ends, every country an override names), and every profile of
../shared/data/creators-2020.jsonl is judged when that file is present. For each, the engine and the oracle must
agree on which rules fire, on what the rules derive, on every programme's verdict and on every requirement's
verdict (met, not met, unknown). A disagreement prints the profile and both verdicts.
"""

from __future__ import annotations

import datetime as dt
import json
import random
from typing import Any

import pytest

from advisor.api import default_rules_dir, load_rules
from advisor.errors import ProfileError
from advisor.plan.metrics import creator_facts
from advisor.profile.reading import parse_profile

from conftest import ROOT
from oracle import Oracle, Verdict

SHARED = ROOT.parent / "shared" / "data" / "creators-2020.jsonl"
GENERATED = 10_000
SEED = 20261124


@pytest.fixture(scope="module")
def pack():
    return load_rules()


@pytest.fixture(scope="module")
def oracle():
    return Oracle([default_rules_dir()])


def engine_verdict(pack, facts: dict[str, Any], country: str | None, on: dt.date) -> Verdict:
    outcome = pack.evaluate(facts, country=country, on=on)
    return Verdict(frozenset(outcome.fired_ids), dict(outcome.derived),
                   {gate: result.passed for gate, result in outcome.gates.items()},
                   {gate: [check.met for check in result.requirements] for gate, result in outcome.gates.items()})


def _show(verdict: Verdict) -> str:
    return json.dumps({"fired": sorted(verdict.fired), "derived": verdict.derived, "gates": verdict.gates,
                       "requirements": verdict.requirements, "conflict": verdict.conflict}, default=str, indent=1)


def compare(pack, oracle, profile_data: Any, label: str) -> str | None:
    """None when engine and oracle agree on this profile, else a report of the disagreement."""
    profile = parse_profile(profile_data, source=label)
    facts = creator_facts(profile)
    ours = oracle.evaluate(facts, profile.country, profile.as_of)
    theirs = engine_verdict(pack, facts, profile.country, profile.as_of)
    if ours.conflict is None and (ours.fired, ours.derived, ours.gates, ours.requirements) == \
            (theirs.fired, theirs.derived, theirs.gates, theirs.requirements):
        return None
    differences = {
        "fired only by the engine": sorted(theirs.fired - ours.fired),
        "fired only by the oracle": sorted(ours.fired - theirs.fired),
        "gates": {g: (theirs.gates.get(g), ours.gates.get(g)) for g in ours.gates
                  if theirs.gates.get(g) != ours.gates[g]},
        "requirements": {g: (theirs.requirements.get(g), ours.requirements[g]) for g in ours.requirements
                         if theirs.requirements.get(g) != ours.requirements[g]},
    }
    return (f"DISAGREEMENT on {label}\nprofile: {json.dumps(profile_data, default=str)}\nfacts: "
            f"{json.dumps(facts, default=str)}\ndifferences (engine, oracle): {json.dumps(differences, default=str)}"
            f"\nengine: {_show(theirs)}\noracle: {_show(ours)}")


# ---- the generator ----------------------------------------------------------------------------------------------

class Generator:
    """Profiles at the edges of the pack: counts equal to a threshold or one away, rates on a benchmark, dates on
    the day a threshold starts or ends, countries with their own overrides."""

    def __init__(self, oracle: Oracle, seed: int):
        self.rng = random.Random(seed)
        numbers, dates, countries = oracle.edges()
        self.counts = sorted({int(n) for n in numbers if n >= 0 and float(n).is_integer()})
        self.rates = sorted({float(n) for n in numbers if 0 < n < 1})
        self.per_1k = sorted({float(n) for n in numbers if 0 < n < 100 and not float(n).is_integer()})
        launch, last = dt.date(2019, 1, 1), dt.date(2027, 12, 31)
        self.dates = sorted({day + dt.timedelta(days=shift) for day in dates for shift in (-1, 0, 1)
                             if launch <= day + dt.timedelta(days=shift) <= last})
        self.countries = sorted(countries | {"CA", "IN", "NO", "AU"})
        self.first, self.last = launch, last

    def count(self, small: bool = False) -> int:
        rng = self.rng
        pick = rng.random()
        if pick < 0.45 and self.counts:
            return max(0, rng.choice(self.counts) + rng.choice((-1, 0, 0, 1)))
        if pick < 0.9:
            return int(10 ** rng.uniform(0, 5 if small else 8))
        return rng.randint(0, 30)

    def day(self) -> dt.date:
        if self.rng.random() < 0.4 and self.dates:
            return self.rng.choice(self.dates)
        return self.first + dt.timedelta(days=self.rng.randint(0, (self.last - self.first).days))

    def maybe(self, probability: float = 0.7) -> bool:
        return self.rng.random() < probability

    def profile(self, index: int) -> dict[str, Any]:
        rng = self.rng
        as_of = self.day()
        data: dict[str, Any] = {"handle": f"gen_{index}", "as_of": as_of.isoformat(), "followers": self.count()}
        if self.maybe():
            data["age"] = rng.choice([13, 15, 16, 17, 18, 19, 20, 25, 34, 60] + [c for c in self.counts if c <= 130])
        if self.maybe(0.8):
            data["country"] = rng.choice(self.countries)
        if self.maybe(0.6):
            data["account_type"] = rng.choice(["personal", "personal", "business"])
        if self.maybe(0.5):
            data["niche"] = rng.choice(["baking", "fitness", "<b>x</b>"])
        if self.maybe(0.5):
            joined = as_of - dt.timedelta(days=rng.choice([0, 1, 29, 30, 31, 89, 90, 91, 180, 365, 1000])
                                          + rng.choice((0, 0, 1)))
            data["joined"] = max(joined, dt.date(2016, 9, 1)).isoformat()
        if self.maybe(0.7):
            self.totals(data)
        if self.maybe(0.45):
            self.videos(data, as_of)
        if self.maybe(0.35):
            data["history"] = [{"date": (as_of - dt.timedelta(days=days)).isoformat(),
                                "followers": max(0, int(data["followers"] * rng.uniform(0.5, 1.2)))}
                               for days in rng.sample([7, 14, 19, 20, 21, 29, 30, 31, 44, 45, 46, 60, 90], 2)]
        if self.maybe(0.2):
            data["total_likes"] = self.count()
        return data

    def totals(self, data: dict[str, Any]) -> None:
        rng = self.rng
        views = rng.choice([1000, 10_000, 100_000, 1_000_000]) if self.maybe(0.4) else self.count()
        data["views_30d"] = views
        if self.maybe(0.85):
            rate = rng.choice(self.rates) if self.rates and self.maybe(0.6) else rng.uniform(0, 0.3)
            interactions = round(rate * views)
            comments = round(views * rng.choice(self.per_1k) / 1000) if self.per_1k and self.maybe(0.5) \
                else round(interactions * rng.uniform(0, 0.1))
            shares = round(interactions * rng.uniform(0, 0.1))
            data["likes_30d"] = max(0, interactions - comments - shares)
            data["comments_30d"], data["shares_30d"] = comments, shares
            if self.maybe(0.5):
                data["saves_30d"] = round(views * rng.uniform(0, 0.05))
        if self.maybe(0.8):
            data["posts_30d"] = rng.choice([0, 1, 2, 4, 8, 12, 13, 20, 30, 60])

    def videos(self, data: dict[str, Any], as_of: dt.date) -> None:
        rng = self.rng
        videos = []
        for _ in range(rng.randint(0, 12)):
            posted = as_of - dt.timedelta(days=rng.choice([0, 1, 3, 7, 14, 20, 29, 30, 31, 45]))
            video: dict[str, Any] = {"posted": max(posted, dt.date(2016, 9, 1)).isoformat()}
            if self.maybe(0.9):
                video["duration_s"] = rng.choice([9, 15, 30, 59, 60, 61, 90, 180, 59.5, 60.5])
            if self.maybe(0.9):
                video["views"] = self.count()
                video["likes"] = int(video["views"] * rng.uniform(0, 0.2))
                video["comments"] = int(video["views"] * rng.uniform(0, 0.01))
                video["shares"] = int(video["views"] * rng.uniform(0, 0.01))
            if self.maybe(0.6):
                video["sound"] = rng.choice(["trending", "original"])
            videos.append(video)
        data["videos"] = videos


# ---- the comparisons --------------------------------------------------------------------------------------------

def _judge(pack, oracle, items) -> tuple[int, int, list[str]]:
    compared, refused, disagreements = 0, 0, []
    for label, data in items:
        try:
            report = compare(pack, oracle, data, label)
        except ProfileError:
            refused += 1
            continue
        compared += 1
        if report is not None:
            disagreements.append(report)
            print(report)
    return compared, refused, disagreements


def test_the_oracle_reads_the_whole_default_pack(pack, oracle):
    assert set(oracle.rules) == set(pack.rules)
    assert set(oracle.thresholds) | set(oracle.members) == set(pack.thresholds)
    assert oracle.members  # the default pack has member lists (markets): the oracle reads them itself
    assert {rule.gate for rule in oracle.rules.values() if rule.gate} == {rule.gate for rule in pack.gate_rules()}
    assert oracle.layers == pack.layers


def test_engine_and_oracle_agree_on_10000_generated_profiles(pack, oracle, capsys):
    generator = Generator(oracle, SEED)
    compared, refused, disagreements = _judge(
        pack, oracle, ((f"generated #{i}", generator.profile(i)) for i in range(GENERATED)))
    with capsys.disabled():
        print(f"\noracle: {compared:,} generated profiles compared ({refused} refused as invalid), "
              f"{len(disagreements)} disagreements")
    assert not disagreements, disagreements[0]
    assert compared >= GENERATED * 0.98  # the generator makes valid profiles: the comparisons are real


def test_the_generated_profiles_reach_every_rule_and_both_verdicts_of_every_gate(pack, oracle):
    generator = Generator(oracle, SEED)
    fired: set[str] = set()
    verdicts: dict[str, set[bool]] = {}
    for index in range(2_000):
        profile = parse_profile(generator.profile(index))
        verdict = oracle.evaluate(creator_facts(profile), profile.country, profile.as_of)
        fired |= verdict.fired
        for gate, passed in verdict.gates.items():
            verdicts.setdefault(gate, set()).add(passed)
    assert fired == set(pack.rules), f"never fired: {sorted(set(pack.rules) - fired)}"
    assert all(found == {True, False} for found in verdicts.values()), verdicts


@pytest.mark.skipif(not SHARED.exists(), reason=f"the shared data set is not here ({SHARED})")
def test_engine_and_oracle_agree_on_every_profile_of_the_shared_data_set(pack, oracle, capsys):
    lines = [line for line in SHARED.read_text(encoding="utf-8").splitlines() if line.strip()]
    compared, refused, disagreements = _judge(
        pack, oracle, ((f"{SHARED.name}:{n}", json.loads(line)) for n, line in enumerate(lines, 1)))
    with capsys.disabled():
        print(f"\noracle: {compared:,} profiles of {SHARED.name} compared ({refused} refused as invalid), "
              f"{len(disagreements)} disagreements")
    assert not disagreements, disagreements[0]
    assert compared == len(lines)


def test_a_disagreement_is_reported_with_the_profile_and_both_verdicts(pack, oracle, monkeypatch):
    """The comparison can fail: an oracle that misreads one operator is caught, and the report shows why."""
    import oracle as module

    original = module.compare
    monkeypatch.setattr(module, "compare", lambda op, a, b: (a > b) if op == ">=" else original(op, a, b))
    report = compare(pack, oracle, {"handle": "edge", "followers": 1000, "as_of": "2026-11-24", "age": 30,
                                    "country": "US"}, "edge case")
    assert report is not None and "DISAGREEMENT on edge case" in report
    assert '"followers": 1000' in report and "engine:" in report and "oracle:" in report


def test_engine_and_oracle_agree_on_the_garden_pack(garden, capsys):
    """Another domain's pack, for what the default pack does not use: `not` over a comparison, `between` on dates,
    `in` with a literal list, a country override, an `earlier` threshold value and absent facts everywhere."""
    oracle = Oracle([ROOT / "tests" / "packs" / "garden"])
    rng = random.Random(SEED)
    compared = 0
    for _ in range(3_000):
        facts = {name: value for name, value in {
            "soil_moisture": rng.choice([0.05, 0.1, 0.15, 0.2, 0.25, rng.random()]),
            "temperature": rng.choice([-5.0, 1.9, 2.0, 2.1, 15.0, rng.uniform(-10, 30)]),
            "plant": rng.choice(["rose", "tomato", "cactus", "fern"]),
            "month": rng.randint(1, 12),
            "litres_available": rng.choice([39, 40, 41, 59, 60, 61, rng.randint(0, 100)]),
            "sown_on": dt.date(2024, 2, 28) + dt.timedelta(days=rng.randint(0, 100)),
        }.items() if rng.random() < 0.8}
        country = rng.choice([None, "ES", "FR"])
        on = rng.choice([dt.date(2024, 12, 31), dt.date(2025, 1, 1), dt.date(2029, 12, 31), dt.date(2030, 1, 1)])
        ours = oracle.evaluate(facts, country, on)
        theirs = engine_verdict(garden, facts, country, on)
        compared += 1
        assert (ours.fired, ours.derived, ours.gates, ours.requirements) == \
            (theirs.fired, theirs.derived, theirs.gates, theirs.requirements), \
            f"DISAGREEMENT on garden facts {facts} ({country}, {on})\nengine: {_show(theirs)}\noracle: {_show(ours)}"
    with capsys.disabled():
        print(f"\noracle: {compared:,} garden evaluations compared, 0 disagreements")

"""The engine alone against raw durable-rules on the same rules: what our layer costs (a benchmark, not a test).

The baseline is built generically, not by hand: the default pack is compiled, for one threshold variant (the
country and date most profiles of the data set share), into the durable-rules ruleset definition our compiler
produces, and that definition is driven through durable-rules' own Python API, as a durable-rules user would:
a `durable.engine.Host` holding the ruleset, a Python action per rule that only records the firing (and, for the
rules that derive a fact, stores it for the next layer), `assert_fact` of the working memory once per layer, and
`delete_state` afterwards. Facts are handed to it ready-encoded (dates as YYYYMMDD), as a raw user's would be.

Ours is `RulePack.evaluate` on the same facts, country and date: fact checks, encoding, the same durable-rules
calls made directly (no Python action per firing), and the Outcome with every gate's requirement checks.

Both run the same profiles; the script checks that both fire the same rules before it times anything.

    python bench/raw_baseline.py [--seconds 3]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _data import profile_lines, verdict  # noqa: E402

from advisor.api import load_rules  # noqa: E402
from advisor.metrics import creator_facts  # noqa: E402
from advisor.profile import parse_profile  # noqa: E402
from durable.engine import Host, MessageNotHandledException  # noqa: E402
from engine.durable.compiler import LAYER_KEY, compile_ruleset  # noqa: E402
from engine.encoding import engine_value  # noqa: E402
from engine.model import ThresholdRef  # noqa: E402

JSON_RULES_ENGINE = 2400  # profiles/s, the figure for the JavaScript peer on a representative pack
MAX_OVERHEAD = 0.25


class SynchronousHost(Host):
    """durable-rules' Host without its dispatcher threads: every action here runs inside `assert_fact`, and the
    threads (which poll the engine every 0.2 s) would only race with the benchmark's own calls."""

    def _run(self) -> None:
        pass


class RawBaseline:
    """One compiled variant of the pack as a plain durable-rules ruleset with recording Python actions."""

    NAME = "raw_baseline"

    def __init__(self, pack, values):
        definition, included = compile_ruleset(list(pack.rules.values()), pack.layers, values)
        self.rules = included
        self.layers = sorted({pack.layers[rule.id] for rule in included})
        self.fired: list[int] = []
        self.memory: dict = {}
        ruleset = {}
        for name, rule_definition in definition.items():
            rank = int(name[1:])
            ruleset[name] = {**rule_definition, "run": self._action(rank, values)}
        ruleset["flush"] = {"all": [{"m": {"__flush": 1}}], "run": lambda c: None}  # see engine/runtime.py
        self.host = SynchronousHost({self.NAME: ruleset})

    def _action(self, rank, values):
        derived = []
        for name, value in self.rules[rank].asserts:
            if isinstance(value, ThresholdRef):
                value = values.get(value.name)
            if value is not None:
                derived.append((name, engine_value(value, name)))
        fired, memory = self.fired, self.memory

        def action(c):
            fired.append(rank)
            for name, value in derived:
                memory[name] = value
        return action

    def evaluate(self, facts: dict) -> list[str]:
        self.fired.clear()
        self.memory.clear()
        self.memory.update(facts)
        for layer in self.layers:
            fact = dict(self.memory)
            fact[LAYER_KEY] = layer
            fact["sid"] = "0"
            try:
                self.host.assert_fact(self.NAME, fact)
            except MessageNotHandledException:
                pass  # no rule of this layer matched
        if not self.fired:
            self.host.assert_fact(self.NAME, {"sid": "0", "__flush": 1})
        self.host.delete_state(self.NAME, "0")
        return [self.rules[rank].id for rank in dict.fromkeys(self.fired)]


def rate(function, inputs, seconds: float) -> float:
    """Profiles per second of `function` over the inputs, repeated for at least `seconds`."""
    done, started = 0, time.perf_counter()
    while True:
        for item in inputs:
            function(item)
        done += len(inputs)
        elapsed = time.perf_counter() - started
        if elapsed >= seconds:
            return done / elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=3.0, help="time each side at least this long")
    args = parser.parse_args()
    lines, origin = profile_lines()
    profiles = [parse_profile(json.loads(line), source=f"line {n}") for n, line in enumerate(lines, 1)]
    pack = load_rules()
    country, on = Counter((p.country, p.as_of) for p in profiles).most_common(1)[0][0]
    values = pack.resolve_thresholds(country, on)
    facts = [creator_facts(profile) for profile in profiles]
    encoded = [{name: engine_value(value, name) for name, value in item.items() if value is not None}
               for item in facts]
    baseline = RawBaseline(pack, values)
    print(f"profiles: {len(profiles):,} from {origin}")
    print(f"rules: {len(pack.rules)} in the pack, {len(baseline.rules)} compiled for country={country}, on={on}")

    usable, mismatches, firings = [], 0, 0
    for item, ready in zip(facts, encoded):
        try:
            raw = baseline.evaluate(ready)
        except Exception as error:  # durable-rules' Python API refuses some values our encoding accepts
            print(f"  baseline refused a profile: {type(error).__name__}: {str(error)[:80]}")
            continue
        ours = [firing.rule for firing in pack.evaluate(item, country=country, on=on).fired]
        mismatches += raw != ours
        firings += len(ours)
        usable.append((item, ready))
    print(f"same firings both ways: {len(usable) - mismatches:,} of {len(usable):,} profiles; "
          f"{firings / max(1, len(usable)):.1f} firings per profile")

    ours_rate = rate(lambda pair: pack.evaluate(pair[0], country=country, on=on), usable, args.seconds)
    raw_rate = rate(lambda pair: baseline.evaluate(pair[1]), usable, args.seconds)
    overhead = raw_rate / ours_rate - 1
    print()
    print(f"{'':34}{'measured':>14}  {'target':>18}")
    print(f"{'raw durable-rules (Python API)':34}{raw_rate:>10,.0f} p/s")
    print(f"{'our engine (RulePack.evaluate)':34}{ours_rate:>10,.0f} p/s  {'>= 2,400 p/s':>18}  "
          f"{verdict(ours_rate >= JSON_RULES_ENGINE)}")
    print(f"{'cost of our layer':34}{overhead:>+13.0%}  {'<= +25%':>18}  {verdict(overhead <= MAX_OVERHEAD)}")
    print(f"(ratio ours/raw: {ours_rate / raw_rate:.2f}; json-rules-engine on the issue's pack: "
          f"{JSON_RULES_ENGINE:,} p/s)")


if __name__ == "__main__":
    main()

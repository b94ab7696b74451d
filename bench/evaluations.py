"""Throughput and memory of the advisor, printed as figures (a benchmark, not a test).

Reads the shared data set of real public profiles when it is beside the project (../shared/data/creators-2020.jsonl),
else a generated set of the same shape (_data.py). Prints: engine evaluations per second (facts precomputed), whole plans per second
(profile -> plan -> Markdown), and resident memory before and after many evaluations in one process, which must
stay flat because durable-rules state is deleted after every evaluation.

    python bench/evaluations.py [--evaluations 100000]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _data import profile_lines, rss_mb  # noqa: E402

from advisor.api import Advisor, render  # noqa: E402
from advisor.metrics import creator_facts  # noqa: E402
from advisor.profile import parse_profile  # noqa: E402


def profiles() -> tuple[list, str]:
    lines, origin = profile_lines()
    return [parse_profile(json.loads(line), source=f"line {n}") for n, line in enumerate(lines, 1)], origin


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--evaluations", type=int, default=100_000)
    args = parser.parse_args()
    advisor = Advisor()
    pack = advisor.pack
    data, origin = profiles()
    print(f"profiles: {len(data)} from {origin}")
    inputs = [(creator_facts(p), p.country, p.as_of) for p in data]

    for facts, country, on in inputs:  # warm-up: compile every threshold variant once
        pack.evaluate(facts, country=country, on=on)
    firings = sum(len(pack.evaluate(f, country=c, on=o).fired) for f, c, o in inputs)
    print(f"rules: {len(pack.rules)}; firings per profile: {firings / len(inputs):.1f}")

    started = time.perf_counter()
    rounds = max(1, 20_000 // len(inputs))
    for _ in range(rounds):
        for facts, country, on in inputs:
            pack.evaluate(facts, country=country, on=on)
    elapsed = time.perf_counter() - started
    print(f"engine alone: {rounds * len(inputs) / elapsed:,.0f} evaluations/s")

    started = time.perf_counter()
    count = 0
    for profile in data[:2000]:
        render(advisor.advise(profile), "md")
        count += 1
    elapsed = time.perf_counter() - started
    print(f"end to end (profile -> plan -> Markdown): {count / elapsed:,.0f} plans/s")

    before = rss_mb()
    for index in range(args.evaluations):
        facts, country, on = inputs[index % len(inputs)]
        pack.evaluate(facts, country=country, on=on)
        if index == 1000:
            before = rss_mb()
    after = rss_mb()
    print(f"memory over {args.evaluations:,} evaluations: {before:.1f} MB after 1,000 -> {after:.1f} MB "
          f"at the end ({after - before:+.1f} MB)")


if __name__ == "__main__":
    main()

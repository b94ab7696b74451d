"""A long run: 1,000,000 evaluations in one process, its memory and its errors (a benchmark, not a test).

Judges the profiles of the shared data set (or a generated set of the same shape, see _data.py) over and over
with the default pack, on several dates and countries so that several compiled rulesets are in use. Every
evaluation's fired rules are checked against the first result for the same input; every 100th evaluation also
builds the whole plan and renders it (Markdown, HTML, JSON); every 1,000th is one that durable-rules refuses
midway (a fact it cannot read), which must fail with EvaluationError and leave nothing behind.

Prints resident memory (RSS) at the start, after the warm-up, every 100,000 evaluations and at the end. Exits 1,
loudly, when RSS grows by more than 20 MB after the warm-up, when an evaluation fails unexpectedly or when a
result changes.

    python bench/long_run.py [--evaluations 1000000]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
import time
import traceback
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _data import profile_lines, rss_mb  # noqa: E402

from advisor.api import Advisor, render  # noqa: E402
from advisor.plan.metrics import creator_facts  # noqa: E402
from advisor.profile.reading import parse_profile  # noqa: E402
from engine import EvaluationError  # noqa: E402

LIMIT_MB = 20.0
REPORT_EVERY = 100_000
WARM_UP = 5_000
DATES = (None, dt.date(2023, 6, 1), dt.date(2024, 6, 1), dt.date(2026, 11, 24))
COUNTRIES = (None, "US", "KR", "DE")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--evaluations", type=int, default=1_000_000)
    args = parser.parse_args()
    start_rss = rss_mb()
    print(f"RSS at start: {start_rss:.1f} MB", flush=True)

    advisor = Advisor()
    pack = advisor.pack
    lines, source = profile_lines()
    profiles = [parse_profile(json.loads(line), source=f"line {n}") for n, line in enumerate(lines, 1)]
    inputs = []
    for index, profile in enumerate(profiles):
        on = DATES[index % len(DATES)] or profile.as_of
        country = COUNTRIES[(index // len(DATES)) % len(COUNTRIES)] or profile.country
        inputs.append((creator_facts(profile), country, on, profile))
    expected = [tuple(f.rule for f in pack.evaluate(facts, country=country, on=on).fired)
                for facts, country, on, _ in inputs]
    refused = {**inputs[0][0], "handle": "bad\ud800handle"}  # durable-rules cannot read it: fails inside the engine
    print(f"profiles: {len(profiles):,} from {source}; {len(pack.rules)} rules; "
          f"{len({(c, o) for _, c, o, _ in inputs}):,} (country, date) pairs", flush=True)

    errors: list[str] = []
    failures = plans = 0
    baseline = None
    started = time.perf_counter()
    for index in range(args.evaluations):
        facts, country, on, profile = inputs[index % len(inputs)]
        try:
            if index % 1000 == 999:
                try:
                    pack.evaluate(refused, country=country, on=on)
                    errors.append(f"evaluation {index:,}: a fact durable-rules cannot read was accepted")
                except EvaluationError:
                    failures += 1
            else:
                outcome = pack.evaluate(facts, country=country, on=on)
                fired = tuple(f.rule for f in outcome.fired)
                if fired != expected[index % len(inputs)]:
                    errors.append(f"evaluation {index:,}: fired {fired}, first time "
                                  f"{expected[index % len(inputs)]}")
                if index % 100 == 50:
                    plan = advisor.advise(profile)
                    for fmt in ("md", "html", "json"):
                        render(plan, fmt)
                    plans += 1
        except Exception:  # noqa: BLE001 - a long run reports every failure, then fails
            errors.append(f"evaluation {index:,}: {traceback.format_exc(limit=3)}")
        if len(errors) >= 10:
            break
        done = index + 1
        if done == WARM_UP:
            baseline = rss_mb()
            print(f"RSS after {WARM_UP:,} evaluations (warm-up): {baseline:.1f} MB", flush=True)
        if done % REPORT_EVERY == 0:
            now = rss_mb()
            elapsed = time.perf_counter() - started
            growth = now - baseline if baseline is not None else 0.0
            print(f"{done:>9,} evaluations: RSS {now:.1f} MB ({growth:+.1f} MB since the warm-up), "
                  f"{done / elapsed:,.0f}/s, {plans:,} plans rendered, {failures:,} refused as expected",
                  flush=True)
    end = rss_mb()
    baseline = baseline if baseline is not None else start_rss
    growth = end - baseline
    elapsed = time.perf_counter() - started
    print(f"RSS at the end: {end:.1f} MB: {growth:+.1f} MB since the warm-up, {end - start_rss:+.1f} MB since the "
          f"start; {args.evaluations:,} evaluations in {elapsed:,.0f} s ({args.evaluations / elapsed:,.0f}/s), "
          f"{plans:,} whole plans rendered, {failures:,} midway failures (expected)", flush=True)
    if errors:
        print(f"FAILED: {len(errors)} error(s):", file=sys.stderr)
        for error in errors:
            print(f"  {error}", file=sys.stderr)
        return 1
    if growth > LIMIT_MB:
        print(f"FAILED: memory grew by {growth:.1f} MB, over the {LIMIT_MB:.0f} MB allowed", file=sys.stderr)
        return 1
    print(f"OK: no error, memory growth {growth:+.1f} MB (limit {LIMIT_MB:.0f} MB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())

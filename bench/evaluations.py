"""Evaluations per second of the shipped rule pack on each engine, side by side, and memory over many evaluations
(a benchmark, not a test).

Reads the shared data set of real public profiles when it is beside the project (../shared/data/creators-2020.jsonl),
else a generated set of the same shape (_data.py). Facts are computed once, untimed. Each figure is the median of
several rounds, engines interleaved round by round (a neighbour's load on a shared machine hits both alike), timed
in CPU seconds of this process, with the slowest and fastest round beside it:

- "rules alone": the compiled rules of each (country, date) variant run on the working memory, firings recorded
  and derived facts written: the engine proper, what the two implementations differ in;
- "evaluate": RulePack.evaluate, facts -> Outcome (fact checks, thresholds in force, the rules, every gate's
  requirement checks), the figure the target of 50,000 evaluations/s with the python engine is about;
- "evaluate, every part of the outcome read": the same, then every firing and the facts it matched read, which
  an outcome makes on first read (only the JSON trace reads them): that work counted too;
- "plans": profile -> plan -> Markdown, whole;
- resident memory before and after many evaluations in one process, which must stay flat.

`--before REV` also times RulePack.evaluate with the durable engine as it was at git revision REV (engine/,
advisor/, rules/ and templates/ exported to a temporary folder, run in a subprocess on the same facts, in this
sitting): the "durable path no slower than before" check.

    python bench/evaluations.py [--rounds 5] [--evaluations 100000] [--before REV]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path
from typing import Any, Callable

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _data import ROOT, median, profile_lines, rss_mb, verdict  # noqa: E402

if os.environ.get("EVALUATIONS_ROOT"):  # --before: import engine/ and advisor/ from an exported older revision
    sys.path.insert(0, os.environ["EVALUATIONS_ROOT"])

TARGET = 50_000  # evaluations/s of the shipped pack with the python engine (issue 12)


def load_inputs() -> tuple[list[Any], list[tuple[dict, str | None, dt.date]], str]:
    from advisor.plan.metrics import creator_facts
    from advisor.profile.reading import parse_profile

    lines, origin = profile_lines()
    profiles = [parse_profile(json.loads(line), source=f"line {n}") for n, line in enumerate(lines, 1)]
    return profiles, [(creator_facts(p), p.country, p.as_of) for p in profiles], origin


def packs() -> dict[str, Any]:
    from advisor.api import load_rules
    from engine import available_engines

    return {name: load_rules(engine=name) for name in available_engines()}


def cpu_rate(work: Callable[[], int]) -> float:
    started = time.process_time()
    count = work()
    return count / max(time.process_time() - started, 1e-9)


def evaluate_all(pack: Any, inputs: list) -> Callable[[], int]:
    def work() -> int:
        for facts, country, on in inputs:
            pack.evaluate(facts, country=country, on=on)
        return len(inputs)
    return work


def evaluate_read_whole(pack: Any, inputs: list) -> Callable[[], int]:
    """RulePack.evaluate, then every part of the outcome read: an outcome makes its Firing objects, and the facts
    each matched, on first read (only the JSON trace reads those), so this is the figure with that work counted."""
    def work() -> int:
        for facts, country, on in inputs:
            outcome = pack.evaluate(facts, country=country, on=on)
            for firing in outcome.fired:
                firing.matched
            for gate in outcome.gates.values():
                gate.requirements
        return len(inputs)
    return work


def rules_alone(pack: Any, inputs: list) -> Callable[[], int]:
    """The compiled variant's run on the working memory: the rules fired in order and the facts derived, each
    written once (engine.asserting), the engine proper."""
    prepared = []
    for facts, country, on in inputs:
        values, key = pack._resolve(country, on)
        prepared.append((pack._intake.take(facts)[1], pack._variant(values, key)))

    def work() -> int:
        for memory, variant in prepared:
            with pack._backend.lock:
                variant.run(dict(memory))
        return len(prepared)
    return work


def rounds_of(tasks: dict[str, Callable[[], int]], rounds: int) -> dict[str, tuple[float, float, float]]:
    """(median, slowest, fastest) rate of each task, the tasks interleaved round by round."""
    rates: dict[str, list[float]] = {name: [] for name in tasks}
    for _ in range(rounds):
        for name, work in tasks.items():
            rates[name].append(cpu_rate(work))
    return {name: (median(values), min(values), max(values)) for name, values in rates.items()}


def show(label: str, figures: dict[str, tuple[float, float, float]], unit: str) -> None:
    for name, (middle, low, high) in figures.items():
        print(f"  {label} [{name}]: {middle:,.0f} {unit} (rounds {low:,.0f} to {high:,.0f})")
    if {"durable", "python"} <= set(figures):
        print(f"  {label}: python / durable = {figures['python'][0] / figures['durable'][0]:.1f}x")


def before_figure(revision: str, rounds: int) -> dict[str, Any]:
    """RulePack.evaluate with the durable engine at `revision`, on the same profiles, in a subprocess."""
    with tempfile.TemporaryDirectory(prefix="evaluations-before-") as folder:
        archive = Path(folder) / "before.tar"
        completed = subprocess.run(["git", "-C", str(ROOT), "archive", "-o", str(archive), revision, "engine",
                                    "advisor", "rules", "templates"], capture_output=True, text=True)
        if completed.returncode != 0:
            return {"absent": f"git archive failed: {completed.stderr.strip()[:200]}"}
        with tarfile.open(archive) as tar:
            tar.extractall(folder, filter="data")
        for data in ("rules", "templates"):  # where an installed copy has them
            if not (Path(folder) / "advisor" / data).exists():
                os.symlink(Path(folder) / data, Path(folder) / "advisor" / data)
        completed = subprocess.run([sys.executable, str(Path(__file__).resolve()), "--durable-json",
                                    "--rounds", str(rounds)], env=dict(os.environ, EVALUATIONS_ROOT=folder),
                                   capture_output=True, text=True)
        if completed.returncode != 0:
            return {"absent": completed.stderr.strip()[-300:]}
        answer = json.loads(completed.stdout)
        if not answer["engine"].startswith(folder):
            return {"absent": f"it imported {answer['engine']}, not the older revision"}
        return answer


def durable_json(rounds: int) -> None:
    """For --before: this tree's durable RulePack.evaluate figure, as JSON on standard output."""
    import engine
    from advisor.api import load_rules

    _, inputs, _ = load_inputs()
    pack = load_rules()  # an older revision knows no engine= and runs durable-rules
    evaluate_all(pack, inputs)()
    figure = rounds_of({"durable": evaluate_all(pack, inputs)}, rounds)["durable"]
    print(json.dumps({"engine": engine.__file__, "profiles": len(inputs), "rate": figure[0], "low": figure[1],
                      "high": figure[2]}))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--evaluations", type=int, default=100_000)
    parser.add_argument("--before", metavar="REV", help="also time the durable path at this git revision")
    parser.add_argument("--durable-json", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.durable_json:
        durable_json(args.rounds)
        return
    from advisor.api import Advisor, render

    profiles, inputs, origin = load_inputs()
    engines = packs()
    first = next(iter(engines.values()))
    print(f"profiles: {len(inputs)} from {origin}; rules: {len(first.rules)}; engines: {', '.join(engines)}; "
          f"Python {sys.version.split()[0]}; median of {args.rounds} rounds, CPU time")
    for pack in engines.values():  # warm-up: compile every threshold variant once
        evaluate_all(pack, inputs)()
    firings = sum(len(first.evaluate(f, country=c, on=o).fired) for f, c, o in inputs)
    print(f"firings per profile: {firings / len(inputs):.1f}")

    show("rules alone", rounds_of({name: rules_alone(pack, inputs) for name, pack in engines.items()},
                                  args.rounds), "runs/s")
    evaluate = rounds_of({name: evaluate_all(pack, inputs) for name, pack in engines.items()}, args.rounds)
    show("evaluate", evaluate, "evaluations/s")
    show("evaluate, every part of the outcome read", rounds_of(
        {name: evaluate_read_whole(pack, inputs) for name, pack in engines.items()}, args.rounds), "evaluations/s")
    sample = profiles[:500]
    advisors = {name: Advisor(pack=pack) for name, pack in engines.items()}

    def plans(advisor: Any) -> Callable[[], int]:
        def work() -> int:
            for profile in sample:
                render(advisor.advise(profile), "md")
            return len(sample)
        return work
    show("plans (profile -> plan -> Markdown)", rounds_of({name: plans(advisor) for name, advisor in
                                                           advisors.items()}, max(3, args.rounds // 2)), "plans/s")

    for name, pack in engines.items():
        before = rss_mb()
        for index in range(args.evaluations):
            facts, country, on = inputs[index % len(inputs)]
            pack.evaluate(facts, country=country, on=on)
            if index == 1000:
                before = rss_mb()
        after = rss_mb()
        print(f"  memory [{name}] over {args.evaluations:,} evaluations: {before:.1f} MB after 1,000 -> "
              f"{after:.1f} MB at the end ({after - before:+.1f} MB)")

    print("targets:")
    if "python" in evaluate:
        print(f"  the python engine at least {TARGET:,} evaluations/s: {evaluate['python'][0]:,.0f} "
              f"({verdict(evaluate['python'][0] >= TARGET)})")
    if args.before and "durable" in evaluate:
        before = before_figure(args.before, args.rounds)
        if "absent" in before:
            print(f"  durable path no slower than at {args.before}: not measured: {before['absent']}")
        else:
            now = evaluate["durable"][0]
            print(f"  durable path no slower than at {args.before}: {now:,.0f} against {before['rate']:,.0f} "
                  f"evaluations/s ({now / before['rate'] - 1:+.0%}; its rounds {before['low']:,.0f} to "
                  f"{before['high']:,.0f}): {verdict(now >= before['low'])}")


if __name__ == "__main__":
    main()

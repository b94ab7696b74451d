"""Evaluations per second of the shipped rule pack on each engine, side by side, and memory over many evaluations
(a benchmark, not a test).

Reads the shared data set of real public profiles when it is beside the project (../shared/data/creators-2020.jsonl),
else a generated set of the same shape (_data.py). Facts are computed once, untimed. Each figure is the median of
several rounds, engines interleaved round by round (a neighbour's load on a shared machine hits both alike), timed
in CPU seconds of this process, with the slowest and fastest round beside it:

- "rules alone": the compiled rules of each (country, date) variant run on the facts taken in, firings recorded
  and derived facts written: the engine proper, what the two implementations differ in;
- "evaluate": RulePack.evaluate, facts -> Outcome (fact checks, thresholds in force, the rules, every gate's
  requirement checks), the figure the target of 50,000 evaluations/s with the python engine is about;
- "evaluate, every part of the outcome read": the same, then every firing and the facts it matched read, which
  an outcome makes on first read (only the JSON trace reads them): that work counted too;
- "plans": profile -> plan -> Markdown, whole;
- resident memory before and after many evaluations in one process, which must stay flat.

The "evaluate" figures come from processes of their own, one engine each (as a batch or a service holds one pack:
two packs in one process would also time each other's garbage collections), `--runs` of them per engine,
alternated, `--rounds` rounds in each; the figure is the median of every round.

`--before REV` also times RulePack.evaluate with each engine as it was at git revision REV (engine/, advisor/,
rules/ and templates/ exported to a temporary folder), in processes alternated with this checkout's, on the same
facts, in this sitting: the "durable path no slower than before" check, and the python engine's progress.

    python bench/evaluations.py [--rounds 5] [--runs 3] [--evaluations 100000] [--before REV]
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
    """The compiled variant's run on the facts taken in: the rules fired in order and the facts derived, each
    written once (engine.asserting), the engine proper."""
    prepared = []
    for facts, country, on in inputs:
        values, key = pack._resolve(country, on)
        prepared.append((pack._intake.take(facts), pack._variant(values, key)))

    def work() -> int:
        for taken, variant in prepared:
            with pack._backend.lock:
                variant.run(taken)
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
    for name in ("durable", "python"):
        then = next((figure for other, figure in figures.items() if other.startswith(f"{name} at ")), None)
        if then is not None and name in figures:
            print(f"  {label}: {name} now / then = {figures[name][0] / then[0]:.2f}x")


def exported(revision: str, folder: str) -> str | None:
    """engine/, advisor/, rules/ and templates/ at `revision` exported into `folder`; None, or why not."""
    archive = Path(folder) / "before.tar"
    completed = subprocess.run(["git", "-C", str(ROOT), "archive", "-o", str(archive), revision, "engine",
                                "advisor", "rules", "templates"], capture_output=True, text=True)
    if completed.returncode != 0:
        return f"git archive failed: {completed.stderr.strip()[:200]}"
    with tarfile.open(archive) as tar:
        tar.extractall(folder, filter="data")
    for data in ("rules", "templates"):  # where an installed copy has them
        if not (Path(folder) / "advisor" / data).exists():
            os.symlink(Path(folder) / data, Path(folder) / "advisor" / data)
    return None


def in_a_process(engine: str, rounds: int, root: str | None = None) -> dict[str, Any]:
    """RulePack.evaluate's rates with one engine, in a process of its own holding that engine's pack alone, as a
    batch or a service does (two packs in one process would also time each other's garbage collections); `root`:
    the code of an older revision (--before)."""
    env = {name: value for name, value in os.environ.items() if name != "EVALUATIONS_ROOT"}
    if root:
        env["EVALUATIONS_ROOT"] = root
    completed = subprocess.run([sys.executable, str(Path(__file__).resolve()), "--engine-json", engine,
                                "--rounds", str(rounds)], env=env, capture_output=True, text=True)
    if completed.returncode != 0:
        return {"absent": completed.stderr.strip()[-300:]}
    answer = json.loads(completed.stdout)
    if root and not answer["engine"].startswith(root):
        return {"absent": f"it imported {answer['engine']}, not the older revision"}
    return answer


def engine_json(engine: str, rounds: int) -> None:
    """For in_a_process: this tree's RulePack.evaluate rates with one engine, as JSON on standard output."""
    import engine as engine_package
    from advisor.api import load_rules

    _, inputs, _ = load_inputs()
    try:
        pack = load_rules(engine=engine)
    except TypeError:  # a revision before the choice of engine: durable-rules
        pack = load_rules()
    evaluate_all(pack, inputs)()  # warm-up: compile every threshold variant once
    tasks = {"evaluate": evaluate_all(pack, inputs), "whole": evaluate_read_whole(pack, inputs)}
    rates: dict[str, list[float]] = {name: [] for name in tasks}
    for _ in range(rounds):
        for name, work in tasks.items():
            rates[name].append(cpu_rate(work))
    print(json.dumps({"engine": engine_package.__file__, "profiles": len(inputs), **rates}))


def evaluate_in_processes(names: list[str], rounds: int, runs: int, before: str | None
                          ) -> dict[str, dict[str, list[float]] | str]:
    """Each engine's rates (and each engine's at revision `before`), each in `runs` processes of its own, the
    processes alternated (engine, engine, before, before; again): every round of every run, or why there is
    none."""
    figures: dict[str, dict[str, list[float]] | str] = {}
    with tempfile.TemporaryDirectory(prefix="evaluations-before-") as folder:
        cases = [(name, name, None) for name in names]
        if before:
            problem = exported(before, folder)
            for name in names:
                if problem:
                    figures[f"{name} at {before}"] = problem
                else:
                    cases.append((f"{name} at {before}", name, folder))
        for _ in range(runs):
            for label, engine, root in cases:
                answer = in_a_process(engine, rounds, root)
                if "absent" in answer:
                    figures[label] = answer["absent"]
                    continue
                found = figures.setdefault(label, {"evaluate": [], "whole": []})
                if isinstance(found, dict):
                    found["evaluate"] += answer["evaluate"]
                    found["whole"] += answer["whole"]
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--runs", type=int, default=3, help="processes per engine for the evaluate figures")
    parser.add_argument("--evaluations", type=int, default=100_000)
    parser.add_argument("--before", metavar="REV", help="also time both engines as they were at this git revision")
    parser.add_argument("--engine-json", metavar="ENGINE", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.engine_json:
        engine_json(args.engine_json, args.rounds)
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
    measured = evaluate_in_processes(list(engines), args.rounds, args.runs, args.before)
    evaluate: dict[str, tuple[float, float, float]] = {}
    whole: dict[str, tuple[float, float, float]] = {}
    for label, found in measured.items():
        if isinstance(found, str):
            print(f"  evaluate [{label}]: not measured: {found}")
            continue
        evaluate[label] = (median(found["evaluate"]), min(found["evaluate"]), max(found["evaluate"]))
        whole[label] = (median(found["whole"]), min(found["whole"]), max(found["whole"]))
    print(f"  (evaluate: each engine in {args.runs} processes of its own, alternated; {args.rounds} rounds each)")
    show("evaluate", evaluate, "evaluations/s")
    show("evaluate, every part of the outcome read", whole, "evaluations/s")
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
    then = evaluate.get(f"durable at {args.before}")
    if then and "durable" in evaluate:
        now = evaluate["durable"][0]
        print(f"  durable path no slower than at {args.before}: {now:,.0f} against {then[0]:,.0f} evaluations/s "
              f"({now / then[0] - 1:+.0%}; its rounds {then[1]:,.0f} to {then[2]:,.0f}): {verdict(now >= then[1])}")


if __name__ == "__main__":
    main()
